// The Kubernetes provider interface (DESIGN.md "Providers"): what Opsdeck does to Deployments, behind one narrow
// interface. The implementation (client.ts) speaks to any cluster through @kubernetes/client-node; providers never
// import domains, so the deploy state machine, runbooks and the UI all go through these calls.

/** Where a workload lives: a kubeconfig context and a namespace. */
export type Target = { cluster: string; namespace: string };

/** A Deployment by name, or the Deployments a label selector (`app.kubernetes.io/name=payments,track!=canary`) picks. */
export type WorkloadSelector = { name: string } | { labelSelector: string };

export type ContainerSpec = { name: string; image: string };

export type Condition = { type: string; status: string; reason: string | null; message: string | null; lastUpdateTime: string | null };

/** A Deployment as Opsdeck reads it: desired vs live, and what kubectl rollout status needs. */
export type Workload = {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** spec.selector.matchLabels rendered as a label selector (matchExpressions included). */
  selector: string;
  containers: ContainerSpec[];
  /** deployment.kubernetes.io/revision, 0 when the controller has not set one yet. */
  revision: number;
  generation: number;
  observedGeneration: number;
  replicas: { desired: number; current: number; updated: number; ready: number; available: number; unavailable: number };
  progressDeadlineSeconds: number | null;
  paused: boolean;
  conditions: Condition[];
  createdAt: string | null;
};

/** One entry of the rollout history: a ReplicaSet owned by the Deployment. */
export type Revision = {
  revision: number;
  replicaSet: string;
  containers: ContainerSpec[];
  createdAt: string | null;
  replicas: number;
  changeCause: string | null;
};

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

export type PodInfo = {
  name: string;
  uid: string;
  phase: PodPhase;
  /** What `kubectl get pods` shows in STATUS: Running, ContainerCreating, CrashLoopBackOff, Terminating, … */
  status: string;
  ready: boolean;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
  node: string | null;
  ip: string | null;
  createdAt: string | null;
  startedAt: string | null;
  labels: Record<string, string>;
  /** Name of the owning ReplicaSet, if any. */
  owner: string | null;
  images: string[];
  terminating: boolean;
  /** A container waiting in CrashLoopBackOff / ImagePullBackOff / ErrImagePull / CreateContainerConfigError, with its message. */
  problem: { reason: string; message: string | null } | null;
  resourceVersion: string;
};

export type EventInfo = {
  uid: string;
  type: "Normal" | "Warning" | string;
  reason: string;
  message: string;
  object: { kind: string; name: string };
  count: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  resourceVersion: string;
};

/** `kubectl rollout status` in data: done, still progressing (with why), or failed (deadline exceeded). */
export type RolloutStatus =
  | { state: "complete"; message: string; workload: Workload }
  | { state: "progressing"; message: string; workload: Workload }
  | { state: "failed"; reason: string; message: string; workload: Workload };

export type WatchResource = "deployments" | "replicasets" | "pods" | "events";

/**
 * A watch stream item. `SYNC` carries the full list after (re)listing: the consumer replaces what it had (a watch that
 * expired or broke is resumed by listing again, so nothing is missed). `ERROR` reports a failure; the stream keeps
 * retrying with backoff until the signal aborts.
 */
export type WatchEvent<T> =
  | { type: "SYNC"; objects: T[] }
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T }
  | { type: "ERROR"; error: KubernetesError };

export type WatchOptions = { labelSelector?: string; fieldSelector?: string };

/** Raw Kubernetes object as returned by the API (for the informer cache and canary manifests). */
export type KubeObject = { metadata?: { name?: string; uid?: string; resourceVersion?: string; [k: string]: unknown }; [k: string]: unknown };

export type DeploymentManifest = KubeObject & { apiVersion: "apps/v1"; kind: "Deployment" };

export interface KubernetesProvider {
  /** Context names from the configured kubeconfigs. */
  clusters(): string[];
  listWorkloads(target: Target, selector: WorkloadSelector): Promise<Workload[]>;
  /** Exactly one Deployment: by name (null when absent), or the single match of a label selector (error when several). */
  getWorkload(target: Target, selector: WorkloadSelector): Promise<Workload | null>;
  /** Raw Deployment (for copying into a canary manifest). */
  readDeployment(target: Target, name: string): Promise<DeploymentManifest | null>;
  createDeployment(target: Target, manifest: DeploymentManifest): Promise<Workload>;
  deleteDeployment(target: Target, name: string): Promise<void>;
  /** Strategic-merge patch of one container's image (field manager `opsdeck`). */
  patchImage(target: Target, name: string, container: string, image: string, opts?: { changeCause?: string }): Promise<Workload>;
  scale(target: Target, name: string, replicas: number): Promise<Workload>;
  /** `kubectl rollout restart`: stamps kubectl.kubernetes.io/restartedAt on the pod template. */
  restart(target: Target, name: string): Promise<Workload>;
  /** `kubectl rollout undo [--to-revision]`: restores a previous ReplicaSet's pod template. */
  undo(target: Target, name: string, toRevision?: number): Promise<{ workload: Workload; restored: Revision }>;
  history(target: Target, name: string): Promise<Revision[]>;
  listPods(target: Target, labelSelector: string): Promise<PodInfo[]>;
  listEvents(target: Target, opts?: { objectNames?: string[]; limit?: number }): Promise<EventInfo[]>;
  podLogs(target: Target, pod: string, opts?: { container?: string; tailLines?: number; previous?: boolean }): Promise<string>;
  rolloutStatus(target: Target, name: string): Promise<RolloutStatus>;
  /** List-then-watch with automatic resume; raw objects (convert with toWorkload/toPod/toEvent). Ends when `signal` aborts. */
  watch(target: Target, resource: WatchResource, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<KubeObject>>;
}

export type KubernetesErrorKind = "unreachable" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "invalid" | "unknown_cluster" | "timeout" | "api";

/** Every provider failure, with a kind the UI can explain ("cluster unreachable") and the cluster it concerns. */
export class KubernetesError extends Error {
  constructor(
    message: string,
    readonly kind: KubernetesErrorKind,
    readonly cluster: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "KubernetesError";
  }
}
