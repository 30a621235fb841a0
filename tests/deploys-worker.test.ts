import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@/server/auth/roles";
import { startDemoCluster } from "@/server/demo/cluster";
import { setDeploysRuntime } from "@/server/deploys/config";
import { deployFollower, stopDeployFollower } from "@/server/deploys/follower";
import { ClientNodeProvider, loadKubeconfigs } from "@/server/providers/kubernetes";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, outcomeOf } from "./helpers/fixtures";
import { REGISTRY, deployWorld, environments, imageOf, people, settled, until, type DeployWorld } from "./deploys-fixtures";

/** The deploy worker (real graphile-worker + rollout follower) against the demo cluster, requests through tRPC. */
describe("deploy worker against the demo cluster", () => {
  const t = useTestDatabase();
  let w: DeployWorld;
  let who: Awaited<ReturnType<typeof people>>;
  const ctx = () => w.cluster.contextName;

  beforeAll(async () => {
    w = await deployWorld(t.db, t.url, {
      services: ["checkout", "ledger", "search", "resume-me", "busy"],
      namespaces: ["dev", "qa"],
      envs: { dev: { namespace: "dev" }, qa: { namespace: "qa", autoRollback: true } },
    });
    who = await people(t.db, w.team.id);
  });
  afterAll(async () => {
    await w?.close();
  });

  const request = (p: Principal, input: Record<string, unknown>) => callerFor(t.db, p).deploys.request({ reason: "test deploy", ...input } as never);

  it("a rolling deploy patches the image, follows the rollout, verifies and succeeds — every move audited", async () => {
    const seq = await lastSeq(t.db);
    const { id, state } = await request(who.engineer, { entityRef: "component:checkout", environment: "dev", version: "1.1.0" });
    expect(state).toBe("requested");
    const d = await settled(t.db, id);
    expect(d).toMatchObject({ state: "succeeded", kind: "deploy", fromVersion: "1.0.0", toVersion: "1.1.0", image: `${REGISTRY}/checkout:1.1.0`, workload: "checkout", container: "checkout" });
    expect(d.toRevision).toBeGreaterThan(d.fromRevision ?? 0);
    expect(d.startedAt).toBeInstanceOf(Date);
    expect(d.finishedAt!.getTime()).toBeGreaterThanOrEqual(d.startedAt!.getTime());
    expect(d.steps.map((s) => [s.name, s.status])).toEqual([
      ["requested", "succeeded"],
      ["rollout", "succeeded"],
      ["verify", "succeeded"],
      ["succeeded", "succeeded"],
    ]);
    expect(d.steps[1]!.message).toMatch(/successfully rolled out/);
    expect(await imageOf(w.kube, ctx(), "dev", "checkout")).toBe(`${REGISTRY}/checkout:1.1.0`);
    const events = await auditSince(t.db, seq);
    const forDeploy = events.filter((e) => e.targetId === id);
    expect(forDeploy.map((e) => [e.action, e.actorLabel, (e.after as { state?: string }).state])).toEqual([
      ["deploy.request", who.engineer.email, "requested"],
      ["deploy.state", "worker", "rolling_out"],
      ["deploy.state", "worker", "verifying"],
      ["deploy.state", "worker", "succeeded"],
    ]);
  });

  it("the deploy dialog offers recent versions from the rollout history and says why a deploy is blocked", async () => {
    const opts = await callerFor(t.db, who.engineer).deploys.options({ entityRef: "component:checkout", environment: "dev" });
    expect(opts.current).toMatchObject({ version: "1.1.0" });
    expect(opts.versions.map((v) => [v.version, v.current])).toEqual(expect.arrayContaining([["1.1.0", true], ["1.0.0", false]]));
    expect(opts).toMatchObject({ freeze: null, active: null, clusterError: null, canBreakGlass: false });
    // A bad version is a validation error, not a crash.
    expect(await outcomeOf(request(who.engineer, { entityRef: "component:checkout", environment: "dev", version: "Not An Image!" }))).toBe("BAD_REQUEST");
    expect(await outcomeOf(request(who.engineer, { entityRef: "component:checkout", environment: "dev", version: "1.1.0" }))).toBe("PRECONDITION_FAILED");
    // Engineers of another team may not deploy this service.
    const outsider = (await people(t.db, w.otherTeam.id)).engineer;
    expect(await outcomeOf(request(outsider, { entityRef: "component:checkout", environment: "dev", version: "1.2.0" }))).toBe("FORBIDDEN");
  });

  it("a crash-looping image fails early with the pod's reason and is rolled back automatically (qa: autoRollback)", async () => {
    const { id } = await request(who.engineer, { entityRef: "component:ledger", environment: "qa", version: "2.0.0-crash" });
    const failed = await settled(t.db, id, ["failed", "rolled_back"]);
    expect(failed.message).toMatch(/pod ledger-.* is in CrashLoopBackOff/);
    const rollback = await until("the automatic rollback deploy", () => t.db.deploy.findFirst({ where: { rollbackOfId: id } }));
    expect(rollback).toMatchObject({ kind: "rollback", toVersion: "1.0.0", fromVersion: "2.0.0-crash", image: `${REGISTRY}/ledger:1.0.0` });
    const done = await settled(t.db, rollback.id).catch(async (e: unknown) => {
      console.log(JSON.stringify(await t.db.deploy.findUnique({ where: { id: rollback.id }, include: { steps: true } }), (_k, v) => (typeof v === "bigint" ? Number(v) : v), 1));
      throw e;
    });
    expect(done.state).toBe("succeeded");
    expect((await t.db.deploy.findUniqueOrThrow({ where: { id } })).state).toBe("rolled_back");
    expect(await imageOf(w.kube, ctx(), "qa", "ledger")).toBe(`${REGISTRY}/ledger:1.0.0`);
    const steps = (await settled(t.db, id, ["rolled_back"])).steps.map((s) => s.name);
    expect(steps).toEqual(expect.arrayContaining(["failed", "auto-rollback", "rolled_back"]));
    const audit = await t.db.auditEvent.findMany({ where: { action: "deploy.rollback", targetId: rollback.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorLabel: "worker", after: { automatic: true, rollbackOf: id } });
  });

  it("a crash-looping deploy without autoRollback (dev) just fails", async () => {
    const { id } = await request(who.engineer, { entityRef: "component:ledger", environment: "dev", version: "2.0.0-crash" });
    const d = await settled(t.db, id);
    expect(d.state).toBe("failed");
    expect(await t.db.deploy.count({ where: { rollbackOfId: id } })).toBe(0);
    // One click rolls it back by hand.
    const r = await callerFor(t.db, who.engineer).deploys.rollback({ id, reason: "crash looping" });
    const done = await settled(t.db, r.id);
    expect(done).toMatchObject({ state: "succeeded", kind: "rollback", toVersion: "1.0.0", rollbackOfId: id });
    expect((await t.db.deploy.findUniqueOrThrow({ where: { id } })).state).toBe("rolled_back");
  });

  it("rolling back a past successful deploy restores the revision before it, as its own Deploy", async () => {
    const first = await request(who.engineer, { entityRef: "component:search", environment: "dev", version: "1.5.0" });
    expect((await settled(t.db, first.id)).state).toBe("succeeded");
    const seq = await lastSeq(t.db);
    const r = await callerFor(t.db, who.engineer2).deploys.rollback({ id: first.id, reason: "latency regression" });
    const rolled = await settled(t.db, r.id);
    expect(rolled).toMatchObject({ state: "succeeded", kind: "rollback", fromVersion: "1.5.0", toVersion: "1.0.0", rollbackOfId: first.id });
    expect(await imageOf(w.kube, ctx(), "dev", "search")).toBe(`${REGISTRY}/search:1.0.0`);
    expect((await t.db.deploy.findUniqueOrThrow({ where: { id: first.id } })).state).toBe("rolled_back");
    const audit = await auditSince(t.db, seq);
    expect(audit[0]).toMatchObject({ action: "deploy.rollback", actorLabel: who.engineer2.email, targetId: r.id });
    // A rolled-back deploy cannot be rolled back again.
    expect(await outcomeOf(callerFor(t.db, who.engineer).deploys.rollback({ id: first.id, reason: "again" }))).toBe("CONFLICT");
  });

  it("one active deploy per service and environment: the second request is refused, also by the database itself", async () => {
    const results = await Promise.allSettled([
      request(who.engineer, { entityRef: "component:busy", environment: "dev", version: "1.1.0" }),
      request(who.engineer2, { entityRef: "component:busy", environment: "dev", version: "1.2.0" }),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toMatchObject({ code: "CONFLICT" });
    expect(String(refused[0]!.reason.message)).toMatch(/a deploy of busy to dev is already in progress/);
    // The partial unique index holds even for a writer that skips the application's check.
    const active = await t.db.deploy.findFirstOrThrow({ where: { entityRef: "component:default/busy", state: { in: ["requested", "rolling_out", "verifying"] } } });
    const { id: _id, createdAt: _c, updatedAt: _u, ...copy } = active;
    await expect(t.db.deploy.create({ data: { ...copy, state: "requested", steps: undefined } as never })).rejects.toThrow();
    await settled(t.db, active.id);
  });

  it("restart and scale are permission-gated (on-call) and audited", async () => {
    expect(await outcomeOf(callerFor(t.db, who.engineer).deploys.scale({ entityRef: "component:search", environment: "dev", replicas: 3 }))).toBe("FORBIDDEN");
    const seq = await lastSeq(t.db);
    const s = await callerFor(t.db, who.oncall).deploys.scale({ entityRef: "component:search", environment: "dev", replicas: 3 });
    expect(s).toMatchObject({ workload: "search", replicas: 3 });
    await callerFor(t.db, who.oncall).deploys.restart({ entityRef: "component:search", environment: "dev" });
    const audit = await auditSince(t.db, seq);
    expect(audit.map((a) => [a.action, a.actorLabel, a.targetId])).toEqual([
      ["workload.scale", who.oncall.email, "dev/search"],
      ["workload.restart", who.oncall.email, "dev/search"],
    ]);
    expect(audit[0]).toMatchObject({ before: { replicas: 2 }, after: { replicas: 3 } });
    const wl = await w.kube.getWorkload({ cluster: ctx(), namespace: "dev" }, { name: "search" });
    expect(wl!.replicas.desired).toBe(3);
    expect(wl!.annotations).toBeDefined();
  });

  it("a worker that dies mid-rollout: another follower claims the silent deploy and resumes following it to the end", async () => {
    await w.runner!.stop(); // no job pickup: the follower below is driven by hand
    stopDeployFollower(t.db);
    const { id } = await request(who.engineer, { entityRef: "component:resume-me", environment: "dev", version: "1.3.0" });
    const first = deployFollower(t.db, w.runtime);
    await first.run(id); // moves to rolling_out and patches…
    await until("rolling out", async () => (await t.db.deploy.findUniqueOrThrow({ where: { id } })).state === "rolling_out");
    stopDeployFollower(t.db); // …then this worker "dies": no more heartbeats
    await t.db.deploy.update({ where: { id }, data: { heartbeatAt: new Date(Date.now() - 60_000) } });
    const second = deployFollower(t.db, w.runtime);
    expect(await second.sweep()).toBe(1);
    const d = await settled(t.db, id);
    expect(d.state).toBe("succeeded");
    expect(d.steps.some((s) => s.name === "resumed")).toBe(true);
    expect(await imageOf(w.kube, ctx(), "dev", "resume-me")).toBe(`${REGISTRY}/resume-me:1.3.0`);
  });
});

describe("an unreachable cluster", () => {
  const t = useTestDatabase();

  it("is a clear error for that environment only; the others keep working", async () => {
    const live = await startDemoCluster({ timing: { podStartMs: 40, podReadyMs: 40, tickMs: 15, terminateMs: 40 }, seed: { namespaces: [{ name: "dev", deployments: [{ name: "cart", image: `${REGISTRY}/cart:1.0.0`, replicas: 1 }] }] } });
    const dead = await startDemoCluster({ seed: "empty", kubeconfigPath: `${live.kubeconfigPath}.dead` });
    await dead.close();
    // Two kubeconfigs, the dead one's context renamed so both load.
    const { readFileSync, writeFileSync } = await import("node:fs");
    writeFileSync(`${live.kubeconfigPath}.dead`, readFileSync(`${live.kubeconfigPath}.dead`, "utf8").replaceAll("opsdeck-demo", "gone-cluster"));
    const kube = new ClientNodeProvider(loadKubeconfigs([live.kubeconfigPath, `${live.kubeconfigPath}.dead`]), { requestTimeoutMs: 2000 });
    setDeploysRuntime({
      environments: [...environments(live.contextName, { dev: { namespace: "dev" } }), ...environments("gone-cluster", { prod: { namespace: "dev" } })],
      kube,
      kubeError: null,
      metrics: () => null,
      heartbeatMs: 300,
      staleMs: 2000,
    });
    const team = await t.db.team.create({ data: { slug: "carts", name: "Carts" } });
    await t.db.entity.create({ data: { kind: "Component", name: "cart", ref: "component:default/cart", ownerTeamId: team.id } });
    const { engineer } = await people(t.db, team.id);
    const caller = callerFor(t.db, engineer);
    const err = await caller.deploys.request({ entityRef: "component:cart", environment: "prod", version: "1.1.0", reason: "x-test" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect((err as Error).message).toMatch(/^prod: cluster "gone-cluster" is unreachable/);
    const opts = await caller.deploys.options({ entityRef: "component:cart", environment: "prod" });
    expect(opts.clusterError).toMatch(/unreachable/);

    const firstOf = async (environment: string) => {
      for await (const v of await caller.deploys.watchWorkload({ entityRef: "component:cart", environment })) return v;
      throw new Error("stream ended");
    };
    const [devView, prodView] = await Promise.all([firstOf("dev"), firstOf("prod")]);
    expect(devView).toMatchObject({ status: "ok", error: null, workload: { name: "cart", version: "1.0.0" } });
    expect(devView.pods).toHaveLength(1);
    expect(prodView).toMatchObject({ status: "error", workload: null });
    expect(prodView.error).toMatch(/prod: .*gone-cluster.*unreachable/);
    stopDeployFollower(t.db);
    await live.close();
  });
});
