"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { Fragment, useMemo } from "react";
import { Activity, ArrowDown, ArrowUp } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, PageHeader } from "@/components/ui/card";
import { Badge, StatusDot, type Status } from "@/components/ui/badge";
import { Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { ScoreBadge } from "@/components/catalog/score-badge";
import { entityHref } from "@/components/catalog/refs";
import { formatValue } from "./format";

type Row = RouterOutputs["metrics"]["overview"]["rows"][number];
type SortKey = "name" | "status" | "errorRatio" | "p95" | "level";
type Dir = "asc" | "desc";

const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: "name", label: "Service", numeric: false },
  { key: "status", label: "Status", numeric: false },
  { key: "errorRatio", label: "Error ratio", numeric: true },
  { key: "p95", label: "p95 latency", numeric: true },
  { key: "level", label: "Scorecard", numeric: false },
];
const SORT_KEYS = COLUMNS.map((c) => c.key);
const STATUS_RANK: Record<Status, number> = { failing: 3, degraded: 2, unknown: 1, healthy: 0 };
const LEVEL_RANK: Record<string, number> = { gold: 3, silver: 2, bronze: 1, none: 0 };

/** Sort key of a row; null sorts last in either direction. */
function keyOf(r: Row, k: SortKey): string | number | null {
  switch (k) {
    case "name":
      return r.name;
    case "status":
      return STATUS_RANK[r.status];
    case "errorRatio":
      return r.errorRatio;
    case "p95":
      return r.p95Seconds;
    case "level":
      return r.level === null ? null : (LEVEL_RANK[r.level] ?? 0);
  }
}

function sortRows(rows: Row[], sort: SortKey, dir: Dir): Row[] {
  const sign = dir === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = keyOf(a, sort);
    const y = keyOf(b, sort);
    if (x === null || y === null) return x === y ? a.name.localeCompare(b.name) : x === null ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : a.name.localeCompare(b.name);
  });
}

export function DashboardsOverview() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const params = useSearchParams();
  const sort: SortKey = SORT_KEYS.find((k) => k === params.get("sort")) ?? "status";
  const dirParam = params.get("dir");
  const dir: Dir = dirParam === "asc" || dirParam === "desc" ? dirParam : sort === "name" ? "asc" : "desc";
  const team = params.get("team")?.trim().toLowerCase().slice(0, 100) || undefined;
  const setView = (v: { sort: SortKey; dir: Dir; team?: string }) => {
    const p = new URLSearchParams({ sort: v.sort, dir: v.dir });
    if (v.team) p.set("team", v.team);
    window.history.replaceState(null, "", `${pathname}?${p.toString()}`);
  };

  const overview = useQuery({ ...trpc.metrics.overview.queryOptions({ team }), refetchInterval: 60_000 });
  const data = overview.data;
  const groups = useMemo(() => {
    const byTeam = new Map<string, Row[]>();
    for (const r of data?.rows ?? []) byTeam.set(r.team, [...(byTeam.get(r.team) ?? []), r]);
    return [...byTeam].sort(([a], [b]) => a.localeCompare(b)).map(([t, rows]) => ({ team: t, rows: sortRows(rows, sort, dir) }));
  }, [data, sort, dir]);
  const counts = useMemo(() => {
    const c: Record<Status, number> = { healthy: 0, degraded: 0, failing: 0, unknown: 0 };
    for (const r of data?.rows ?? []) c[r.status]++;
    return c;
  }, [data]);

  const header = (c: (typeof COLUMNS)[number]) => {
    const active = sort === c.key;
    const next: Dir = active ? (dir === "asc" ? "desc" : "asc") : c.numeric || c.key === "status" || c.key === "level" ? "desc" : "asc";
    return (
      <Th key={c.key} className={cn(c.numeric && "text-right")} aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}>
        <button type="button" className="inline-flex items-center gap-1 uppercase hover:text-fg" onClick={() => setView({ sort: c.key, dir: next, team })}>
          {c.label}
          {active ? dir === "asc" ? <ArrowUp className="size-3" aria-hidden /> : <ArrowDown className="size-3" aria-hidden /> : null}
        </button>
      </Th>
    );
  };

  return (
    <div>
      <PageHeader
        title="Dashboards"
        description={
          <>
            Every catalog Component by owner team. Status from the current error ratio (≥ 1 % degraded, ≥ 5 % failing) and p95 latency (≥ 500 ms degraded, ≥ 1 s
            failing) over the last 5 minutes; unknown without data.
          </>
        }
        actions={
          <div className="flex items-center gap-2">
            {data?.provider?.demo ? <Badge tone="accent">demo data</Badge> : null}
            <label className="flex items-center gap-2 text-sm text-muted">
              Team
              <Select aria-label="Team" value={team ?? ""} onChange={(e) => setView({ sort, dir, team: e.target.value || undefined })} className="w-44">
                <option value="">All teams</option>
                {(data?.teams ?? []).map((t) => (
                  <option key={t.team} value={t.team}>
                    {t.team} ({t.services})
                  </option>
                ))}
                {team && data && !data.teams.some((t) => t.team === team) ? <option value={team}>{team}</option> : null}
              </Select>
            </label>
          </div>
        }
      />
      <ErrorNote error={overview.error} />
      {data && !data.provider ? (
        <p className="mb-3 rounded-md border border-border bg-subtle px-3 py-2 text-sm text-muted">
          No metrics data source is configured (set <code>OPSDECK_PROMETHEUS_URL</code>): statuses are unknown.
        </p>
      ) : null}
      <Card>
        {overview.isPending ? (
          <TableSkeleton rows={12} />
        ) : !data || data.rows.length === 0 ? (
          <EmptyState icon={<Activity className="size-6" />} title={team ? `No services owned by ${team}` : "No services in the catalog"}>
            Components appear here once the catalog has them.
          </EmptyState>
        ) : (
          <>
            <div className="flex flex-wrap items-center gap-3 border-b border-border px-3 py-2 text-xs text-muted" data-testid="overview-summary">
              <span>
                {data.rows.length} of {data.total} services{team ? ` owned by ${team}` : ""}
              </span>
              {(["failing", "degraded", "healthy", "unknown"] as const).map((s) => (
                <span key={s} className="inline-flex items-center gap-1">
                  <StatusDot status={s} /> {counts[s]} {s}
                </span>
              ))}
              {data.truncated ? <span className="text-degraded">showing the first {data.limit} (filter by team to see the rest)</span> : null}
            </div>
            <Table className="text-xs" data-testid="overview-table">
              <thead>
                <tr>{COLUMNS.map(header)}</tr>
              </thead>
              <tbody>
                {groups.map((g) => (
                  <Fragment key={g.team}>
                    <tr data-testid="overview-team" data-team={g.team}>
                      <th colSpan={COLUMNS.length} scope="rowgroup" className="border-b border-border bg-subtle px-3 py-1 text-left text-xs font-semibold">
                        {g.team} <span className="font-normal text-muted">· {g.rows.length}</span>
                      </th>
                    </tr>
                    {g.rows.map((r) => (
                      <Tr key={r.ref} data-testid="overview-row" data-team={r.team} data-status={r.status}>
                        <Td className="py-1">
                          <Link href={entityHref(r.ref)} className="font-medium text-accent hover:underline">
                            {r.title ?? r.name}
                          </Link>
                          {r.namespace !== "default" ? <span className="ml-1 text-muted">{r.namespace}</span> : null}
                        </Td>
                        <Td className="py-1">
                          <span className="inline-flex items-center gap-1.5" title={r.error ?? undefined}>
                            <StatusDot status={r.status} />
                            {r.status}
                          </span>
                        </Td>
                        <Td className="py-1 text-right tabular-nums">{formatValue(r.errorRatio, "ratio")}</Td>
                        <Td className="py-1 text-right tabular-nums">{formatValue(r.p95Seconds, "seconds")}</Td>
                        <Td className="py-1">
                          <ScoreBadge score={r.score} level={r.level} compact />
                        </Td>
                      </Tr>
                    ))}
                  </Fragment>
                ))}
              </tbody>
            </Table>
          </>
        )}
      </Card>
    </div>
  );
}
