/**
 * Deploy benchmark (issue 4):
 *   1. latency — time from the cluster changing a pod to the change arriving in a subscribed client: the client is the
 *      deploys.watchWorkload subscription's server side (server/deploys/live.ts watchWorkload, what the tRPC procedure
 *      returns), the change a pod deletion through the Kubernetes API (t0 = just before the DELETE is sent, t1 = the
 *      subscription yields the pod as Terminating). Idle, and again while the rollouts of step 2 run. Not included:
 *      the SSE hop to the browser (superjson + one HTTP chunk on an open connection).
 *   2. followers — N concurrent rollouts across 200 services, followed by ONE rollout follower (server/deploys/follower.ts,
 *      what a worker process runs): for each deploy, the time from the watch event that shows its rollout complete
 *      arriving in this process (the follower's own shared watch; the watch's delivery time is what step 1 measures) to
 *      the follower's audited state move (rolling_out → verifying, its timeline step's start, committed). Target: p95 ≤
 *      1 s; reported: the largest N that meets it.
 *
 *   npm run bench:deploy                       # 200 services; N = 25, 50, 100, 200
 *   npm run bench:deploy -- --services 100 --probes 40
 *
 * The demo Kubernetes cluster runs as a separate process (`npm run demo-cluster`, realistic pod timing: ~4.5 s from
 * creation to Ready), so its simulation does not share this process's event loop. Database: BENCH_DEPLOY_DATABASE_URL,
 * default postgresql://root@127.0.0.1:5432/opsdeck_bench_deploys (its name must contain "bench": dropped and re-created).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import pg from "pg";
import { CoreV1Api } from "@kubernetes/client-node";
import { createDb, type Db } from "@/server/db/client";
import { environmentSchema } from "@/server/env";
import { setDeploysRuntime, type DeploysRuntime } from "@/server/deploys/config";
import { RolloutFollower } from "@/server/deploys/follower";
import { watchWorkload, type WorkloadView } from "@/server/deploys/live";
import { ClientNodeProvider, loadKubeconfigs, rolloutStatusOf, sharedInformers, toWorkload, type KubeObject } from "@/server/providers/kubernetes";

const root = path.resolve(import.meta.dirname, "..");
const TARGET_MS = 1000;

function args() {
  const o = { services: 200, probes: 30, levels: [25, 50, 100, 200] };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--services") o.services = Number(argv[++i]);
    else if (a === "--probes") o.probes = Number(argv[++i]);
    else if (a === "--levels") o.levels = argv[++i]!.split(",").map(Number);
    else throw new Error(`unknown option ${a}`);
  }
  o.levels = o.levels.filter((n) => n <= o.services);
  return o;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : "—");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freshDb(): Promise<{ db: Db; url: string; drop: () => Promise<void> }> {
  const url = process.env.BENCH_DEPLOY_DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/opsdeck_bench_deploys";
  const name = new URL(url).pathname.slice(1);
  if (!name.includes("bench")) throw new Error(`BENCH_DEPLOY_DATABASE_URL: the database name must contain "bench" (it is dropped): ${name}`);
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, "/postgres") });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], { cwd: root, env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1" }, stdio: "pipe" });
  const db = createDb(url, { max: 10 });
  return {
    db,
    url,
    drop: async () => {
      await db.$disconnect();
      const c = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, "/postgres") });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** `npm run demo-cluster` as a child process; resolves with its kubeconfig path. */
async function startCluster(): Promise<{ kubeconfig: string; child: ChildProcess }> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-deploy-")), "kubeconfig");
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", "scripts/demo-cluster.ts", "--port", "0", "--seed", "empty", "--kubeconfig", file], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`demo cluster exited (${code})`)));
  });
  return { kubeconfig: line.trim(), child };
}

async function main() {
  const o = args();
  console.log(`deploy benchmark: ${o.services} services, levels ${o.levels.join(", ")}, ${o.probes} latency probes (cpus: ${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")})`);
  const { db, drop } = await freshDb();
  const { kubeconfig, child } = await startCluster();
  process.on("exit", () => child.kill("SIGTERM")); // also when the benchmark crashes
  const configs = loadKubeconfigs([kubeconfig]);
  const context = [...configs.keys()][0]!;
  const kube = new ClientNodeProvider(configs, { requestTimeoutMs: 30_000 });
  const target = { cluster: context, namespace: "default" };
  const core = configs.get(context)!.makeApiClient(CoreV1Api);
  const names = Array.from({ length: o.services }, (_, i) => `svc-${String(i).padStart(3, "0")}`);
  try {
    // ---- setup: 200 Deployments (2 replicas), catalog entities, one requester
    const t0 = performance.now();
    for (let i = 0; i < names.length; i += 20) {
      await Promise.all(
        names.slice(i, i + 20).map((n) =>
          kube.createDeployment(target, {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: n, labels: { "app.kubernetes.io/name": n, app: n } },
            spec: {
              replicas: 2,
              selector: { matchLabels: { app: n } },
              template: { metadata: { labels: { app: n, "app.kubernetes.io/name": n } }, spec: { containers: [{ name: n, image: `registry.bench/${n}:1.0.0` }] } },
            },
          } as never),
        ),
      );
    }
    const user = await db.user.create({ data: { email: "bench@example.test", name: "Bench" } });
    await db.entity.createMany({ data: names.map((n) => ({ kind: "Component", name: n, ref: `component:default/${n}` })) });
    const env = { ...environmentSchema.parse({ context, namespace: "default", verifySeconds: 0.01 }), name: "bench" };
    const runtime: DeploysRuntime = { environments: [env], kube, kubeError: null, metrics: () => null, heartbeatMs: 5_000, staleMs: 60_000 };
    setDeploysRuntime(runtime);
    const pool = sharedInformers(kube);
    const deps = pool.acquire(target, "deployments").informer;
    const pods = pool.acquire(target, "pods").informer;
    await Promise.all([deps.waitReady(60_000), pods.waitReady(60_000)]);
    for (;;) {
      const ready = [...pods.objects.values()].filter((p) => JSON.stringify(p).includes('"ready":true')).length;
      if (ready >= names.length * 2) break;
      await sleep(500);
    }
    console.log(`setup: ${names.length} Deployments with ${names.length * 2} ready pods in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // ---- 1. pod change → subscribed client
    // Each probe also records when the DELETE returned: the API server's own time is part of "the cluster changing a pod".
    const api: number[] = [];
    const afterApi: number[] = []; // from the DELETE's response to the subscriber: Opsdeck's part alone
    const probe = async (count: number) => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const svc = names[(i * 7) % names.length]!;
        const ctl = new AbortController();
        const it = watchWorkload(db, { entityRef: `component:default/${svc}`, environment: "bench" }, ctl.signal)[Symbol.asyncIterator]();
        let view = (await it.next()).value as WorkloadView;
        const victim = view.pods.find((p) => !p.terminating && p.ready);
        if (!victim) {
          ctl.abort();
          await it.return?.(undefined);
          continue;
        }
        const start = performance.now();
        // During rollouts the controller may delete the pod first (404): that probe is skipped.
        const deleting = core.deleteNamespacedPod({ name: victim.name, namespace: "default" }).then(
          () => (api.push(performance.now() - start), true),
          (err: { code?: number }) => {
            if (err?.code === 404) return false;
            throw err;
          },
        );
        const gone = deleting.then((ok) => (ok ? new Promise<never>(() => undefined) : ("gone" as const)));
        let ended: number | null = null;
        for (;;) {
          const next = await Promise.race([it.next(), gone]);
          if (next === "gone") break;
          view = next.value as WorkloadView;
          const p = view.pods.find((x) => x.name === victim.name);
          if (!p || p.terminating) {
            ended = performance.now();
            break;
          }
        }
        if (ended !== null && (await deleting)) {
          out.push(ended - start);
          afterApi.push(Math.max(0, ended - start - api.at(-1)!));
        }
        ctl.abort();
        await it.return?.(undefined);
        await sleep(100);
      }
      return out;
    };
    const idle = await probe(o.probes);
    console.log(`latency (idle): pod change → subscriber p50 ${fmt(pct(idle, 50))}, p95 ${fmt(pct(idle, 95))}, max ${fmt(Math.max(...idle))} (${idle.length} probes; the DELETE call itself p50 ${fmt(pct(api, 50))}; from its response p95 ${fmt(pct(afterApi, 95))})`);

    // ---- 2. N concurrent rollouts followed by one follower
    const follower = new RolloutFollower(db, runtime, "bench-worker");
    follower.start();
    const results: { n: number; p50: number; p95: number; max: number; wall: number; probeP95: number; ok: boolean }[] = [];
    let version = 1;
    for (const n of o.levels) {
      version += 1;
      const chosen = names.slice(0, n);
      const seen = new Map<string, number>(); // workload → when the watch event showing its rollout complete arrived
      const image = (svc: string) => `registry.bench/${svc}:1.${version}.0`;
      const note = (obj: KubeObject) => {
        const w = toWorkload(obj);
        if (!chosen.includes(w.name) || seen.has(w.name)) return;
        if (w.containers[0]?.image === image(w.name) && rolloutStatusOf(w).state === "complete") seen.set(w.name, Date.now());
      };
      // (a relist after a broken watch arrives as SYNC: look at every object then)
      const off = deps.on((c) => (c.object ? note(c.object) : c.type === "SYNC" ? deps.list().forEach(note) : undefined));
      const ids: string[] = [];
      for (const svc of chosen) {
        const d = await db.deploy.create({
          data: {
            entityRef: `component:default/${svc}`,
            environment: "bench",
            cluster: context,
            namespace: "default",
            workload: svc,
            container: svc,
            state: "requested",
            toVersion: `1.${version}.0`,
            image: image(svc),
            fromImage: `registry.bench/${svc}:1.${version - 1}.0`,
            reason: "bench",
            requestedById: user.id,
          },
        });
        ids.push(d.id);
      }
      const started = performance.now();
      // What N `deploys_run` jobs do; graphile-worker would run them a few at a time, they return within milliseconds.
      await Promise.all(ids.map((id) => follower.run(id)));
      api.length = 0;
      afterApi.length = 0;
      const during = probe(Math.min(10, o.probes));
      for (;;) {
        const open = await db.deploy.count({ where: { id: { in: ids }, state: { in: ["requested", "rolling_out", "verifying"] } } });
        if (open === 0) break;
        if (performance.now() - started > 600_000) throw new Error(`level ${n}: ${open} deploys still running after 10 min`);
        await sleep(250);
      }
      const wall = (performance.now() - started) / 1000;
      const probeLat = await during;
      const probeApi = pct(api, 95);
      off();
      const steps = await db.deployStep.findMany({ where: { deployId: { in: ids }, name: "verify" }, select: { deployId: true, startedAt: true } });
      const deploys = await db.deploy.findMany({ where: { id: { in: ids } }, select: { id: true, workload: true, state: true } });
      const byId = new Map(deploys.map((d) => [d.id, d]));
      const lat: number[] = [];
      for (const s of steps) {
        const w = byId.get(s.deployId)!.workload;
        const t = seen.get(w);
        if (t !== undefined) lat.push(Math.max(0, s.startedAt.getTime() - t));
      }
      const failed = deploys.filter((d) => d.state !== "succeeded").length;
      if (failed) {
        const why = await db.deploy.groupBy({ by: ["state", "message"], where: { id: { in: ids }, state: { not: "succeeded" } }, _count: true });
        for (const w of why) console.log(`  not succeeded: ${w._count} × ${w.state}: ${w.message.replace(/svc-\d+/g, "svc-…").slice(0, 200)}`);
      }
      const r = { n, p50: pct(lat, 50), p95: pct(lat, 95), max: Math.max(...lat), wall, probeP95: pct(probeLat, 95), ok: pct(lat, 95) <= TARGET_MS && failed === 0 };
      results.push(r);
      console.log(
        `followers: ${n} concurrent rollouts in ${wall.toFixed(1)} s — rollout complete → follower's state move p50 ${fmt(r.p50)}, p95 ${fmt(r.p95)}, max ${fmt(r.max)} (${lat.length} measured, ${failed} not succeeded); pod change → subscriber during the rollouts p95 ${fmt(r.probeP95)} (the cluster's DELETE call alone p95 ${fmt(probeApi)}; from its response to the subscriber p95 ${fmt(pct(afterApi, 95))}) ${r.ok ? "✓" : "✗"}`,
      );
    }
    follower.stop();
    const best = results.filter((r) => r.ok).at(-1);
    console.log(`\nresult: pod change → subscriber p50 ${fmt(pct(idle, 50))} / p95 ${fmt(pct(idle, 95))} idle (target ≤ ${TARGET_MS} ms)`);
    console.log(`result: one follower kept p95 ≤ ${TARGET_MS} ms up to ${best ? best.n : 0} concurrent rollouts (of ${o.services} services; levels tried: ${o.levels.join(", ")})`);
    pool.close();
  } finally {
    child.kill("SIGTERM");
    await drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
