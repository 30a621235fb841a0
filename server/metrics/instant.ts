import { MetricsQueryError, type Series } from "@/server/providers/metrics";
import { QueryCache } from "./cache";
import { mapLimit } from "./concurrency";
import type { MetricsSource } from "./source";
import { batchQuery, isBatchable, planQuery, type QuerySignal, type SignalEntity } from "./templates";

/**
 * Many instant values at once — one per (entity, signal, window) — against one data source, with as few queries as
 * the templates allow: entities on the built-in templates share one query per (signal, window, quantile, le) grouped
 * `by (service)` (templates.ts batchQuery), entities with selector/query annotations get one query each. Cached and
 * coalesced per (source, query, time); at most `concurrency` queries in flight.
 */

export type InstantRequest = {
  entity: SignalEntity;
  signal: Exclude<QuerySignal, "cpu" | "memory">;
  /** PromQL duration of the rate() window, e.g. "5m", "672h". */
  window: string;
  quantile?: number;
  le?: string;
};
export type InstantValue = { value: number | null; error: string | null; promql: string | null };

export const QUERY_CONCURRENCY = 16;
/** Names per batched query at most (keeps the regex and the answer reasonable). */
export const BATCH_SIZE = 250;

/** Instant-query results for windows up to 30 minutes, shared 15 s per (data source, query, time). */
export const instantCache = new QueryCache<Series[]>(15_000, 2000);
/** Longer windows (1h … the SLO window) move slowly: shared 60 s. */
export const longWindowCache = new QueryCache<Series[]>(60_000, 2000);

const LONG_WINDOW = /^(\d+h|\d+d)$/;

export type InstantOptions = {
  time?: Date;
  cache?: QueryCache<Series[]>;
  concurrency?: number;
  /** Called once per query sent to the cache (a hit or a miss): lets callers report how many queries they needed. */
  onQuery?: () => void;
};

function valueOf(series: Series | undefined): number | null {
  const v = series?.points.at(-1)?.[1];
  return v === undefined || v === null || !Number.isFinite(v) ? null : v;
}

export async function instantValues(source: MetricsSource, requests: readonly InstantRequest[], opts: InstantOptions = {}): Promise<InstantValue[]> {
  const out: InstantValue[] = new Array(requests.length);
  type Job = { promql: string; window: string; settle: (series: Series[] | null, error: string | null) => void };
  const jobs: Job[] = [];
  const batches = new Map<string, { req: InstantRequest; indexes: Map<string, number[]> }>();

  // A batch pays off from two services on; a lone service keeps its plain query (the one its charts show).
  const names = new Map<string, Set<string>>();
  const batchKey = (req: InstantRequest) => [req.signal, req.window, req.quantile ?? "", req.le ?? ""].join("|");
  for (const req of requests) if (isBatchable(req.entity, req.signal)) names.set(batchKey(req), (names.get(batchKey(req)) ?? new Set()).add(req.entity.name));

  requests.forEach((req, i) => {
    if (isBatchable(req.entity, req.signal) && names.get(batchKey(req))!.size > 1) {
      const key = batchKey(req);
      const b = batches.get(key) ?? { req, indexes: new Map<string, number[]>() };
      b.indexes.set(req.entity.name, [...(b.indexes.get(req.entity.name) ?? []), i]);
      batches.set(key, b);
      return;
    }
    const plan = planQuery(req.entity, req.signal, req.window, { quantile: req.quantile, le: req.le });
    if (!plan.promql) {
      out[i] = { value: null, error: plan.error, promql: null };
      return;
    }
    const promql = plan.promql;
    jobs.push({ promql, window: req.window, settle: (series, error) => (out[i] = { value: series ? valueOf(series[0]) : null, error, promql }) });
  });

  for (const { req, indexes } of batches.values()) {
    const all = [...indexes.keys()];
    for (let k = 0; k < all.length; k += BATCH_SIZE) {
      const chunk = all.slice(k, k + BATCH_SIZE);
      const promql = batchQuery(req.signal, chunk, req.window, { quantile: req.quantile, le: req.le });
      jobs.push({
        promql,
        window: req.window,
        settle: (series, error) => {
          const byService = new Map((series ?? []).map((s) => [s.labels.service ?? "", s]));
          for (const name of chunk) {
            for (const i of indexes.get(name)!) out[i] = { value: valueOf(byService.get(name)), error, promql };
          }
        },
      });
    }
  }

  await mapLimit(jobs, opts.concurrency ?? QUERY_CONCURRENCY, async (job) => {
    const cache = opts.cache ?? (LONG_WINDOW.test(job.window) ? longWindowCache : instantCache);
    opts.onQuery?.();
    try {
      const series = await cache.get([source.provider.id, "instant", job.promql, opts.time?.getTime() ?? "now"].join("\n"), () => source.provider.instantQuery(job.promql, opts.time));
      job.settle(series, null);
    } catch (err) {
      if (!(err instanceof MetricsQueryError)) throw err;
      job.settle(null, err.message);
    }
  });
  return out;
}
