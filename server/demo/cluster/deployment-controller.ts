import type { EventRecorder } from "./events";
import type { Store } from "./store";
import { timestamp } from "./store";
import type { Condition, Deployment, DeploymentStatus, Pod, ReplicaSet } from "./types";
import {
  CHANGE_CAUSE,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  POD_TEMPLATE_HASH,
  REVISION,
  REVISION_HISTORY,
  controllerRef,
  groupByController,
  ownedBy,
  resolveSurge,
  revisionOf,
  templateHash,
  templatesEqual,
} from "./workloads";

// The Deployment controller, after the real one (pkg/controller/deployment): finds or creates the ReplicaSet for the
// current pod template (revision = max+1; an old ReplicaSet with the same template is reused and renumbered, which
// is what makes `kubectl rollout undo` work), runs the rolling update within maxSurge/maxUnavailable (or Recreate),
// prunes history beyond revisionHistoryLimit, and writes status with the Available and Progressing conditions
// (NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated / NewReplicaSetAvailable / ProgressDeadlineExceeded).

const SOURCE = { component: "deployment-controller" };

export class DeploymentController {
  /** Last time each deployment made progress (ms), for progressDeadlineSeconds. */
  private readonly lastProgress = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly events: EventRecorder,
  ) {}

  syncAll(now: number) {
    // Stored objects are read without copying: the controller only copies what it writes.
    const rsByOwner = groupByController(this.store.peek<ReplicaSet>("replicasets"), "Deployment");
    for (const d of [...this.store.peek<Deployment>("deployments")]) {
      if (d.metadata.deletionTimestamp) continue;
      this.sync(d, rsByOwner.get(d.metadata.uid) ?? [], now);
    }
  }

  forget(uid: string) {
    this.lastProgress.delete(uid);
  }

  /** `d` and `owned` are the stored objects (read-only); writes go through the store and replace entries in `all`. */
  private sync(d: Deployment, owned: ReplicaSet[], now: number) {
    const at = new Date(now);
    let all = owned.filter((rs) => ownedBy(rs, d));
    const replace = (saved: ReplicaSet) => {
      all = all.some((x) => x.metadata.uid === saved.metadata.uid) ? all.map((x) => (x.metadata.uid === saved.metadata.uid ? saved : x)) : [...all, saved];
      return saved;
    };
    const newUid = () => newRS?.metadata.uid;
    const olds = () => all.filter((rs) => rs.metadata.uid !== newUid());
    let newRS = all.filter((rs) => templatesEqual(rs.spec.template, d.spec.template)).sort(byCreation)[0] ?? null;
    const maxOldRevision = Math.max(0, ...olds().map(revisionOf));
    let progressingReason: { reason: string; message: string } | null = null;
    let collisionCount = d.status?.collisionCount ?? 0;

    if (!d.spec.paused) {
      if (!newRS) {
        const created = this.createReplicaSet(d, maxOldRevision + 1, all, at);
        collisionCount = created.collisionCount;
        newRS = replace(created.rs);
        progressingReason = { reason: "NewReplicaSetCreated", message: `Created new replica set "${newRS.metadata.name}"` };
      } else if (revisionOf(newRS) <= maxOldRevision || !newRS.metadata.annotations?.[REVISION]) {
        // An older ReplicaSet matches the template again (rollback): it becomes the newest revision.
        const old = newRS.metadata.annotations?.[REVISION];
        const history = [newRS.metadata.annotations?.[REVISION_HISTORY], old].filter(Boolean).join(",");
        const annotations = { ...(newRS.metadata.annotations ?? {}), [REVISION]: String(maxOldRevision + 1), ...(history ? { [REVISION_HISTORY]: history } : {}) };
        newRS = replace(this.store.update("replicasets", { ...newRS, metadata: { ...newRS.metadata, annotations } }));
        progressingReason = { reason: "FoundNewReplicaSet", message: `Found new replica set "${newRS.metadata.name}"` };
      }
      const cause = d.metadata.annotations?.[CHANGE_CAUSE];
      if (cause && newRS.metadata.annotations?.[CHANGE_CAUSE] !== cause) {
        newRS = replace(this.store.update("replicasets", { ...newRS, metadata: { ...newRS.metadata, annotations: { ...(newRS.metadata.annotations ?? {}), [CHANGE_CAUSE]: cause } } }));
      }
      const scale = (rs: ReplicaSet, n: number) => {
        const saved = replace(this.scale(d, rs, n, at));
        if (saved.metadata.uid === newUid()) newRS = saved;
        return saved;
      };
      if (d.spec.strategy.type === "Recreate") this.recreate(d, newRS, olds(), scale);
      else this.rollingUpdate(d, newRS, olds, scale);
      for (const gone of this.cleanup(d, newRS, olds())) all = all.filter((x) => x.metadata.uid !== gone);
    }

    // The Deployment's revision annotation follows its new ReplicaSet; status follows the ReplicaSets.
    const rev = newRS?.metadata.annotations?.[REVISION];
    const annotations = rev && d.metadata.annotations?.[REVISION] !== rev ? { ...(d.metadata.annotations ?? {}), [REVISION]: rev } : d.metadata.annotations;
    const status = this.status(d, newRS, all, progressingReason, collisionCount, now);
    if (annotations === d.metadata.annotations && JSON.stringify(status) === JSON.stringify(d.status)) return;
    this.store.update("deployments", { ...d, metadata: { ...d.metadata, ...(annotations ? { annotations } : {}) }, status });
  }

  private createReplicaSet(d: Deployment, revision: number, existing: ReplicaSet[], at: Date): { rs: ReplicaSet; collisionCount: number } {
    let collision = d.status?.collisionCount ?? 0;
    for (;;) {
      const hash = templateHash(d.spec.template, collision);
      const name = `${d.metadata.name}-${hash}`;
      const clash = this.store.peekOne<ReplicaSet>("replicasets", d.metadata.namespace, name);
      if (clash && !existing.some((rs) => rs.metadata.uid === clash.metadata.uid)) {
        collision++;
        continue;
      }
      const template = structuredClone(d.spec.template);
      template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
      const { maxSurge } = resolveSurge(d);
      const rs: ReplicaSet = {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name,
          namespace: d.metadata.namespace,
          uid: "",
          resourceVersion: "",
          generation: 1,
          creationTimestamp: timestamp(at),
          labels: { ...(template.metadata.labels ?? {}) },
          annotations: {
            [DESIRED_REPLICAS]: String(d.spec.replicas),
            [MAX_REPLICAS]: String(d.spec.replicas + maxSurge),
            [REVISION]: String(revision),
            ...(d.metadata.annotations?.[CHANGE_CAUSE] ? { [CHANGE_CAUSE]: d.metadata.annotations[CHANGE_CAUSE] } : {}),
          },
          ownerReferences: [controllerRef(d)],
        },
        spec: {
          replicas: 0,
          ...(d.spec.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}),
          selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } },
          template,
        },
        status: { replicas: 0 },
      };
      return { rs: this.store.create("replicasets", rs, at), collisionCount: collision };
    }
  }

  /** Sets a ReplicaSet's replicas (and the desired/max annotations), recording the ScalingReplicaSet event. */
  private scale(d: Deployment, rs: ReplicaSet, replicas: number, at: Date): ReplicaSet {
    const { maxSurge } = resolveSurge(d);
    const annotations = { ...(rs.metadata.annotations ?? {}), [DESIRED_REPLICAS]: String(d.spec.replicas), [MAX_REPLICAS]: String(d.spec.replicas + maxSurge) };
    if (rs.spec.replicas === replicas && rs.metadata.annotations?.[DESIRED_REPLICAS] === annotations[DESIRED_REPLICAS] && rs.metadata.annotations?.[MAX_REPLICAS] === annotations[MAX_REPLICAS]) return rs;
    const direction = replicas > rs.spec.replicas ? "up" : replicas < rs.spec.replicas ? "down" : null;
    const saved = this.store.update("replicasets", { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas } });
    if (direction) this.events.record(d, "Normal", "ScalingReplicaSet", `Scaled ${direction} replica set ${rs.metadata.name} to ${replicas}`, SOURCE, undefined, at);
    return saved;
  }

  private rollingUpdate(d: Deployment, first: ReplicaSet, olds: () => ReplicaSet[], scale: (rs: ReplicaSet, n: number) => ReplicaSet) {
    const { maxSurge, maxUnavailable } = resolveSurge(d);
    const want = d.spec.replicas;
    const sum = (rss: ReplicaSet[]) => rss.reduce((n, rs) => n + rs.spec.replicas, 0);
    // Scale the new ReplicaSet up within maxSurge (or down when replicas shrank).
    let newRS = first;
    if (newRS.spec.replicas > want) newRS = scale(newRS, want);
    else if (newRS.spec.replicas < want) {
      const room = want + maxSurge - sum([newRS, ...olds()]);
      if (room > 0) newRS = scale(newRS, newRS.spec.replicas + Math.min(room, want - newRS.spec.replicas));
    } else newRS = scale(newRS, want);

    // Scale old ReplicaSets down while keeping (replicas - maxUnavailable) available.
    if (!olds().some((rs) => rs.spec.replicas > 0)) return;
    const minAvailable = want - maxUnavailable;
    const newUnavailable = newRS.spec.replicas - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = sum([newRS, ...olds()]) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return;
    // First the old pods that are not available anyway (they count for nothing).
    let cleaned = 0;
    for (const rs of olds().filter((x) => x.spec.replicas > 0).sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = rs.spec.replicas - (rs.status?.availableReplicas ?? 0);
      if (unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      scale(rs, rs.spec.replicas - n);
      cleaned += n;
    }
    // Then available ones, as far as availability allows.
    const available = [newRS, ...olds()].reduce((n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, rs.spec.replicas), 0);
    let budget = Math.min(available - minAvailable, maxScaledDown - cleaned);
    for (const rs of olds().filter((x) => x.spec.replicas > 0).sort(byCreation)) {
      if (budget <= 0) break;
      const n = Math.min(rs.spec.replicas, budget);
      scale(rs, rs.spec.replicas - n);
      budget -= n;
    }
  }

  private recreate(d: Deployment, newRS: ReplicaSet, olds: ReplicaSet[], scale: (rs: ReplicaSet, n: number) => ReplicaSet) {
    for (const rs of olds) if (rs.spec.replicas > 0) scale(rs, 0);
    const oldUids = new Set(olds.map((rs) => rs.metadata.uid));
    const oldPodsLeft = [...this.store.peek<Pod>("pods")].some((p) => p.metadata.ownerReferences?.some((r) => oldUids.has(r.uid)));
    if (!oldPodsLeft) scale(newRS, d.spec.replicas);
  }

  /** Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit once nothing is rolling; returns their uids. */
  private cleanup(d: Deployment, newRS: ReplicaSet, olds: ReplicaSet[]): string[] {
    const idle = olds.filter((rs) => rs.spec.replicas === 0 && (rs.status?.replicas ?? 0) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
    const excess = idle.length - d.spec.revisionHistoryLimit;
    if (excess <= 0 || newRS.spec.replicas !== d.spec.replicas) return [];
    return idle.slice(0, excess).map((rs) => this.store.delete("replicasets", rs.metadata.namespace, rs.metadata.name).metadata.uid);
  }

  private status(d: Deployment, newRS: ReplicaSet | null, all: ReplicaSet[], created: { reason: string; message: string } | null, collisionCount: number, now: number): DeploymentStatus {
    const prev = d.status ?? {};
    const sum = (f: (rs: ReplicaSet) => number) => all.reduce((n, rs) => n + f(rs), 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const updated = newRS?.status?.replicas ?? 0;
    const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
    const available = sum((rs) => rs.status?.availableReplicas ?? 0);
    const want = d.spec.replicas;
    const { maxUnavailable } = resolveSurge(d);
    const ts = timestamp(new Date(now));
    const conds = [...(prev.conditions ?? [])];
    const put = (c: Omit<Condition, "lastUpdateTime" | "lastTransitionTime">, touch: boolean) => {
      const i = conds.findIndex((x) => x.type === c.type);
      const before = i >= 0 ? conds[i]! : null;
      const same = before && before.status === c.status && before.reason === c.reason && before.message === c.message;
      const next: Condition = {
        type: c.type,
        status: c.status,
        lastUpdateTime: same && !touch ? before.lastUpdateTime : ts,
        lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : ts,
        reason: c.reason,
        message: c.message,
      };
      if (i >= 0) conds[i] = next;
      else conds.push(next);
    };

    const minAvailable = available >= want - maxUnavailable;
    put(
      minAvailable
        ? { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }
        : { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." },
      false,
    );

    const rsName = newRS?.metadata.name ?? "";
    const progCond = conds.find((c) => c.type === "Progressing");
    const complete = !!newRS && updated === want && replicas === want && available === want;
    const progressed = updated > (prev.updatedReplicas ?? 0) || ready > (prev.readyReplicas ?? 0) || available > (prev.availableReplicas ?? 0) || replicas - updated < (prev.replicas ?? 0) - (prev.updatedReplicas ?? 0);
    const uid = d.metadata.uid;
    if (!this.lastProgress.has(uid)) this.lastProgress.set(uid, progCond?.lastUpdateTime ? Date.parse(progCond.lastUpdateTime) : now);
    if (d.spec.paused) {
      put({ type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" }, false);
      this.lastProgress.set(uid, now);
    } else if (progCond?.reason === "DeploymentPaused") {
      put({ type: "Progressing", status: "Unknown", reason: "DeploymentResumed", message: "Deployment is resumed" }, true);
      this.lastProgress.set(uid, now);
    } else if (complete) {
      put({ type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${rsName}" has successfully progressed.` }, false);
      this.lastProgress.set(uid, now);
    } else if (created) {
      put({ type: "Progressing", status: "True", reason: created.reason, message: created.message }, true);
      this.lastProgress.set(uid, now);
    } else if (progressed) {
      put({ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${rsName}" is progressing.` }, true);
      this.lastProgress.set(uid, now);
    } else if (progCond?.reason !== "ProgressDeadlineExceeded" && now - this.lastProgress.get(uid)! > d.spec.progressDeadlineSeconds * 1000) {
      put({ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${rsName}" has timed out progressing.` }, true);
    }

    const out: DeploymentStatus = {
      observedGeneration: d.metadata.generation ?? 1,
      ...(replicas ? { replicas } : {}),
      ...(updated ? { updatedReplicas: updated } : {}),
      ...(ready ? { readyReplicas: ready } : {}),
      ...(available ? { availableReplicas: available } : {}),
      ...(want - available > 0 ? { unavailableReplicas: want - available } : {}),
      conditions: conds,
      ...(collisionCount ? { collisionCount } : {}),
    };
    return out;
  }
}

function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || revisionOf(a) - revisionOf(b);
}
