import { selectorString } from "./selectors";
import type { CoreEvent, Deployment, KObject, Namespace, NodeObject, Pod, ReplicaSet } from "./types";

// Server-side printing: the `Table` (meta.k8s.io/v1) kubectl asks for with `Accept: application/json;as=Table;...`.
// Columns and cell formats follow the API server's printers for Kubernetes 1.20, so `kubectl get` (and `-o wide`,
// which shows the priority-1 columns) looks like it does against a real cluster.

export type Column = { name: string; type: "string" | "integer" | "number" | "boolean" | "date"; format: string; description: string; priority: number };
type Cell = string | number | boolean;
export type Printer = { columns: Column[]; row(o: KObject, now: number): Cell[] };

const col = (name: string, type: Column["type"], description: string, priority = 0, format = ""): Column => ({ name, type, format, description, priority });
const NAME = col("Name", "string", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.", 0, "name");
const AGE = col("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created.");

/** duration.HumanDuration from apimachinery: 45s, 3m20s, 12m, 5h30m, 2d3h, 400d, 3y20d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const age = (ts: string | undefined, now: number) => (ts ? humanDuration(now - Date.parse(ts)) : "<unknown>");

/** Deployments and ReplicaSets share their -o wide columns: the template's containers, images, and the selector. */
function workloadPrinter(columns: Column[], selectorDescription: string, cells: (o: Deployment | ReplicaSet) => Cell[]): Printer {
  return {
    columns: [
      NAME,
      ...columns,
      AGE,
      col("Containers", "string", "Names of each container in the template.", 1),
      col("Images", "string", "Images referenced by each container in the template.", 1),
      col("Selector", "string", selectorDescription, 1),
    ],
    row(o, now) {
      const w = o as Deployment | ReplicaSet;
      const cs = w.spec.template.spec.containers;
      return [w.metadata.name, ...cells(w), age(w.metadata.creationTimestamp, now), cs.map((c) => c.name).join(","), cs.map((c) => c.image).join(","), selectorString(w.spec.selector)];
    },
  };
}

const deployments = workloadPrinter(
  [
    col("Ready", "string", "Number of the pod with ready state"),
    col("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
    col("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
  ],
  "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
  (o) => {
    const d = o as Deployment;
    return [`${d.status?.readyReplicas ?? 0}/${d.spec.replicas}`, d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0];
  },
);

const replicasets = workloadPrinter(
  [
    col("Desired", "integer", "Replicas is the number of desired replicas."),
    col("Current", "integer", "Replicas is the most recently oberved number of replicas."),
    col("Ready", "integer", "The number of ready replicas for this replica set."),
  ],
  "Selector is a label query over pods that should match the replica count.",
  (o) => {
    const rs = o as ReplicaSet;
    return [rs.spec.replicas, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0];
  },
);

/** The STATUS column kubectl shows for a pod (printPod in the API server's printers). */
export function podDisplayStatus(p: Pod): { status: string; ready: number; total: number; restarts: number } {
  let reason: string = p.status?.reason || p.status?.phase || "Pending";
  let ready = 0;
  let restarts = 0;
  const statuses = p.status?.containerStatuses ?? [];
  for (let i = statuses.length - 1; i >= 0; i--) {
    const cs = statuses[i]!;
    restarts += cs.restartCount;
    if ("waiting" in cs.state && cs.state.waiting.reason) reason = cs.state.waiting.reason;
    else if ("terminated" in cs.state && cs.state.terminated.reason) reason = cs.state.terminated.reason;
    else if ("terminated" in cs.state) reason = `ExitCode:${cs.state.terminated.exitCode}`;
    else if (cs.ready && "running" in cs.state) ready++;
  }
  if (p.metadata.deletionTimestamp) reason = "Terminating";
  return { status: reason, ready, total: p.spec.containers.length, restarts };
}

const pods: Printer = {
  columns: [
    NAME,
    col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    col("Status", "string", "The aggregate status of the containers in this pod."),
    col("Restarts", "integer", "The number of times the containers in this pod have been restarted."),
    AGE,
    col("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
    col("Node", "string", "NodeName is a request to schedule this pod onto a specific node.", 1),
    col("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", 1),
    col("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
  ],
  row(o, now) {
    const p = o as Pod;
    const s = podDisplayStatus(p);
    return [p.metadata.name, `${s.ready}/${s.total}`, s.status, s.restarts, age(p.metadata.creationTimestamp, now), p.status?.podIP || "<none>", p.spec.nodeName || "<none>", "<none>", "<none>"];
  },
};

const namespaces: Printer = {
  columns: [NAME, col("Status", "string", "The status of the namespace"), AGE],
  row(o, now) {
    const n = o as Namespace;
    return [n.metadata.name, n.status?.phase ?? "Active", age(n.metadata.creationTimestamp, now)];
  },
};

const nodes: Printer = {
  columns: [
    NAME,
    col("Status", "string", "The status of the node"),
    col("Roles", "string", "The roles of the node"),
    AGE,
    col("Version", "string", "Kubelet Version reported by the node."),
    col("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
    col("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
    col("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
    col("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col("Container-Runtime", "string", "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
  ],
  row(o, now) {
    const n = o as NodeObject;
    const st = n.status as { addresses?: { type: string; address: string }[]; nodeInfo?: Record<string, string> };
    const info = st.nodeInfo ?? {};
    const internal = st.addresses?.find((a) => a.type === "InternalIP")?.address ?? "<none>";
    return [n.metadata.name, "Ready", "<none>", age(n.metadata.creationTimestamp, now), info.kubeletVersion ?? "", internal, "<none>", info.osImage ?? "", info.kernelVersion ?? "", info.containerRuntimeVersion ?? ""];
  },
};

const events: Printer = {
  columns: [
    col("Last Seen", "string", "Time when last event occurred"),
    col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future."),
    col("Reason", "string", "This should be a short, machine understandable string that gives the reason for this event being generated."),
    col("Object", "string", "The object this Event is about."),
    col("Subobject", "string", "The subobject this Event is about.", 1),
    col("Source", "string", "The component reporting this event.", 1),
    col("Message", "string", "A human-readable description of the status of this operation."),
    col("First Seen", "string", "The time at which the event was first recorded.", 1),
    col("Count", "string", "The number of times this event has occurred.", 1),
    { ...NAME, priority: 1 },
  ],
  row(o, now) {
    const e = o as CoreEvent;
    const src = e.source?.host ? `${e.source.component}, ${e.source.host}` : (e.source?.component ?? "");
    return [age(e.lastTimestamp, now), e.type, e.reason, `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`, e.involvedObject.fieldPath ?? "", src, e.message, age(e.firstTimestamp, now), String(e.count), e.metadata.name];
  },
};

export const PRINTERS = { deployments, replicasets, pods, namespaces, nodes, events } satisfies Record<string, Printer>;

export type TableIncludeObject = "None" | "Metadata" | "Object";

/** A Table of `items` (stored objects); `view` turns one into the requested API version for includeObject=Object. */
export function toTable(
  printer: Printer,
  items: KObject[],
  listMeta: Record<string, unknown>,
  opts: { version: "v1" | "v1beta1"; include: TableIncludeObject; view: (o: KObject) => KObject; now?: number },
) {
  const now = opts.now ?? Date.now();
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: listMeta,
    columnDefinitions: printer.columns,
    rows: items.map((o) => ({ cells: printer.row(o, now), ...(opts.include === "None" ? {} : { object: opts.include === "Object" ? opts.view(o) : partialMetadata(o) }) })),
  };
}

export function partialMetadata(o: KObject) {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}
