import type { Cluster } from "./cluster";
import { ApiError, badRequest, conflict, invalid, methodNotAllowed, notFound, qualified, successStatus, type StatusCause } from "./errors";
import { applyPatch, type PatchType } from "./patch";
import type { ApiResource } from "./resources";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, selectorMatches, selectorString, type FieldRequirement, type Requirement } from "./selectors";
import { timestamp } from "./store";
import type { CoreEvent, Deployment, KObject, Namespace, Pod, ReplicaSet } from "./types";
import { defaultDeployment, defaultPodSpec, defaultPodTemplate, randomSuffix, validateContainers, validateDeployment, validateName } from "./workloads";

// The REST verbs on stored objects, with the API server's semantics: defaulting and validation before a write,
// optimistic concurrency on resourceVersion, status ignored on the main resource (and only status written through
// /status), graceful pod deletion, cascading deletes, the /scale subresource, dry runs.

export type WriteOptions = { dryRun: boolean };
export type DeleteOptions = { gracePeriodSeconds?: number; propagationPolicy?: "Orphan" | "Background" | "Foreground"; dryRun: boolean };
export type ListOptions = { labelSelector?: string | null; fieldSelector?: string | null; limit?: number; continueToken?: string | null };
export type Filter = { labels: Requirement[]; fields: FieldRequirement[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export class ResourceApi {
  constructor(private readonly cluster: Cluster) {}

  private get store() {
    return this.cluster.store;
  }

  filter(r: ApiResource, opts: Pick<ListOptions, "labelSelector" | "fieldSelector">): Filter {
    return { labels: parseLabelSelector(opts.labelSelector), fields: parseFieldSelector(opts.fieldSelector, r.fieldNames) };
  }

  matches(r: ApiResource, f: Filter, o: KObject): boolean {
    return matchesLabels(f.labels, o.metadata.labels) && (!f.fields.length || matchesFields(f.fields, r.fields(o)));
  }

  /** Stored objects matching the filter (storage form), with keyset pagination by namespace/name. */
  list(r: ApiResource, namespace: string | undefined, opts: ListOptions): { items: KObject[]; continueToken?: string; remaining?: number; resourceVersion: string } {
    const f = this.filter(r, opts);
    let items = this.store.list(r.storage, namespace).filter((o) => this.matches(r, f, o));
    const rv = String(this.store.resourceVersion);
    if (opts.continueToken) {
      const start = decodeContinue(opts.continueToken);
      items = items.filter((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}` > start);
    }
    if (opts.limit && opts.limit > 0 && items.length > opts.limit) {
      const page = items.slice(0, opts.limit);
      const last = page[page.length - 1]!;
      return { items: page, continueToken: encodeContinue(`${last.metadata.namespace ?? ""}/${last.metadata.name}`, rv), remaining: items.length - page.length, resourceVersion: rv };
    }
    return { items, resourceVersion: rv };
  }

  get(r: ApiResource, namespace: string | undefined, name: string): KObject {
    const o = this.store.get(r.storage, namespace, name);
    if (!o) throw notFound(r.plural, r.group, name);
    return o;
  }

  create(r: ApiResource, namespace: string | undefined, body: unknown, opts: WriteOptions): KObject {
    if (!isObj(body)) throw badRequest("the request body must be a JSON object");
    let obj = structuredClone(body) as KObject;
    if (r.view) obj = fromEventsV1(obj);
    obj.metadata = (isObj(obj.metadata) ? obj.metadata : {}) as KObject["metadata"];
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    if (r.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace) throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      obj.metadata.namespace = namespace;
      this.assertNamespaceWritable(r, namespace!, obj.metadata.name);
    } else delete obj.metadata.namespace;
    validateName(r.kind, r.group, obj.metadata.name, r.storage === "namespaces");
    obj.apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    obj.kind = r.kind;
    obj.metadata.uid = "";
    obj.metadata.resourceVersion = "";
    obj.metadata.creationTimestamp = "";
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.generation;
    this.prepareCreate(r, obj);
    if (opts.dryRun) return { ...obj, metadata: { ...obj.metadata, creationTimestamp: timestamp() } };
    return this.store.create(r.storage, obj);
  }

  /** PUT: replaces the object (not its status); with metadata.resourceVersion set, only if still current. */
  update(r: ApiResource, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions): KObject {
    if (!isObj(body)) throw badRequest("the request body must be a JSON object");
    const current = this.get(r, namespace, name);
    let next = structuredClone(body) as KObject;
    if (r.view) next = fromEventsV1(next);
    next.metadata = (isObj(next.metadata) ? next.metadata : {}) as KObject["metadata"];
    if (next.metadata.name && next.metadata.name !== name) throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    return this.write(r, current, next, next.metadata.resourceVersion, opts);
  }

  patch(r: ApiResource, namespace: string | undefined, name: string, type: PatchType, body: unknown, opts: WriteOptions): KObject {
    const current = this.get(r, namespace, name);
    const base = r.view ? r.view(current) : current;
    let next = applyPatch(base, type, body) as KObject;
    if (!isObj(next) || !isObj(next.metadata)) throw new ApiError(422, "Invalid", `${r.kind} "${name}" is invalid: metadata: Required value`);
    if (r.view) next = fromEventsV1(next);
    if (next.metadata.name !== name) throw badRequest("the name of the object may not be changed by a patch");
    return this.write(r, current, next, next.metadata.resourceVersion, opts);
  }

  private write(r: ApiResource, current: KObject, next: KObject, expectRv: string | undefined, opts: WriteOptions): KObject {
    if (expectRv && expectRv !== current.metadata.resourceVersion) throw conflict(r.plural, r.group, current.metadata.name);
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    next.metadata = { ...next.metadata, name: current.metadata.name, namespace: current.metadata.namespace, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp };
    if (current.metadata.generation !== undefined) next.metadata.generation = current.metadata.generation;
    if (current.metadata.deletionTimestamp) next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    if ("status" in current) next.status = current.status; // status is written through /status only
    this.prepareUpdate(r, next, current);
    if (opts.dryRun) return next;
    return this.store.update(r.storage, next, current.metadata.resourceVersion);
  }

  /** PUT/PATCH on /status: only status changes. */
  writeStatus(r: ApiResource, namespace: string | undefined, name: string, change: (current: KObject) => KObject, opts: WriteOptions): KObject {
    const current = this.get(r, namespace, name);
    const next = change(structuredClone(current));
    const expectRv = next.metadata?.resourceVersion;
    if (expectRv && expectRv !== current.metadata.resourceVersion) throw conflict(r.plural, r.group, name);
    const out = { ...current, status: next.status };
    if (opts.dryRun) return out;
    return this.store.update(r.storage, out, current.metadata.resourceVersion);
  }

  delete(r: ApiResource, namespace: string | undefined, name: string, opts: DeleteOptions): unknown {
    const current = this.get(r, namespace, name);
    const details = { name, group: r.group, kind: r.plural, uid: current.metadata.uid };
    if (r.storage === "nodes") throw methodNotAllowed("delete");
    if (opts.dryRun) return r.storage === "pods" || r.storage === "namespaces" ? current : successStatus(details);
    switch (r.storage) {
      case "pods":
        return this.cluster.deletePod(current as Pod, opts.gracePeriodSeconds);
      case "namespaces": {
        const ns = current as Namespace;
        if (ns.status?.phase === "Terminating") return ns;
        ns.metadata.deletionTimestamp = timestamp();
        ns.status = { phase: "Terminating" };
        return this.store.update("namespaces", ns);
      }
      case "deployments":
      case "replicasets":
        if (opts.propagationPolicy === "Orphan") this.orphanDependents(current);
        this.store.delete(r.storage, namespace, name);
        return successStatus(details);
      default:
        this.store.delete(r.storage, namespace, name);
        return successStatus(details);
    }
  }

  private orphanDependents(owner: KObject) {
    for (const storage of ["replicasets", "pods"]) {
      for (const o of this.store.list(storage, owner.metadata.namespace)) {
        if (!o.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid)) continue;
        o.metadata.ownerReferences = o.metadata.ownerReferences.filter((ref) => ref.uid !== owner.metadata.uid);
        if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
        this.store.update(storage, o);
      }
    }
  }

  // ---------- /scale ----------

  scaleOf(o: KObject) {
    const w = o as Deployment | ReplicaSet;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: w.metadata.name, namespace: w.metadata.namespace, uid: w.metadata.uid, resourceVersion: w.metadata.resourceVersion, creationTimestamp: w.metadata.creationTimestamp },
      spec: { replicas: w.spec.replicas },
      status: { replicas: w.status?.replicas ?? 0, selector: selectorString(w.spec.selector) },
    };
  }

  /** Writes a Scale (after PUT or a patch applied to the current Scale) to spec.replicas. */
  writeScale(r: ApiResource, namespace: string, name: string, scale: unknown, opts: WriteOptions) {
    const current = this.get(r, namespace, name) as Deployment | ReplicaSet;
    if (!isObj(scale) || !isObj(scale.spec)) throw badRequest("the body must be a Scale object with spec.replicas");
    const replicas = scale.spec.replicas ?? 0;
    const rv = isObj(scale.metadata) ? (scale.metadata.resourceVersion as string | undefined) : undefined;
    if (rv && rv !== current.metadata.resourceVersion) throw conflict(r.plural, r.group, name);
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid("Scale", "autoscaling", name, [{ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: "spec.replicas" }]);
    }
    const next = { ...current, spec: { ...current.spec, replicas } };
    if (opts.dryRun) return this.scaleOf(next);
    return this.scaleOf(this.store.update(r.storage, next, current.metadata.resourceVersion));
  }

  // ---------- per-kind preparation ----------

  private assertNamespaceWritable(r: ApiResource, namespace: string, name: string) {
    const ns = this.store.get<Namespace>("namespaces", undefined, namespace);
    if (!ns) throw notFound("namespaces", "", namespace);
    if (ns.status?.phase === "Terminating") {
      throw new ApiError(403, "Forbidden", `${qualified(r.plural, r.group)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, { name, group: r.group, kind: r.plural });
    }
  }

  private prepareCreate(r: ApiResource, obj: KObject) {
    switch (r.storage) {
      case "namespaces":
        obj.spec = { finalizers: ["kubernetes"] };
        obj.status = { phase: "Active" };
        obj.metadata.labels = { ...(obj.metadata.labels ?? {}), "kubernetes.io/metadata.name": obj.metadata.name };
        return;
      case "deployments": {
        const d = defaultDeployment(obj as Deployment);
        d.metadata.generation = 1;
        d.status = {};
        validateDeployment(d);
        return;
      }
      case "replicasets": {
        const rs = obj as ReplicaSet;
        rs.metadata.generation = 1;
        prepareReplicaSet(rs);
        rs.status = { replicas: 0 };
        return;
      }
      case "pods": {
        const p = obj as Pod;
        p.spec = (isObj(p.spec) ? p.spec : { containers: [] }) as Pod["spec"];
        defaultPodSpec(p.spec);
        p.spec.serviceAccountName ??= "default";
        const causes: StatusCause[] = [];
        validateContainers({ spec: p.spec }, "spec", causes);
        if (causes.length) throw invalid("Pod", "", p.metadata.name, causes);
        p.status = { phase: "Pending", qosClass: "BestEffort" };
        return;
      }
      case "events": {
        const e = obj as CoreEvent;
        const now = timestamp();
        e.firstTimestamp ||= now;
        e.lastTimestamp ||= e.firstTimestamp;
        e.count ||= 1;
        e.type ||= "Normal";
        return;
      }
      case "nodes":
        throw methodNotAllowed("create");
    }
  }

  private prepareUpdate(r: ApiResource, next: KObject, current: KObject) {
    switch (r.storage) {
      case "namespaces":
        next.spec = current.spec;
        next.metadata.labels = { ...(next.metadata.labels ?? {}), "kubernetes.io/metadata.name": current.metadata.name };
        return;
      case "deployments": {
        const d = defaultDeployment(next as Deployment);
        validateDeployment(d, current as Deployment);
        return;
      }
      case "replicasets":
        prepareReplicaSet(next as ReplicaSet);
        return;
      case "pods": {
        // Pod specs are immutable except container images (as in Kubernetes).
        const cur = current as Pod;
        const nxt = next as Pod;
        const images = isObj(nxt.spec) && Array.isArray(nxt.spec.containers) ? nxt.spec.containers.map((c) => c?.image) : [];
        nxt.spec = { ...cur.spec, containers: cur.spec.containers.map((c, i) => ({ ...c, image: typeof images[i] === "string" ? images[i] : c.image })) };
        return;
      }
      case "nodes":
        throw methodNotAllowed("update");
    }
  }
}

function prepareReplicaSet(rs: ReplicaSet) {
  rs.spec = (isObj(rs.spec) ? rs.spec : {}) as ReplicaSet["spec"];
  rs.spec.replicas ??= 1;
  rs.spec.template = defaultPodTemplate(rs.spec.template);
  const causes: StatusCause[] = [];
  if (!Number.isInteger(rs.spec.replicas) || rs.spec.replicas < 0) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(rs.spec.replicas)}: must be greater than or equal to 0`, field: "spec.replicas" });
  if (!selectorMatches(rs.spec.selector, rs.spec.template.metadata?.labels) || !rs.spec.selector) {
    causes.push({ reason: "FieldValueInvalid", message: "Invalid value: `selector` does not match template `labels`", field: "spec.template.metadata.labels" });
  }
  validateContainers(rs.spec.template, "spec.template.spec", causes);
  if (causes.length) throw invalid("ReplicaSet", "apps", rs.metadata.name, causes);
}

/** events.k8s.io/v1 → the stored core/v1 form. */
function fromEventsV1(o: KObject): KObject {
  const e = o as Obj;
  if (!("regarding" in e) && !("note" in e)) return o;
  const series = isObj(e.series) ? e.series : null;
  const source = (isObj(e.deprecatedSource) ? e.deprecatedSource : { component: e.reportingController ?? "" }) as CoreEvent["source"];
  const first = (e.deprecatedFirstTimestamp as string | undefined) ?? (typeof e.eventTime === "string" ? e.eventTime.replace(/\.\d+Z$/, "Z") : "");
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: o.metadata,
    involvedObject: e.regarding,
    reason: e.reason ?? "",
    message: e.note ?? "",
    source,
    firstTimestamp: first,
    lastTimestamp: (e.deprecatedLastTimestamp as string | undefined) ?? (typeof series?.lastObservedTime === "string" ? series.lastObservedTime.replace(/\.\d+Z$/, "Z") : first),
    count: (series?.count as number | undefined) ?? (e.deprecatedCount as number | undefined) ?? 1,
    type: e.type ?? "Normal",
    eventTime: e.eventTime ?? null,
    reportingComponent: e.reportingController ?? "",
    reportingInstance: e.reportingInstance ?? "",
  };
}

function encodeContinue(start: string, rv: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: Number(rv), start })).toString("base64url");
}

function decodeContinue(token: string): string {
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { start?: unknown };
    if (typeof v.start === "string") return v.start;
  } catch {
    /* fall through */
  }
  throw badRequest("continue key is not valid: the provided continue parameter is not recognized");
}
