import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetricsQueryError, PrometheusProvider, type MetricsProvider, type Series } from "@/server/providers/metrics";
import { QueryCache } from "@/server/metrics/cache";
import { cachedRangeQuery } from "@/server/metrics/query";
import { lttb } from "@/server/metrics/lttb";
import { chooseStep } from "@/server/metrics/step";
import { planSignals, SELECTOR_ANNOTATION } from "@/server/metrics/templates";
import { entityHealth } from "@/server/metrics/health";
import { useTestDatabase } from "./helpers/db";
import { sourcesOf } from "./helpers/metrics-sources";
import { MetricsSources, sourcesFromEnv } from "@/server/metrics/source";
import { entitySlo } from "@/server/metrics/slo-queries";
import { validatePromql } from "@/server/metrics/dashboards";
import { parseEnv } from "@/server/env";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { freePort, startPrometheus, type TestPrometheus } from "./helpers/prometheus";

// Against a REAL Prometheus + Pushgateway from Debian, started by the test on free loopback ports (tests/helpers/prometheus.ts).

let prom: TestPrometheus;
let provider: PrometheusProvider;

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
}

const only = (s: Series[]) => {
  expect(s).toHaveLength(1);
  return s[0]!;
};
const lastValue = (s: Series[]) => only(s).points.at(-1)![1]!;

beforeAll(async () => {
  prom = await startPrometheus();
  provider = new PrometheusProvider({ url: prom.url, timeoutMs: 10_000 });
  // A known series in the Pushgateway…
  const push = await fetch(`${prom.pushgatewayUrl}/metrics/job/opsdeck_itest`, { method: "PUT", body: 'opsdeck_itest_info{team="payments"} 42\n' });
  expect(push.ok).toBe(true);
  // …and enough scrapes of both for rate() over a 5 s window.
  await eventually("pushed series scraped", async () => ((await provider.instantQuery("opsdeck_itest_info")).length ? true : undefined));
  await eventually("rates computable", async () => ((await provider.instantQuery('sum(rate(http_requests_total{service="itest"}[5s]))')).length ? true : undefined));
  // At least 12 scrapes of the target, so the range tests have data across their whole (seconds-long) range.
  await eventually("12 scrapes", async () => ((await provider.instantQuery('count_over_time(up{job="itest"}[1m]) >= 12')).length ? true : undefined));
}, 90_000);

afterAll(async () => {
  await prom?.stop();
});

describe("Prometheus provider (real Prometheus)", () => {
  it("instant query: the pushed value and its labels", async () => {
    const s = only(await provider.instantQuery("opsdeck_itest_info"));
    expect(s.labels).toMatchObject({ __name__: "opsdeck_itest_info", job: "opsdeck_itest", team: "payments" });
    expect(s.points[0]![1]).toBe(42);
    expect(Math.abs(s.points[0]![0] - Date.now())).toBeLessThan(10_000);
  });

  it("instant query at a given time, scalar results", async () => {
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const s = only(await provider.instantQuery("scalar(vector(7))", at));
    expect(s.points).toEqual([[at.getTime(), 7]]);
    expect(only(await provider.instantQuery("vector(1) / 0")).points[0]![1]).toBeNull(); // +Inf: a gap, not a number
  });

  it("range query: one point per step with the known rate", async () => {
    // ends 2 s back: the newest scrape may still be on its way on a loaded machine
    const end = new Date(Math.floor(Date.now() / 1000) * 1000 - 2_000);
    const start = new Date(end.getTime() - 4_000);
    const s = only(await provider.rangeQuery('sum(rate(http_requests_total{service="itest",code="200"}[3s]))', { start, end, stepSeconds: 1 }));
    expect(s.points).toHaveLength(5);
    expect(s.points.map((p) => p[0])).toEqual([0, 1, 2, 3, 4].map((i) => start.getTime() + i * 1000));
    for (const [, v] of s.points) {
      expect(v).toBeGreaterThan(6);
      expect(v).toBeLessThan(14);
    }
  });

  it("series metadata", async () => {
    const sets = await provider.series(['http_requests_total{service="itest"}']);
    expect(sets.map((l) => l.code).sort()).toEqual(["200", "500"]);
    expect(sets[0]).toMatchObject({ __name__: "http_requests_total", job: "itest" });
  });

  it("surfaces Prometheus' own error messages", async () => {
    const parse = await provider.instantQuery("sum(rate(http_requests_total[1m])").catch((e: unknown) => e);
    expect(parse).toBeInstanceOf(MetricsQueryError);
    expect((parse as MetricsQueryError).kind).toBe("bad_data");
    expect((parse as MetricsQueryError).status).toBe(400);
    expect((parse as Error).message).toMatch(/^bad_data: .*parse error/);

    const tooMany = await provider.rangeQuery("up", { start: new Date(Date.now() - 86_400_000), end: new Date(), stepSeconds: 1 }).catch((e: unknown) => e);
    expect((tooMany as Error).message).toMatch(/exceeded maximum resolution of 11,000 points/);

    const execution = await provider.instantQuery('label_replace(up, "x", "$1", "job", "(")').catch((e: unknown) => e);
    expect((execution as MetricsQueryError).kind).toBe("execution");
    expect((execution as MetricsQueryError).message).toMatch(/^execution: invalid regular expression/);
  });

  it("validates PromQL without evaluating it (format_query): Prometheus' parser message for a bad query", async () => {
    await expect(provider.validateQuery("sum(rate(http_requests_total[5m]))")).resolves.toBeUndefined();
    const bad = (await provider.validateQuery("sum(rate(http_requests_total[5m])").catch((e: unknown) => e)) as MetricsQueryError;
    expect(bad).toBeInstanceOf(MetricsQueryError);
    expect(bad.kind).toBe("bad_data");
    expect(bad.message).toMatch(/^bad_data: .*parse error/);
    const sources = sourcesOf({ provider, scrapeIntervalSeconds: 1 });
    expect(await validatePromql(sources, 'sum by (code) (rate(http_requests_total{service="itest"}[1m]))')).toBeNull();
    expect(await validatePromql(sources, "rate(http_requests_total)")).toMatch(/^bad_data: .*range vector/);
  });

  it("names an unreachable data source and a non-Prometheus answer", async () => {
    const gone = new PrometheusProvider({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2_000 });
    const e1 = (await gone.instantQuery("up").catch((e: unknown) => e)) as MetricsQueryError;
    expect(e1.kind).toBe("unavailable");
    expect(e1.message).toMatch(/unreachable: ECONNREFUSED/);
    const notProm = new PrometheusProvider({ url: `${prom.pushgatewayUrl}/nothing-here` });
    const e2 = (await notProm.instantQuery("up").catch((e: unknown) => e)) as MetricsQueryError;
    expect(e2.kind).toBe("bad_response");
    expect(e2.message).toMatch(/HTTP 40\d/);
  });
});

describe("golden signals against real Prometheus", () => {
  const t = useTestDatabase();

  it("the default templates compute the known rates, error ratio, latency quantiles and saturation", async () => {
    const panels = planSignals({ name: "itest", annotations: {} }, "5s");
    const values: Record<string, number> = {};
    for (const p of panels) for (const q of p.queries) values[`${p.id}:${q.label}`] = lastValue(await provider.instantQuery(q.promql!));
    expect(values["requestRate:Request rate"]).toBeGreaterThan(9);
    expect(values["requestRate:Request rate"]).toBeLessThan(13);
    expect(values["errorRatio:Error ratio (5xx)"]).toBeGreaterThan(0.06);
    expect(values["errorRatio:Error ratio (5xx)"]).toBeLessThan(0.13);
    // 6/11 ≤ 50 ms: the median lies in the first bucket, p95/p99 in the 100–500 ms bucket
    expect(values["latency:p50"]).toBeLessThanOrEqual(0.05);
    expect(values["latency:p95"]).toBeGreaterThan(0.1);
    expect(values["latency:p99"]).toBeGreaterThan(values["latency:p95"]!);
    expect(values["latency:p99"]).toBeLessThanOrEqual(0.5);
    expect(values["cpu:CPU"]).toBeGreaterThan(0.15);
    expect(values["cpu:CPU"]).toBeLessThan(0.35);
    expect(values["memory:Memory (working set)"]).toBe(100 * 1024 * 1024);
  });

  it("step selection and LTTB keep a long range within the point budgets", async () => {
    const end = new Date();
    const step = chooseStep(new Date(end.getTime() - 3_600_000), end, 1);
    expect(step.stepSeconds).toBe(2); // 3600 s / 2000 points → the next nice step
    const raw = only(await provider.rangeQuery("sin(vector(time()) / 100)", step));
    expect(raw.points.length).toBe(1801);
    const down = lttb(raw.points, 1000);
    expect(down).toHaveLength(1000);
    expect(down[0]).toEqual(raw.points[0]);
    expect(down.at(-1)).toEqual(raw.points.at(-1));
  });

  it("coalesces concurrent identical range queries and caches the answer briefly", async () => {
    let upstream = 0;
    const counting: MetricsProvider = {
      kind: "prometheus",
      id: provider.id,
      instantQuery: (...a) => provider.instantQuery(...a),
      series: (...a) => provider.series(...a),
      rangeQuery: (...a) => (upstream++, provider.rangeQuery(...a)),
    };
    const cache = new QueryCache<Series[]>(60_000);
    const end = new Date(Math.floor(Date.now() / 1000) * 1000);
    const step = { start: new Date(end.getTime() - 5_000), end, stepSeconds: 1 };
    const q = 'sum(rate(http_requests_total{service="itest"}[3s]))';
    const results = await Promise.all(Array.from({ length: 8 }, () => cachedRangeQuery(counting, q, step, cache)));
    expect(upstream).toBe(1);
    expect(new Set(results).size).toBe(1);
    await cachedRangeQuery(counting, q, step, cache);
    expect(upstream).toBe(1);
    await cachedRangeQuery(counting, q, { ...step, stepSeconds: 2 }, cache);
    expect(upstream).toBe(2);
    expect(only(results[0]!).points).toEqual(only(await provider.rangeQuery(q, step)).points);
  });

  it("entityHealth: a catalog component's panels, with a failing override showing Prometheus' error on its panel", async () => {
    const meta = (annotations: Record<string, string>) => ({ annotations });
    await t.db.entity.create({ data: { kind: "Component", name: "itest", ref: "component:default/itest", metadata: meta({ [SELECTOR_ANNOTATION]: 'job="itest"' }) } });
    await t.db.entity.create({
      data: { kind: "Component", name: "broken", ref: "component:default/broken", metadata: meta({ "opsdeck.dev/prometheus-query.cpu": "sum(rate(x{{{selector}}}[{{window}}])) by" }) },
    });
    await t.db.entity.create({ data: { kind: "System", name: "sys", ref: "system:default/sys" } });
    const source = sourcesOf({ provider, scrapeIntervalSeconds: 1 });
    const now = new Date();
    const range = { from: new Date(now.getTime() - 5 * 60_000), to: now };

    const h = await entityHealth(t.db, source, { ref: "component:itest", range, maxPoints: 100 }, { cache: new QueryCache(1) });
    if (!h.configured) throw new Error("expected a configured source");
    expect(h.provider).toEqual({ kind: "prometheus", demo: false });
    expect(h.range.stepSeconds).toBe(1);
    expect(h.panels.map((p) => p.id)).toEqual(["requestRate", "errorRatio", "latency", "cpu", "memory"]);
    const rate = h.panels[0]!.queries[0]!;
    expect(rate.promql).toBe('sum(rate(http_requests_total{job="itest"}[4s]))');
    expect(rate.error).toBeNull();
    expect(rate.series[0]!.points.length).toBeLessThanOrEqual(100);
    expect(rate.series[0]!.points.at(-1)![1]).toBeGreaterThan(5);
    // the selector annotation applies to the container metrics too (same scrape job here)
    expect(h.panels.find((p) => p.id === "cpu")!.queries[0]!.series[0]!.points.at(-1)![1]).toBeCloseTo(0.25, 1);

    const b = await entityHealth(t.db, source, { ref: "component:broken", range, maxPoints: 100 }, { cache: new QueryCache(1) });
    if (!b.configured) throw new Error("expected a configured source");
    const cpu = b.panels.find((p) => p.id === "cpu")!;
    expect(cpu.source).toBe("annotation");
    expect(cpu.queries[0]!.error).toMatch(/^bad_data: .*parse error/);
    expect(b.panels.find((p) => p.id === "memory")!.queries[0]!.error).toBeNull();

    await expect(entityHealth(t.db, source, { ref: "system:sys", range, maxPoints: 100 })).rejects.toThrow(/Components/);
    await expect(entityHealth(t.db, source, { ref: "component:nope", range, maxPoints: 100 })).rejects.toThrow(/not in the catalog/);
    expect(await entityHealth(t.db, new MetricsSources([]), { ref: "component:itest", range, maxPoints: 100 })).toEqual({ configured: false });
  });
});

/**
 * A recording reverse proxy in front of the test Prometheus: Prometheus ignores credentials, so this is what checks
 * that each data source sends its own. It refuses requests without `Authorization: Bearer s3cret` with HTTP 401,
 * like an authenticating gateway would.
 */
async function recordingProxy(target: string): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer(async (req, res) => {
    seen.push(req.headers);
    if (req.headers.authorization !== "Bearer s3cret" && !req.headers.authorization?.startsWith("Basic ")) {
      res.writeHead(401, { "content-type": "text/plain" }).end("unauthorized");
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers: { "content-type": req.headers["content-type"] ?? "" }, body: chunks.length ? Buffer.concat(chunks) : undefined });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe("several data sources (real Prometheus, one direct and through an authenticating proxy)", () => {
  const t = useTestDatabase();

  it("each source sends its own auth and headers; the entity annotation and the request pick the source", async () => {
    const proxy = await recordingProxy(prom.url);
    try {
      const sources = sourcesFromEnv(
        parseEnv({
          DATABASE_URL: "postgresql://u@h/d",
          OPSDECK_METRICS_SOURCES: JSON.stringify([
            { name: "direct", url: prom.url, environment: "prod", scrapeInterval: 1, default: true },
            { name: "gateway", label: "Gateway", url: proxy.url, environment: "staging", scrapeInterval: 1, auth: { type: "bearer", token: "s3cret" }, headers: { "X-Scope-OrgID": "team-a" } },
            { name: "basic", url: `${proxy.url}/`, scrapeInterval: 1, auth: { type: "basic", username: "ops", password: "pw:1" } },
            { name: "noauth", url: proxy.url, scrapeInterval: 1 },
          ]),
        }),
      );
      await t.db.entity.create({ data: { kind: "Component", name: "itest", ref: "component:default/itest", metadata: { annotations: { "opsdeck.dev/metrics-source": "gateway" } } } });
      const now = new Date();
      const range = { from: new Date(now.getTime() - 5 * 60_000), to: now };
      const ask = (source?: string) => entityHealth(t.db, sources, { ref: "component:itest", range, maxPoints: 100, source }, { cache: new QueryCache(1) });

      // the annotation picks "gateway": every query went through the proxy with the bearer token and the tenant header
      const viaAnnotation = await ask();
      if (!viaAnnotation.configured) throw new Error("expected a configured source");
      expect(viaAnnotation.source).toEqual({ name: "gateway", label: "Gateway", environment: "staging", kind: "prometheus", demo: false });
      expect(viaAnnotation.sources.map((s) => s.name)).toEqual(["direct", "gateway", "basic", "noauth"]);
      expect(viaAnnotation.panels.flatMap((p) => p.queries).every((q) => q.error === null && q.series.length === 1)).toBe(true);
      expect(proxy.seen.length).toBe(7); // rate, error ratio, p50/p95/p99, cpu, memory
      for (const h of proxy.seen) expect(h).toMatchObject({ authorization: "Bearer s3cret", "x-scope-orgid": "team-a", "content-type": "application/x-www-form-urlencoded" });

      // the request overrides the annotation: "direct" does not touch the proxy, and answers the same rates
      proxy.seen.length = 0;
      const direct = await ask("direct");
      if (!direct.configured) throw new Error("expected a configured source");
      expect(proxy.seen).toHaveLength(0);
      const lastRate = (h: typeof direct) => h.panels[0]!.queries[0]!.series[0]!.points.at(-1)![1]!;
      expect(lastRate(direct)).toBeCloseTo(lastRate(viaAnnotation), 0);

      // basic auth
      const basic = await ask("basic");
      if (!basic.configured) throw new Error("expected a configured source");
      expect(proxy.seen.at(-1)!.authorization).toBe(`Basic ${Buffer.from("ops:pw:1").toString("base64")}`);
      expect(proxy.seen.at(-1)!["x-scope-orgid"]).toBeUndefined();

      // a source whose credentials are refused: every panel says so, none is an empty chart
      const refused = await ask("noauth");
      if (!refused.configured) throw new Error("expected a configured source");
      for (const q of refused.panels.flatMap((p) => p.queries)) expect(q.error).toMatch(/HTTP 401 \(credentials refused\): unauthorized/);

      await expect(ask("nope")).rejects.toThrow(/Unknown metrics data source "nope"/);
    } finally {
      await proxy.close();
    }
  });

  it("SLOs against real Prometheus: SLI, budget, burn rates and burn-down from the known rates", async () => {
    // the target answers 11 requests/s, 1 of them 5xx (9.1 %), 9 of 11 within 100 ms (18.2 % slower)
    const metadata = { annotations: { "opsdeck.dev/slo-availability": "99", "opsdeck.dev/slo-latency-p95-ms": "100" } };
    await t.db.entity.upsert({ where: { ref: "component:default/itest" }, create: { kind: "Component", name: "itest", ref: "component:default/itest", metadata }, update: { metadata } });
    const sources = sourcesOf({ provider, scrapeIntervalSeconds: 1 });
    const slo = await entitySlo(t.db, sources, {}, { ref: "component:itest" }, { cache: new QueryCache(1) });
    expect(slo.errors).toEqual([]);
    expect(slo.slos.map((s) => s.spec.id)).toEqual(["availability", "latency-p95"]);
    const [avail, latency] = slo.slos;
    expect(avail!.error).toBeNull();
    expect(avail!.promql).toBe('(sum(rate(http_requests_total{service="itest",code=~"5.."}[672h])) or 0 * sum(rate(http_requests_total{service="itest"}[672h]))) / sum(rate(http_requests_total{service="itest"}[672h]))');
    expect(avail!.evaluation.badRatio).toBeGreaterThan(0.07);
    expect(avail!.evaluation.badRatio).toBeLessThan(0.11);
    // 9.1 % bad against 1 % allowed: the budget is overspent ~8×, and 9.1× > 5.6 on the 6h/30m pair pages
    expect(avail!.evaluation.budgetRemaining).toBeLessThan(-6);
    expect(avail!.evaluation.alerts.map((a) => a.firing)).toEqual([false, true, true]);
    expect(avail!.evaluation).toMatchObject({ status: "failing", burn: "fast" });
    expect(latency!.promql).toContain('le="0.1"');
    expect(latency!.evaluation.badRatio).toBeGreaterThan(0.15);
    expect(latency!.evaluation.badRatio).toBeLessThan(0.22);
    // 18 % slow against 5 % allowed: burn ~3.6×, under 5.6 but over the slow-burn 0.93
    expect(latency!.evaluation.alerts.map((a) => a.firing)).toEqual([false, false, true]);
    expect(latency!.evaluation.status).toBe("failing"); // the budget is exhausted too
    // burn-down: 6 h steps over 28 days, ending at the current minute; Prometheus has only seconds of data
    expect(avail!.burnDown.stepSeconds).toBe(21_600);
    expect(avail!.burnDown.error).toBeNull();
    const points = avail!.burnDown.points;
    expect(points[0]).toEqual({ t: points.at(-1)!.t - 112 * 21_600_000, remaining: 1 }); // the window opens with the whole budget
    expect(Date.now() - points.at(-1)!.t).toBeLessThan(5_000); // ends at the latest scrape
    expect(points.at(-1)!.remaining).toBeLessThan(-6);
  });
});
