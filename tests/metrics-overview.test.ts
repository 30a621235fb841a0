import { describe, expect, it } from "vitest";
import { QueryCache } from "@/server/metrics/cache";
import { deriveStatus, mapLimit, metricsOverview, teamOf, THRESHOLDS } from "@/server/metrics/overview";
import { MetricsQueryError, type MetricsProvider, type Series } from "@/server/providers/metrics";
import { DemoMetricsProvider, incidentAt } from "@/server/providers/metrics/demo";
import { useTestDatabase } from "./helpers/db";
import { sourcesOf } from "./helpers/metrics-sources";
import { MetricsSources } from "@/server/metrics/source";
import { worstStatus } from "@/server/metrics/status";

describe("deriveStatus (thresholds in docs/metrics.md)", () => {
  it("classifies each signal and takes the worst", () => {
    expect(deriveStatus({ errorRatio: 0.002, p95Seconds: 0.12 })).toBe("healthy");
    expect(deriveStatus({ errorRatio: 0, p95Seconds: 0 })).toBe("healthy");
    expect(deriveStatus({ errorRatio: 0.0099, p95Seconds: 0.499 })).toBe("healthy");
    expect(deriveStatus({ errorRatio: 0.01, p95Seconds: 0.1 })).toBe("degraded");
    expect(deriveStatus({ errorRatio: 0.001, p95Seconds: 0.5 })).toBe("degraded");
    expect(deriveStatus({ errorRatio: 0.0499, p95Seconds: 0.999 })).toBe("degraded");
    expect(deriveStatus({ errorRatio: 0.05, p95Seconds: 0.1 })).toBe("failing");
    expect(deriveStatus({ errorRatio: 0.001, p95Seconds: 1 })).toBe("failing");
    expect(deriveStatus({ errorRatio: 0.02, p95Seconds: 3 })).toBe("failing");
    expect(THRESHOLDS).toEqual({ errorRatio: { degraded: 0.01, failing: 0.05 }, p95Seconds: { degraded: 0.5, failing: 1 } });
  });

  it("is unknown without data, unless the known signal is already bad", () => {
    expect(deriveStatus({ errorRatio: null, p95Seconds: null })).toBe("unknown");
    expect(deriveStatus({ errorRatio: null, p95Seconds: 0.1 })).toBe("unknown");
    expect(deriveStatus({ errorRatio: 0.001, p95Seconds: null })).toBe("unknown");
    expect(deriveStatus({ errorRatio: Number.NaN, p95Seconds: 0.1 })).toBe("unknown");
    expect(deriveStatus({ errorRatio: null, p95Seconds: 2 })).toBe("failing");
    expect(deriveStatus({ errorRatio: 0.03, p95Seconds: null })).toBe("degraded");
  });

  it("teams come from the owner group's name", () => {
    expect(teamOf("group:default/payments")).toBe("payments");
    expect(teamOf("group:ops/sre")).toBe("sre");
    expect(teamOf(null)).toBe("(no owner)");
  });

  it("mapLimit keeps order and never runs more than the limit at once", async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([...Array(50).keys()], 4, async (i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      active--;
      return i * 2;
    });
    expect(out).toEqual([...Array(50).keys()].map((i) => i * 2));
    expect(peak).toBe(4);
  });
});

describe("metricsOverview over the database", () => {
  const t = useTestDatabase();
  const HOUR = 3_600_000;

  async function component(name: string, owner: string | null, opts: { level?: string; namespace?: string; annotations?: Record<string, string> } = {}) {
    const ns = opts.namespace ?? "default";
    const e = await t.db.entity.create({
      data: { kind: "Component", namespace: ns, name, ref: `component:${ns}/${name}`, ownerRef: owner ? `group:default/${owner}` : null, metadata: { annotations: opts.annotations ?? {} } },
    });
    if (opts.level) await t.db.entityScore.create({ data: { entityId: e.id, score: 80, level: opts.level, passed: 4, total: 5, failing: [] } });
    return e;
  }

  it("groups Components by team with demo statuses, values and scorecard levels; filters by team; counts queries", async () => {
    await component("payments-api", "payments", { level: "gold" });
    await component("ledger", "payments", { level: "bronze" });
    await component("search-api", "search");
    await component("orphan", null);
    await t.db.entity.create({ data: { kind: "System", name: "sys", ref: "system:default/sys", ownerRef: "group:default/payments" } });

    // A time at which payments-api has an incident (the demo generator is deterministic).
    let time = Date.UTC(2026, 10, 2, 12);
    while (incidentAt("payments-api", time) < 0.5) time += 60_000;
    const demo = new DemoMetricsProvider();
    const calls: string[] = [];
    const provider: MetricsProvider = {
      kind: "demo",
      id: "demo-test",
      instantQuery: (q, at) => (calls.push(q), demo.instantQuery(q, at)),
      rangeQuery: (q, r) => demo.rangeQuery(q, r),
      series: (m) => demo.series(m),
    };
    const source = sourcesOf(provider);
    const cache = new QueryCache<Series[]>(60_000);
    const o = await metricsOverview(t.db, source, {}, { cache, time: new Date(time) });

    expect(o.provider).toEqual({ kind: "demo", demo: true });
    expect(o.total).toBe(4);
    expect(o.truncated).toBe(false);
    expect(o.teams).toEqual([
      { team: "(no owner)", services: 1 },
      { team: "payments", services: 2 },
      { team: "search", services: 1 },
    ]);
    expect(o.rows.map((r) => [r.team, r.name, r.level])).toEqual([
      ["payments", "ledger", "bronze"],
      ["payments", "payments-api", "gold"],
      ["search", "search-api", null],
      ["(no owner)", "orphan", null],
    ]);
    // batched: one error-ratio and one p95 query for all four services (none has SLOs or query annotations)
    expect(calls).toHaveLength(2);
    expect(o.queries).toBe(2);
    expect(calls).toContain(
      '(sum by (service) (rate(http_requests_total{service=~"ledger|orphan|payments-api|search-api",code=~"5.."}[5m])) or 0 * sum by (service) (rate(http_requests_total{service=~"ledger|orphan|payments-api|search-api"}[5m]))) / sum by (service) (rate(http_requests_total{service=~"ledger|orphan|payments-api|search-api"}[5m]))',
    );
    expect(calls).toContain('histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{service=~"ledger|orphan|payments-api|search-api"}[5m])))');
    for (const r of o.rows) {
      expect(r.error).toBeNull();
      expect(r.errorRatio).toBeGreaterThanOrEqual(0);
      expect(r.p95Seconds).toBeGreaterThan(0);
      expect(r.status).toBe(deriveStatus(r));
    }
    const pay = o.rows.find((r) => r.name === "payments-api")!;
    // an incident adds ≥ 2 % + 13 % × severity to the error ratio: failing
    expect(pay.errorRatio).toBeGreaterThan(0.05);
    expect(pay.status).toBe("failing");

    // the same evaluation again is served from the cache
    await metricsOverview(t.db, source, {}, { cache, time: new Date(time) });
    expect(calls).toHaveLength(2);

    const only = await metricsOverview(t.db, source, { team: "payments" }, { cache, time: new Date(time + HOUR) });
    expect(only.rows.map((r) => r.name)).toEqual(["ledger", "payments-api"]);
    expect(only.total).toBe(2);
    expect(only.teams).toHaveLength(3);
    expect((await metricsOverview(t.db, source, { team: "(no owner)" }, { cache })).rows.map((r) => r.name)).toEqual(["orphan"]);

    // the cap: first N with a truncated flag
    const capped = await metricsOverview(t.db, source, {}, { cache, limit: 2 });
    expect(capped).toMatchObject({ total: 4, limit: 2, truncated: true });
    expect(capped.rows).toHaveLength(2);
  });

  it("without a data source every status is unknown; a failing query carries its error", async () => {
    await component("broken", "ops", { annotations: { "opsdeck.dev/prometheus-query.errorRatio": "sum(" } });
    await component("down", "ops");
    const none = await metricsOverview(t.db, new MetricsSources([]), { team: "ops" });
    expect(none.provider).toBeNull();
    expect(none.rows.map((r) => [r.name, r.status, r.errorRatio])).toEqual([
      ["broken", "unknown", null],
      ["down", "unknown", null],
    ]);

    const failing: MetricsProvider = {
      kind: "prometheus",
      id: "failing-test",
      instantQuery: async (q) => {
        if (q.includes("histogram_quantile")) throw new MetricsQueryError("execution: query timed out", "timeout");
        return [{ labels: { service: "down" }, points: [[Date.now(), 0.001]] }];
      },
      rangeQuery: async () => [],
      series: async () => [],
    };
    const o = await metricsOverview(t.db, sourcesOf(failing), { team: "ops" }, { cache: new QueryCache(1) });
    expect(o.provider).toEqual({ kind: "prometheus", demo: false });
    const broken = o.rows.find((r) => r.name === "broken")!;
    expect(broken.errorRatio).toBeNull();
    expect(broken.error).toMatch(/prometheus-query\.errorRatio: unclosed "\("/);
    expect(broken.status).toBe("unknown");
    const down = o.rows.find((r) => r.name === "down")!;
    expect(down).toMatchObject({ errorRatio: 0.001, p95Seconds: null, status: "unknown", error: "execution: query timed out" });
  });

  it("services with SLOs are judged by them, in batched queries; values against objectives; last deploys plugged in", async () => {
    const slo = { "opsdeck.dev/slo-availability": "99", "opsdeck.dev/slo-latency-p95-ms": "300" };
    for (const name of ["a-svc", "b-svc", "c-svc"]) await component(name, "slo", { annotations: slo });
    await component("plain", "slo");
    await component("tight", "slo", { annotations: { "opsdeck.dev/slo-availability": "99.99" } });
    await component("typo", "slo", { annotations: { "opsdeck.dev/slo-availability": "lots" } });
    const demo = new DemoMetricsProvider();
    const calls: string[] = [];
    const provider: MetricsProvider = { kind: "demo", id: "demo-slo", instantQuery: (q, at) => (calls.push(q), demo.instantQuery(q, at)), rangeQuery: (q, r) => demo.rangeQuery(q, r), series: (m) => demo.series(m) };
    const at = new Date(Date.UTC(2026, 10, 2, 12));
    const o = await metricsOverview(t.db, sourcesOf(provider), { team: "slo" }, {
      cache: new QueryCache(60_000),
      time: at,
      lastDeploys: async (refs, env) => new Map(refs.filter((r) => r.endsWith("/a-svc")).map((r) => [r, { id: "d1", version: "1.2.3", state: "succeeded", kind: "deploy", environment: env ?? "prod", at, by: "Bob" }])),
    });
    // current values: 2 batched queries; availability: 6 windows (5m … 28d), 4 services in one query each;
    // latency: 6 windows, 3 services with le="0.3" — 14 queries for 6 services, whatever their number
    expect(o.queries).toBe(14);
    expect(new Set(calls).size).toBe(14);
    expect(calls.some((q) => q.includes('[672h]') && q.includes('service=~"a-svc|b-svc|c-svc|tight"'))).toBe(true);
    const row = (n: string) => o.rows.find((r) => r.name === n)!;
    expect(row("a-svc")).toMatchObject({ statusFrom: "slo", errorObjective: expect.closeTo(0.01, 9), latencyObjective: { seconds: 0.3, percentile: 95 }, lastDeploy: { version: "1.2.3" } });
    expect(row("a-svc").slos.map((s) => s.id)).toEqual(["availability", "latency-p95"]);
    expect(row("a-svc").status).toBe(worstStatus(row("a-svc").slos.map((s) => s.status)));
    expect(row("plain")).toMatchObject({ statusFrom: "thresholds", slos: [], errorObjective: null, lastDeploy: null });
    // 99.99 % leaves 0.01 %: the demo's ~0.3 % errors exhaust it
    expect(row("tight").slos[0]).toMatchObject({ status: "failing" });
    expect(row("tight").slos[0]!.budgetRemaining).toBeLessThan(0);
    expect(row("typo")).toMatchObject({ statusFrom: "thresholds", sloErrors: [expect.stringMatching(/slo-availability: availability must be a percentage/)] });
  });
});