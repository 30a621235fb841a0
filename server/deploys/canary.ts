import type { AnalysisVerdict } from "@/generated/prisma/enums";
import { SELECTOR_ANNOTATION, TemplateError, planQuery, validateSelector, type SignalEntity } from "@/server/metrics/templates";
import type { MetricsSource } from "@/server/metrics/source";
import type { MetricsProvider } from "@/server/providers/metrics";
import type { Environment } from "./config";
import { CANARY_LABEL, CANARY_VALUE } from "./services";

export type IntervalResult = {
  verdict: AnalysisVerdict;
  canaryErrorRate: number | null;
  stableErrorRate: number | null;
  canaryLatencyMs: number | null;
  stableLatencyMs: number | null;
  message: string;
};

/**
 * The entity as seen by one side of the comparison: its metrics selector (the prometheus-selector annotation, else
 * service="<name>") narrowed to the canary pods (track="canary") or the stable ones (track!="canary"). Per-signal query
 * annotations keep working: they receive the narrowed selector through {{selector}}.
 */
export function sideEntity(entity: SignalEntity, side: "canary" | "stable"): SignalEntity {
  const custom = entity.annotations[SELECTOR_ANNOTATION];
  const base = custom !== undefined ? validateSelector(custom) : `service="${entity.name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const track = side === "canary" ? `${CANARY_LABEL}="${CANARY_VALUE}"` : `${CANARY_LABEL}!="${CANARY_VALUE}"`;
  return { name: entity.name, annotations: { ...entity.annotations, [SELECTOR_ANNOTATION]: `${base}, ${track}` } };
}

class NoAnswer extends Error {}

async function scalar(provider: MetricsProvider, entity: SignalEntity, signal: "errorRatio" | "latency", window: string, at: Date): Promise<number> {
  const q = planQuery(entity, signal, window, signal === "latency" ? { quantile: 0.95 } : {});
  if (!q.promql) throw new NoAnswer(q.error ?? `no ${signal} query`);
  const series = await provider.instantQuery(q.promql, at);
  const v = series[0]?.points.at(-1)?.[1];
  if (v === null || v === undefined || !Number.isFinite(v)) throw new NoAnswer(`no data for ${q.promql}`);
  return v;
}

/**
 * One analysis interval: canary vs stable error ratio and p95 latency over the interval, judged against the
 * environment's thresholds. Anything that prevents an answer — no data source, a query error, no series — is verdict
 * "error", which fails the analysis: a canary is never promoted on missing evidence.
 */
export async function analyseInterval(source: MetricsSource | null, env: Environment, entity: SignalEntity, at = new Date()): Promise<IntervalResult> {
  const empty = { canaryErrorRate: null, stableErrorRate: null, canaryLatencyMs: null, stableLatencyMs: null };
  if (!source) return { ...empty, verdict: "error", message: "no metrics data source is configured (OPSDECK_PROMETHEUS_URL): canary analysis cannot pass without evidence" };
  const windowSeconds = Math.max(Math.round(env.canary.interval), 4 * source.scrapeIntervalSeconds);
  const window = `${windowSeconds}s`;
  let canary: SignalEntity, stable: SignalEntity;
  try {
    canary = sideEntity(entity, "canary");
    stable = sideEntity(entity, "stable");
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { ...empty, verdict: "error", message: `${SELECTOR_ANNOTATION}: ${err.message}` };
  }
  let values: [number, number, number, number];
  try {
    values = await Promise.all([
      scalar(source.provider, canary, "errorRatio", window, at),
      scalar(source.provider, stable, "errorRatio", window, at),
      scalar(source.provider, canary, "latency", window, at),
      scalar(source.provider, stable, "latency", window, at),
    ]);
  } catch (err) {
    return { ...empty, verdict: "error", message: `metrics query failed: ${(err as Error).message}` };
  }
  const [ce, se, cl, sl] = values;
  const result = { canaryErrorRate: ce, stableErrorRate: se, canaryLatencyMs: cl * 1000, stableLatencyMs: sl * 1000 };
  const problems: string[] = [];
  const { maxErrorRateIncrease, maxLatencyRatio } = env.canary;
  if (ce - se > maxErrorRateIncrease) problems.push(`error rate ${pct(ce)} vs stable ${pct(se)} (allowed +${pct(maxErrorRateIncrease)})`);
  if (cl > sl * maxLatencyRatio && cl - sl > 0.001) problems.push(`p95 latency ${ms(cl)} vs stable ${ms(sl)} (allowed ×${maxLatencyRatio})`);
  return problems.length
    ? { ...result, verdict: "fail", message: problems.join("; ") }
    : { ...result, verdict: "pass", message: `error rate ${pct(ce)} vs ${pct(se)}, p95 ${ms(cl)} vs ${ms(sl)}` };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;
