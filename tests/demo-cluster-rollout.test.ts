import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWatch, startFastCluster, waitFor } from "./helpers/demo-cluster";

// Rollout mechanics of the demo cluster, observed through the API as a client would: surge/unavailability bounds,
// Recreate, the controllers' events, cascading deletes, namespaces.

let ctx: Awaited<ReturnType<typeof startFastCluster>>;
const NS = "roll";
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments`;
type PodObj = { metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> }; status?: { conditions?: { type: string; status: string }[] } };

beforeAll(async () => {
  ctx = await startFastCluster({ seed: { namespaces: [{ name: NS, deployments: [] }] } });
});
afterAll(async () => {
  await ctx?.cluster.close();
});

function deployment(name: string, replicas: number, strategy: Record<string, unknown>, image = `registry.opsdeck.demo/${name}:1.0.0`) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, strategy, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } } },
  };
}

async function rolledOut(name: string) {
  return waitFor(`${name} rolled out`, async () => {
    const d = (await ctx.api("GET", `${DEPLOY}/${name}`)).body as { metadata: { generation: number }; spec: { replicas: number }; status: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number } };
    const s = d.status;
    return d.metadata.generation === s.observedGeneration && s.updatedReplicas === d.spec.replicas && s.availableReplicas === d.spec.replicas && s.replicas === d.spec.replicas ? d : null;
  }, 15_000);
}

/** Follows the pods of `app` through a watch and records, after every event, how many exist (not terminating) and are ready. */
async function trackPods(app: string) {
  const list = await ctx.api("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${app}`);
  const pods = new Map<string, PodObj>((list.body.items as PodObj[]).map((p) => [p.metadata.name, p]));
  const samples: { live: number; ready: number }[] = [];
  const w = await openWatch(`${ctx.cluster.url}/api/v1/namespaces/${NS}/pods?watch=1&labelSelector=app%3D${app}&resourceVersion=${list.body.metadata!.resourceVersion as string}`);
  let seen = 0;
  const timer = setInterval(() => {
    for (; seen < w.events.length; seen++) {
      const e = w.events[seen]!;
      const p = e.object as unknown as PodObj;
      if (e.type === "DELETED") pods.delete(p.metadata.name);
      else pods.set(p.metadata.name, p);
      const live = [...pods.values()].filter((x) => !x.metadata.deletionTimestamp);
      samples.push({ live: live.length, ready: live.filter((x) => x.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length });
    }
  }, 2);
  return { samples, stop: () => (clearInterval(timer), w.close()) };
}

describe("rolling update", () => {
  it("never exceeds replicas + maxSurge pods nor drops below replicas - maxUnavailable ready", async () => {
    expect((await ctx.api("POST", DEPLOY, deployment("surge", 4, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }))).status).toBe(201);
    await rolledOut("surge");
    const t = await trackPods("surge");
    try {
      await ctx.api("PATCH", `${DEPLOY}/surge`, { spec: { template: { spec: { containers: [{ name: "surge", image: "registry.opsdeck.demo/surge:2.0.0" }] } } } }, "application/strategic-merge-patch+json");
      await rolledOut("surge");
      await waitFor("all events read", () => t.samples.length > 10 && t.samples.at(-1)!.live === 4);
    } finally {
      t.stop();
    }
    expect(Math.max(...t.samples.map((s) => s.live))).toBe(5); // surge of exactly one pod was used
    expect(Math.min(...t.samples.map((s) => s.ready))).toBeGreaterThanOrEqual(4); // maxUnavailable 0
  });

  it("with the default 25 %/25 % keeps at least replicas - 1 of 4 ready", async () => {
    await ctx.api("POST", DEPLOY, deployment("dflt", 4, {}));
    const d = await rolledOut("dflt");
    expect(d).toMatchObject({ spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 } });
    const t = await trackPods("dflt");
    try {
      await ctx.api("PATCH", `${DEPLOY}/dflt`, { spec: { template: { spec: { containers: [{ name: "dflt", image: "registry.opsdeck.demo/dflt:2.0.0" }] } } } }, "application/strategic-merge-patch+json");
      await rolledOut("dflt");
      await waitFor("all events read", () => t.samples.length > 10 && t.samples.at(-1)!.live === 4);
    } finally {
      t.stop();
    }
    expect(Math.max(...t.samples.map((s) => s.live))).toBeLessThanOrEqual(5);
    expect(Math.min(...t.samples.map((s) => s.ready))).toBeGreaterThanOrEqual(3);
  });

  it("Recreate stops every old pod before starting new ones", async () => {
    await ctx.api("POST", DEPLOY, deployment("recr", 2, { type: "Recreate" }));
    await rolledOut("recr");
    const t = await trackPods("recr");
    try {
      await ctx.api("PATCH", `${DEPLOY}/recr`, { spec: { template: { spec: { containers: [{ name: "recr", image: "registry.opsdeck.demo/recr:2.0.0" }] } } } }, "application/strategic-merge-patch+json");
      await rolledOut("recr");
      await waitFor("all events read", () => t.samples.at(-1)?.ready === 2);
    } finally {
      t.stop();
    }
    expect(t.samples.some((s) => s.live === 0)).toBe(true);
    expect(Math.max(...t.samples.map((s) => s.live))).toBe(2);
  });
});

describe("controller events", () => {
  it("records ScalingReplicaSet, SuccessfulCreate/SuccessfulDelete and the kubelet's pod events", async () => {
    const events = (await ctx.api("GET", `/api/v1/namespaces/${NS}/events`)).body.items as { reason: string; involvedObject: { kind: string; name: string }; source: { component: string }; type: string; count: number }[];
    const has = (kind: string, reason: string, component: string) => events.some((e) => e.involvedObject.kind === kind && e.reason === reason && e.source.component === component);
    expect(has("Deployment", "ScalingReplicaSet", "deployment-controller")).toBe(true);
    expect(has("ReplicaSet", "SuccessfulCreate", "replicaset-controller")).toBe(true);
    expect(has("ReplicaSet", "SuccessfulDelete", "replicaset-controller")).toBe(true);
    for (const reason of ["Scheduled", "Pulling", "Pulled", "Created", "Started", "Killing"]) expect(events.some((e) => e.involvedObject.kind === "Pod" && e.reason === reason), reason).toBe(true);
  });

  it("a crash-looping pod gets repeated Warning BackOff events (counted, not duplicated)", async () => {
    await ctx.api("POST", DEPLOY, deployment("boom", 1, {}, "registry.opsdeck.demo/boom:1.0.0-crash"));
    const ev = await waitFor("BackOff counted twice", async () => {
      const items = (await ctx.api("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=reason%3DBackOff,type%3DWarning`)).body.items as { count: number; involvedObject: { name: string } }[];
      return items.find((e) => e.involvedObject.name.startsWith("boom-") && e.count >= 2);
    });
    expect(ev.count).toBeGreaterThanOrEqual(2);
    const pod = (await ctx.api("GET", `/api/v1/namespaces/${NS}/pods/${ev.involvedObject.name}`)).body as { status: { containerStatuses: { restartCount: number; ready: boolean; lastState: { terminated?: { exitCode: number } } }[] } };
    expect(pod.status.containerStatuses[0]).toMatchObject({ ready: false, lastState: { terminated: { exitCode: 1 } } });
    expect(pod.status.containerStatuses[0]!.restartCount).toBeGreaterThanOrEqual(1);
  });
});

describe("deletes and namespaces", () => {
  it("deleting a Deployment removes its ReplicaSets and pods; Orphan keeps them", async () => {
    await ctx.api("POST", DEPLOY, deployment("gone", 2, {}));
    await rolledOut("gone");
    const del = await ctx.api("DELETE", `${DEPLOY}/gone`);
    expect(del.body).toMatchObject({ kind: "Status", status: "Success", details: { name: "gone", kind: "deployments" } });
    await waitFor("pods and replicasets gone", async () => {
      const rs = (await ctx.api("GET", `/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app%3Dgone`)).body.items as unknown[];
      const pods = (await ctx.api("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dgone`)).body.items as unknown[];
      return rs.length === 0 && pods.length === 0;
    });

    await ctx.api("POST", DEPLOY, deployment("kept", 1, {}));
    await rolledOut("kept");
    await ctx.api("DELETE", `${DEPLOY}/kept`, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Orphan" });
    await new Promise((r) => setTimeout(r, 200));
    const rs = (await ctx.api("GET", `/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app%3Dkept`)).body.items as { metadata: { ownerReferences?: unknown[] } }[];
    expect(rs).toHaveLength(1);
    expect(rs[0]!.metadata.ownerReferences).toBeUndefined();
  });

  it("namespaces: create, refuse content while terminating, delete with their contents", async () => {
    expect((await ctx.api("POST", "/api/v1/namespaces", { metadata: { name: "tmp-ns" } })).status).toBe(201);
    expect((await ctx.api("POST", "/apis/apps/v1/namespaces/tmp-ns/deployments", deployment("x", 1, {}))).status).toBe(201);
    expect((await ctx.api("POST", "/apis/apps/v1/namespaces/no-such-ns/deployments", deployment("x", 1, {}))).status).toBe(404);
    const del = await ctx.api("DELETE", "/api/v1/namespaces/tmp-ns");
    expect(del.body).toMatchObject({ kind: "Namespace", status: { phase: "Terminating" } });
    const refused = await ctx.api("POST", "/apis/apps/v1/namespaces/tmp-ns/deployments", deployment("y", 1, {}));
    expect([403, 404]).toContain(refused.status);
    await waitFor("namespace gone", async () => (await ctx.api("GET", "/api/v1/namespaces/tmp-ns")).status === 404);
    expect(((await ctx.api("GET", "/api/v1/pods?fieldSelector=metadata.namespace%3Dtmp-ns")).body.items as unknown[]).length).toBe(0);
  });
});
