import type { Runner } from "graphile-worker";
import { environmentSchema } from "@/server/env";
import type { Db } from "@/server/db/client";
import { startDemoCluster, type DemoCluster } from "@/server/demo/cluster";
import { setDeploysRuntime, type DeploysRuntime, type Environment } from "@/server/deploys/config";
import { stopDeployFollower } from "@/server/deploys/follower";
import { startWorker } from "@/server/jobs/runner";
import type { MetricsSource } from "@/server/metrics/source";
import { ClientNodeProvider, loadKubeconfigs } from "@/server/providers/kubernetes";
import { makeTeam, makeUser, uniq } from "./helpers/fixtures";

/** Demo cluster timing for tests: a pod is ready ~100 ms after it is created. */
export const FAST = { podStartMs: 40, podReadyMs: 40, tickMs: 15, terminateMs: 40 };

export const REGISTRY = "registry.opsdeck.demo";

/** Environments as an operator writes them in OPSDECK_ENVIRONMENTS (parsed by the real schema), with fast verification. */
export function environments(context: string, defs: Record<string, Record<string, unknown>>): Environment[] {
  return Object.entries(defs).map(([name, cfg]) => ({ ...environmentSchema.parse({ context, verifySeconds: 0.3, ...cfg }), name }));
}

export type DeployWorld = {
  cluster: DemoCluster;
  kube: ClientNodeProvider;
  runtime: DeploysRuntime;
  runner: Runner | null;
  team: { id: string; slug: string };
  otherTeam: { id: string; slug: string };
  close(): Promise<void>;
};

/**
 * A demo cluster seeded with `services` in each namespace, catalog Components for them owned by a fresh team, the deploy
 * runtime pointed at it, and (unless `worker: false`) a real graphile-worker on the test database.
 */
export async function deployWorld(
  db: Db,
  url: string,
  opts: { services: string[]; namespaces: string[]; envs: Record<string, Record<string, unknown>>; metrics?: MetricsSource | null; worker?: boolean; replicas?: number },
): Promise<DeployWorld> {
  const cluster = await startDemoCluster({
    timing: FAST,
    seed: {
      namespaces: opts.namespaces.map((ns) => ({
        name: ns,
        deployments: opts.services.map((s) => ({ name: s, image: `${REGISTRY}/${s}:1.0.0`, replicas: opts.replicas ?? 2 })),
      })),
    },
  });
  const kube = new ClientNodeProvider(loadKubeconfigs([cluster.kubeconfigPath]), { requestTimeoutMs: 3000, watchTimeoutSeconds: 20 });
  const runtime: DeploysRuntime = {
    environments: environments(cluster.contextName, opts.envs),
    kube,
    kubeError: null,
    metrics: () => opts.metrics ?? null,
    heartbeatMs: 300,
    staleMs: 2000,
  };
  setDeploysRuntime(runtime);
  const team = await makeTeam(db, uniq("payments"));
  const otherTeam = await makeTeam(db, uniq("search"));
  for (const s of opts.services) {
    await db.entity.create({
      data: {
        kind: "Component",
        name: s,
        ref: `component:default/${s}`,
        ownerTeamId: team.id,
        ownerRef: `group:default/${team.slug}`,
        metadata: { annotations: { "backstage.io/kubernetes-id": s } },
      },
    });
  }
  const runner = opts.worker === false ? null : await startWorker(db, { connectionString: url, singleSession: false, concurrency: 2 });
  return {
    cluster,
    kube,
    runtime,
    runner,
    team,
    otherTeam,
    async close() {
      await runner?.stop().catch(() => undefined); // a test may have stopped it already
      stopDeployFollower(db);
      await cluster.close();
    },
  };
}

export async function people(db: Db, teamId: string) {
  const engineer = await makeUser(db, { name: "Eddie Engineer", teams: [[teamId, "engineer"]] });
  const engineer2 = await makeUser(db, { name: "Erin Engineer", teams: [[teamId, "engineer"]] });
  const oncall = await makeUser(db, { name: "Olga Oncall", teams: [[teamId, "oncall"]] });
  const admin = await makeUser(db, { name: "Ada Admin", isGlobalAdmin: true });
  return { engineer: engineer.principal, engineer2: engineer2.principal, oncall: oncall.principal, admin: admin.principal };
}

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await fn();
    if (v) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the deploy reaches one of `states`; returns it with its steps. */
export async function settled(db: Db, id: string, states: string[] = ["succeeded", "failed", "rolled_back", "rejected", "expired", "cancelled"], timeoutMs = 20_000) {
  return until(
    `deploy ${id} in ${states.join("|")}`,
    async () => {
      const d = await db.deploy.findUniqueOrThrow({ where: { id }, include: { steps: { orderBy: { id: "asc" } }, analysis: { orderBy: { interval: "asc" } } } });
      return states.includes(d.state) ? d : null;
    },
    timeoutMs,
  );
}

export async function imageOf(kube: ClientNodeProvider, context: string, namespace: string, name: string) {
  return (await kube.getWorkload({ cluster: context, namespace }, { name }))?.containers[0]?.image;
}
