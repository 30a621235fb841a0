import type { EventRecorder } from "./events";
import { podAvailable, podReady } from "./kubelet";
import type { Store } from "./store";
import { timestamp } from "./store";
import type { Pod, ReplicaSet } from "./types";
import { controllerRef, groupByController, randomSuffix } from "./workloads";

// The ReplicaSet controller: keeps as many live pods as spec.replicas (creating from the template, deleting the least
// useful first, like the real controller's ranking) and reports replicas / ready / available in status.

const SOURCE = { component: "replicaset-controller" };

export class ReplicaSetController {
  constructor(
    private readonly store: Store,
    private readonly events: EventRecorder,
    private readonly deletePod: (pod: Pod, graceSeconds: number | undefined, now: number) => void,
  ) {}

  syncAll(now: number) {
    // Stored objects are read without copying: only what is written gets copied.
    const podsByOwner = groupByController(this.store.peek<Pod>("pods"), "ReplicaSet");
    for (const rs of [...this.store.peek<ReplicaSet>("replicasets")]) {
      if (rs.metadata.deletionTimestamp) continue;
      this.sync(rs, podsByOwner.get(rs.metadata.uid) ?? [], now);
    }
  }

  /** `rs` and `owned` are stored objects (read-only). */
  private sync(rs: ReplicaSet, owned: Pod[], now: number) {
    let live = owned.filter((p) => !p.metadata.deletionTimestamp);
    const diff = live.length - rs.spec.replicas;
    const at = new Date(now);
    if (diff < 0) {
      for (let i = 0; i < Math.min(-diff, 500); i++) {
        const pod = this.store.create<Pod>("pods", podFromTemplate(rs, at), at);
        live = [...live, pod];
        this.events.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`, SOURCE, undefined, at);
      }
    } else if (diff > 0) {
      const victims = [...live].sort(deletionRank).slice(0, diff);
      for (const p of victims) {
        this.deletePod(p, undefined, now);
        this.events.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, SOURCE, undefined, at);
      }
      const gone = new Set(victims.map((v) => v.metadata.uid));
      live = live.filter((p) => !gone.has(p.metadata.uid));
    }
    const minReady = rs.spec.minReadySeconds ?? 0;
    const counts = {
      replicas: live.length,
      fullyLabeledReplicas: live.length,
      readyReplicas: live.filter(podReady).length,
      availableReplicas: live.filter((p) => podAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    // Zero counts are omitted like the API server's JSON (omitempty), except replicas.
    const status = Object.fromEntries(Object.entries(counts).filter(([k, v]) => k === "replicas" || v !== 0)) as ReplicaSet["status"];
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) this.store.update("replicasets", { ...rs, status });
  }
}

/** A new pod of a ReplicaSet: named `<rs>-<5 chars>`, labelled and annotated from the template, owned by the ReplicaSet. */
export function podFromTemplate(rs: ReplicaSet, at: Date): Pod {
  const tpl = structuredClone(rs.spec.template);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${rs.metadata.name}-${randomSuffix()}`,
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      uid: "",
      resourceVersion: "",
      creationTimestamp: timestamp(at),
      labels: { ...(tpl.metadata?.labels ?? {}) },
      ...(tpl.metadata?.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(rs)],
    },
    spec: { ...tpl.spec, serviceAccountName: (tpl.spec.serviceAccountName as string | undefined) ?? "default" },
    status: { phase: "Pending", qosClass: "BestEffort" },
  };
}

/** Which pods a scale-down removes first: unscheduled, pending, not ready, most restarts, newest. */
function deletionRank(a: Pod, b: Pod): number {
  const key = (p: Pod) => [p.spec.nodeName ? 1 : 0, p.status?.phase === "Running" ? 1 : 0, podReady(p) ? 1 : 0];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp);
}
