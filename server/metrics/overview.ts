import { z } from "zod";
import type { Db } from "@/server/db/client";
import type { SloConfig } from "./config";
import { instantValues, type InstantOptions, type InstantRequest } from "./instant";
import { evaluateSlos, type SloResult } from "./slo-queries";
import { slosOf } from "./slo-spec";
import { infoOf, type MetricsSource, type MetricsSources, type SourceInfo } from "./source";
import { deriveStatus, THRESHOLDS, worstStatus, type HealthStatus } from "./status";
import { annotationsOf, type SignalEntity } from "./templates";

/**
 * The managers' overview (docs/metrics.md "Overview"): every catalog Component, grouped by owner team, with a health
 * status — from its SLOs (burn rates, budget) when it has any, else from the current error ratio and p95 latency
 * against fixed thresholds — the values against the objectives, the last deploy and the scorecard level.
 * Queries are batched (instant.ts): one query per (signal, window) for all services on the built-in templates, one
 * per service only for those with selector/query annotations. At most MAX_SERVICES components per answer.
 */

export const MAX_SERVICES = 500;
/** The rate() window of the overview's current values. */
export const OVERVIEW_WINDOW = "5m";

export { deriveStatus, THRESHOLDS, type HealthStatus };
export { mapLimit } from "./concurrency";

export const overviewInput = z.object({
  /** Owner team (the owner group's name, e.g. `payments`); all teams when absent. */
  team: z.string().trim().toLowerCase().min(1).max(100).optional(),
  /** One data source for every service; default: each service's own (annotation) or the default source. */
  source: z.string().trim().min(1).max(63).optional(),
});
export type OverviewInput = z.output<typeof overviewInput>;

export type OverviewSlo = {
  id: string;
  title: string;
  objective: number;
  status: HealthStatus;
  sli: number | null;
  budgetRemaining: number | null;
  burn: "fast" | "slow" | null;
  reason: string;
  error: string | null;
};

export type LastDeploy = { id: string; version: string; state: string; kind: string; environment: string; at: Date; by: string | null };

export type OverviewRow = {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  title: string | null;
  team: string;
  /** The data source the values come from. */
  source: string | null;
  status: HealthStatus;
  /** Why: the worst SLO's reason, or "thresholds". */
  statusFrom: "slo" | "thresholds";
  errorRatio: number | null;
  p95Seconds: number | null;
  /** The error ratio the availability objective allows (1 − objective), when there is one. */
  errorObjective: number | null;
  /** The latency objective's threshold and percentile, when there is one. */
  latencyObjective: { seconds: number; percentile: number } | null;
  slos: OverviewSlo[];
  /** Problems in the SLO annotations. */
  sloErrors: string[];
  lastDeploy: LastDeploy | null;
  level: string | null;
  score: number | null;
  /** The data source's error (or the template error) when a query failed. */
  error: string | null;
};

export type Overview = {
  provider: { kind: "prometheus" | "demo"; demo: boolean } | null;
  sources: SourceInfo[];
  rows: OverviewRow[];
  /** Every owner team with its number of Components (unfiltered), for the filter. */
  teams: { team: string; services: number }[];
  /** Components matching the filter; rows holds at most `limit` of them. */
  total: number;
  limit: number;
  truncated: boolean;
  evaluatedAt: Date;
  thresholds: typeof THRESHOLDS;
  /** Upstream queries this answer needed (cache hits included): the batching at work. */
  queries: number;
};

const NO_OWNER = "(no owner)";

export function teamOf(ownerRef: string | null): string {
  if (!ownerRef) return NO_OWNER;
  return ownerRef.slice(ownerRef.lastIndexOf("/") + 1) || NO_OWNER;
}

/** The Prisma filter on Entity for an owner team name. */
export function ownerWhere(team: string | undefined) {
  if (!team) return {};
  if (team === NO_OWNER) return { ownerRef: null };
  return { ownerRef: { startsWith: "group:", endsWith: `/${team}` } };
}

/** Latest deploy per service (any environment, or the source's); plugged in by the router so metrics needs no deploys import. */
export type LastDeploys = (refs: string[], environment: string | null) => Promise<Map<string, LastDeploy>>;

export type OverviewOptions = InstantOptions & { limit?: number; sloConfig?: SloConfig; lastDeploys?: LastDeploys };

export async function metricsOverview(db: Db, sources: MetricsSources, input: OverviewInput, opts: OverviewOptions = {}): Promise<Overview> {
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

  const fixed = input.source ? sources.pick(input.source) : null;
  const items = entities.map((e) => {
    const annotations = annotationsOf(e.metadata);
    const entity: SignalEntity = { name: e.name, annotations };
    return { e, entity, source: fixed ?? sources.pick(null, annotations), slo: slosOf({ ref: e.ref, annotations }, opts.sloConfig ?? {}) };
  });

  // Per data source: the current error ratio and p95 of every service, then every objective, each in batched queries.
  const bySource = new Map<MetricsSource, number[]>();
  items.forEach((it, i) => it.source && bySource.set(it.source, [...(bySource.get(it.source) ?? []), i]));
  const current = new Array<{ errorRatio: { value: number | null; error: string | null }; p95: { value: number | null; error: string | null } }>(items.length);
  const slos = new Array<SloResult[]>(items.length);
  let queries = 0;
  await Promise.all(
    [...bySource].map(async ([source, indexes]) => {
      const counted = { ...opts, onQuery: () => queries++ };
      const requests = indexes.flatMap((i): InstantRequest[] => [
        { entity: items[i]!.entity, signal: "errorRatio", window: OVERVIEW_WINDOW },
        { entity: items[i]!.entity, signal: "latency", window: OVERVIEW_WINDOW, quantile: 0.95 },
      ]);
      const [values, evaluated] = await Promise.all([
        instantValues(source, requests, counted),
        evaluateSlos(source, indexes.map((i) => ({ entity: items[i]!.entity, specs: items[i]!.slo.specs })), counted),
      ]);
      indexes.forEach((i, k) => {
        current[i] = { errorRatio: values[2 * k]!, p95: values[2 * k + 1]! };
        slos[i] = evaluated[k]!;
      });
    }),
  );

  const deployEnv = fixed?.environment ?? null;
  const lastDeploys = opts.lastDeploys ? await opts.lastDeploys(entities.map((e) => e.ref), deployEnv) : new Map<string, LastDeploy>();

  const rows = items.map(({ e, source, slo }, i): OverviewRow => {
    const cur = current[i];
    const results = slos[i] ?? [];
    const errorRatio = cur?.errorRatio.value ?? null;
    const p95Seconds = cur?.p95.value ?? null;
    const availability = slo.specs.find((s) => s.kind === "availability");
    const latency = slo.specs.find((s) => s.kind === "latency" && s.latency!.percentile === 95) ?? slo.specs.find((s) => s.kind === "latency");
    const bySlo = source && results.length > 0;
    return {
      ref: e.ref,
      kind: e.kind,
      namespace: e.namespace,
      name: e.name,
      title: e.title,
      team: teamOf(e.ownerRef),
      source: source?.name ?? null,
      status: !source ? "unknown" : bySlo ? worstStatus(results.map((r) => r.evaluation.status)) : deriveStatus({ errorRatio, p95Seconds }),
      statusFrom: bySlo ? "slo" : "thresholds",
      errorRatio,
      p95Seconds,
      errorObjective: availability ? 1 - availability.objective : null,
      latencyObjective: latency ? { seconds: latency.latency!.thresholdSeconds, percentile: latency.latency!.percentile } : null,
      slos: results.map((r) => ({
        id: r.spec.id,
        title: r.spec.title,
        objective: r.spec.objective,
        status: r.evaluation.status,
        sli: r.evaluation.sli,
        budgetRemaining: r.evaluation.budgetRemaining,
        burn: r.evaluation.burn,
        reason: r.evaluation.reason,
        error: r.error,
      })),
      sloErrors: slo.errors,
      lastDeploy: lastDeploys.get(e.ref) ?? null,
      level: e.score?.level ?? null,
      score: e.score?.score ?? null,
      error: cur?.errorRatio.error ?? cur?.p95.error ?? results.find((r) => r.error)?.error ?? null,
    };
  });

  const first = fixed ?? sources.fallback;
  return {
    provider: first ? { kind: first.provider.kind, demo: first.provider.kind === "demo" } : null,
    sources: sources.list.map(infoOf),
    rows,
    teams,
    total,
    limit,
    truncated: total > entities.length,
    evaluatedAt: new Date(),
    thresholds: THRESHOLDS,
    queries,
  };
}
