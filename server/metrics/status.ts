/** The one status palette (DESIGN.md): every health verdict in server/metrics is one of these. */
export type HealthStatus = "healthy" | "degraded" | "failing" | "unknown";

/**
 * Thresholds for services without SLOs (docs/metrics.md "Overview"): a signal at or above `failing` fails, at or
 * above `degraded` degrades. Services with SLOs are judged by their objectives instead (server/metrics/slo.ts).
 */
export const THRESHOLDS = {
  errorRatio: { degraded: 0.01, failing: 0.05 },
  p95Seconds: { degraded: 0.5, failing: 1 },
} as const;

function level(value: number | null, t: { degraded: number; failing: number }): HealthStatus {
  if (value === null || !Number.isFinite(value)) return "unknown";
  return value >= t.failing ? "failing" : value >= t.degraded ? "degraded" : "healthy";
}

/** The worst of several statuses (failing > degraded > unknown > healthy); healthy for none. */
export function worstStatus(statuses: readonly HealthStatus[]): HealthStatus {
  for (const s of ["failing", "degraded", "unknown"] as const) if (statuses.includes(s)) return s;
  return "healthy";
}

/**
 * The worst of the two signals; healthy only when both are known and below the thresholds, unknown when a signal has
 * no data and the other does not already say degraded/failing.
 */
export function deriveStatus(signals: { errorRatio: number | null; p95Seconds: number | null }): HealthStatus {
  return worstStatus([level(signals.errorRatio, THRESHOLDS.errorRatio), level(signals.p95Seconds, THRESHOLDS.p95Seconds)]);
}
