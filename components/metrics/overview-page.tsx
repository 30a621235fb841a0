"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { Fragment } from "react";
import { Activity, ArrowDown, ArrowUp, Search } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, PageHeader } from "@/components/ui/card";
import { Badge, StatusDot, type Status } from "@/components/ui/badge";
import { Input, Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { ScoreBadge } from "@/components/catalog/score-badge";
import { entityHref } from "@/components/catalog/refs";
import { DashboardsTabs } from "@/components/dashboards/tabs";
import { budgetTone, formatAgo, formatValue } from "./format";

type Overview = RouterOutputs["metrics"]["overview"];
type Row = Overview["rows"][number];
type SortKey = "name" | "status" | "slo" | "errorRatio" | "p95" | "deploy" | "level";
type Dir = "asc" | "desc";

const COLUMNS: { key: SortKey; label: string; numeric: boolean; title?: string }[] = [
  { key: "name", label: "Service", numeric: false },
  { key: "status", label: "Status", numeric: false, title: "From the SLOs when the service has any, else from error ratio and p95 thresholds" },
  { key: "slo", label: "Error budget", numeric: true, title: "Error budget left of the worst objective, and its burn" },
  { key: "errorRatio", label: "Errors / objective", numeric: true, title: "5xx share over 5 minutes against what the availability objective allows" },
  { key: "p95", label: "p95 / objective", numeric: true, title: "p95 latency over 5 minutes against the latency objective" },
  { key: "deploy", label: "Last deploy", numeric: false },
  { key: "level", label: "Scorecard", numeric: false },
];
const SORT_KEYS = COLUMNS.map((c) => c.key);
const STATUSES = ["failing", "degraded", "healthy", "unknown"] as const;
const STATUS_RANK: Record<Status, number> = { failing: 3, degraded: 2, unknown: 1, healthy: 0 };
const LEVEL_RANK: Record<string, number> = { gold: 3, silver: 2, bronze: 1, none: 0 };

const worstBudget = (r: Row) => (r.slos.length ? Math.min(...r.slos.map((s) => s.budgetRemaining ?? Number.POSITIVE_INFINITY)) : null);

/** Sort key of a row; null sorts last in either direction. */
function keyOf(r: Row, k: SortKey): string | number | null {
  switch (k) {
    case "name":
      return r.name;
    case "status":
      return STATUS_RANK[r.status];
    case "slo": {
      const b = worstBudget(r);
      return b === null || !Number.isFinite(b) ? null : -b; // "desc" = least budget first
    }
    case "errorRatio":
      return r.errorRatio;
    case "p95":
      return r.p95Seconds;
    case "deploy":
      return r.lastDeploy ? r.lastDeploy.at.getTime() : null;
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

type View = { sort: SortKey; dir: Dir; team?: string; status?: Status; q?: string; source?: string };

export function DashboardsOverview() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const params = useSearchParams();
  const sort: SortKey = SORT_KEYS.find((k) => k === params.get("sort")) ?? "status";
  const dirParam = params.get("dir");
  const dir: Dir = dirParam === "asc" || dirParam === "desc" ? dirParam : sort === "name" ? "asc" : "desc";
  const team = params.get("team")?.trim().toLowerCase().slice(0, 100) || undefined;
  const status = STATUSES.find((s) => s === params.get("status"));
  const q = params.get("q")?.slice(0, 100) ?? "";
  const source = params.get("source")?.slice(0, 63) || undefined;
  const view: View = { sort, dir, team, status, q: q || undefined, source };
  const setView = (patch: Partial<View>) => {
    const v = { ...view, ...patch };
    const p = new URLSearchParams({ sort: v.sort, dir: v.dir });
    for (const k of ["team", "status", "q", "source"] as const) if (v[k]) p.set(k, v[k]!);
    window.history.replaceState(null, "", `${pathname}?${p.toString()}`);
  };

  const overview = useQuery({ ...trpc.metrics.overview.queryOptions({ team, source }), refetchInterval: 60_000 });
  const data = overview.data;
  const needle = q.trim().toLowerCase();
  // ≤ 500 rows: filtering, grouping and counting on every render costs less than memoising them.
  const visible = (data?.rows ?? []).filter((r) => (!status || r.status === status) && (!needle || r.name.includes(needle) || (r.title ?? "").toLowerCase().includes(needle)));
  const byTeam = new Map<string, Row[]>();
  for (const r of visible) byTeam.set(r.team, [...(byTeam.get(r.team) ?? []), r]);
  const groups = [...byTeam].sort(([a], [b]) => a.localeCompare(b)).map(([t, rows]) => ({ team: t, rows: sortRows(rows, sort, dir) }));
  const counts: Record<Status, number> = { healthy: 0, degraded: 0, failing: 0, unknown: 0 };
  for (const r of data?.rows ?? []) counts[r.status]++;

  const header = (c: (typeof COLUMNS)[number]) => {
    const active = sort === c.key;
    const next: Dir = active ? (dir === "asc" ? "desc" : "asc") : c.key === "name" ? "asc" : "desc";
    return (
      <Th key={c.key} className={cn("sticky top-0 z-10 bg-card py-1.5", c.numeric && "text-right")} aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"} title={c.title}>
        <button type="button" className="inline-flex items-center gap-1 uppercase hover:text-fg" onClick={() => setView({ sort: c.key, dir: next })}>
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
            Every catalog Component by owner team. Status from the service&apos;s SLOs (fast burn or exhausted budget: failing; slow burn: degraded) when it has
            any, else from the error ratio (≥ 1 % degraded, ≥ 5 % failing) and p95 latency (≥ 500 ms, ≥ 1 s) over the last 5 minutes.
          </>
        }
        actions={data?.provider?.demo ? <Badge tone="accent">demo data</Badge> : null}
      />
      <DashboardsTabs />
      <div className="mb-3 flex flex-wrap items-center gap-2" role="group" aria-label="Filters">
        <label className="relative">
          <span className="sr-only">Filter services</span>
          <Search className="pointer-events-none absolute top-2 left-2 size-4 text-muted" aria-hidden />
          <Input type="search" placeholder="Filter services" defaultValue={q} onChange={(e) => setView({ q: e.target.value.trim() || undefined })} className="w-56 pl-7" />
        </label>
        <Select aria-label="Team" value={team ?? ""} onChange={(e) => setView({ team: e.target.value || undefined })} className="w-44">
          <option value="">All teams</option>
          {(data?.teams ?? []).map((t) => (
            <option key={t.team} value={t.team}>
              {t.team} ({t.services})
            </option>
          ))}
          {team && data && !data.teams.some((t) => t.team === team) ? <option value={team}>{team}</option> : null}
        </Select>
        <Select aria-label="Status" value={status ?? ""} onChange={(e) => setView({ status: STATUSES.find((s) => s === e.target.value) })} className="w-36">
          <option value="">Any status</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s} ({counts[s]})</option>)}
        </Select>
        {data && data.sources.length > 1 ? (
          <Select aria-label="Data source" value={source ?? ""} onChange={(e) => setView({ source: e.target.value || undefined })} className="w-48" data-testid="source-picker">
            <option value="">Each service&apos;s own source</option>
            {data.sources.map((s) => <option key={s.name} value={s.name}>{s.label}</option>)}
          </Select>
        ) : null}
      </div>
      <ErrorNote error={overview.error} />
      {data && !data.provider ? (
        <p className="mb-3 rounded-md border border-border bg-subtle px-3 py-2 text-sm text-muted">
          No metrics data source is configured (set <code>OPSDECK_PROMETHEUS_URL</code> or <code>OPSDECK_METRICS_SOURCES</code>): statuses are unknown.
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
                {visible.length} of {data.total} services{team ? ` owned by ${team}` : ""}
              </span>
              {STATUSES.map((s) => (
                <button key={s} type="button" onClick={() => setView({ status: status === s ? undefined : s })} aria-pressed={status === s} className={cn("inline-flex items-center gap-1 rounded px-1 hover:bg-subtle", status === s && "bg-subtle text-fg")}>
                  <StatusDot status={s} /> {counts[s]} {s}
                </button>
              ))}
              <span className="ml-auto">{data.queries} queries · evaluated {data.evaluatedAt.toLocaleTimeString()}</span>
              {data.truncated ? <span className="text-degraded">showing the first {data.limit} (filter by team to see the rest)</span> : null}
            </div>
            <div className="max-h-[calc(100vh-15rem)] overflow-auto">
              <Table className="text-xs" data-testid="overview-table">
                <thead>
                  <tr>{COLUMNS.map(header)}</tr>
                </thead>
                <tbody>
                  {groups.map((g) => (
                    <Fragment key={g.team}>
                      <tr data-testid="overview-team" data-team={g.team}>
                        <th colSpan={COLUMNS.length} scope="rowgroup" className="border-b border-border bg-subtle px-3 py-0.5 text-left text-xs font-semibold">
                          {g.team} <span className="font-normal text-muted">· {g.rows.length}</span>
                        </th>
                      </tr>
                      {g.rows.map((r) => <OverviewRow key={r.ref} row={r} />)}
                    </Fragment>
                  ))}
                </tbody>
              </Table>
              {groups.length === 0 ? <p className="px-3 py-6 text-center text-sm text-muted">No service matches the filters.</p> : null}
            </div>
          </>
        )}
      </Card>
    </div>
  );
}

const cell = "py-0.5";
const cellLink = "block rounded px-1 -mx-1 hover:bg-subtle focus-visible:bg-subtle";

function OverviewRow({ row: r }: { row: Row }) {
  const href = entityHref(r.ref);
  const worst = r.slos.length ? r.slos.reduce((a, b) => ((a.budgetRemaining ?? Infinity) <= (b.budgetRemaining ?? Infinity) ? a : b)) : null;
  const overObjective = (v: number | null, objective: number | null) => v !== null && objective !== null && v > objective;
  return (
    <Tr data-testid="overview-row" data-team={r.team} data-status={r.status} data-name={r.name}>
      <Td className={cell}>
        <Link href={href} className="font-medium text-accent hover:underline">
          {r.title ?? r.name}
        </Link>
        {r.namespace !== "default" ? <span className="ml-1 text-muted">{r.namespace}</span> : null}
      </Td>
      <Td className={cell}>
        <Link href={`${href}#${r.statusFrom === "slo" ? "slo" : "health"}`} className={cn(cellLink, "inline-flex items-center gap-1.5")} title={r.error ?? (worst ? `${worst.title}: ${worst.reason}` : "from the error-ratio and p95 thresholds")}>
          <StatusDot status={r.status} />
          {r.status}
        </Link>
      </Td>
      <Td className={cn(cell, "text-right tabular-nums")}>
        {worst ? (
          <Link href={`${href}#slo`} className={cellLink} title={r.slos.map((s) => `${s.title}: ${s.reason}`).join("\n")} data-testid="overview-budget">
            {worst.burn ? <span className={cn("mr-1.5", worst.burn === "fast" ? "text-failing" : "text-degraded")}>{worst.burn} burn</span> : null}
            <BudgetBar remaining={worst.budgetRemaining} />
          </Link>
        ) : (
          <span className="text-muted" title={r.sloErrors.join("\n") || "No SLO defined"}>{r.sloErrors.length ? "invalid SLO" : "—"}</span>
        )}
      </Td>
      <Td className={cn(cell, "text-right tabular-nums")}>
        <Link href={`${href}#health`} className={cn(cellLink, overObjective(r.errorRatio, r.errorObjective) && "text-failing")}>
          {formatValue(r.errorRatio, "ratio")}
          {r.errorObjective !== null ? <span className="text-muted"> / {formatValue(r.errorObjective, "ratio")}</span> : null}
        </Link>
      </Td>
      <Td className={cn(cell, "text-right tabular-nums")}>
        <Link href={`${href}#health`} className={cn(cellLink, overObjective(r.p95Seconds, r.latencyObjective?.percentile === 95 ? r.latencyObjective.seconds : null) && "text-failing")}>
          {formatValue(r.p95Seconds, "seconds")}
          {r.latencyObjective ? (
            <span className="text-muted">
              {" "}/ {r.latencyObjective.percentile === 95 ? "" : `p${r.latencyObjective.percentile} `}
              {formatValue(r.latencyObjective.seconds, "seconds")}
            </span>
          ) : null}
        </Link>
      </Td>
      <Td className={cell}>
        {r.lastDeploy ? (
          <Link href={`/deploys/${r.lastDeploy.id}`} className={cn(cellLink, "whitespace-nowrap")} title={`${r.lastDeploy.kind} ${r.lastDeploy.version} to ${r.lastDeploy.environment} by ${r.lastDeploy.by ?? "?"}: ${r.lastDeploy.state}`} data-testid="overview-deploy">
            <span className="font-mono">{r.lastDeploy.version}</span>{" "}
            <span className={cn(r.lastDeploy.state === "failed" || r.lastDeploy.state === "rolled_back" ? "text-failing" : "text-muted")}>
              {r.lastDeploy.state === "succeeded" ? formatAgo(r.lastDeploy.at) : r.lastDeploy.state.replace("_", " ")}
            </span>
          </Link>
        ) : (
          <span className="text-muted">—</span>
        )}
      </Td>
      <Td className={cell}>
        <Link href={`${href}#scorecard`} className="rounded">
          <ScoreBadge score={r.score} level={r.level} compact />
        </Link>
      </Td>
    </Tr>
  );
}

function BudgetBar({ remaining }: { remaining: number | null }) {
  if (remaining === null) return <span className="text-muted">no data</span>;
  const pct = Math.round(remaining * 100);
  return (
    <span className="inline-flex items-center gap-1.5">
      <span className="inline-block h-1.5 w-12 overflow-hidden rounded bg-subtle align-middle">
        <span className={cn("block h-full", budgetTone(remaining))} style={{ width: `${Math.max(0, Math.min(100, pct))}%` }} />
      </span>
      <span className={cn("w-10", remaining <= 0 && "text-failing")}>{pct} %</span>
    </span>
  );
}

