import type { Db } from "@/server/db/client";
import type { Principal } from "@/server/auth/roles";
import { liveQuery, subscribe } from "@/server/events/bus";
import {
  imageTag,
  parseLabelSelector,
  rolloutStatusOf,
  sharedInformers,
  toEvent,
  toPod,
  toWorkload,
  type EventInfo,
  type KubeObject,
  type PodInfo,
  type Workload,
} from "@/server/providers/kubernetes";
import { deploysRuntime, type Environment } from "./config";
import { deployDetail, deployListSelect, pendingApprovals } from "./queries";
import { environmentOrThrow } from "./request";
import { CANARY_LABEL, CANARY_VALUE, canaryName, DEPLOYMENT_ANNOTATION, deployContainer, loadService, targetOf, workloadSelectors, type Service } from "./services";
import { ACTIVE_STATES } from "./state-machine";
import { DEPLOYS_TOPIC, deployTopic, serviceDeploysTopic } from "./topics";

/** Streams one deploy (timeline, approvals, analysis) as it changes; ends once nothing can change it any more. */
export function watchDeploy(db: Db, principal: Principal, id: string, signal: AbortSignal | undefined) {
  return liveQuery(db, deployTopic(id), signal, () => deployDetail(db, principal, id), {
    until: (d) => ["rejected", "expired", "cancelled", "rolled_back"].includes(d.state),
    pollMs: 3_000,
  });
}

export type WorkloadView = {
  environment: string;
  cluster: string;
  namespace: string;
  protected: boolean;
  /** ok: live data; missing: no Deployment for the service; error: the cluster cannot be read (message in `error`). */
  status: "ok" | "missing" | "error";
  error: string | null;
  workload: (Pick<Workload, "name" | "replicas" | "revision" | "generation" | "observedGeneration" | "conditions" | "paused"> & { image: string | null; version: string | null; rollout: string; rolloutState: string }) | null;
  canary: { name: string; image: string | null; version: string | null; replicas: Workload["replicas"] } | null;
  pods: (PodInfo & { track: "stable" | "canary" })[];
  events: EventInfo[];
  active: { id: string; state: string; toVersion: string; kind: string } | null;
  history: Awaited<ReturnType<typeof recentDeploys>>;
  at: string;
};

async function recentDeploys(db: Db, entityRef: string, environment: string) {
  return db.deploy.findMany({ where: { entityRef, environment }, select: deployListSelect, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 8 });
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/** The workload picture of one service in one environment from the informer caches (no API calls). */
function snapshot(env: Environment, s: Service, deps: KubeObject[], pods: KubeObject[], events: KubeObject[]) {
  const { watchSelectors } = workloadSelectors(s);
  const matchers = watchSelectors.map(parseLabelSelector);
  const matches = (labels: Record<string, string>) => matchers.some((m) => m(labels));
  const named = s.annotations[DEPLOYMENT_ANNOTATION]?.trim();
  const mine = deps.map(toWorkload).filter((w) => (named ? w.name === named || w.name === canaryName(named) : matches(w.labels)));
  const stable = mine.filter((w) => w.labels[CANARY_LABEL] !== CANARY_VALUE).sort(byName)[0] ?? null;
  const canary = (stable && mine.find((w) => w.name === canaryName(stable.name))) ?? mine.find((w) => w.labels[CANARY_LABEL] === CANARY_VALUE) ?? null;
  const podMatch = stable ? parseLabelSelector(stable.selector) : null;
  const podList = pods
    .filter((o) => {
      const labels = (o.metadata?.labels ?? {}) as Record<string, string>;
      return podMatch ? podMatch(labels) || matches(labels) : matches(labels);
    })
    .map(toPod)
    .map((p) => ({ ...p, track: (p.labels[CANARY_LABEL] === CANARY_VALUE ? "canary" : "stable") as "stable" | "canary" }))
    .sort((a, b) => (a.track === b.track ? (a.createdAt ?? "").localeCompare(b.createdAt ?? "") || a.name.localeCompare(b.name) : a.track === "stable" ? -1 : 1));
  const names = [stable?.name, canary?.name].filter((n): n is string => Boolean(n));
  const podNames = new Set(podList.map((p) => p.name));
  const eventList = events
    .map(toEvent)
    .filter((e) => podNames.has(e.object.name) || names.some((n) => e.object.name === n || e.object.name.startsWith(`${n}-`)))
    .sort((a, b) => (b.lastTimestamp ?? "").localeCompare(a.lastTimestamp ?? ""))
    .slice(0, 15);
  let workload: WorkloadView["workload"] = null;
  if (stable) {
    let image: string | null = null;
    try {
      image = deployContainer(s, stable).image;
    } catch {
      image = stable.containers[0]?.image ?? null;
    }
    const status = rolloutStatusOf(stable);
    workload = {
      name: stable.name,
      replicas: stable.replicas,
      revision: stable.revision,
      generation: stable.generation,
      observedGeneration: stable.observedGeneration,
      conditions: stable.conditions,
      paused: stable.paused,
      image,
      version: image ? imageTag(image) : null,
      rollout: status.message,
      rolloutState: status.state,
    };
  }
  const canaryImage = canary?.containers[0]?.image ?? null;
  return {
    environment: env.name,
    cluster: env.context,
    namespace: env.namespace,
    protected: env.protected,
    workload,
    canary: canary ? { name: canary.name, image: canaryImage, version: canaryImage ? imageTag(canaryImage) : null, replicas: canary.replicas } : null,
    pods: podList,
    events: eventList,
  };
}

/**
 * The live Deploys-tab view of one service in one environment: Deployment, canary, pods and events from shared
 * Kubernetes watches (a pod change reaches the browser in well under a second), plus the active deploy and recent
 * history, re-read when a deploy changes. A cluster that cannot be read yields status "error" with the reason — for this
 * environment only; the stream keeps going and recovers when the watch does.
 */
export async function* watchWorkload(db: Db, input: { entityRef: string; environment: string }, signal: AbortSignal | undefined): AsyncGenerator<WorkloadView> {
  const rt = deploysRuntime();
  const env = environmentOrThrow(rt, input.environment);
  const service = await loadService(db, input.entityRef);
  const base = { environment: env.name, cluster: env.context, namespace: env.namespace, protected: env.protected };
  const ctl = new AbortController();
  const abort = () => ctl.abort();
  signal?.addEventListener("abort", abort, { once: true });
  const releases: (() => void)[] = [];
  let wake: (() => void) | null = null;
  let changed = true;
  let historyDirty = true;
  const poke = () => {
    changed = true;
    wake?.();
  };
  ctl.signal.addEventListener("abort", () => wake?.(), { once: true });
  try {
    const deployEvents = await subscribe(db, serviceDeploysTopic(service.ref, env.name), ctl.signal);
    void (async () => {
      for await (const _ of deployEvents) {
        historyDirty = true;
        poke();
      }
    })();
    const informers = rt.kube
      ? (["deployments", "pods", "events"] as const).map((r) => {
          const { informer, release } = sharedInformers(rt.kube!).acquire(targetOf(env), r);
          releases.push(release, informer.on(poke));
          return informer;
        })
      : null;
    if (informers) await Promise.all(informers.map((i) => i.waitReady()));
    // Safety re-read of the deploy history, as liveQuery does: a lost notification heals within seconds.
    const safety = setInterval(() => {
      historyDirty = true;
      poke();
    }, 5_000);
    safety.unref();
    ctl.signal.addEventListener("abort", () => clearInterval(safety), { once: true });
    let history: WorkloadView["history"] = [];
    let last = "";
    while (!ctl.signal.aborted) {
      changed = false;
      if (historyDirty) {
        historyDirty = false;
        history = await recentDeploys(db, service.ref, env.name);
      }
      const active = history.find((h) => (ACTIVE_STATES as readonly string[]).includes(h.state)) ?? null;
      const common = { ...base, active: active ? { id: active.id, state: active.state, toVersion: active.toVersion, kind: active.kind } : null, history, at: "" };
      let view: WorkloadView;
      if (!informers) {
        view = { ...common, status: "error", error: rt.kubeError ?? "no Kubernetes clusters configured (OPSDECK_KUBECONFIG)", workload: null, canary: null, pods: [], events: [] };
      } else {
        const [deps, pods, events] = informers;
        const err = deps!.error ?? pods!.error ?? null;
        if (err && !(deps!.synced && pods!.synced)) {
          view = { ...common, status: "error", error: `${env.name}: ${err.message}`, workload: null, canary: null, pods: [], events: [] };
        } else if (!deps!.synced || !pods!.synced) {
          view = { ...common, status: "error", error: `${env.name}: waiting for cluster "${env.context}" to answer`, workload: null, canary: null, pods: [], events: [] };
        } else {
          const snap = snapshot(env, service, deps!.list(), pods!.list(), events!.synced ? events!.list() : []);
          // A watch that broke after syncing keeps its last picture, marked with the error.
          view = { ...common, ...snap, status: snap.workload ? (err ? "error" : "ok") : "missing", error: err ? `${env.name}: ${err.message} (showing the last known state)` : null };
        }
      }
      const key = JSON.stringify(view);
      if (key !== last) {
        last = key;
        yield { ...view, at: new Date().toISOString() };
      }
      if (!changed && !ctl.signal.aborted) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
      // Coalesce a burst of watch events (a rollout changes several objects at once) into one picture.
      await new Promise((r) => setTimeout(r, 30));
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    ctl.abort();
    for (const r of releases) r();
  }
}

/**
 * The /deploys board, live: deploys waiting for this person's approval and the active ones, re-read whenever a deploy
 * changes anywhere. The stream ends after `seconds` (an idle tab does not hold a connection for ever); the page
 * subscribes again.
 */
export async function* watchBoard(db: Db, principal: Principal, seconds: number, signal: AbortSignal | undefined) {
  const ctl = new AbortController();
  const stop = () => ctl.abort();
  signal?.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(stop, seconds * 1000);
  try {
    const load = async () => ({
      pending: await pendingApprovals(db, principal),
      active: await db.deploy.findMany({ where: { state: { in: [...ACTIVE_STATES] } }, select: deployListSelect, orderBy: { createdAt: "desc" }, take: 50 }),
    });
    if (seconds === 0) {
      yield await load();
      return;
    }
    yield* liveQuery(db, DEPLOYS_TOPIC, ctl.signal, load, { pollMs: 15_000 });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", stop);
  }
}
