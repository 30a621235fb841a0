import type { Condition, ContainerSpec, EventInfo, KubeObject, PodInfo, PodPhase, Revision, RolloutStatus, Workload } from "./types";

// Pure conversions from API objects (as JSON) to the provider's types, and the rollout/pod status rules kubectl uses.
// Kept free of client-node classes so they work on watch payloads and on objects from any client.

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === "string" ? v : v instanceof Date ? v.toISOString() : null);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const strMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === "string"));

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

/** A LabelSelector object as the string form the API takes (`a=b,c in (x,y),!d`). */
export function selectorString(selector: unknown): string {
  const s = obj(selector);
  const parts = Object.entries(strMap(s.matchLabels)).map(([k, v]) => `${k}=${v}`);
  for (const e of arr(s.matchExpressions).map(obj)) {
    const key = str(e.key);
    const values = arr(e.values).filter((x): x is string => typeof x === "string");
    if (!key) continue;
    if (e.operator === "In") parts.push(`${key} in (${values.join(",")})`);
    else if (e.operator === "NotIn") parts.push(`${key} notin (${values.join(",")})`);
    else if (e.operator === "Exists") parts.push(key);
    else if (e.operator === "DoesNotExist") parts.push(`!${key}`);
  }
  return parts.join(",");
}

function containers(template: unknown): ContainerSpec[] {
  return arr(obj(obj(template).spec).containers)
    .map(obj)
    .map((c) => ({ name: str(c.name) ?? "", image: str(c.image) ?? "" }));
}

function conditions(v: unknown): Condition[] {
  return arr(v)
    .map(obj)
    .map((c) => ({
      type: str(c.type) ?? "",
      status: str(c.status) ?? "Unknown",
      reason: str(c.reason),
      message: str(c.message),
      lastUpdateTime: str(c.lastUpdateTime) ?? str(c.lastTransitionTime),
    }));
}

export function toWorkload(o: KubeObject): Workload {
  const meta = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const annotations = strMap(meta.annotations);
  const desired = typeof spec.replicas === "number" ? spec.replicas : 1;
  return {
    name: str(meta.name) ?? "",
    namespace: str(meta.namespace) ?? "",
    uid: str(meta.uid) ?? "",
    resourceVersion: str(meta.resourceVersion) ?? "",
    labels: strMap(meta.labels),
    annotations,
    selector: selectorString(spec.selector),
    containers: containers(spec.template),
    revision: Number(annotations[REVISION_ANNOTATION] ?? 0) || 0,
    generation: num(meta.generation),
    observedGeneration: num(status.observedGeneration),
    replicas: {
      desired,
      current: num(status.replicas),
      updated: num(status.updatedReplicas),
      ready: num(status.readyReplicas),
      available: num(status.availableReplicas),
      unavailable: num(status.unavailableReplicas),
    },
    progressDeadlineSeconds: typeof spec.progressDeadlineSeconds === "number" ? spec.progressDeadlineSeconds : null,
    paused: spec.paused === true,
    conditions: conditions(status.conditions),
    createdAt: str(meta.creationTimestamp),
  };
}

/** The ReplicaSets a Deployment owns, newest revision first (`kubectl rollout history`). */
export function toRevisions(deploymentUid: string, replicaSets: KubeObject[]): Revision[] {
  return replicaSets
    .filter((rs) => arr(obj(rs.metadata).ownerReferences).map(obj).some((r) => r.uid === deploymentUid && r.controller !== false))
    .map((rs) => {
      const meta = obj(rs.metadata);
      const annotations = strMap(meta.annotations);
      return {
        revision: Number(annotations[REVISION_ANNOTATION] ?? 0) || 0,
        replicaSet: str(meta.name) ?? "",
        containers: containers(obj(rs.spec).template),
        createdAt: str(meta.creationTimestamp),
        replicas: num(obj(rs.status).replicas),
        changeCause: annotations[CHANGE_CAUSE_ANNOTATION] ?? null,
      };
    })
    .filter((r) => r.revision > 0)
    .sort((a, b) => b.revision - a.revision);
}

/** kubectl's DeploymentStatusViewer: the same messages, as data. */
export function rolloutStatusOf(w: Workload): RolloutStatus {
  if (w.generation > w.observedGeneration) return { state: "progressing", message: "Waiting for deployment spec update to be observed...", workload: w };
  const progressing = w.conditions.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return { state: "failed", reason: "ProgressDeadlineExceeded", message: `deployment "${w.name}" exceeded its progress deadline`, workload: w };
  }
  const r = w.replicas;
  if (r.updated < r.desired) {
    return { state: "progressing", message: `Waiting for deployment "${w.name}" rollout to finish: ${r.updated} out of ${r.desired} new replicas have been updated...`, workload: w };
  }
  if (r.current > r.updated) {
    return { state: "progressing", message: `Waiting for deployment "${w.name}" rollout to finish: ${r.current - r.updated} old replicas are pending termination...`, workload: w };
  }
  if (r.available < r.updated) {
    return { state: "progressing", message: `Waiting for deployment "${w.name}" rollout to finish: ${r.available} of ${r.updated} updated replicas are available...`, workload: w };
  }
  return { state: "complete", message: `deployment "${w.name}" successfully rolled out`, workload: w };
}

/** Waiting reasons that mean the container will not come up by itself. */
export const STUCK_REASONS = new Set(["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);

/** The STATUS column of `kubectl get pods` (printPod), plus the facts Opsdeck needs. */
export function toPod(o: KubeObject): PodInfo {
  const meta = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const phase = (str(status.phase) ?? "Unknown") as PodPhase;
  let reason = str(status.reason) || phase;
  let restarts = 0;
  let readyContainers = 0;
  let hasRunning = false;
  let problem: PodInfo["problem"] = null;
  const statuses = arr(status.containerStatuses).map(obj);
  for (const cs of [...statuses].reverse()) {
    restarts += num(cs.restartCount);
    if (cs.ready === true) readyContainers += 1;
    const state = obj(cs.state);
    const waiting = obj(state.waiting);
    const terminated = obj(state.terminated);
    if (str(waiting.reason)) {
      reason = str(waiting.reason)!;
      if (STUCK_REASONS.has(reason)) problem = { reason, message: str(waiting.message) ?? lastTermination(cs) };
    } else if (Object.keys(terminated).length) {
      reason = str(terminated.reason) ?? (num(terminated.signal) ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`);
    } else if (Object.keys(obj(state.running)).length && cs.ready === true) {
      hasRunning = true;
    }
  }
  if (reason === "Completed" && hasRunning) reason = "Running";
  const terminating = Boolean(meta.deletionTimestamp);
  if (terminating) reason = str(status.reason) === "NodeLost" ? "Unknown" : "Terminating";
  const owner = arr(meta.ownerReferences).map(obj).find((r) => r.controller === true) ?? arr(meta.ownerReferences).map(obj)[0];
  const total = arr(spec.containers).length || statuses.length;
  return {
    name: str(meta.name) ?? "",
    uid: str(meta.uid) ?? "",
    phase,
    status: reason,
    ready: total > 0 && readyContainers === total && phase === "Running" && !terminating,
    readyContainers,
    totalContainers: total,
    restarts,
    node: str(spec.nodeName),
    ip: str(status.podIP),
    createdAt: str(meta.creationTimestamp),
    startedAt: str(status.startTime),
    labels: strMap(meta.labels),
    owner: owner ? str(owner.name) : null,
    images: arr(spec.containers).map(obj).map((c) => str(c.image) ?? ""),
    terminating,
    problem,
    resourceVersion: str(meta.resourceVersion) ?? "",
  };
}

function lastTermination(cs: Obj): string | null {
  const t = obj(obj(cs.lastState).terminated);
  if (!Object.keys(t).length) return null;
  return `last exit: ${str(t.reason) ?? "Error"} (code ${num(t.exitCode)})${str(t.message) ? `: ${str(t.message)}` : ""}`;
}

export function toEvent(o: KubeObject): EventInfo {
  const meta = obj(o.metadata);
  const involved = obj(o.involvedObject);
  return {
    uid: str(meta.uid) ?? "",
    type: str(o.type) ?? "Normal",
    reason: str(o.reason) ?? "",
    message: str(o.message) ?? "",
    object: { kind: str(involved.kind) ?? "", name: str(involved.name) ?? "" },
    count: num(o.count) || 1,
    firstTimestamp: str(o.firstTimestamp) ?? str(o.eventTime) ?? str(meta.creationTimestamp),
    lastTimestamp: str(o.lastTimestamp) ?? str(o.eventTime) ?? str(meta.creationTimestamp),
    resourceVersion: str(meta.resourceVersion) ?? "",
  };
}

/** Annotations kubectl rollout undo does not copy from the ReplicaSet back to the Deployment. */
const UNDO_SKIP_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION_ANNOTATION,
  "deployment.kubernetes.io/revision-history",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
]);

/**
 * What `kubectl rollout undo` sends: a JSON patch replacing the pod template with the chosen ReplicaSet's (minus its
 * pod-template-hash label) and the Deployment's annotations with the ReplicaSet's copyable ones. Without toRevision,
 * the revision before the current one. Throws a message kubectl would print when there is nothing to undo to.
 */
export function undoPatch(deployment: KubeObject, replicaSets: KubeObject[], toRevision?: number): { patch: unknown[]; revision: number; replicaSet: KubeObject } {
  const meta = obj(deployment.metadata);
  const uid = str(meta.uid) ?? "";
  const owned = replicaSets.filter((rs) => arr(obj(rs.metadata).ownerReferences).map(obj).some((r) => r.uid === uid));
  const revOf = (rs: KubeObject) => Number(strMap(obj(rs.metadata).annotations)[REVISION_ANNOTATION] ?? 0) || 0;
  const byRevision = [...owned].filter((rs) => revOf(rs) > 0).sort((a, b) => revOf(b) - revOf(a));
  let chosen: KubeObject | undefined;
  if (toRevision !== undefined && toRevision > 0) {
    chosen = byRevision.find((rs) => revOf(rs) === toRevision);
    if (!chosen) throw new Error(`unable to find specified revision ${toRevision} in history`);
  } else {
    // The current revision is the deployment's own annotation; the previous one is the highest below it.
    const current = Number(strMap(meta.annotations)[REVISION_ANNOTATION] ?? 0) || (byRevision[0] ? revOf(byRevision[0]) : 0);
    chosen = byRevision.find((rs) => revOf(rs) < current);
    if (!chosen) throw new Error("no rollout history found: there is no previous revision to roll back to");
  }
  const template = structuredClone(obj(obj(chosen.spec).template));
  const tmeta = obj(template.metadata);
  const labels = { ...strMap(tmeta.labels) };
  delete labels["pod-template-hash"];
  template.metadata = { ...tmeta, labels };
  const annotations = { ...strMap(meta.annotations) };
  for (const [k, v] of Object.entries(strMap(obj(chosen.metadata).annotations))) if (!UNDO_SKIP_ANNOTATIONS.has(k)) annotations[k] = v;
  return {
    patch: [
      { op: "replace", path: "/spec/template", value: template },
      { op: "replace", path: "/metadata/annotations", value: annotations },
    ],
    revision: revOf(chosen),
    replicaSet: chosen,
  };
}

/** The tag of an image reference (`registry/app:1.2.3@sha256:…` → 1.2.3); the digest when there is no tag. */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  if (colon > lastSlash) return withoutDigest.slice(colon + 1);
  return at >= 0 ? image.slice(at + 1) : "latest";
}

/** The repository part of an image reference (without tag or digest). */
export function imageRepository(image: string): string {
  const at = image.indexOf("@");
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  return colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
}
