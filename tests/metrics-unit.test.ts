import { describe, expect, it } from "vitest";
import { lttb } from "@/server/metrics/lttb";
import { chooseStep, formatDuration, MAX_RAW_POINTS } from "@/server/metrics/step";
import { planSignals, render, SELECTOR_ANNOTATION, TemplateError, validateSelector, validateTemplate } from "@/server/metrics/templates";
import { QueryCache } from "@/server/metrics/cache";
import { cachedRangeQuery } from "@/server/metrics/query";
import { DemoMetricsProvider, incidentAt } from "@/server/providers/metrics/demo";
import { PrometheusProvider, type MetricsProvider, type Sample, type Series } from "@/server/providers/metrics";
import { sourcesFromEnv } from "@/server/metrics/source";
const sourceFromEnv = (e: Parameters<typeof sourcesFromEnv>[0]) => sourcesFromEnv(e).fallback;
import { parseEnv } from "@/server/env";
import { clampRange, formatValue, mergeSeries } from "@/components/metrics/format";

const sine = (n: number): Sample[] => Array.from({ length: n }, (_, i) => [i * 1000, Math.sin(i / 10)]);

describe("LTTB downsampling", () => {
  it("returns short series unchanged", () => {
    const s = sine(10);
    expect(lttb(s, 100)).toBe(s);
  });

  it("keeps first and last point and exactly the threshold", () => {
    const s = sine(10_000);
    const d = lttb(s, 1000);
    expect(d).toHaveLength(1000);
    expect(d[0]).toEqual(s[0]);
    expect(d[d.length - 1]).toEqual(s[s.length - 1]);
    // strictly increasing time, every point from the original
    for (let i = 1; i < d.length; i++) expect(d[i]![0]).toBeGreaterThan(d[i - 1]![0]);
  });

  it("keeps a single spike (the point a naive every-nth sampler would drop)", () => {
    const s: Sample[] = Array.from({ length: 5000 }, (_, i) => [i, i === 2345 ? 100 : 1]);
    expect(lttb(s, 100).some(([t, v]) => t === 2345 && v === 100)).toBe(true);
  });

  it("keeps gaps as nulls and stays within the threshold", () => {
    const s: Sample[] = Array.from({ length: 3000 }, (_, i) => [i, i >= 1000 && i < 1100 ? null : i % 7]);
    const d = lttb(s, 500);
    expect(d.length).toBeLessThanOrEqual(500);
    expect(d.filter(([, v]) => v === null)).toHaveLength(1);
    const gap = d.findIndex(([, v]) => v === null);
    expect(d[gap - 1]![0]).toBeLessThan(1000);
    expect(d[gap + 1]![0]).toBeGreaterThanOrEqual(1100);
  });

  it("refuses a threshold below 3", () => {
    expect(() => lttb(sine(10), 2)).toThrow(RangeError);
  });
});

describe("step selection", () => {
  const at = (iso: string) => new Date(iso);
  it("uses the scrape interval for short ranges", () => {
    const c = chooseStep(at("2026-01-01T10:00:00Z"), at("2026-01-01T11:00:00Z"), 15);
    expect(c.stepSeconds).toBe(15);
    expect(c.rateWindow).toBe("1m"); // max(15 + 15, 4 × 15)
  });

  it("keeps the query within the raw-point budget with a nice step", () => {
    for (const [hours, step] of [[6, 15], [24, 60], [24 * 7, 600], [24 * 31, 1800]] as const) {
      const c = chooseStep(at("2026-01-01T00:00:00Z"), new Date(Date.parse("2026-01-01T00:00:00Z") + hours * 3_600_000), 15);
      expect(c.stepSeconds, `${hours}h`).toBe(step);
      expect((c.end.getTime() - c.start.getTime()) / 1000 / c.stepSeconds).toBeLessThanOrEqual(MAX_RAW_POINTS);
    }
  });

  it("aligns start and end to the step (cache hits, steady charts)", () => {
    const c = chooseStep(at("2026-01-01T10:00:07Z"), at("2026-01-01T16:00:07Z"), 15);
    expect(c.start.toISOString()).toBe("2026-01-01T10:00:00.000Z");
    expect(c.end.toISOString()).toBe("2026-01-01T16:00:00.000Z");
    expect(c.rateWindow).toBe("1m");
    const week = chooseStep(at("2026-01-01T00:00:00Z"), at("2026-01-08T00:00:00Z"), 15);
    expect(week.rateWindow).toBe(formatDuration(600 + 15));
  });

  it("refuses an empty range", () => {
    expect(() => chooseStep(at("2026-01-01T10:00:00Z"), at("2026-01-01T10:00:00Z"), 15)).toThrow(RangeError);
  });
});

describe("PromQL templates", () => {
  it("default conventions select by service and container", () => {
    const panels = planSignals({ name: "payments-api", annotations: {} }, "1m");
    const byId = Object.fromEntries(panels.map((p) => [p.id, p]));
    expect(byId.requestRate!.queries[0]!.promql).toBe('sum(rate(http_requests_total{service="payments-api"}[1m]))');
    expect(byId.errorRatio!.queries[0]!.promql).toContain('http_requests_total{service="payments-api",code=~"5.."}[1m]');
    expect(byId.latency!.queries.map((q) => q.label)).toEqual(["p50", "p95", "p99"]);
    expect(byId.latency!.queries[2]!.promql).toBe('histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="payments-api"}[1m])))');
    expect(byId.cpu!.queries[0]!.promql).toBe('sum(rate(container_cpu_usage_seconds_total{container="payments-api"}[1m]))');
    expect(byId.memory!.queries[0]!.promql).toBe('sum(container_memory_working_set_bytes{container="payments-api"})');
    expect(panels.every((p) => p.source === "default" && p.queries.every((q) => q.error === null))).toBe(true);
  });

  it("the selector annotation overrides every selector", () => {
    const panels = planSignals({ name: "x", annotations: { [SELECTOR_ANNOTATION]: 'job="pay", namespace=~"prod|stage"' } }, "2m");
    expect(panels.every((p) => p.source === "selector")).toBe(true);
    expect(panels.find((p) => p.id === "cpu")!.queries[0]!.promql).toBe('sum(rate(container_cpu_usage_seconds_total{job="pay", namespace=~"prod|stage"}[2m]))');
  });

  it("a full-query annotation overrides one signal and may use placeholders", () => {
    const panels = planSignals({ name: "x", annotations: { "opsdeck.dev/prometheus-query.latency": "histogram_quantile({{quantile}}, sum by (le) (rate(rpc_seconds_bucket{{{selector}}}[{{window}}])))" } }, "1m");
    const latency = panels.find((p) => p.id === "latency")!;
    expect(latency.source).toBe("annotation");
    expect(latency.queries[1]!.promql).toBe('histogram_quantile(0.95, sum by (le) (rate(rpc_seconds_bucket{service="x"}[1m])))');
    expect(panels.find((p) => p.id === "requestRate")!.source).toBe("default");
  });

  it("an invalid selector puts its error on every panel instead of throwing", () => {
    const panels = planSignals({ name: "x", annotations: { [SELECTOR_ANNOTATION]: 'job="a"} or vector(1) or {x="' } }, "1m");
    for (const p of panels) for (const q of p.queries) {
      expect(q.promql).toBeNull();
      expect(q.error).toMatch(/opsdeck.dev\/prometheus-selector: selector must be label matchers/);
    }
  });

  it("an invalid full query fails only its own panel", () => {
    const panels = planSignals({ name: "x", annotations: { "opsdeck.dev/prometheus-query.cpu": "sum(rate(cpu{{{selector}}}[{{window}}])" } }, "1m");
    expect(panels.find((p) => p.id === "cpu")!.queries[0]!.error).toMatch(/prometheus-query.cpu: unclosed "\("/);
    expect(panels.find((p) => p.id === "memory")!.queries[0]!.error).toBeNull();
  });

  it("validates selectors", () => {
    expect(validateSelector(' job="a" , env!="dev", ')).toBe('job="a" , env!="dev"');
    expect(validateSelector('path=~"/api/\\"x\\"/.*"')).toBeTruthy();
    for (const bad of ["", "job=a", 'job="a"}', 'job="a" or up', 'env!="dev"', 'job=~".*"', "{job=\"a\"}"]) {
      expect(() => validateSelector(bad), bad).toThrow(TemplateError);
    }
  });

  it("validates full queries", () => {
    expect(() => validateTemplate('sum(rate(x{{{selector}},code="5xx"}[{{window}}]))')).not.toThrow();
    expect(() => validateTemplate("sum(x{{{tenant}}})")).toThrow(/unknown placeholder \{\{tenant\}\}/);
    expect(() => validateTemplate('x{a="}')).toThrow(/unclosed string/);
    expect(() => validateTemplate("sum(x))")).toThrow(/unbalanced/);
    expect(() => validateTemplate(" ")).toThrow(/empty/);
    expect(() => validateTemplate("x".repeat(2001))).toThrow(/2000/);
    expect(() => render("{{quantile}}", { selector: "a=\"b\"", window: "1m" })).toThrow(/latency/);
  });
});

describe("query cache", () => {
  const series: Series[] = [{ labels: {}, points: [[0, 1]] }];

  it("coalesces concurrent identical requests into one upstream call", async () => {
    const cache = new QueryCache<Series[]>(10_000);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      calls++;
      await gate;
      return series;
    };
    const all = Promise.all(Array.from({ length: 10 }, () => cache.get("k", load)));
    release();
    const results = await all;
    expect(calls).toBe(1);
    expect(results.every((r) => r === series)).toBe(true);
    expect(cache.misses).toBe(1);
    expect(cache.hits).toBe(9);
  });

  it("serves from cache until the TTL ends, then asks again", async () => {
    let now = 1_000;
    const cache = new QueryCache<Series[]>(5_000, 500, () => now);
    let calls = 0;
    const load = async () => (calls++, series);
    await cache.get("k", load);
    now += 4_000;
    await cache.get("k", load);
    expect(calls).toBe(1);
    now += 2_000;
    await cache.get("k", load);
    expect(calls).toBe(2);
  });

  it("does not cache failures", async () => {
    const cache = new QueryCache<Series[]>(10_000);
    let calls = 0;
    await expect(cache.get("k", async () => (calls++, Promise.reject(new Error("boom"))))).rejects.toThrow("boom");
    await expect(cache.get("k", async () => (calls++, series))).resolves.toBe(series);
    expect(calls).toBe(2);
  });

  it("stays within its entry bound", async () => {
    const cache = new QueryCache<Series[]>(10_000, 3);
    for (let i = 0; i < 10; i++) await cache.get(`k${i}`, async () => series);
    expect(cache.size).toBeLessThanOrEqual(3);
  });

  it("keys range queries by source, query, range and step", async () => {
    const cache = new QueryCache<Series[]>(10_000);
    const asked: string[] = [];
    const provider: MetricsProvider = {
      kind: "prometheus",
      id: "p",
      instantQuery: async () => [],
      series: async () => [],
      rangeQuery: async (q, r) => (asked.push(`${q}@${r.stepSeconds}`), series),
    };
    const step = { start: new Date(0), end: new Date(3_600_000), stepSeconds: 15 };
    await Promise.all([cachedRangeQuery(provider, "up", step, cache), cachedRangeQuery(provider, "up", step, cache), cachedRangeQuery(provider, "up", { ...step, stepSeconds: 30 }, cache), cachedRangeQuery(provider, "down", step, cache)]);
    expect(asked.sort()).toEqual(["down@15", "up@15", "up@30"]);
  });
});

describe("demo provider", () => {
  const demo = new DemoMetricsProvider();
  const range = { start: new Date("2026-03-02T00:00:00Z"), end: new Date("2026-03-03T00:00:00Z"), stepSeconds: 60 };
  const [rate, errors, p99] = planSignals({ name: "payments-api", annotations: {} }, "1m").flatMap((p) => p.queries.map((q) => q.promql!)).filter((_, i) => [0, 1, 4].includes(i));

  it("is deterministic and labelled demo", async () => {
    const a = await demo.rangeQuery(rate!, range);
    const b = await demo.rangeQuery(rate!, range);
    expect(a).toEqual(b);
    expect(a[0]!.labels).toEqual({ service: "payments-api", demo: "true" });
    expect(a[0]!.points).toHaveLength(24 * 60 + 1);
  });

  it("has a daily shape: afternoon traffic above night traffic", async () => {
    const [s] = await demo.rangeQuery(rate!, range);
    const at = (h: number) => s!.points[h * 60]![1]!;
    expect(at(15)).toBeGreaterThan(at(3) * 1.8);
  });

  it("has incidents: error ratio and p99 latency jump inside them", async () => {
    const week = { start: new Date("2026-03-02T00:00:00Z"), end: new Date("2026-03-09T00:00:00Z"), stepSeconds: 300 };
    const [e] = await demo.rangeQuery(errors!, week);
    const [l] = await demo.rangeQuery(p99!, week);
    const inIncident = e!.points.filter(([t]) => incidentAt("payments-api", t) > 0.5);
    expect(inIncident.length).toBeGreaterThan(0);
    const quiet = e!.points.filter(([t]) => incidentAt("payments-api", t) === 0);
    expect(Math.min(...inIncident.map(([, v]) => v!))).toBeGreaterThan(Math.max(...quiet.map(([, v]) => v!)));
    expect(Math.max(...l!.points.map(([, v]) => v!))).toBeGreaterThan(3 * Math.min(...l!.points.map(([, v]) => v!)));
  });

  it("spreads incidents: every demo service has some in four weeks, none is always on", () => {
    const start = Date.parse("2026-03-01T00:00:00Z");
    for (const service of ["payments-api", "ledger", "cart-service", "auth-service", "search-api"]) {
      let minutes = 0;
      for (let t = start; t < start + 28 * 86_400_000; t += 60_000) if (incidentAt(service, t) > 0) minutes++;
      expect(minutes, service).toBeGreaterThan(60);
      expect(minutes, service).toBeLessThan(28 * 24 * 60 * 0.05);
    }
  });

  it("refuses more than 11,000 points as Prometheus does", async () => {
    await expect(demo.rangeQuery(rate!, { ...range, stepSeconds: 1 })).rejects.toThrow(/11,000 points/);
  });
});

describe("metrics configuration", () => {
  const DB = "postgresql://u@h/d";
  it("Prometheus when a URL is set, with bearer auth and headers", () => {
    const s = sourceFromEnv(parseEnv({ DATABASE_URL: DB, OPSDECK_PROMETHEUS_URL: "http://prom:9090/", OPSDECK_PROMETHEUS_BEARER_TOKEN: "t", OPSDECK_PROMETHEUS_HEADERS: '{"X-Scope-OrgID":"ops"}' }));
    expect(s?.provider.kind).toBe("prometheus");
    expect(s?.provider.id).toBe("prometheus:http://prom:9090");
  });
  it("demo only in demo mode, nothing otherwise", () => {
    expect(sourceFromEnv(parseEnv({ OPSDECK_EMBEDDED_DATABASE_URL: DB }))?.provider.kind).toBe("demo");
    expect(sourceFromEnv(parseEnv({ DATABASE_URL: DB }))).toBeNull();
  });
  it("several data sources from OPSDECK_METRICS_SOURCES: names, environments, auth, the default, the entity's pick", () => {
    const list = [
      { name: "eu", url: "http://prom-eu:9090", environment: "prod", auth: { type: "bearer", token: "t" }, headers: { "X-Scope-OrgID": "eu" } },
      { name: "us", label: "US cluster", url: "https://prom-us/prometheus/", auth: { type: "basic", username: "u", password: "p" }, default: true, scrapeInterval: 30 },
    ];
    const sources = sourcesFromEnv(parseEnv({ DATABASE_URL: DB, OPSDECK_METRICS_SOURCES: JSON.stringify(list) }));
    expect(sources.infos()).toEqual([
      { name: "eu", label: "eu", environment: "prod", kind: "prometheus", demo: false },
      { name: "us", label: "US cluster", environment: null, kind: "prometheus", demo: false },
    ]);
    expect(sources.fallback?.name).toBe("us");
    expect(sources.get("us")?.scrapeIntervalSeconds).toBe(30);
    expect(sources.pick(null, { "opsdeck.dev/metrics-source": "eu" })?.name).toBe("eu");
    expect(sources.pick(null, { "opsdeck.dev/metrics-source": "gone" })?.name).toBe("us");
    expect(sources.pick("eu", { "opsdeck.dev/metrics-source": "us" })?.name).toBe("eu");
    expect(() => sources.pick("nope")).toThrow(/Unknown metrics data source "nope" \(configured: eu, us\)/);
  });
  it("demo mode has three demo environments named like the demo deploy environments", () => {
    const demo = sourcesFromEnv(parseEnv({ OPSDECK_EMBEDDED_DATABASE_URL: DB }));
    expect(demo.infos().map((s) => [s.name, s.environment, s.demo])).toEqual([["prod", "prod", true], ["staging", "staging", true], ["dev", "dev", true]]);
    expect(new Set(demo.list.map((s) => s.provider.id)).size).toBe(3);
  });
  it("refuses bad data-source lists naming the variable and the entry", () => {
    const bad = (v: unknown) => () => parseEnv({ DATABASE_URL: DB, OPSDECK_METRICS_SOURCES: JSON.stringify(v) });
    expect(bad([{ name: "a", url: "ftp://x" }])).toThrow(/OPSDECK_METRICS_SOURCES\.0\.url: must be an http\(s\) URL/);
    expect(bad([{ name: "a", url: "http://x" }, { name: "a", url: "http://y" }])).toThrow(/duplicate source name "a"/);
    expect(bad([{ name: "a", url: "http://x", default: true }, { name: "b", url: "http://y", default: true }])).toThrow(/at most one source may be the default/);
    expect(bad([{ name: "A B", url: "http://x" }])).toThrow(/OPSDECK_METRICS_SOURCES\.0\.name/);
    expect(bad([{ name: "a", url: "http://x", auth: { type: "bearer" } }])).toThrow(/OPSDECK_METRICS_SOURCES\.0\.auth/);
    expect(bad([{ name: "a", url: "http://x", typo: 1 }])).toThrow(/typo/);
    expect(() => parseEnv({ DATABASE_URL: DB, OPSDECK_PROMETHEUS_URL: "http://p:9090", OPSDECK_METRICS_SOURCES: '[{"name":"a","url":"http://x"}]' })).toThrow(/not both/);
  });
  it("refuses bad values naming the variable", () => {
    expect(() => parseEnv({ DATABASE_URL: DB, OPSDECK_PROMETHEUS_URL: "ftp://x" })).toThrow(/OPSDECK_PROMETHEUS_URL/);
    expect(() => parseEnv({ DATABASE_URL: DB, OPSDECK_PROMETHEUS_HEADERS: "{" })).toThrow(/OPSDECK_PROMETHEUS_HEADERS/);
    expect(() => parseEnv({ DATABASE_URL: DB, OPSDECK_PROMETHEUS_BEARER_TOKEN: "t", OPSDECK_PROMETHEUS_USERNAME: "u", OPSDECK_PROMETHEUS_PASSWORD: "p" })).toThrow(/not both/);
    expect(() => parseEnv({ DATABASE_URL: DB, OPSDECK_PROMETHEUS_USERNAME: "u" })).toThrow(/both or neither/);
  });
});

describe("Prometheus provider requests (fetch stub; the real server is in metrics-prometheus.test.ts)", () => {
  const capture = () => {
    const seen: { url: string; headers: Record<string, string>; body: string }[] = [];
    const fetchStub: typeof fetch = async (url, init) => {
      seen.push({ url: String(url), headers: init?.headers as Record<string, string>, body: String(init?.body) });
      return new Response(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: { a: "b" }, value: [1700000000.5, "+Inf"] }] } }));
    };
    return { seen, fetchStub };
  };
  it("sends bearer auth and custom headers, form-encoded", async () => {
    const { seen, fetchStub } = capture();
    const p = new PrometheusProvider({ url: "https://prom.example/base/", auth: { type: "bearer", token: "tok" }, headers: { "X-Scope-OrgID": "ops" }, fetch: fetchStub });
    const r = await p.instantQuery('up{job="x"}', new Date(1_700_000_000_000));
    expect(seen[0]!.url).toBe("https://prom.example/base/api/v1/query");
    expect(seen[0]!.headers.authorization).toBe("Bearer tok");
    expect(seen[0]!.headers["X-Scope-OrgID"]).toBe("ops");
    expect(new URLSearchParams(seen[0]!.body).get("query")).toBe('up{job="x"}');
    expect(new URLSearchParams(seen[0]!.body).get("time")).toBe("1700000000.000");
    expect(r).toEqual([{ labels: { a: "b" }, points: [[1_700_000_000_500, null]] }]);
  });
  it("sends basic auth", async () => {
    const { seen, fetchStub } = capture();
    await new PrometheusProvider({ url: "http://p:9090", auth: { type: "basic", username: "u", password: "p" }, fetch: fetchStub }).instantQuery("up");
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
  });
  it("names refused credentials", async () => {
    const p = new PrometheusProvider({ url: "http://p:9090", fetch: async () => new Response("Unauthorized", { status: 401 }) });
    await expect(p.instantQuery("up")).rejects.toThrow(/HTTP 401 \(credentials refused\): Unauthorized/);
  });
});

describe("chart helpers", () => {
  it("formats values with units", () => {
    expect(formatValue(12.345, "req/s")).toBe("12.3 req/s");
    expect(formatValue(0.0042, "ratio")).toBe("0.42 %");
    expect(formatValue(0.215, "seconds")).toBe("215 ms");
    expect(formatValue(0.35, "cores")).toBe("0.35 cores");
    expect(formatValue(0, "seconds")).toBe("0 ms");
    expect(formatValue(312 * 1024 * 1024, "bytes")).toBe("312 MiB");
    expect(formatValue(null, "bytes")).toBe("—");
  });
  it("clamps a zoom to at least 5 minutes, never into the future", () => {
    const now = 10_000_000;
    expect(clampRange(1_000_000, 2_000_000, now)).toEqual({ from: new Date(1_000_000), to: new Date(2_000_000) });
    expect(clampRange(2_000_000, 1_000_000, now)).toEqual({ from: new Date(1_000_000), to: new Date(2_000_000) });
    expect(clampRange(1_000_000, 1_060_000, now)).toEqual({ from: new Date(880_000), to: new Date(1_180_000) });
    expect(clampRange(now - 1000, now + 1000, now)).toEqual({ from: new Date(now - 300_000), to: new Date(now) });
  });

  it("merges series with different timestamps, interpolating, keeping gaps", () => {
    const rows = mergeSeries([
      [[0, 0], [10, 10]],
      [[0, 1], [5, null], [10, 1]],
    ]);
    expect(rows).toEqual([
      { t: 0, s0: 0, s1: 1 },
      { t: 5, s0: 5, s1: null },
      { t: 10, s0: 10, s1: 1 },
    ]);
  });
});
