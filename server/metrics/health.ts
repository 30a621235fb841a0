import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { canonicalRefOf } from "@/server/catalog/queries";
import { MetricsQueryError, type Sample, type Series } from "@/server/providers/metrics";
import type { QueryCache } from "./cache";
import { lttb } from "./lttb";
import { cachedRangeQuery, rangeCache } from "./query";
import { deployMarkers, type DeployMarker } from "./deploy-history";
import { infoOf, type MetricsSource, type MetricsSources, type SourceInfo } from "./source";
import { chooseStep, type StepChoice } from "./step";
import { annotationsOf, planSignals, type PlannedQuery, type SignalId, type Unit } from "./templates";

export const RANGE_PRESETS = { "1h": 3600, "6h": 6 * 3600, "24h": 24 * 3600, "7d": 7 * 86400 } as const;
export type RangePreset = keyof typeof RANGE_PRESETS;

const MIN_RANGE_MS = 5 * 60_000;
const MAX_RANGE_MS = 31 * 86_400_000;
/** Series per query at most: the golden signals are sums (one series each); a broad override must not flood the page. */
const MAX_SERIES = 20;

export const rangeInput = z.union([
  z.object({ preset: z.enum(Object.keys(RANGE_PRESETS) as [RangePreset, ...RangePreset[]]) }),
  z
    .object({ from: z.date(), to: z.date() })
    .refine((r) => r.to.getTime() - r.from.getTime() >= MIN_RANGE_MS, "the range must span at least 5 minutes")
    .refine((r) => r.to.getTime() - r.from.getTime() <= MAX_RANGE_MS, "the range must span at most 31 days")
    .refine((r) => r.to.getTime() <= Date.now() + 3_600_000, "the range must not end in the future"),
]);

export const healthInput = z.object({
  ref: z.string().trim().min(1).max(300),
  range: rangeInput.default({ preset: "6h" }),
  /** Points per series after downsampling. */
  maxPoints: z.number().int().min(50).max(1000).default(1000),
  /** A configured data source by name; default: the entity's `opsdeck.dev/metrics-source`, else the default source. */
  source: z.string().trim().min(1).max(63).optional(),
});
export type HealthInput = z.output<typeof healthInput>;

export type HealthSeries = { name: string; labels: Record<string, string>; points: Sample[]; rawPoints: number };
export type HealthQuery = { label: string; promql: string | null; error: string | null; series: HealthSeries[]; truncated: boolean };
export type HealthPanel = { id: SignalId; title: string; unit: Unit; source: "default" | "selector" | "annotation"; queries: HealthQuery[] };
export type EntityHealth =
  | { configured: false }
  | {
      configured: true;
      provider: { kind: "prometheus" | "demo"; demo: boolean };
      /** The data source that answered, and every configured one (the picker). */
      source: SourceInfo;
      sources: SourceInfo[];
      range: { start: Date; end: Date; stepSeconds: number; rateWindow: string };
      panels: HealthPanel[];
      /** Deploys of the service in the range, to the source's environment (all environments when it names none). */
      deploys: DeployMarker[];
    };

export function resolveRange(range: HealthInput["range"], now = new Date()): { start: Date; end: Date } {
  if ("preset" in range) return { start: new Date(now.getTime() - RANGE_PRESETS[range.preset] * 1000), end: now };
  return { start: range.from, end: range.to };
}

/** The golden signals of one catalog Component over a time range; a failing query carries its error, the others still answer. */
export async function entityHealth(db: Db, sources: MetricsSources, input: HealthInput, opts: { now?: Date; cache?: QueryCache<Series[]> } = {}): Promise<EntityHealth> {
  const ref = canonicalRefOf(input.ref);
  const e = await db.entity.findUnique({ where: { ref }, select: { kind: true, name: true, metadata: true } });
  if (!e) throw new TRPCError({ code: "NOT_FOUND", message: `${input.ref} is not in the catalog` });
  if (e.kind !== "Component") throw new TRPCError({ code: "BAD_REQUEST", message: `Health is shown for Components, not ${e.kind}` });
  const annotations = annotationsOf(e.metadata);
  const source = sources.pick(input.source, annotations);
  if (!source) return { configured: false };

  const { start, end } = resolveRange(input.range, opts.now);
  const step = chooseStep(start, end, source.scrapeIntervalSeconds);
  const panels = planSignals({ name: e.name, annotations }, step.rateWindow);

  const [answered, deploys] = await Promise.all([
    Promise.all(panels.map(async (p) => ({ ...p, queries: await Promise.all(p.queries.map((q) => answerQuery(source, q, step, input.maxPoints, opts.cache))) }))),
    deployMarkers(db, ref, source.environment, step.start, end),
  ]);
  return { configured: true, provider: { kind: source.provider.kind, demo: source.provider.kind === "demo" }, source: infoOf(source), sources: sources.infos(), range: { start: step.start, end: step.end, stepSeconds: step.stepSeconds, rateWindow: step.rateWindow }, panels: answered, deploys };
}

/** Runs one planned range query: its series downsampled (LTTB) and capped, or the data source's error; never throws a query error. */
export async function answerQuery(source: MetricsSource, q: PlannedQuery, step: StepChoice, maxPoints: number, cache?: QueryCache<Series[]>): Promise<HealthQuery> {
  if (!q.promql) return { ...q, series: [], truncated: false };
  try {
    const series = await cachedRangeQuery(source.provider, q.promql, step, cache ?? rangeCache);
    return {
      ...q,
      truncated: series.length > MAX_SERIES,
      series: series.slice(0, MAX_SERIES).map((s) => ({ name: seriesName(q.label, s.labels, series.length), labels: s.labels, rawPoints: s.points.length, points: lttb(s.points, maxPoints) })),
    };
  } catch (err) {
    if (err instanceof MetricsQueryError) return { ...q, error: err.message, series: [], truncated: false };
    throw err;
  }
}

function seriesName(label: string, labels: Record<string, string>, count: number): string {
  if (count <= 1) return label;
  const rest = Object.entries(labels).filter(([k]) => k !== "__name__").map(([k, v]) => `${k}="${v}"`).join(", ");
  return rest ? `${label} {${rest}}` : label;
}
