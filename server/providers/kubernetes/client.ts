import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  Observable,
  PatchStrategy,
  Watch,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from "@kubernetes/client-node";
import { AsyncQueue } from "./queue";
import { RESTARTED_AT_ANNOTATION, CHANGE_CAUSE_ANNOTATION, rolloutStatusOf, toEvent, toPod, toRevisions, toWorkload, undoPatch } from "./convert";
import {
  KubernetesError,
  type DeploymentManifest,
  type EventInfo,
  type KubeObject,
  type KubernetesProvider,
  type PodInfo,
  type Revision,
  type RolloutStatus,
  type Target,
  type WatchEvent,
  type WatchOptions,
  type WatchResource,
  type Workload,
  type WorkloadSelector,
} from "./types";

/** Every write carries this field manager, so `kubectl get -o yaml --show-managed-fields` shows who changed what. */
export const FIELD_MANAGER = "opsdeck";

type Clients = { kc: KubeConfig; apps: AppsV1Api; core: CoreV1Api; watch: Watch; server: string };

export type ClientNodeOptions = {
  /** Per-request time limit (ms); an unanswered request fails as "timeout" rather than hanging a worker. */
  requestTimeoutMs?: number;
  /** Watches are closed by the server after this long and resumed from the last resourceVersion (below the client's 30 s idle limit). */
  watchTimeoutSeconds?: number;
};

/** A middleware (client-node's Observable flavour) that sets the request's abort signal to a timeout. */
function timeoutMiddleware(ms: number): ObservableMiddleware {
  return {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  };
}

function contentType(strategy: PatchStrategy): ObservableMiddleware {
  return {
    pre: (ctx: RequestContext) => {
      ctx.setHeaderParam("Content-Type", strategy);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  };
}

const PATHS: Record<WatchResource, (ns: string) => string> = {
  deployments: (ns) => `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments`,
  replicasets: (ns) => `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/replicasets`,
  pods: (ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`,
  events: (ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}/events`,
};

/**
 * KubernetesProvider over @kubernetes/client-node 2.x, one set of clients per kubeconfig context. Nothing here knows
 * about the demo cluster: it is a real API server as far as this code can tell.
 */
export class ClientNodeProvider implements KubernetesProvider {
  private readonly clients = new Map<string, Clients>();
  private readonly requestTimeoutMs: number;
  private readonly watchTimeoutSeconds: number;

  constructor(configs: Map<string, KubeConfig>, opts: ClientNodeOptions = {}) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.watchTimeoutSeconds = opts.watchTimeoutSeconds ?? 25;
    for (const [name, kc] of configs) {
      this.clients.set(name, { kc, apps: kc.makeApiClient(AppsV1Api), core: kc.makeApiClient(CoreV1Api), watch: new Watch(kc), server: kc.getCurrentCluster()?.server ?? "" });
    }
  }

  clusters(): string[] {
    return [...this.clients.keys()];
  }

  private client(cluster: string): Clients {
    const c = this.clients.get(cluster);
    if (!c) throw new KubernetesError(`no kubeconfig context named "${cluster}" (configured: ${this.clusters().join(", ") || "none"})`, "unknown_cluster", cluster);
    return c;
  }

  private opts(extra: ObservableMiddleware[] = []) {
    return { middleware: [timeoutMiddleware(this.requestTimeoutMs), ...extra], middlewareMergeStrategy: "append" as const };
  }

  /** Runs one API call, turning every failure into a KubernetesError that names the cluster. */
  private async call<T>(cluster: string, what: string, fn: (c: Clients) => Promise<T>): Promise<T> {
    const c = this.client(cluster);
    try {
      return await fn(c);
    } catch (err) {
      throw toKubernetesError(err, cluster, c.server, what);
    }
  }

  private async readRaw(target: Target, name: string): Promise<KubeObject | null> {
    try {
      return (await this.call(target.cluster, `read deployment ${name}`, (c) =>
        c.apps.readNamespacedDeployment({ name, namespace: target.namespace }, this.opts()),
      )) as unknown as KubeObject;
    } catch (err) {
      if (err instanceof KubernetesError && err.kind === "not_found") return null;
      throw err;
    }
  }

  async listWorkloads(target: Target, selector: WorkloadSelector): Promise<Workload[]> {
    if ("name" in selector) {
      const one = await this.readRaw(target, selector.name);
      return one ? [toWorkload(one)] : [];
    }
    const list = await this.call(target.cluster, "list deployments", (c) =>
      c.apps.listNamespacedDeployment({ namespace: target.namespace, labelSelector: selector.labelSelector }, this.opts()),
    );
    return (list.items as unknown as KubeObject[]).map(toWorkload).sort((a, b) => a.name.localeCompare(b.name));
  }

  async getWorkload(target: Target, selector: WorkloadSelector): Promise<Workload | null> {
    const found = await this.listWorkloads(target, selector);
    if (found.length > 1 && "labelSelector" in selector) {
      throw new KubernetesError(
        `${found.length} Deployments in ${target.namespace} match ${selector.labelSelector} (${found.map((w) => w.name).join(", ")}); name one with the opsdeck.dev/deployment annotation`,
        "invalid",
        target.cluster,
      );
    }
    return found[0] ?? null;
  }

  async readDeployment(target: Target, name: string): Promise<DeploymentManifest | null> {
    const raw = await this.readRaw(target, name);
    return raw ? ({ ...JSON.parse(JSON.stringify(raw)), apiVersion: "apps/v1", kind: "Deployment" } as DeploymentManifest) : null;
  }

  async createDeployment(target: Target, manifest: DeploymentManifest): Promise<Workload> {
    const created = await this.call(target.cluster, "create deployment", (c) =>
      c.apps.createNamespacedDeployment({ namespace: target.namespace, body: manifest as never, fieldManager: FIELD_MANAGER }, this.opts()),
    );
    return toWorkload(created as unknown as KubeObject);
  }

  async deleteDeployment(target: Target, name: string): Promise<void> {
    try {
      await this.call(target.cluster, `delete deployment ${name}`, (c) =>
        c.apps.deleteNamespacedDeployment({ name, namespace: target.namespace, propagationPolicy: "Foreground" }, this.opts()),
      );
    } catch (err) {
      if (err instanceof KubernetesError && err.kind === "not_found") return;
      throw err;
    }
  }

  private async patch(target: Target, name: string, body: unknown, strategy: PatchStrategy, what: string): Promise<Workload> {
    const out = await this.call(target.cluster, what, (c) =>
      c.apps.patchNamespacedDeployment({ name, namespace: target.namespace, body, fieldManager: FIELD_MANAGER }, this.opts([contentType(strategy)])),
    );
    return toWorkload(out as unknown as KubeObject);
  }

  async patchImage(target: Target, name: string, container: string, image: string, opts: { changeCause?: string } = {}): Promise<Workload> {
    const body = {
      ...(opts.changeCause ? { metadata: { annotations: { [CHANGE_CAUSE_ANNOTATION]: opts.changeCause } } } : {}),
      spec: { template: { spec: { containers: [{ name: container, image }] } } },
    };
    return this.patch(target, name, body, PatchStrategy.StrategicMergePatch, `set image of ${name}`);
  }

  async scale(target: Target, name: string, replicas: number): Promise<Workload> {
    await this.call(target.cluster, `scale ${name}`, (c) =>
      c.apps.patchNamespacedDeploymentScale(
        { name, namespace: target.namespace, body: { spec: { replicas } }, fieldManager: FIELD_MANAGER },
        this.opts([contentType(PatchStrategy.MergePatch)]),
      ),
    );
    const w = await this.getWorkload(target, { name });
    if (!w) throw new KubernetesError(`deployment "${name}" disappeared after scaling`, "not_found", target.cluster, 404);
    return w;
  }

  async restart(target: Target, name: string): Promise<Workload> {
    const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: new Date().toISOString() } } } } };
    return this.patch(target, name, body, PatchStrategy.StrategicMergePatch, `restart ${name}`);
  }

  private async replicaSetsOf(target: Target, deployment: KubeObject): Promise<KubeObject[]> {
    const w = toWorkload(deployment);
    const list = await this.call(target.cluster, "list replicasets", (c) =>
      c.apps.listNamespacedReplicaSet({ namespace: target.namespace, labelSelector: w.selector || undefined }, this.opts()),
    );
    return list.items as unknown as KubeObject[];
  }

  async history(target: Target, name: string): Promise<Revision[]> {
    const d = await this.readRaw(target, name);
    if (!d) throw new KubernetesError(`deployment "${name}" not found in ${target.namespace}`, "not_found", target.cluster, 404);
    return toRevisions(toWorkload(d).uid, await this.replicaSetsOf(target, d));
  }

  async undo(target: Target, name: string, toRevision?: number): Promise<{ workload: Workload; restored: Revision }> {
    const d = await this.readRaw(target, name);
    if (!d) throw new KubernetesError(`deployment "${name}" not found in ${target.namespace}`, "not_found", target.cluster, 404);
    const current = toWorkload(d);
    if (current.paused) throw new KubernetesError(`you cannot roll back a paused deployment; resume ${name} first`, "invalid", target.cluster);
    const replicaSets = await this.replicaSetsOf(target, d);
    let plan: ReturnType<typeof undoPatch>;
    try {
      plan = undoPatch(d, replicaSets, toRevision);
    } catch (err) {
      throw new KubernetesError((err as Error).message, "invalid", target.cluster);
    }
    const restored = toRevisions(current.uid, [plan.replicaSet])[0]!;
    const workload = await this.patch(target, name, plan.patch, PatchStrategy.JsonPatch, `roll back ${name}`);
    return { workload, restored };
  }

  async listPods(target: Target, labelSelector: string): Promise<PodInfo[]> {
    const list = await this.call(target.cluster, "list pods", (c) => c.core.listNamespacedPod({ namespace: target.namespace, labelSelector }, this.opts()));
    return (list.items as unknown as KubeObject[]).map(toPod).sort((a, b) => a.name.localeCompare(b.name));
  }

  async listEvents(target: Target, opts: { objectNames?: string[]; limit?: number } = {}): Promise<EventInfo[]> {
    const list = await this.call(target.cluster, "list events", (c) => c.core.listNamespacedEvent({ namespace: target.namespace }, this.opts()));
    const names = opts.objectNames;
    return (list.items as unknown as KubeObject[])
      .map(toEvent)
      .filter((e) => !names || names.some((n) => e.object.name === n || e.object.name.startsWith(`${n}-`)))
      .sort((a, b) => (b.lastTimestamp ?? "").localeCompare(a.lastTimestamp ?? ""))
      .slice(0, opts.limit ?? 50);
  }

  async podLogs(target: Target, pod: string, opts: { container?: string; tailLines?: number; previous?: boolean } = {}): Promise<string> {
    return this.call(target.cluster, `logs of ${pod}`, (c) =>
      c.core.readNamespacedPodLog({ name: pod, namespace: target.namespace, container: opts.container, tailLines: opts.tailLines ?? 200, previous: opts.previous }, this.opts()),
    );
  }

  async rolloutStatus(target: Target, name: string): Promise<RolloutStatus> {
    const w = await this.getWorkload(target, { name });
    if (!w) throw new KubernetesError(`deployment "${name}" not found in ${target.namespace}`, "not_found", target.cluster, 404);
    return rolloutStatusOf(w);
  }

  private async listRaw(target: Target, resource: WatchResource, opts: WatchOptions): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const q = { namespace: target.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
    type AnyList = { items: unknown[]; metadata?: { resourceVersion?: string } };
    const list = await this.call(target.cluster, `list ${resource}`, (c): Promise<AnyList> => {
      switch (resource) {
        case "deployments":
          return c.apps.listNamespacedDeployment(q, this.opts());
        case "replicasets":
          return c.apps.listNamespacedReplicaSet(q, this.opts());
        case "pods":
          return c.core.listNamespacedPod(q, this.opts());
        case "events":
          return c.core.listNamespacedEvent(q, this.opts());
      }
    });
    return { items: JSON.parse(JSON.stringify(list.items)) as KubeObject[], resourceVersion: list.metadata?.resourceVersion ?? "" };
  }

  watch(target: Target, resource: WatchResource, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<KubeObject>> {
    const queue = new AsyncQueue<WatchEvent<KubeObject>>();
    const c = this.client(target.cluster);
    const path = PATHS[resource](target.namespace);
    const run = async () => {
      let backoff = 250;
      while (!signal.aborted) {
        try {
          const listed = await this.listRaw(target, resource, opts);
          queue.push({ type: "SYNC", objects: listed.items });
          let rv = listed.resourceVersion;
          backoff = 250;
          // Watch from the listed version; when the server ends the watch (timeoutSeconds), resume from the last
          // version seen. A 410 Gone ("too old resource version") means: list again.
          for (;;) {
            if (signal.aborted) return;
            const outcome = await this.watchOnce(c, path, { ...opts, resourceVersion: rv }, signal, (ev) => queue.push(ev), (v) => (rv = v));
            if (outcome === "expired") break;
            if (outcome instanceof Error) throw outcome;
          }
        } catch (err) {
          if (signal.aborted) break;
          queue.push({ type: "ERROR", error: toKubernetesError(err, target.cluster, c.server, `watch ${resource}`) });
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, 10_000);
        }
      }
    };
    signal.addEventListener("abort", () => queue.close(), { once: true });
    void run().finally(() => queue.close());
    return queue;
  }

  private watchOnce(
    c: Clients,
    path: string,
    params: WatchOptions & { resourceVersion: string },
    signal: AbortSignal,
    emit: (ev: WatchEvent<KubeObject>) => void,
    setRv: (rv: string) => void,
  ): Promise<"closed" | "expired" | Error> {
    return new Promise((resolve) => {
      let expired = false;
      let controller: AbortController | null = null;
      const onAbort = () => controller?.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      const finish = (v: "closed" | "expired" | Error) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      };
      c.watch
        .watch(
          path,
          { ...params, allowWatchBookmarks: true, timeoutSeconds: this.watchTimeoutSeconds },
          (phase: string, apiObj: KubeObject) => {
            const rv = apiObj?.metadata?.resourceVersion;
            if (phase === "ERROR") {
              const code = (apiObj as { code?: number }).code;
              if (code === 410) expired = true;
              return;
            }
            if (typeof rv === "string" && rv) setRv(rv);
            if (phase === "BOOKMARK") return;
            if (phase === "ADDED" || phase === "MODIFIED" || phase === "DELETED") emit({ type: phase, object: apiObj });
          },
          (err: unknown) => {
            if (expired) return finish("expired");
            if (!err || signal.aborted) return finish("closed");
            finish(err instanceof Error ? err : new Error(String(err)));
          },
        )
        .then((ctl) => {
          controller = ctl;
          if (signal.aborted) ctl.abort();
        })
        .catch((err: unknown) => finish(err instanceof Error ? err : new Error(String(err))));
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** The message of a Kubernetes Status body (ApiException bodies are JSON text or parsed objects). */
function statusMessage(body: unknown): string | null {
  let b = body;
  if (typeof b === "string") {
    try {
      b = JSON.parse(b);
    } catch {
      return (b as string).trim().slice(0, 300) || null;
    }
  }
  const m = (b as { message?: unknown } | null)?.message;
  return typeof m === "string" ? m : null;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "EPIPE", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);

/** Any client failure → KubernetesError with a kind and a message a person can act on. */
export function toKubernetesError(err: unknown, cluster: string, server: string, what: string): KubernetesError {
  if (err instanceof KubernetesError) return err;
  if (err instanceof ApiException) {
    const code = (err as ApiException<unknown>).code;
    const msg = statusMessage((err as ApiException<unknown>).body) ?? `HTTP ${code}`;
    const kind =
      code === 401 ? "unauthorized" : code === 403 ? "forbidden" : code === 404 ? "not_found" : code === 409 ? "conflict" : code === 422 || code === 400 ? "invalid" : "api";
    return new KubernetesError(`${what} on cluster "${cluster}": ${msg}`, kind, cluster, code);
  }
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string; name?: string } };
  if (e?.name === "TimeoutError" || e?.cause?.name === "TimeoutError") {
    return new KubernetesError(`cluster "${cluster}" did not answer in time (${server}) while trying to ${what}`, "timeout", cluster);
  }
  const code = e?.cause?.code ?? e?.code;
  if ((code && NETWORK_CODES.has(code)) || e?.message === "fetch failed") {
    return new KubernetesError(`cluster "${cluster}" is unreachable (${server}): ${e?.cause?.message ?? e?.message ?? code}`, "unreachable", cluster);
  }
  return new KubernetesError(`${what} on cluster "${cluster}" failed: ${e?.message ?? String(err)}`, "api", cluster);
}
