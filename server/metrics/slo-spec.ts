import type { SloConfig } from "./config";

/**
 * Service-level objectives of one service, from its descriptor annotations (docs/metrics.md "SLOs"):
 *   opsdeck.dev/slo-availability: "99.9"        99.9 % of requests do not answer 5xx
 *   opsdeck.dev/slo-latency-p95-ms: "300"       95 % of requests finish within 300 ms (p90, p99, p99.9 … likewise)
 *   opsdeck.dev/slo-window: "28d"               the rolling window (1d … 90d, default 28d)
 * or from OPSDECK_SLOS (the same keys without the prefix) for services whose descriptors carry none; the annotations
 * win key by key. Invalid values do not throw: they come back as errors shown beside the SLO card.
 */
export const SLO_PREFIX = "opsdeck.dev/slo-";
export const DEFAULT_WINDOW = "28d";

export type SloSpec = {
  /** "availability" or "latency-p95". */
  id: string;
  kind: "availability" | "latency";
  title: string;
  /** The target share of good events, 0 < objective < 1 (99.9 % → 0.999). */
  objective: number;
  windowSeconds: number;
  window: string;
  /** Latency SLOs: the percentile (95), the threshold, and the histogram bucket boundary (`le`) it must be. */
  latency?: { percentile: number; thresholdSeconds: number; le: string };
};

export type SloSpecs = { specs: SloSpec[]; errors: string[] };

const UNIT_SECONDS: Record<string, number> = { h: 3600, d: 86_400, w: 7 * 86_400 };

function parseWindow(v: string): { window: string; seconds: number } {
  const m = /^(\d{1,3})([hdw])$/.exec(v.trim());
  if (!m) throw new Error(`window must look like 28d, 30d, 4w or 72h: got "${v}"`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (seconds < 86_400 || seconds > 90 * 86_400) throw new Error(`window must be between 1d and 90d: got "${v}"`);
  return { window: `${m[1]}${m[2]}`, seconds };
}

function parsePercent(v: string, what: string): number {
  const n = Number(v.trim().replace(/\s*%$/, ""));
  if (!Number.isFinite(n) || n <= 0 || n >= 100) throw new Error(`${what} must be a percentage between 0 and 100 (exclusive), like 99.9: got "${v}"`);
  return n;
}

/** Trims floating-point noise: 99.9 / 100 → 0.999, not 0.9990000000000001. */
const fraction = (percent: number) => Number((percent / 100).toPrecision(12));

export function parseSlos(annotations: Record<string, string>, config?: Record<string, string | number>): SloSpecs {
  const keys = new Map<string, string>();
  for (const [k, v] of Object.entries(config ?? {})) keys.set(k, String(v));
  for (const [k, v] of Object.entries(annotations)) if (k.startsWith(SLO_PREFIX)) keys.set(k.slice(SLO_PREFIX.length), v);
  const errors: string[] = [];
  const specs: SloSpec[] = [];
  let window = { window: DEFAULT_WINDOW, seconds: 28 * 86_400 };
  const raw = keys.get("window");
  if (raw !== undefined) {
    try {
      window = parseWindow(raw);
    } catch (err) {
      errors.push(`${SLO_PREFIX}window: ${(err as Error).message}`);
    }
  }
  for (const [key, value] of keys) {
    try {
      if (key === "availability") {
        const p = parsePercent(value, "availability");
        specs.push({ id: "availability", kind: "availability", title: `Availability ${p} %`, objective: fraction(p), windowSeconds: window.seconds, window: window.window });
        continue;
      }
      const lat = /^latency-p(\d{1,2}(?:\.\d{1,3})?)-ms$/.exec(key);
      if (lat) {
        const percentile = parsePercent(lat[1]!, "the percentile");
        const ms = Number(value.trim());
        if (!Number.isFinite(ms) || ms <= 0 || ms > 600_000) throw new Error(`must be a positive number of milliseconds (at most 600000): got "${value}"`);
        const thresholdSeconds = ms / 1000;
        specs.push({
          id: `latency-p${lat[1]}`,
          kind: "latency",
          title: `p${lat[1]} ≤ ${ms} ms`,
          objective: fraction(percentile),
          windowSeconds: window.seconds,
          window: window.window,
          latency: { percentile, thresholdSeconds, le: String(thresholdSeconds) },
        });
        continue;
      }
      // The free-text `opsdeck.dev/slo` (no dash) never reaches here; unknown `slo-*` keys are reported, not ignored.
      if (key !== "window") throw new Error("unknown SLO key (known: availability, latency-p<N>-ms, window)");
    } catch (err) {
      errors.push(`${SLO_PREFIX}${key}: ${(err as Error).message}`);
    }
  }
  specs.sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id) : a.kind === "availability" ? -1 : 1));
  return { specs, errors };
}

/** The SLOs of a catalog entity: its annotations over the OPSDECK_SLOS entry for its ref. */
export function slosOf(entity: { ref: string; annotations: Record<string, string> }, config: SloConfig): SloSpecs {
  return parseSlos(entity.annotations, config[entity.ref.toLowerCase()]);
}
