import { z } from "zod";
import type { Db } from "@/server/db/client";
import { MetricsQueryError, type Series } from "@/server/providers/metrics";
import { QueryCache } from "./cache";
import type { MetricsSource } from "./source";
import { planSignals } from "./templates";

/**
 * The managers' overview (docs/metrics.md "Overview"): every catalog Component, grouped by owner team, with a health
 * status derived from the current error ratio and p95 latency (instant queries through the provider, cached), and the
 * scorecard level. Bounded: at most MAX_SERVICES components, two instant queries each, QUERY_CONCURRENCY at a time.
 */

export const MAX_SERVICES = 500;
export const QUERY_CONCURRENCY = 16;
/** The rate() window of the overview's instant queries. */
export const OVERVIEW_WINDOW = "5m";

/** Health thresholds (docs/metrics.md): a signal at or above `failing` fails, at or above `degraded` degrades. */
export const THRESHOLDS = {
  errorRatio: { degraded: 0.01, failing: 0.05 },
  p95Seconds: { degraded: 0.5, failing: 1 },
} as const;

export type HealthStatus = "healthy" | "degraded" | "failing" | "unknown";

function level(value: number | null, t: { degraded: number; failing: number }): HealthStatus {
  if (value === null || !Number.isFinite(value)) return "unknown";
  return value >= t.failing ? "failing" : value >= t.degraded ? "degraded" : "healthy";
}

/**
 * The worst of the two signals; healthy only when both are known and below the thresholds, unknown when a signal has
 * no data and the other does not already say degraded/failing.
 */
export function deriveStatus(signals: { errorRatio: number | null; p95Seconds: number | null }): HealthStatus {
  const levels = [level(signals.errorRatio, THRESHOLDS.errorRatio), level(signals.p95Seconds, THRESHOLDS.p95Seconds)];
  if (levels.includes("failing")) return "failing";
  if (levels.includes("degraded")) return "degraded";
  if (levels.includes("unknown")) return "unknown";
  return "healthy";
}

export const overviewInput = z.object({
  /** Owner team (the owner group's name, e.g. `payments`); all teams when absent. */
  team: z.string().trim().toLowerCase().min(1).max(100).optional(),
});
export type OverviewInput = z.output<typeof overviewInput>;

export type OverviewRow = {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  title: string | null;
  team: string;
  status: HealthStatus;
  errorRatio: number | null;
  p95Seconds: number | null;
  level: string | null;
  score: number | null;
  /** The data source's error (or the template error) when a query failed. */
  error: string | null;
};

export type Overview = {
  provider: { kind: "prometheus" | "demo"; demo: boolean } | null;
  rows: OverviewRow[];
  /** Every owner team with its number of Components (unfiltered), for the filter. */
  teams: { team: string; services: number }[];
  /** Components matching the filter; rows holds at most `limit` of them. */
  total: number;
  limit: number;
  truncated: boolean;
  evaluatedAt: Date;
  thresholds: typeof THRESHOLDS;
};

/** Instant-query results, shared for 15 s per (data source, query). */
export const instantCache = new QueryCache<Series[]>(15_000, 2 * MAX_SERVICES + 100);

const NO_OWNER = "(no owner)";

export function teamOf(ownerRef: string | null): string {
  if (!ownerRef) return NO_OWNER;
  return ownerRef.slice(ownerRef.lastIndexOf("/") + 1) || NO_OWNER;
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function ownerWhere(team: string | undefined) {
  if (!team) return {};
  if (team === NO_OWNER) return { ownerRef: null };
  return { ownerRef: { startsWith: "group:", endsWith: `/${team}` } };
}

export async function metricsOverview(db: Db, source: MetricsSource | null, input: OverviewInput, opts: { cache?: QueryCache<Series[]>; limit?: number; time?: Date } = {}): Promise<Overview> {
  const limit = Math.min(opts.limit ?? MAX_SERVICES, MAX_SERVICES);
  const where = { kind: "Component", ...ownerWhere(input.team) };
  const [entities, total, owners] = await Promise.all([
    db.entity.findMany({
      where,
      orderBy: [{ ownerRef: "asc" }, { name: "asc" }, { id: "asc" }],
      take: limit,
      select: { ref: true, kind: true, namespace: true, name: true, title: true, ownerRef: true, metadata: true, score: { select: { score: true, level: true } } },
    }),
    db.entity.count({ where }),
    db.entity.groupBy({ by: ["ownerRef"], where: { kind: "Component" }, _count: { _all: true } }),
  ]);

  const teamCounts = new Map<string, number>();
  for (const o of owners) teamCounts.set(teamOf(o.ownerRef), (teamCounts.get(teamOf(o.ownerRef)) ?? 0) + o._count._all);
  const teams = [...teamCounts].map(([team, services]) => ({ team, services })).sort((a, b) => a.team.localeCompare(b.team));

  const cache = opts.cache ?? instantCache;
  const instant = async (promql: string | null, planError: string | null): Promise<{ value: number | null; error: string | null }> => {
    if (!source || !promql) return { value: null, error: planError };
    try {
      const series = await cache.get([source.provider.id, "instant", promql, opts.time?.getTime() ?? "now"].join("\n"), () => source.provider.instantQuery(promql, opts.time));
      const v = series[0]?.points.at(-1)?.[1];
      return { value: v === undefined || v === null || !Number.isFinite(v) ? null : v, error: null };
    } catch (err) {
      if (err instanceof MetricsQueryError) return { value: null, error: err.message };
      throw err;
    }
  };

  const rows = await mapLimit(entities, QUERY_CONCURRENCY, async (e): Promise<OverviewRow> => {
    const annotations = ((e.metadata ?? {}) as { annotations?: Record<string, string> }).annotations ?? {};
    const panels = planSignals({ name: e.name, annotations }, OVERVIEW_WINDOW);
    const er = panels.find((p) => p.id === "errorRatio")!.queries[0]!;
    const p95 = panels.find((p) => p.id === "latency")!.queries.find((q) => q.label === "p95")!;
    const [errorRatio, latency] = await Promise.all([instant(er.promql, er.error), instant(p95.promql, p95.error)]);
    return {
      ref: e.ref,
      kind: e.kind,
      namespace: e.namespace,
      name: e.name,
      title: e.title,
      team: teamOf(e.ownerRef),
      status: source ? deriveStatus({ errorRatio: errorRatio.value, p95Seconds: latency.value }) : "unknown",
      errorRatio: errorRatio.value,
      p95Seconds: latency.value,
      level: e.score?.level ?? null,
      score: e.score?.score ?? null,
      error: errorRatio.error ?? latency.error,
    };
  });

  return {
    provider: source ? { kind: source.provider.kind, demo: source.provider.kind === "demo" } : null,
    rows,
    teams,
    total,
    limit,
    truncated: total > entities.length,
    evaluatedAt: new Date(),
    thresholds: THRESHOLDS,
  };
}
