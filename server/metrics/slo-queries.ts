import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { canonicalRefOf } from "@/server/catalog/queries";
import { MetricsQueryError, type Series } from "@/server/providers/metrics";
import { QueryCache } from "./cache";
import type { SloConfig } from "./config";
import { instantValues, type InstantOptions, type InstantRequest } from "./instant";
import { cachedRangeQuery } from "./query";
import { ALERT_WINDOWS, burnDown, evaluateSlo, type SloEvaluation } from "./slo";
import { slosOf, type SloSpec } from "./slo-spec";
import { infoOf, type MetricsSource, type MetricsSources, type SourceInfo } from "./source";
import { chooseStep, formatDuration } from "./step";
import { annotationsOf, planQuery, type SignalEntity } from "./templates";

/**
 * SLOs against a data source (docs/metrics.md "SLOs"): the bad ratio of each objective over the alert windows
 * (5m, 30m, 1h, 6h, 3d) and the SLO window through instantValues (batched across services), evaluated by slo.ts;
 * for one service also the budget burn-down over the window (two range queries per objective).
 */

export type SloResult = { spec: SloSpec; evaluation: SloEvaluation; error: string | null; promql: string | null };

/** The bad-ratio query of an objective: 5xx share (the error-ratio template) or the share slower than the threshold. */
function ratioRequest(entity: SignalEntity, spec: SloSpec, windowSeconds: number): InstantRequest {
  const window = formatDuration(windowSeconds);
  return spec.kind === "availability" ? { entity, signal: "errorRatio", window } : { entity, signal: "slowRatio", window, le: spec.latency!.le };
}

const windowsOf = (spec: SloSpec) => [...new Set([...ALERT_WINDOWS, spec.windowSeconds])];

/** Evaluates the objectives of many services with one instantValues call (so they share batched queries). */
export async function evaluateSlos(source: MetricsSource, items: readonly { entity: SignalEntity; specs: readonly SloSpec[] }[], opts: InstantOptions = {}): Promise<SloResult[][]> {
  const requests: InstantRequest[] = [];
  const layout = items.map((it) => it.specs.map((spec) => windowsOf(spec).map((w) => requests.push(ratioRequest(it.entity, spec, w)) - 1)));
  const values = await instantValues(source, requests, opts);
  return items.map((it, i) =>
    it.specs.map((spec, j) => {
      const idx = layout[i]![j]!;
      const ratios = new Map(windowsOf(spec).map((w, k) => [w, values[idx[k]!]!.value]));
      const failed = idx.map((x) => values[x]!).find((v) => v.error);
      const main = values[idx[windowsOf(spec).indexOf(spec.windowSeconds)]!]!;
      return { spec, evaluation: evaluateSlo(spec, ratios), error: failed?.error ?? null, promql: main.promql };
    }),
  );
}

export const sloInput = z.object({
  ref: z.string().trim().min(1).max(300),
  source: z.string().trim().min(1).max(63).optional(),
});

export type BurnDownPoint = { t: number; remaining: number };
export type EntitySlo = {
  ref: string;
  /** Problems in the SLO annotations/config (each objective that parsed is still evaluated). */
  errors: string[];
  source: SourceInfo | null;
  slos: (SloResult & { burnDown: { points: BurnDownPoint[]; stepSeconds: number; error: string | null } })[];
  evaluatedAt: Date;
};

/** Burn-down charts move slowly (hours per step): shared for 5 minutes. */
const burnDownCache = new QueryCache<Series[]>(300_000, 500);
/** Points of a burn-down chart at most. */
const BURN_DOWN_POINTS = 120;

async function burnDownOf(source: MetricsSource, entity: SignalEntity, spec: SloSpec, now: Date, cache: QueryCache<Series[]>) {
  // The step for the window, but the points end at the latest scrape (not at a step boundary hours ago), so the
  // chart's last point is the current budget and reloads within a scrape interval share one cache entry.
  const { stepSeconds } = chooseStep(new Date(now.getTime() - spec.windowSeconds * 1000), now, source.scrapeIntervalSeconds, BURN_DOWN_POINTS);
  const scrapeMs = source.scrapeIntervalSeconds * 1000;
  const end = Math.floor(now.getTime() / scrapeMs) * scrapeMs;
  const steps = Math.floor(spec.windowSeconds / stepSeconds);
  const step = { start: new Date(end - steps * stepSeconds * 1000), end: new Date(end), stepSeconds };
  const window = formatDuration(stepSeconds);
  const ratio = spec.kind === "availability" ? planQuery(entity, "errorRatio", window) : planQuery(entity, "slowRatio", window, { le: spec.latency!.le });
  const weight = planQuery(entity, "requestRate", window);
  if (!ratio.promql || !weight.promql) return { points: [], stepSeconds, error: ratio.error ?? weight.error };
  try {
    const [r, w] = await Promise.all([cachedRangeQuery(source.provider, ratio.promql, step, cache), cachedRangeQuery(source.provider, weight.promql, step, cache)]);
    const weights = new Map((w[0]?.points ?? []).map(([t, v]) => [t, v]));
    const perStep = (r[0]?.points ?? []).map(([t, v]) => ({ t, badRatio: v, weight: weights.get(t) ?? null }));
    const points = burnDown(perStep, spec.objective);
    // The window opens with the whole budget (Prometheus answers nothing for steps before its data starts).
    if (points.length && points[0]!.t > step.start.getTime()) points.unshift({ t: step.start.getTime(), remaining: 1 });
    return { points, stepSeconds, error: null };
  } catch (err) {
    if (!(err instanceof MetricsQueryError)) throw err;
    return { points: [], stepSeconds, error: err.message };
  }
}

export async function entitySlo(
  db: Db,
  sources: MetricsSources,
  config: SloConfig,
  input: z.output<typeof sloInput>,
  opts: { now?: Date; cache?: QueryCache<Series[]> } = {},
): Promise<EntitySlo> {
  const ref = canonicalRefOf(input.ref);
  const e = await db.entity.findUnique({ where: { ref }, select: { kind: true, name: true, metadata: true } });
  if (!e) throw new TRPCError({ code: "NOT_FOUND", message: `${input.ref} is not in the catalog` });
  const annotations = annotationsOf(e.metadata);
  const { specs, errors } = slosOf({ ref, annotations }, config);
  const source = sources.pick(input.source, annotations);
  const now = opts.now ?? new Date();
  if (!source) return { ref, errors, source: null, slos: [], evaluatedAt: now };
  const entity = { name: e.name, annotations };
  const [results] = await evaluateSlos(source, [{ entity, specs }], { time: opts.now, cache: opts.cache });
  const slos = await Promise.all(
    results!.map(async (r) => ({ ...r, burnDown: await burnDownOf(source, entity, r.spec, now, opts.cache ?? burnDownCache) })),
  );
  return { ref, errors, source: infoOf(source), slos, evaluatedAt: now };
}
