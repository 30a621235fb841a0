import type { MetricsProvider, Series } from "@/server/providers/metrics";
import { QueryCache } from "./cache";
import type { StepChoice } from "./step";

/** Range-query results, shared for 15 s per (data source, query, aligned range, step). */
export const rangeCache = new QueryCache<Series[]>(15_000);

export function cachedRangeQuery(provider: MetricsProvider, query: string, step: Pick<StepChoice, "start" | "end" | "stepSeconds">, cache = rangeCache): Promise<Series[]> {
  const key = [provider.id, query, step.start.getTime(), step.end.getTime(), step.stepSeconds].join("\n");
  return cache.get(key, () => provider.rangeQuery(query, { start: step.start, end: step.end, stepSeconds: step.stepSeconds }));
}
