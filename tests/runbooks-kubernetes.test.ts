import { gunzipSync } from "node:zlib";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { environmentSchema } from "@/server/env";
import { startDemoCluster, type DemoCluster } from "@/server/demo/cluster";
import { setDeploysRuntime } from "@/server/deploys/config";
import { ClientNodeProvider, loadKubeconfigs } from "@/server/providers/kubernetes";
import { startWorker } from "@/server/jobs/runner";
import { REPO_RUNBOOKS_DIR, syncRunbookSources } from "@/server/runbooks/sources";
import { bundleTar } from "@/server/runbooks/download";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, makeTeam, makeUser } from "./helpers/fixtures";
import { logText, waitRun } from "./runbooks-fixtures";

// The shipped example runbooks against the in-repo demo Kubernetes cluster (a real Kubernetes REST API), through the
// deploys session's KubernetesProvider: restart, scale, diagnostics bundle; and the team boundary for changes.

process.env.OPSDECK_RUNBOOK_PATHS = "runbooks"; // the shipped examples, loaded by the worker at boot (the default)
const workRoot = mkdtempSync(path.join(tmpdir(), "opsdeck-rb-k8s-"));
process.env.OPSDECK_RUNBOOK_WORKDIR = workRoot;

const FAST = { podStartMs: 40, podReadyMs: 40, tickMs: 15, terminateMs: 40 };

function untar(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(h.subarray(124, 136).toString("utf8").replace(/\0.*$/s, ""), 8);
    out[name] = buf.subarray(off + 512, off + 512 + size).toString("utf8");
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe("kubernetes steps on the demo cluster", () => {
  const t = useTestDatabase();
  let cluster: DemoCluster;
  let runner: Runner;
  let kube: ClientNodeProvider;
  let people: Record<"oncall" | "engineer" | "foreignOncall", Awaited<ReturnType<typeof makeUser>>["principal"]>;

  beforeAll(async () => {
    cluster = await startDemoCluster({
      timing: FAST,
      seed: { namespaces: ["staging", "prod"].map((ns) => ({ name: ns, deployments: [{ name: "web", image: "registry.opsdeck.demo/web:1.0.0", replicas: 2 }, { name: "api", image: "registry.opsdeck.demo/api:1.0.0", replicas: 2 }] })) },
    });
    kube = new ClientNodeProvider(loadKubeconfigs([cluster.kubeconfigPath]), { requestTimeoutMs: 3000, watchTimeoutSeconds: 20 });
    setDeploysRuntime({
      environments: ["staging", "prod"].map((name) => ({ ...environmentSchema.parse({ context: cluster.contextName, namespace: name }), name })),
      kube,
      kubeError: null,
      metrics: () => null,
      heartbeatMs: 300,
      staleMs: 2000,
    });
    const platform = await makeTeam(t.db, "platform");
    const shop = await makeTeam(t.db, "shop");
    const search = await makeTeam(t.db, "search");
    await t.db.entity.create({ data: { kind: "Component", name: "web", ref: "component:default/web", ownerTeamId: shop.id, metadata: { annotations: { "backstage.io/kubernetes-id": "web" } } } });
    await t.db.entity.create({ data: { kind: "Component", name: "api", ref: "component:default/api", ownerTeamId: search.id, metadata: {} } });
    people = {
      oncall: (await makeUser(t.db, { name: "Carol Oncall", teams: [[shop.id, "oncall"]] })).principal,
      engineer: (await makeUser(t.db, { name: "Bob Engineer", teams: [[shop.id, "engineer"]] })).principal,
      foreignOncall: (await makeUser(t.db, { name: "Sam Search", teams: [[search.id, "viewer"], [platform.id, "oncall"]] })).principal,
    };
    runner = await startWorker(t.db, { connectionString: t.url, singleSession: false, concurrency: 2 });
    const loaded = await t.db.runbook.findMany({ where: { source: "file", archivedAt: null, valid: true }, select: { sourceRef: true } });
    expect(loaded.map((r) => path.relative(REPO_RUNBOOKS_DIR, r.sourceRef!)).sort()).toEqual(["check-endpoint.yaml", "collect-diagnostics.yaml", "restart-deployment.yaml", "rotate-demo-token.yaml", "scale-up.yaml"]);
    expect(await syncRunbookSources(t.db, { dirs: [REPO_RUNBOOKS_DIR] })).toMatchObject({ unchanged: 5, problems: [] });
  });

  afterAll(async () => {
    await runner?.stop();
    await cluster?.close();
    rmSync(workRoot, { recursive: true, force: true });
  });

  it("restart-deployment: an on-call member of the owning team restarts the Deployment and waits for the rollout", async () => {
    const before = (await kube.getWorkload({ cluster: cluster.contextName, namespace: "staging" }, { name: "web" }))!;
    const seq = await lastSeq(t.db);
    const { id, state } = await callerFor(t.db, people.oncall).runbooks.start({ name: "restart-deployment", params: { service: "web", environment: "staging", reason: "wedged" }, confirm: "web" });
    expect(state).toBe("queued");
    const run = await waitRun(t.db, id, undefined, 30_000);
    const log = await logText(t.db, id);
    expect(run.state, log).toBe("succeeded");
    expect(run.steps.map((s) => [s.stepId, s.state])).toEqual([["before", "succeeded"], ["restart", "succeeded"], ["pods", "succeeded"]]);
    expect(log).toContain("restarted web (rollout restart)");
    expect(log).toMatch(/rollout complete/);
    const after = (await kube.getWorkload({ cluster: cluster.contextName, namespace: "staging" }, { name: "web" }))!;
    expect(after.revision).toBeGreaterThan(before.revision);
    const audit = (await auditSince(t.db, seq)).filter((a) => a.action === "workload.restart");
    expect(audit).toEqual([expect.objectContaining({ actorId: people.oncall.id, actorLabel: "runbook:restart-deployment", targetId: "staging/web", meta: expect.objectContaining({ runbookRun: id }) })]);
  });

  it("an engineer may run it only with approval (runWithApproval); an on-call approves", async () => {
    const { id, state } = await callerFor(t.db, people.engineer).runbooks.start({ name: "restart-deployment", params: { service: "web", environment: "staging" }, confirm: "web" });
    expect(state).toBe("awaiting_approval");
    await callerFor(t.db, people.oncall).runbooks.decide({ id, decision: "approved" });
    expect((await waitRun(t.db, id, undefined, 30_000)).state).toBe("succeeded");
  });

  it("a runbook cannot change another team's service: the step fails with the reason, nothing is restarted", async () => {
    const before = (await kube.getWorkload({ cluster: cluster.contextName, namespace: "staging" }, { name: "api" }))!;
    const { id } = await callerFor(t.db, people.foreignOncall).runbooks.start({ name: "restart-deployment", params: { service: "api", environment: "staging" }, confirm: "api" });
    const run = await waitRun(t.db, id, undefined, 30_000);
    expect(run.state).toBe("failed");
    expect(run.steps[1]!.message).toMatch(/is not an engineer \(or above\) in the team that owns api/);
    const after = (await kube.getWorkload({ cluster: cluster.contextName, namespace: "staging" }, { name: "api" }))!;
    expect(after.revision).toBe(before.revision);
  });

  it("scale-up sets the replicas and waits until they are ready", async () => {
    const { id } = await callerFor(t.db, people.oncall).runbooks.start({ name: "scale-up", params: { service: "web", environment: "prod", replicas: 3 } });
    const run = await waitRun(t.db, id, undefined, 30_000);
    expect(run.state, await logText(t.db, id)).toBe("succeeded");
    expect(run.steps[1]!.name).toBe("Scale to 3");
    const w = (await kube.getWorkload({ cluster: cluster.contextName, namespace: "prod" }, { name: "web" }))!;
    expect(w.replicas).toMatchObject({ desired: 3, ready: 3 });
  });

  it("collect-diagnostics stores pods, events, logs and a summary; the bundle is a tar.gz with the log", async () => {
    const { id } = await callerFor(t.db, people.engineer).runbooks.start({ name: "collect-diagnostics", params: { service: "web", environment: "prod" } });
    const run = await waitRun(t.db, id, undefined, 30_000);
    expect(run.state, await logText(t.db, id)).toBe("succeeded");
    const names = (await t.db.runbookArtifact.findMany({ where: { runId: id }, select: { name: true } })).map((a) => a.name).sort();
    expect(names).toEqual(["events.txt", "logs.txt", "pods.txt", "summary.txt"]);
    const chunks: Buffer[] = [];
    for await (const b of Readable.from(bundleTar(t.db, id)).pipe(createGzip())) chunks.push(b as Buffer);
    const files = untar(gunzipSync(Buffer.concat(chunks)));
    expect(Object.keys(files).sort()).toEqual(["events.txt", "log.txt", "logs.txt", "pods.txt", "summary.txt"]);
    expect(files["pods.txt"]).toMatch(/^NAME\s+READY\s+STATUS/);
    expect(files["pods.txt"]).toMatch(/web-/);
    expect(files["logs.txt"]).toMatch(/==> web-/);
    expect(files["summary.txt"]).toMatch(/Diagnostics for web in prod/);
    expect(files["log.txt"]).toBe((await logText(t.db, id)).split(/(?<=\n)/).join(""));
  });
});
