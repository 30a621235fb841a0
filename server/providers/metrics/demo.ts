import { MetricsQueryError, type MetricsProvider, type RangeSpec, type Series } from "./types";

/**
 * Demo metrics (zero-setup mode only): deterministic synthetic series, a pure function of (service, signal, time) —
 * a daily and weekly traffic shape, per-minute noise, and occasional incidents (error ratio and latency jump, traffic
 * dips) placed by hashing the service name, so every replica and every reload shows the same picture.
 *
 * It does not evaluate PromQL: it recognises the shape of the golden-signal queries (server/metrics/signals.ts) —
 * `histogram_quantile(q, …)`, an error ratio over `http_requests_total`, request rate, container CPU/memory — and takes
 * the service from the first `service="…"` (else the first quoted label value) in the query. Anything else gets a
 * generic 0–1 wave seeded by the query text. Every series carries the label `demo="true"`.
 */
export class DemoMetricsProvider implements MetricsProvider {
  readonly kind = "demo" as const;
  readonly id = "demo";

  async instantQuery(query: string, time = new Date()): Promise<Series[]> {
    const { service, signal } = recognise(query);
    const t = time.getTime();
    return [{ labels: { service, demo: "true" }, points: [[t, round(valueAt(service, signal, t))]] }];
  }

  async rangeQuery(query: string, range: RangeSpec): Promise<Series[]> {
    const stepMs = range.stepSeconds * 1000;
    const start = range.start.getTime();
    const end = range.end.getTime();
    if (!(stepMs > 0) || end < start) throw new MetricsQueryError("bad_data: invalid range or step", "bad_data");
    if ((end - start) / stepMs > 11_000) {
      throw new MetricsQueryError("bad_data: exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)", "bad_data");
    }
    const { service, signal } = recognise(query);
    const points: Series["points"] = [];
    for (let t = start; t <= end; t += stepMs) points.push([t, round(valueAt(service, signal, t))]);
    return [{ labels: { service, demo: "true" }, points }];
  }

  async series(matchers: string[]): Promise<Record<string, string>[]> {
    const out: Record<string, string>[] = [];
    for (const m of matchers) {
      const service = /service="([^"]*)"/.exec(m)?.[1] ?? "demo";
      for (const name of ["http_requests_total", "http_request_duration_seconds_bucket", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes"]) {
        out.push({ __name__: name, service, demo: "true" });
      }
    }
    return out;
  }
}

type Signal = { type: "rate" | "errors" | "cpu" | "memory" | "generic" } | { type: "latency"; quantile: number };

function recognise(query: string): { service: string; signal: Signal } {
  const service = /service\s*=\s*"([^"]*)"/.exec(query)?.[1] ?? /"([^"]+)"/.exec(query)?.[1] ?? `q${hash(query)}`;
  const hq = /histogram_quantile\s*\(\s*([0-9.]+)/.exec(query);
  if (hq) return { service, signal: { type: "latency", quantile: Number(hq[1]) } };
  if (/container_cpu/.test(query)) return { service, signal: { type: "cpu" } };
  if (/container_memory/.test(query)) return { service, signal: { type: "memory" } };
  if (/http_requests_total/.test(query) && query.includes("/")) return { service, signal: { type: "errors" } };
  if (/http_requests_total/.test(query)) return { service, signal: { type: "rate" } };
  return { service, signal: { type: "generic" } };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const INCIDENT_BUCKET = 6 * HOUR;

/** The value of one signal of one service at time t (ms). */
export function valueAt(service: string, signal: Signal, t: number): number {
  const seed = hash(service);
  const load = dailyLoad(t);
  const noise = (salt: string) => 0.7 * valueNoise(`${service}:${salt}`, t, 2 * MINUTE) + 0.3 * valueNoise(`${service}:${salt}:fine`, t, 20_000); // -1..1, smooth
  const inc = incidentAt(service, t);
  const baseRate = 15 + (seed % 180);
  switch (signal.type) {
    case "rate":
      return Math.max(0, baseRate * load * (1 + 0.06 * noise("r")) * (inc ? 1 - 0.25 * inc : 1));
    case "errors": {
      const base = 0.001 + (seed % 40) / 10_000; // 0.1 %–0.5 %
      return Math.min(1, Math.max(0, base * (1 + 0.35 * noise("e")) + (inc ? 0.02 + 0.13 * inc : 0)));
    }
    case "latency": {
      const p50 = (0.018 + (seed % 50) / 1000) * (0.85 + 0.3 * load) * (1 + 0.05 * noise("l"));
      const tail = signal.quantile >= 0.99 ? 5 : signal.quantile >= 0.95 ? 2.6 : signal.quantile >= 0.75 ? 1.6 : 1;
      return p50 * tail * (inc ? 1 + 5 * inc : 1);
    }
    case "cpu":
      return Math.max(0.01, (0.05 + baseRate * load * 0.004) * (1 + 0.08 * noise("c")) * (inc ? 1 + 0.6 * inc : 1));
    case "memory": {
      // A slow climb that resets at the daily restart (03:00 UTC), plus a little noise.
      const base = (192 + (seed % 320)) * 1024 * 1024;
      const sinceRestart = (((t - 3 * HOUR) % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR);
      return base * (1 + 0.35 * (sinceRestart / (24 * HOUR))) * (1 + 0.01 * noise("m"));
    }
    case "generic":
      return 0.5 + 0.4 * Math.sin((2 * Math.PI * t) / (24 * HOUR)) + 0.05 * noise("g");
  }
}

/** Smooth deterministic noise in -1..1: hashed values every `period` ms, eased between. */
function valueNoise(key: string, t: number, period: number): number {
  const i = Math.floor(t / period);
  const f = t / period - i;
  const a = unit(hash(`${key}:${i}`)) * 2 - 1;
  const b = unit(hash(`${key}:${i + 1}`)) * 2 - 1;
  const e = f * f * (3 - 2 * f);
  return a + (b - a) * e;
}

/** 0.35 (night) … 1 (afternoon, UTC), weekends at 70 %. */
function dailyLoad(t: number): number {
  const hourOfDay = (t % (24 * HOUR)) / HOUR;
  const day = 0.675 + 0.325 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
  const weekday = new Date(t).getUTCDay();
  return day * (weekday === 0 || weekday === 6 ? 0.7 : 1);
}

/** Incident severity 0..1 at t, or 0. Roughly one 15–60 min incident per service every two days. */
export function incidentAt(service: string, t: number): number {
  const bucket = Math.floor(t / INCIDENT_BUCKET);
  for (const b of [bucket - 1, bucket]) {
    const h = hash(`${service}:incident:${b}`);
    if (unit(h) >= 0.125) continue;
    const start = b * INCIDENT_BUCKET + unit(hash(`${h}:start`)) * (INCIDENT_BUCKET - HOUR);
    const duration = (15 + unit(hash(`${h}:dur`)) * 45) * MINUTE;
    if (t >= start && t < start + duration) {
      const ramp = Math.min(1, (t - start) / (5 * MINUTE), (start + duration - t) / (5 * MINUTE));
      return (0.3 + 0.7 * unit(hash(`${h}:sev`))) * Math.max(0.2, ramp);
    }
  }
  return 0;
}

/** FNV-1a, 32 bits, finalised. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // murmur3's finaliser: FNV alone mixes the high bits poorly for keys that differ only at the end.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function unit(h: number): number {
  return h / 0x1_0000_0000;
}

function round(v: number): number {
  return Number(v.toPrecision(6));
}
