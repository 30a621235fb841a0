"use client";
import Link from "next/link";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { useTRPC } from "@/lib/trpc";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { entityHref } from "@/components/catalog/refs";
import { BandBadge, DoraTiles, DoraTrends, type DoraReport } from "@/components/metrics/dora-parts";
import { formatDuration, formatFrequency, formatPercent } from "@/components/metrics/format";
import { DashboardsTabs } from "./tabs";

const WEEKS = [4, 8, 12, 26] as const;

/** /dashboards/dora: DORA metrics of the organisation or one team, with weekly trends and per-team/per-service tables. */
export function DoraPage() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const params = useSearchParams();
  const team = params.get("team")?.trim().toLowerCase().slice(0, 100) || undefined;
  const environment = params.get("env")?.slice(0, 63) || undefined;
  const weeks = WEEKS.find((w) => String(w) === params.get("weeks")) ?? 12;
  const setView = (v: { team?: string; env?: string; weeks?: number }) => {
    const next = { team, env: environment, weeks, ...v };
    const p = new URLSearchParams();
    if (next.team) p.set("team", next.team);
    if (next.env) p.set("env", next.env);
    if (next.weeks !== 12) p.set("weeks", String(next.weeks));
    window.history.replaceState(null, "", `${pathname}${p.size ? `?${p}` : ""}`);
  };
  const q = useQuery(trpc.metrics.dora.queryOptions({ team, environment, weeks }, { placeholderData: keepPreviousData, staleTime: 60_000 }));
  const d = q.data;
  return (
    <div>
      <PageHeader
        title="Dashboards"
        description="DORA metrics from Opsdeck's deploy records: how often changes reach production, how long they take from commit, how often they fail and how fast service is restored. Bands: DORA 2023 report."
      />
      <DashboardsTabs />
      <div className="mb-3 flex flex-wrap items-center gap-2" role="group" aria-label="Filters">
        <Select aria-label="Team" value={team ?? ""} onChange={(e) => setView({ team: e.target.value || undefined })} className="w-52">
          <option value="">Whole organisation</option>
          {(d?.teams ?? []).map((t) => <option key={t} value={t}>{t}</option>)}
          {team && d && !d.teams.includes(team) ? <option value={team}>{team}</option> : null}
        </Select>
        <Select aria-label="Environment" value={environment ?? d?.environment ?? ""} onChange={(e) => setView({ env: e.target.value || undefined })} className="w-40">
          <option value="">All environments</option>
          {(d?.environments ?? []).map((env) => <option key={env} value={env}>{env}</option>)}
        </Select>
        <Select aria-label="Period" value={String(weeks)} onChange={(e) => setView({ weeks: Number(e.target.value) })} className="w-32">
          {WEEKS.map((w) => <option key={w} value={w}>{w} weeks</option>)}
        </Select>
        {d ? <span className="ml-auto inline-flex items-center gap-2 text-sm">{team ?? "Organisation"} <BandBadge band={d.metrics.band} /></span> : null}
      </div>
      <ErrorNote error={q.error} />
      {!d ? (
        <TableSkeleton rows={8} />
      ) : d.metrics.changes === 0 ? (
        <EmptyState title="No deploys in this period">Deploys made through Opsdeck appear here once they finish.</EmptyState>
      ) : (
        <div className="space-y-4" data-testid="dora-page">
          <DoraTiles m={d.metrics} />
          <DoraTrends weeks={d.weeks} />
          {d.byTeam.length ? <DoraTable title="By team" rows={d.byTeam} link={(k) => `${pathname}?team=${encodeURIComponent(k)}`} /> : null}
          <DoraTable title="By service" rows={d.byService} link={(k) => `${entityHref(k)}#dora`} />
          <p className="text-xs text-muted">
            {d.deploysRead} deploy records read{d.truncated ? " (cut at 100,000: narrow the period or pick a team)" : ""}. Change failure rate counts deploys that ended failed or rolled back, or
            were rolled back afterwards; Opsdeck has no incident records, so failures noticed only through an incident are not counted.
          </p>
        </div>
      )}
    </div>
  );
}

function DoraTable({ title, rows, link }: { title: string; rows: DoraReport["byService"]; link: (key: string) => string }) {
  return (
    <Card>
      <CardHeader title={title} description={`${rows.length} with deploys in the period, most deploys first`} />
      <Table className="text-xs" data-testid={`dora-table-${title === "By team" ? "teams" : "services"}`}>
        <thead>
          <tr>
            <Th>{title === "By team" ? "Team" : "Service"}</Th>
            <Th>Band</Th>
            <Th className="text-right">Deploys</Th>
            <Th className="text-right">Frequency</Th>
            <Th className="text-right">Lead time</Th>
            <Th className="text-right">Failure rate</Th>
            <Th className="text-right">Time to restore</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <Tr key={r.key} data-testid="dora-row" data-band={r.metrics.band ?? "none"}>
              <Td className="py-1">
                <Link href={link(r.key)} className="font-medium text-accent hover:underline">{r.label}</Link>
              </Td>
              <Td className="py-1"><BandBadge band={r.metrics.band} /></Td>
              <Td className="py-1 text-right tabular-nums">{r.metrics.deploys}</Td>
              <Td className="py-1 text-right tabular-nums">{formatFrequency(r.metrics.deploysPerDay)}</Td>
              <Td className="py-1 text-right tabular-nums">{formatDuration(r.metrics.leadTimeSeconds)}</Td>
              <Td className="py-1 text-right tabular-nums">{formatPercent(r.metrics.changeFailureRate, 1)}</Td>
              <Td className="py-1 text-right tabular-nums">{formatDuration(r.metrics.restoreSeconds)}</Td>
            </Tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}
