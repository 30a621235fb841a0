import { eventsV1View } from "./events";
import type { FieldGetter } from "./selectors";
import { PRINTERS, type Printer } from "./table";
import type { CoreEvent, KObject, Pod } from "./types";

// The API resources the demo cluster serves: what discovery lists, how URLs map to stored objects, which field
// selectors each supports and how `kubectl get` prints them.

export type Subresource = { name: string; kind: string; group?: string; version?: string; verbs: string[] };

export type ApiResource = {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: Subresource[];
  /** The store bucket (events.k8s.io/v1 events share the core events' storage). */
  storage: string;
  fieldNames: readonly string[];
  fields: FieldGetter;
  printer: Printer;
  /** Converts a stored object to this API version's shape (identity for most). */
  view?: (o: KObject) => KObject;
};

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const META_FIELDS = ["metadata.name", "metadata.namespace"] as const;
const metaFields: FieldGetter = (o) => ({ "metadata.name": o.metadata.name, "metadata.namespace": o.metadata.namespace ?? "" });

const POD_FIELDS = [...META_FIELDS, "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"] as const;
const podFields: FieldGetter = (o) => {
  const p = o as Pod;
  return {
    ...metaFields(o),
    "spec.nodeName": p.spec.nodeName ?? "",
    "spec.restartPolicy": String(p.spec.restartPolicy ?? "Always"),
    "spec.schedulerName": String(p.spec.schedulerName ?? "default-scheduler"),
    "spec.serviceAccountName": String(p.spec.serviceAccountName ?? "default"),
    "status.phase": p.status?.phase ?? "",
    "status.podIP": p.status?.podIP ?? "",
    "status.nominatedNodeName": "",
  };
};

const EVENT_FIELDS = [
  ...META_FIELDS,
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
] as const;
const eventFields: FieldGetter = (o) => {
  const e = o as CoreEvent;
  const io = e.involvedObject;
  return {
    ...metaFields(o),
    "involvedObject.kind": io.kind,
    "involvedObject.namespace": io.namespace ?? "",
    "involvedObject.name": io.name,
    "involvedObject.uid": io.uid,
    "involvedObject.apiVersion": io.apiVersion,
    "involvedObject.resourceVersion": io.resourceVersion ?? "",
    "involvedObject.fieldPath": io.fieldPath ?? "",
    reason: e.reason,
    reportingComponent: e.reportingComponent,
    source: e.source?.component ?? "",
    type: e.type,
  };
};
// events.k8s.io/v1 names the same fields differently.
const EVENT_V1_FIELDS = [...META_FIELDS, "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type"] as const;
const eventV1Fields: FieldGetter = (o) => {
  const f = eventFields(o);
  return Object.fromEntries([...Object.entries(f)].map(([k, v]) => [k.replace(/^involvedObject\./, "regarding.").replace(/^reportingComponent$/, "reportingController"), v]));
};

const NAMESPACE_FIELDS = ["metadata.name", "status.phase"] as const;
const namespaceFields: FieldGetter = (o) => ({ "metadata.name": o.metadata.name, "status.phase": String((o as { status?: { phase?: string } }).status?.phase ?? "Active") });

const RS_FIELDS = [...META_FIELDS, "status.replicas"] as const;
const rsFields: FieldGetter = (o) => ({ ...metaFields(o), "status.replicas": String((o as { status?: { replicas?: number } }).status?.replicas ?? 0) });

const scale = (verbs = ["get", "patch", "update"]): Subresource => ({ name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs });

export const RESOURCES: ApiResource[] = [
  {
    group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false, shortNames: ["ns"], categories: [],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], subresources: [{ name: "status", kind: "Namespace", verbs: ["get", "patch", "update"] }],
    storage: "namespaces", fieldNames: NAMESPACE_FIELDS, fields: namespaceFields, printer: PRINTERS.namespaces,
  },
  {
    group: "", version: "v1", plural: "nodes", singular: "node", kind: "Node", namespaced: false, shortNames: ["no"], categories: [],
    verbs: ["get", "list", "watch"], subresources: [{ name: "status", kind: "Node", verbs: ["get"] }],
    storage: "nodes", fieldNames: ["metadata.name", "spec.unschedulable"], fields: (o) => ({ "metadata.name": o.metadata.name, "spec.unschedulable": "false" }), printer: PRINTERS.nodes,
  },
  {
    group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod", namespaced: true, shortNames: ["po"], categories: ["all"],
    verbs: ALL_VERBS, subresources: [{ name: "log", kind: "Pod", verbs: ["get"] }, { name: "status", kind: "Pod", verbs: ["get", "patch", "update"] }],
    storage: "pods", fieldNames: POD_FIELDS, fields: podFields, printer: PRINTERS.pods,
  },
  {
    group: "", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true, shortNames: ["ev"], categories: [],
    verbs: ALL_VERBS, subresources: [], storage: "events", fieldNames: EVENT_FIELDS, fields: eventFields, printer: PRINTERS.events,
  },
  {
    group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment", namespaced: true, shortNames: ["deploy"], categories: ["all"],
    verbs: ALL_VERBS, subresources: [scale(), { name: "status", kind: "Deployment", verbs: ["get", "patch", "update"] }],
    storage: "deployments", fieldNames: META_FIELDS, fields: metaFields, printer: PRINTERS.deployments,
  },
  {
    group: "apps", version: "v1", plural: "replicasets", singular: "replicaset", kind: "ReplicaSet", namespaced: true, shortNames: ["rs"], categories: ["all"],
    verbs: ALL_VERBS, subresources: [scale(), { name: "status", kind: "ReplicaSet", verbs: ["get", "patch", "update"] }],
    storage: "replicasets", fieldNames: RS_FIELDS, fields: rsFields, printer: PRINTERS.replicasets,
  },
  {
    group: "events.k8s.io", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true, shortNames: ["ev"], categories: [],
    verbs: ALL_VERBS, subresources: [], storage: "events", fieldNames: EVENT_V1_FIELDS, fields: (o) => eventV1Fields(o), printer: PRINTERS.events, view: eventsV1View,
  },
];

export function groupVersion(r: Pick<ApiResource, "group" | "version">): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, plural: string): ApiResource | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Storage resource → the core/apps API it is served under (for error messages and Kind/apiVersion of stored objects). */
export function storageInfo(storage: string): { plural: string; group: string } {
  const r = RESOURCES.find((x) => x.storage === storage && !x.view);
  return { plural: r?.plural ?? storage, group: r?.group ?? "" };
}
