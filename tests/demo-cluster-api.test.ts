import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST_TIMING } from "@/server/demo/cluster/timing";
import { openWatch, startFastCluster, waitFor } from "./helpers/demo-cluster";

// The demo cluster's REST API over HTTP: discovery, Table output, patches, Status errors, selectors, pagination,
// resourceVersion and watch streams, logs — the shapes Kubernetes clients rely on.

let ctx: Awaited<ReturnType<typeof startFastCluster>>;
const DEPLOY = "/apis/apps/v1/namespaces/team/deployments";
type Dep = { metadata: { resourceVersion: string; generation: number; annotations?: Record<string, string>; labels?: Record<string, string> }; spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string; env?: { name: string; value: string }[] }[] } } }; status: { observedGeneration?: number; conditions?: { type: string; reason: string }[] } };

beforeAll(async () => {
  ctx = await startFastCluster({ seed: { namespaces: [{ name: "team", deployments: [{ name: "svc", image: "registry.opsdeck.demo/svc:1.0.0", replicas: 2 }, { name: "other", image: "registry.opsdeck.demo/other:1.0.0", replicas: 1 }] }] } });
});
afterAll(async () => {
  await ctx?.cluster.close();
});

async function getDeploy(name = "svc") {
  return (await ctx.api("GET", `${DEPLOY}/${name}`)).body as unknown as Dep;
}

describe("discovery", () => {
  it("serves /api, /apis and the group versions", async () => {
    expect((await ctx.api("GET", "/api")).body).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    const groups = (await ctx.api("GET", "/apis")).body as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(["apps", "events.k8s.io"]));
    const apps = (await ctx.api("GET", "/apis/apps/v1")).body as { resources: { name: string; kind: string; group?: string; shortNames?: string[]; verbs: string[] }[] };
    expect(apps.resources).toContainEqual(expect.objectContaining({ name: "deployments", kind: "Deployment", shortNames: ["deploy"], verbs: expect.arrayContaining(["patch", "watch"]) }));
    expect(apps.resources).toContainEqual(expect.objectContaining({ name: "deployments/scale", kind: "Scale", group: "autoscaling" }));
    const core = (await ctx.api("GET", "/api/v1")).body as { resources: { name: string }[] };
    expect(core.resources.map((r) => r.name)).toEqual(expect.arrayContaining(["namespaces", "pods", "pods/log", "events", "nodes"]));
    expect((await ctx.api("GET", "/version")).body).toMatchObject({ major: "1", gitVersion: expect.stringMatching(/^v1\./) });
    // An OpenAPI document without definitions: kubectl apply skips client-side validation with it.
    expect((await ctx.api("GET", "/openapi/v2")).body).toMatchObject({ swagger: "2.0", definitions: {} });
    const pb = await fetch(`${ctx.cluster.url}/openapi/v2`, { headers: { Accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" } });
    expect(Buffer.from(await pb.arrayBuffer()).subarray(0, 5)).toEqual(Buffer.from([0x0a, 3, 0x32, 0x2e, 0x30])); // field 1 = "2.0"
    expect((await ctx.api("GET", "/openapi/v3")).status).toBe(404);
  });
});

describe("Table output", () => {
  it("answers kubectl's Accept header with a meta.k8s.io/v1 Table", async () => {
    const res = await fetch(`${ctx.cluster.url}${DEPLOY}`, { headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json" } });
    const t = (await res.json()) as { kind: string; apiVersion: string; columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[] };
    expect(t).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1" });
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([["Name", 0], ["Ready", 0], ["Up-to-date", 0], ["Available", 0], ["Age", 0], ["Containers", 1], ["Images", 1], ["Selector", 1]]);
    const svc = t.rows.find((r) => r.cells[0] === "svc")!;
    expect(svc.cells.slice(1, 4)).toEqual(["2/2", 2, 2]);
    expect(svc.object).toMatchObject({ kind: "PartialObjectMetadata", metadata: { name: "svc" } });
  });
});

describe("patches", () => {
  it("strategic merge patch merges containers by name and bumps generation; the controller observes it", async () => {
    const before = await getDeploy();
    const res = await ctx.api("PATCH", `${DEPLOY}/svc?fieldManager=opsdeck`, { spec: { template: { spec: { containers: [{ name: "svc", env: [{ name: "MODE", value: "x" }] }] } } } }, "application/strategic-merge-patch+json");
    expect(res.status).toBe(200);
    const after = res.body as unknown as Dep;
    expect(after.spec.template.spec.containers).toEqual([expect.objectContaining({ name: "svc", image: "registry.opsdeck.demo/svc:1.0.0", env: expect.arrayContaining([{ name: "MODE", value: "x" }]) })]);
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    await waitFor("the rollout to finish", async () => {
      const d = (await getDeploy()) as Dep & { status: { replicas?: number; updatedReplicas?: number; availableReplicas?: number } };
      return d.status.observedGeneration === after.metadata.generation && d.status.updatedReplicas === 2 && d.status.availableReplicas === 2 && d.status.replicas === 2;
    });
    // ...and its old pods to be gone, so later tests see a settled namespace.
    await waitFor("old pods gone", async () => ((await ctx.api("GET", "/api/v1/namespaces/team/pods?labelSelector=app%3Dsvc")).body.items as unknown[]).length === 2);
  });

  it("merge patch replaces lists and deletes keys with null; JSON patch applies operations in order", async () => {
    await ctx.api("PATCH", `${DEPLOY}/other`, { metadata: { labels: { team: "a" } } }, "application/merge-patch+json");
    let d = (await ctx.api("PATCH", `${DEPLOY}/other`, { metadata: { labels: { team: null, tier: "web" } } }, "application/merge-patch+json")).body as unknown as Dep;
    expect(d.metadata.labels).toMatchObject({ tier: "web" });
    expect(d.metadata.labels).not.toHaveProperty("team");
    d = (await ctx.api("PATCH", `${DEPLOY}/other`, [{ op: "test", path: "/spec/replicas", value: 1 }, { op: "replace", path: "/spec/replicas", value: 2 }, { op: "add", path: "/metadata/annotations/owner", value: "team-a" }], "application/json-patch+json")).body as unknown as Dep;
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.annotations?.owner).toBe("team-a");
    const failed = await ctx.api("PATCH", `${DEPLOY}/other`, [{ op: "test", path: "/spec/replicas", value: 7 }], "application/json-patch+json");
    expect(failed.status).toBe(422);
  });

  it("the /scale subresource reads and writes spec.replicas", async () => {
    const s = await ctx.api("GET", `${DEPLOY}/other/scale`);
    expect(s.body).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 2 }, status: { selector: "app.kubernetes.io/name=other" } });
    const patched = await ctx.api("PATCH", `${DEPLOY}/other/scale`, { spec: { replicas: 1 } }, "application/merge-patch+json");
    expect(patched.body).toMatchObject({ kind: "Scale", spec: { replicas: 1 } });
    const put = await ctx.api("PUT", `${DEPLOY}/other/scale`, { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name: "other", namespace: "team" }, spec: { replicas: 3 } });
    expect(put.body).toMatchObject({ spec: { replicas: 3 } });
    expect((await getDeploy("other")).spec.replicas).toBe(3);
  });

  it("unknown patch content types are refused with 415", async () => {
    expect((await ctx.api("PATCH", `${DEPLOY}/svc`, {}, "application/xml")).status).toBe(415);
  });
});

describe("Status errors", () => {
  const shape = (code: number, reason: string) => expect.objectContaining({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message: expect.any(String) });

  it("404 NotFound names the resource", async () => {
    const r = await ctx.api("GET", `${DEPLOY}/missing`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual(shape(404, "NotFound"));
    expect(r.body).toMatchObject({ message: 'deployments.apps "missing" not found', details: { name: "missing", group: "apps", kind: "deployments" } });
    expect((await ctx.api("GET", "/api/v1/namespaces/nowhere/pods/x")).status).toBe(404);
  });

  it("409 Conflict for a stale resourceVersion, 409 AlreadyExists for a duplicate", async () => {
    const d = (await getDeploy()) as unknown as Record<string, unknown> & Dep;
    const stale = { ...d, metadata: { ...d.metadata, resourceVersion: "1" } };
    const r = await ctx.api("PUT", `${DEPLOY}/svc`, stale);
    expect(r.status).toBe(409);
    expect(r.body).toEqual(shape(409, "Conflict"));
    expect(r.body.message).toContain("the object has been modified");
    const ok = await ctx.api("PUT", `${DEPLOY}/svc`, d);
    expect(ok.status).toBe(200);
    const dup = await ctx.api("POST", DEPLOY, { metadata: { name: "svc" }, spec: d.spec });
    expect(dup.body).toEqual(shape(409, "AlreadyExists"));
  });

  it("422 Invalid lists the field causes", async () => {
    const r = await ctx.api("PATCH", `${DEPLOY}/svc`, { spec: { replicas: -1 } }, "application/merge-patch+json");
    expect(r.status).toBe(422);
    expect(r.body).toEqual(shape(422, "Invalid"));
    expect(r.body.details).toEqual({ name: "svc", group: "apps", kind: "Deployment", causes: [{ reason: "FieldValueInvalid", message: "Invalid value: -1: must be greater than or equal to 0", field: "spec.replicas" }] });
    const noImage = await ctx.api("POST", DEPLOY, { metadata: { name: "bad" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c" }] } } } });
    expect(noImage.status).toBe(422);
    expect((noImage.body.details as { causes: { field: string }[] }).causes).toContainEqual(expect.objectContaining({ field: "spec.template.spec.containers[0].image" }));
    const selector = await ctx.api("PATCH", `${DEPLOY}/svc`, { spec: { selector: { matchLabels: { x: "y" } } } }, "application/merge-patch+json");
    expect(selector.status).toBe(422);
  });

  it("400 BadRequest for malformed bodies and selectors", async () => {
    const res = await fetch(`${ctx.cluster.url}${DEPLOY}/svc`, { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: "{nope" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(shape(400, "BadRequest"));
    expect((await ctx.api("GET", "/api/v1/pods?labelSelector=a%20in%20b")).status).toBe(400);
  });

  it("a wrong bearer token is 401; no token is allowed (demo)", async () => {
    const res = await fetch(`${ctx.cluster.url}/api/v1/namespaces`, { headers: { Authorization: "Bearer wrong" } });
    expect(res.status).toBe(401);
    expect((await ctx.api("GET", "/api/v1/namespaces")).status).toBe(200);
  });
});

describe("lists, selectors, resourceVersion", () => {
  it("label and field selectors filter lists; resourceVersion is a global counter", async () => {
    const all = await ctx.api("GET", "/api/v1/namespaces/team/pods?labelSelector=app.kubernetes.io%2Fname%3Dsvc");
    const items = all.body.items as { metadata: { name: string; namespace: string; resourceVersion: string } }[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    const rv = Number(all.body.metadata!.resourceVersion);
    for (const p of items) expect(Number(p.metadata.resourceVersion)).toBeLessThanOrEqual(rv);
    const one = await ctx.api("GET", `/api/v1/pods?fieldSelector=metadata.name%3D${items[0]!.metadata.name},metadata.namespace%3Dteam`);
    expect((one.body.items as unknown[]).length).toBe(1);
    const running = await ctx.api("GET", "/api/v1/namespaces/team/pods?fieldSelector=status.phase%21%3DRunning&labelSelector=app%3Dsvc");
    expect((running.body.items as { status: { phase: string } }[]).every((p) => p.status.phase !== "Running")).toBe(true);
  });

  it("limit/continue pages through a list", async () => {
    // The settled svc pods (other tests scale "other" meanwhile).
    const first = await ctx.api("GET", "/api/v1/namespaces/team/pods?labelSelector=app%3Dsvc&limit=1");
    expect((first.body.items as unknown[]).length).toBe(1);
    const token = first.body.metadata!.continue as string;
    expect(token).toBeTruthy();
    const rest = await ctx.api("GET", `/api/v1/namespaces/team/pods?labelSelector=app%3Dsvc&limit=100&continue=${encodeURIComponent(token)}`);
    const names = [...(first.body.items as { metadata: { name: string } }[]), ...(rest.body.items as { metadata: { name: string } }[])].map((p) => p.metadata.name);
    const full = ((await ctx.api("GET", "/api/v1/namespaces/team/pods?labelSelector=app%3Dsvc")).body.items as { metadata: { name: string } }[]).map((p) => p.metadata.name);
    expect(names).toEqual(full);
  });
});

describe("watch", () => {
  it("streams ADDED/MODIFIED/DELETED events from a resourceVersion; pod state changes arrive within a tick or two", async () => {
    const list = await ctx.api("GET", "/api/v1/namespaces/team/pods?labelSelector=app%3Dsvc");
    const w = await openWatch(`${ctx.cluster.url}/api/v1/namespaces/team/pods?watch=1&labelSelector=app%3Dsvc&resourceVersion=${list.body.metadata!.resourceVersion as string}&allowWatchBookmarks=true`);
    try {
      await ctx.api("PATCH", `${DEPLOY}/svc/scale`, { spec: { replicas: 3 } }, "application/merge-patch+json");
      const added = await w.next((e) => e.type === "ADDED");
      const name = added.object.metadata.name as string;
      const scheduled = await w.next((e) => e.type === "MODIFIED" && e.object.metadata.name === name && !!(e.object.spec as { nodeName?: string }).nodeName);
      const running = await w.next((e) => e.type === "MODIFIED" && e.object.metadata.name === name && (e.object.status as { phase: string }).phase === "Running");
      // The kubelet moves the pod on its tick once podStartMs (±30 % jitter) has passed; the event follows at once.
      // (Slack for a loaded CI machine; typical here: podStartMs + one tick.)
      const t = FAST_TIMING;
      expect(running.at - scheduled.at).toBeLessThanOrEqual(t.podStartMs * 1.3 + 2 * t.tickMs + 500);
      // A change made through the API reaches the watcher together with the API's answer.
      await ctx.api("DELETE", `/api/v1/namespaces/team/pods/${name}`);
      const answered = Date.now();
      const terminating = await w.next((e) => e.type === "MODIFIED" && e.object.metadata.name === name && !!e.object.metadata.deletionTimestamp);
      expect(terminating.at - answered).toBeLessThan(250);
      await w.next((e) => e.type === "DELETED" && e.object.metadata.name === name);
      const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
      expect([...rvs].sort((a, b) => a - b)).toEqual(rvs); // monotonic
    } finally {
      w.close();
    }
  });

  it("without a resourceVersion starts with ADDED for what exists; timeoutSeconds ends the stream", async () => {
    const w = await openWatch(`${ctx.cluster.url}${DEPLOY}?watch=true&fieldSelector=metadata.name%3Dsvc&timeoutSeconds=1`);
    const first = await w.next(() => true);
    expect(first).toMatchObject({ type: "ADDED", object: { kind: "Deployment", metadata: { name: "svc" } } });
    await waitFor("the stream to end", () => w.ended, 3000);
  });

  it("a watch on one named object (older clients' form) sees only that object", async () => {
    const w = await openWatch(`${ctx.cluster.url}${DEPLOY}/other?watch=true`);
    try {
      expect(await w.next(() => true)).toMatchObject({ type: "ADDED", object: { metadata: { name: "other" } } });
      await ctx.api("PATCH", `${DEPLOY}/svc`, { metadata: { labels: { touched: "svc" } } }, "application/merge-patch+json");
      await ctx.api("PATCH", `${DEPLOY}/other`, { metadata: { labels: { touched: "other" } } }, "application/merge-patch+json");
      const e = await w.next((x) => x.type === "MODIFIED" && (x.object.metadata.labels as Record<string, string> | undefined)?.touched === "other");
      expect(w.events.every((x) => x.object.metadata.name === "other")).toBe(true);
      expect(e.object.metadata.name).toBe("other");
    } finally {
      w.close();
    }
  });

  it("a Table watch (kubectl get -w) sends one-row Tables", async () => {
    const res = await fetch(`${ctx.cluster.url}${DEPLOY}?watch=1&fieldSelector=metadata.name%3Dsvc&timeoutSeconds=1`, { headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } });
    const first = JSON.parse((await res.text()).split("\n")[0]!) as { type: string; object: { kind: string; rows: { cells: unknown[] }[] } };
    expect(first).toMatchObject({ type: "ADDED", object: { kind: "Table" } });
    expect(first.object.rows).toHaveLength(1);
    expect(first.object.rows[0]!.cells[0]).toBe("svc");
  });

  it("an expired resourceVersion gets a 410 ERROR event", async () => {
    const w = await openWatch(`${ctx.cluster.url}${DEPLOY}?watch=1&resourceVersion=5`);
    const e = await w.next(() => true);
    expect(e).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
    w.close();
  });

  it("events can be watched (core and events.k8s.io)", async () => {
    const ev = await ctx.api("GET", "/api/v1/namespaces/team/events?fieldSelector=involvedObject.kind%3DDeployment,reason%3DScalingReplicaSet");
    expect((ev.body.items as { reason: string }[]).length).toBeGreaterThan(0);
    const v1 = await ctx.api("GET", "/apis/events.k8s.io/v1/namespaces/team/events?fieldSelector=regarding.kind%3DPod");
    expect(v1.body.kind).toBe("EventList");
    expect((v1.body.items as { regarding: { kind: string }; note: string }[])[0]).toMatchObject({ regarding: { kind: "Pod" }, note: expect.any(String) });
  });
});

describe("logs", () => {
  it("serves plain-text pod logs with tailLines", async () => {
    const pods = (await ctx.api("GET", "/api/v1/namespaces/team/pods?fieldSelector=status.phase%3DRunning")).body.items as { metadata: { name: string } }[];
    const res = await fetch(`${ctx.cluster.url}/api/v1/namespaces/team/pods/${pods[0]!.metadata.name}/log?tailLines=2`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text.trim().split("\n").length).toBeLessThanOrEqual(2);
    expect(text).toMatch(/level=/);
  });
});
