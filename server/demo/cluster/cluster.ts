import { DeploymentController } from "./deployment-controller";
import { EventRecorder } from "./events";
import { Kubelets } from "./kubelet";
import { ReplicaSetController } from "./replicaset-controller";
import { storageInfo } from "./resources";
import { Store, timestamp } from "./store";
import type { Timing } from "./timing";
import type { KObject, Namespace, Pod } from "./types";

// The simulated cluster: the store plus the control loops (deployment and replicaset controllers, garbage collector,
// namespace lifecycle) and the kubelets. Loops run every tickMs and right after any API write, so a change made through
// the API is acted on at once, while pod start-up and termination follow the configured delays.

export class Cluster {
  readonly store: Store;
  readonly events: EventRecorder;
  readonly kubelets: Kubelets;
  private readonly deployments: DeploymentController;
  private readonly replicasets: ReplicaSetController;
  private timer: NodeJS.Timeout | null = null;
  private kickPending = false;
  private reconciling = false;
  private stopped = false;

  constructor(readonly timing: Timing) {
    this.store = new Store(storageInfo, { onWrite: () => this.kick() });
    this.events = new EventRecorder(this.store);
    this.kubelets = new Kubelets(this.store, this.events, timing);
    this.deployments = new DeploymentController(this.store, this.events);
    this.replicasets = new ReplicaSetController(this.store, this.events, (pod, grace, now) => this.deletePod(pod, grace, now));
    const created = timestamp(new Date(Date.now() - 30 * 86400_000));
    for (const n of this.kubelets.nodes(created)) this.store.create("nodes", n);
  }

  start() {
    this.stopped = false;
    this.timer ??= setInterval(() => this.reconcile(), this.timing.tickMs);
    this.timer.unref?.();
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Runs the loops soon (after the current request), once however many writes happened. */
  kick() {
    if (this.reconciling || this.kickPending || this.stopped || !this.timer) return;
    this.kickPending = true;
    setImmediate(() => {
      this.kickPending = false;
      this.reconcile();
    });
  }

  reconcile(now = Date.now()) {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      this.namespaces(now);
      this.collectGarbage(now);
      // What one loop changes (a pod became ready, a ReplicaSet was scaled) feeds the next: repeat until quiet.
      for (let round = 0; round < 4; round++) {
        const before = this.store.resourceVersion;
        this.deployments.syncAll(now);
        this.replicasets.syncAll(now);
        this.kubelets.tick(now);
        if (this.store.resourceVersion === before) break;
      }
    } finally {
      this.reconciling = false;
    }
  }

  /** Graceful pod deletion: marks it terminating (the kubelet removes it after terminateMs); 0 s deletes at once. */
  deletePod(pod: Pod, graceSeconds: number | undefined, now = Date.now()): KObject {
    const current = this.store.get<Pod>("pods", pod.metadata.namespace, pod.metadata.name);
    if (!current) return pod;
    if (current.metadata.deletionTimestamp) return current;
    const grace = graceSeconds ?? current.spec.terminationGracePeriodSeconds ?? 30;
    if (grace === 0 || !current.spec.nodeName) {
      this.kubelets.forget(current.metadata.uid);
      return this.store.delete("pods", current.metadata.namespace, current.metadata.name);
    }
    current.metadata.deletionTimestamp = timestamp(new Date(now + grace * 1000));
    current.metadata.deletionGracePeriodSeconds = grace;
    return this.store.update("pods", current);
  }

  /** Dependents whose controller is gone (deleted Deployment → its ReplicaSets → their pods) are removed. */
  private collectGarbage(now: number) {
    const alive = new Set<string>();
    for (const r of ["deployments", "replicasets"]) for (const o of this.store.peek(r)) alive.add(o.metadata.uid);
    for (const rs of [...this.store.peek("replicasets")]) {
      const ref = rs.metadata.ownerReferences?.find((r) => r.controller);
      if (ref && !alive.has(ref.uid)) {
        this.store.delete("replicasets", rs.metadata.namespace, rs.metadata.name);
        alive.delete(rs.metadata.uid);
      }
    }
    for (const p of [...this.store.peek<Pod>("pods")]) {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller);
      if (ref && !alive.has(ref.uid) && !p.metadata.deletionTimestamp) this.deletePod(p, undefined, now);
    }
  }

  /** Terminating namespaces: delete everything in them, then the namespace itself. */
  private namespaces(now: number) {
    for (const ns of [...this.store.peek<Namespace>("namespaces")]) {
      if (ns.status?.phase !== "Terminating") continue;
      const name = ns.metadata.name;
      for (const r of ["deployments", "replicasets", "events"]) {
        for (const o of this.store.list(r, name)) this.store.delete(r, name, o.metadata.name);
      }
      const pods = this.store.list<Pod>("pods", name);
      for (const p of pods) if (!p.metadata.deletionTimestamp) this.deletePod(p, undefined, now);
      if (!pods.length) this.store.delete("namespaces", undefined, name);
    }
  }
}
