// The metrics provider interface (DESIGN.md "Providers"): instant and range queries plus series metadata, over PromQL.
// Implementations: Prometheus HTTP API (prometheus.ts) and the demo generator (demo.ts). Providers never import domains.

/** One sample: epoch milliseconds and the value (NaN/±Inf from Prometheus become null: a gap on a chart). */
export type Sample = [t: number, v: number | null];

export type Series = { labels: Record<string, string>; points: Sample[] };

export type RangeSpec = { start: Date; end: Date; stepSeconds: number };

export type QueryOptions = { signal?: AbortSignal };

export interface MetricsProvider {
  /** "prometheus" or "demo"; the UI labels demo answers as demo data. */
  readonly kind: "prometheus" | "demo";
  /** A stable identity for caches (the base URL for Prometheus). */
  readonly id: string;
  /** Evaluates `query` at one instant (default now): each series has one point. */
  instantQuery(query: string, time?: Date, opts?: QueryOptions): Promise<Series[]>;
  /** Evaluates `query` from start to end every stepSeconds. */
  rangeQuery(query: string, range: RangeSpec, opts?: QueryOptions): Promise<Series[]>;
  /** Label sets of the series matching any of the selectors (Prometheus /api/v1/series). */
  series(matchers: string[], range?: { start: Date; end: Date }, opts?: QueryOptions): Promise<Record<string, string>[]>;
  /**
   * Parses `query` without evaluating it; throws MetricsQueryError (kind "bad_data") with the parser's message.
   * Optional: callers without it validate by running an instant query (server/metrics/validate.ts).
   */
  validateQuery?(query: string, opts?: QueryOptions): Promise<void>;
}

/**
 * A query the data source refused or could not run. `kind` is Prometheus' errorType where it gave one
 * ("bad_data", "execution", "timeout", "canceled", …), "unavailable" when it could not be reached,
 * "bad_response" when it answered with something that is not the Prometheus API.
 */
export class MetricsQueryError extends Error {
  constructor(
    message: string,
    readonly kind: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "MetricsQueryError";
  }
}

/** Prometheus' textual sample value ("1.5", "NaN", "+Inf") as a chartable number. */
export function parseSampleValue(v: string): number | null {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
