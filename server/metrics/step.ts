/** "Nice" steps, in seconds, a range query may use. */
export const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400] as const;

/** Raw points per series asked of Prometheus at most (its hard limit is 11,000); LTTB then brings them to the chart's budget. */
export const MAX_RAW_POINTS = 2000;

export type StepChoice = { start: Date; end: Date; stepSeconds: number; rateWindow: string };

/**
 * The step for a time range: the smallest nice step ≥ the scrape interval that keeps the query within MAX_RAW_POINTS,
 * with start/end aligned to it (so the same range asked a few seconds apart hits the cache and the chart does not
 * shimmer). The rate() window follows Grafana's $__rate_interval: max(step + scrape, 4 × scrape).
 */
export function chooseStep(start: Date, end: Date, scrapeIntervalSeconds: number, maxPoints = MAX_RAW_POINTS): StepChoice {
  const span = (end.getTime() - start.getTime()) / 1000;
  if (!(span > 0)) throw new RangeError("the range must end after it starts");
  const wanted = Math.max(scrapeIntervalSeconds, span / maxPoints);
  const stepSeconds = NICE_STEPS.find((s) => s >= wanted) ?? Math.ceil(wanted / 86400) * 86400;
  const stepMs = stepSeconds * 1000;
  const alignedStart = new Date(Math.floor(start.getTime() / stepMs) * stepMs);
  const alignedEnd = new Date(Math.floor(end.getTime() / stepMs) * stepMs);
  return { start: alignedStart, end: alignedEnd, stepSeconds, rateWindow: formatDuration(Math.max(stepSeconds + scrapeIntervalSeconds, 4 * scrapeIntervalSeconds)) };
}

/** Seconds as a PromQL duration ("90s" → "90s", 120 → "2m", 3600 → "1h"). */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}
