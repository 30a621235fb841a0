import { MetricsQueryError, type MetricsProvider, type RangeSpec, type Series } from "./types";

/**
 * Demo metrics (zero-setup mode only): deterministic synthetic series, a pure function of (service, signal, time) —
 * a daily and weekly traffic shape, per-minute noise, and occasional incidents (error ratio and latency jump, traffic
 * dips) placed by hashing the service name, so every replica and every reload shows the same picture.
 *
 * It does not evaluate PromQL: it recognises the shapes of the queries Opsdeck itself writes (server/metrics/templates.ts)
 * — `histogram_quantile(q, …)`, an error ratio over `http_requests_total`, the share of requests slower than a bucket
 * (`le="0.3"`), request rate, container CPU/memory — and takes the service from `service="…"` (else the first quoted
 * label value). A `service=~"a|b"` matcher with `by (service)` answers one series per service (the overview's batched
 * queries). Windows longer than 5 minutes (`[1h]`, `[28d]`) average the signal over the window, traffic-weighted for
 * ratios, as rate() over a long window would. Anything else gets a generic 0–1 wave seeded by the query text. Every
 * series carries the label `demo="true"`.
 *
 * Several instances stand for several clusters: `environment` salts the noise and incidents, `scale` the traffic.
 */
export class DemoMetricsProvider implements MetricsProvider {
  readonly kind = "demo" as const;
  readonly id: string;
  private readonly salt: string;
  private readonly scale: number;

  constructor(opts: { environment?: string; scale?: number } = {}) {
    // The default (prod) keeps the unsalted series: one picture of each service across tests, demo and docs.
    const env = opts.environment ?? "prod";
    this.id = env === "prod" ? "demo" : `demo:${env}`;
    this.salt = env === "prod" ? "" : `@${env}`;
    this.scale = opts.scale ?? 1;
  }

  async instantQuery(query: string, time = new Date()): Promise<Series[]> {
    const q = recognise(query);
    const t = time.getTime();
    return q.services.map((service) => ({ labels: { service, demo: "true" }, points: [[t, round(this.windowed(service, q, t))]] }));
  }

  async rangeQuery(query: string, range: RangeSpec): Promise<Series[]> {
    const stepMs = range.stepSeconds * 1000;
    const start = range.start.getTime();
    const end = range.end.getTime();
    if (!(stepMs > 0) || end < start) throw new MetricsQueryError("bad_data: invalid range or step", "bad_data");
    if ((end - start) / stepMs > 11_000) {
      throw new MetricsQueryError("bad_data: exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)", "bad_data");
    }
    const q = recognise(query);
    return q.services.map((service) => {
      const points: Series["points"] = [];
      for (let t = start; t <= end; t += stepMs) points.push([t, round(this.windowed(service, q, t))]);
      return { labels: { service, demo: "true" }, points };
    });
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

  /** The demo cannot parse PromQL: it checks what it can (not empty, brackets and quotes balanced). */
  async validateQuery(query: string): Promise<void> {
    if (!query.trim()) throw new MetricsQueryError("bad_data: empty query", "bad_data");
    const stack: string[] = [];
    const close: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
    for (let i = 0; i < query.length; i++) {
      const c = query[i]!;
      if (c === '"') {
        const end = query.indexOf('"', i + 1);
        if (end < 0) throw new MetricsQueryError(`bad_data: 1:${i + 1}: parse error: unterminated quoted string`, "bad_data");
        i = end;
      } else if ("([{".includes(c)) stack.push(c);
      else if (c in close && stack.pop() !== close[c]) throw new MetricsQueryError(`bad_data: 1:${i + 1}: parse error: unexpected "${c}"`, "bad_data");
    }
    if (stack.length) throw new MetricsQueryError(`bad_data: 1:${query.length}: parse error: unclosed "${stack.at(-1)}"`, "bad_data");
  }

  /** The signal at t, averaged over the query's window when that is longer than 5 minutes. */
  private windowed(service: string, q: Recognised, t: number): number {
    const key = service + this.salt;
    const at = (signal: Signal, x: number) => {
      const v = valueAt(key, signal, x);
      return signal.type === "rate" || signal.type === "badRate" || signal.type === "cpu" ? v * this.scale : v;
    };
    if (q.windowMs <= 5 * MINUTE || q.signal.type === "memory" || q.signal.type === "generic") return at(q.signal, t);
    const n = Math.min(400, Math.max(4, Math.round(q.windowMs / (5 * MINUTE))));
    const dt = q.windowMs / n;
    const weighted = q.signal.type === "errors" || q.signal.type === "slow" || q.signal.type === "latency";
    let sum = 0;
    let weight = 0;
    for (let i = 0; i < n; i++) {
      const x = t - q.windowMs + (i + 0.5) * dt;
      const w = weighted ? at({ type: "rate" }, x) : 1;
      sum += w * at(q.signal, x);
      weight += w;
    }
    return weight > 0 ? sum / weight : 0;
  }
}

type Signal =
  | { type: "rate" | "badRate" | "errors" | "cpu" | "memory" | "generic" }
  | { type: "latency"; quantile: number }
  | { type: "slow"; thresholdSeconds: number };
type Recognised = { services: string[]; signal: Signal; windowMs: number };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

function recognise(query: string): Recognised {
  const list = /service\s*=~\s*"((?:[^"\\]|\\.)*)"/.exec(query);
  const services = list && /by\s*\(\s*service\b/.test(query)
    ? list[1]!.replace(/\\\\/g, "\\").split("|").map((s) => s.replace(/\\(.)/g, "$1")).filter(Boolean)
    : [/service\s*=\s*"([^"]*)"/.exec(query)?.[1] ?? /"([^"]+)"/.exec(query)?.[1] ?? `q${hash(query)}`];
  const w = /\[(\d+)([smhdw])\]/.exec(query);
  const windowMs = w ? Number(w[1]) * UNIT_MS[w[2]!]! : 0;
  return { services, signal: signalOf(query), windowMs };
}

function signalOf(query: string): Signal {
  const hq = /histogram_quantile\s*\(\s*([0-9.]+)/.exec(query);
  if (hq) return { type: "latency", quantile: Number(hq[1]) };
  const le = /le\s*=\s*"([0-9.eE+-]+)"/.exec(query);
  if (le && /_bucket/.test(query)) return { type: "slow", thresholdSeconds: Number(le[1]) };
  if (/container_cpu/.test(query)) return { type: "cpu" };
  if (/container_memory/.test(query)) return { type: "memory" };
  if (/http_requests_total/.test(query) && query.includes("/")) return { type: "errors" };
  if (/http_requests_total/.test(query) && /code\s*=~\s*"5/.test(query)) return { type: "badRate" };
  if (/http_requests_total/.test(query)) return { type: "rate" };
  return { type: "generic" };
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
    case "badRate":
      return valueAt(service, { type: "rate" }, t) * valueAt(service, { type: "errors" }, t);
    case "slow": {
      // Latencies are log-normal around p50 with p95 = 2.6 × p50 (σ = ln 2.6 / 1.645): the share above the threshold.
      const p50 = valueAt(service, { type: "latency", quantile: 0.5 }, t);
      return 1 - normalCdf(Math.log(signal.thresholdSeconds / p50) / (Math.log(2.6) / 1.645));
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

/** Φ(x), the standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const k = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496736) * k + 0.254829592) * k * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
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
