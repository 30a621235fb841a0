import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricsProvider, Series } from "@/server/providers/metrics";
import { MetricsQueryError } from "@/server/providers/metrics";
import { useTestDatabase } from "./helpers/db";
import { callerFor } from "./helpers/fixtures";
import { REGISTRY, deployWorld, imageOf, people, settled, until, type DeployWorld } from "./deploys-fixtures";

/**
 * A deterministic MetricsProvider (the real interface): per service, the canary's and the stable pods' error ratio and
 * p95 latency, told apart by the track matcher canary analysis puts in its queries. A service set to "down" makes every
 * query fail, as an unreachable Prometheus would.
 */
class ScriptedMetrics implements MetricsProvider {
  readonly kind = "prometheus" as const;
  readonly id = "scripted";
  readonly queries: string[] = [];
  values = new Map<string, { canary: { errors: number; p95: number }; stable: { errors: number; p95: number } } | "down">();

  async instantQuery(query: string, time = new Date()): Promise<Series[]> {
    this.queries.push(query);
    const service = /service="([^"]+)"/.exec(query)?.[1] ?? "";
    const v = this.values.get(service);
    if (!v || v === "down") throw new MetricsQueryError(`Prometheus unreachable: connect ECONNREFUSED (${service})`, "unavailable");
    const side = /track="canary"/.test(query) ? v.canary : /track!="canary"/.test(query) ? v.stable : null;
    if (!side) return [];
    const value = /histogram_quantile/.test(query) ? side.p95 : side.errors;
    return [{ labels: { service }, points: [[time.getTime(), value]] }];
  }
  async rangeQuery(): Promise<Series[]> {
    throw new MetricsQueryError("not used", "bad_data");
  }
  async series(): Promise<Record<string, string>[]> {
    return [];
  }
}

describe("canary deploys", () => {
  const t = useTestDatabase();
  const metrics = new ScriptedMetrics();
  let w: DeployWorld;
  let who: Awaited<ReturnType<typeof people>>;

  beforeAll(async () => {
    w = await deployWorld(t.db, t.url, {
      services: ["search", "pricing", "reco"],
      namespaces: ["prod"],
      replicas: 3,
      envs: { prod: { namespace: "prod", autoRollback: true, canary: { intervals: 3, interval: 0.4, maxErrorRateIncrease: 0.01, maxLatencyRatio: 1.25 } } },
      metrics: { provider: metrics, scrapeIntervalSeconds: 1 },
    });
    who = await people(t.db, w.team.id);
  });
  afterAll(async () => {
    await w?.close();
  });

  const canaryOf = (name: string) => w.kube.getWorkload({ cluster: w.cluster.contextName, namespace: "prod" }, { name: `${name}-canary` });

  it("a healthy canary (1 replica, track=canary) passes every interval and is promoted; the canary is removed", async () => {
    metrics.values.set("search", { canary: { errors: 0.002, p95: 0.12 }, stable: { errors: 0.0025, p95: 0.11 } });
    const { id } = await callerFor(t.db, who.engineer).deploys.request({ entityRef: "component:search", environment: "prod", version: "2.0.0", reason: "new ranking", strategy: "canary" });
    const canary = await until("the canary Deployment", () => canaryOf("search"));
    expect(canary).toMatchObject({ labels: expect.objectContaining({ track: "canary", "app.kubernetes.io/name": "search" }), containers: [{ image: `${REGISTRY}/search:2.0.0` }] });
    expect(canary.replicas.desired).toBe(1);
    expect(canary.selector).toMatch(/track=canary/);
    const d = await settled(t.db, id);
    expect(d.state).toBe("succeeded");
    expect(d.analysis.map((a) => [a.interval, a.verdict])).toEqual([[1, "pass"], [2, "pass"], [3, "pass"]]);
    expect(d.analysis[0]).toMatchObject({ canaryErrorRate: 0.002, stableErrorRate: 0.0025, canaryLatencyMs: 120, stableLatencyMs: 110 });
    expect(d.steps.map((s) => s.name)).toEqual(["requested", "canary", "analysis", "promote", "verify", "succeeded"]);
    expect(await imageOf(w.kube, w.cluster.contextName, "prod", "search")).toBe(`${REGISTRY}/search:2.0.0`);
    await until("canary removed", async () => (await canaryOf("search")) === null);
    // Canary and stable were told apart in the queries.
    expect(metrics.queries.some((q) => q.includes('track="canary"'))).toBe(true);
    expect(metrics.queries.some((q) => q.includes('track!="canary"'))).toBe(true);
  });

  it("a canary with a worse error rate is aborted: canary removed, stable untouched, deploy failed with the reason", async () => {
    metrics.values.set("pricing", { canary: { errors: 0.08, p95: 0.1 }, stable: { errors: 0.001, p95: 0.1 } });
    const { id } = await callerFor(t.db, who.engineer).deploys.request({ entityRef: "component:pricing", environment: "prod", version: "3.0.0", reason: "new pricing", strategy: "canary" });
    const d = await settled(t.db, id);
    expect(d.state).toBe("failed");
    expect(d.message).toMatch(/canary analysis interval 1: error rate 8\.00% vs stable 0\.10%.*canary removed, stable untouched/);
    expect(d.analysis).toMatchObject([{ interval: 1, verdict: "fail" }]);
    expect(await imageOf(w.kube, w.cluster.contextName, "prod", "pricing")).toBe(`${REGISTRY}/pricing:1.0.0`);
    await until("canary removed", async () => (await canaryOf("pricing")) === null);
    // Nothing changed in stable, so there is nothing to roll back even with autoRollback on.
    expect(await t.db.deploy.count({ where: { rollbackOfId: id } })).toBe(0);
  });

  it("when the metrics provider cannot answer, analysis fails loudly — it never passes", async () => {
    metrics.values.set("reco", "down");
    const { id } = await callerFor(t.db, who.engineer).deploys.request({ entityRef: "component:reco", environment: "prod", version: "1.9.0", reason: "model update", strategy: "canary" });
    const d = await settled(t.db, id);
    expect(d.state).toBe("failed");
    expect(d.analysis).toMatchObject([{ interval: 1, verdict: "error", message: expect.stringMatching(/metrics query failed: Prometheus unreachable/) }]);
    expect(d.message).toMatch(/no verdict/);
    expect(await imageOf(w.kube, w.cluster.contextName, "prod", "reco")).toBe(`${REGISTRY}/reco:1.0.0`);
  });
});
