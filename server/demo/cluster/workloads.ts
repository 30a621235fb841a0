import { invalid, type StatusCause } from "./errors";
import { selectorMatches, selectorString } from "./selectors";
import { canonicalJson } from "./store";
import type { Deployment, Json, KObject, PodTemplate } from "./types";

// What the API server does to Deployments before storing them: defaulting (as apps/v1 does, so templates compare
// equal however a client wrote them), validation (422 with field causes), and the helpers the controllers share:
// pod-template-hash, template equality, revision annotations.

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const CHANGE_CAUSE = "kubernetes.io/change-cause";
export const POD_TEMPLATE_HASH = "pod-template-hash";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function defaultPodTemplate(t: PodTemplate): PodTemplate {
  const tpl = (isObj(t) ? t : { spec: { containers: [] } }) as PodTemplate;
  tpl.metadata = isObj(tpl.metadata) ? tpl.metadata : {};
  tpl.spec = isObj(tpl.spec) ? tpl.spec : { containers: [] };
  defaultPodSpec(tpl.spec);
  return tpl;
}

export function defaultPodSpec(spec: PodTemplate["spec"]): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.securityContext ??= {};
  if (!Array.isArray(spec.containers)) spec.containers = [];
  for (const c of spec.containers) {
    if (!isObj(c)) continue;
    c.imagePullPolicy ??= typeof c.image === "string" && imageTag(c.image) === "latest" ? "Always" : "IfNotPresent";
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    c.resources ??= {};
    for (const p of Array.isArray(c.ports) ? c.ports : []) if (isObj(p)) p.protocol ??= "TCP";
  }
}

export function defaultDeployment(d: Deployment): Deployment {
  const spec = (isObj(d.spec) ? d.spec : {}) as Deployment["spec"];
  d.spec = spec;
  spec.replicas ??= 1;
  spec.strategy = isObj(spec.strategy) ? spec.strategy : { type: "RollingUpdate" };
  spec.strategy.type ??= "RollingUpdate";
  if (spec.strategy.type === "RollingUpdate") {
    spec.strategy.rollingUpdate = isObj(spec.strategy.rollingUpdate) ? spec.strategy.rollingUpdate : {};
    spec.strategy.rollingUpdate.maxSurge ??= "25%";
    spec.strategy.rollingUpdate.maxUnavailable ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template = defaultPodTemplate(spec.template);
  d.status = isObj(d.status) ? d.status : {};
  return d;
}

/** The tag of an image reference (`registry:5000/app:1.2` → `1.2`); "latest" when there is none. */
export function imageTag(image: string): string {
  const noDigest = image.split("@")[0]!;
  const lastSlash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > lastSlash ? noDigest.slice(colon + 1) : "latest";
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INT_OR_PERCENT = /^\d+%$/;

export function validateName(kind: string, group: string, name: unknown, label = false): void {
  const n = typeof name === "string" ? name : "";
  const ok = n.length > 0 && n.length <= (label ? 63 : 253) && (label ? DNS_LABEL : DNS_SUBDOMAIN).test(n);
  if (!ok) {
    const msg = n
      ? `Invalid value: ${JSON.stringify(n)}: a lowercase RFC 1123 ${label ? "label" : "subdomain"} must consist of lower case alphanumeric characters, '-'${label ? "" : " or '.'"}, and must start and end with an alphanumeric character`
      : "Required value: name or generateName is required";
    throw invalid(kind, group, n, [{ reason: n ? "FieldValueInvalid" : "FieldValueRequired", message: msg, field: "metadata.name" }]);
  }
}

/** Validates a (defaulted) Deployment; `old` is the stored version on updates (selector is immutable). */
export function validateDeployment(d: Deployment, old?: Deployment): void {
  const causes: StatusCause[] = [];
  const bad = (field: string, value: Json | undefined, why: string) => causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(value ?? null)}: ${why}`, field });
  const required = (field: string) => causes.push({ reason: "FieldValueRequired", message: "Required value", field });
  const s = d.spec;
  if (!Number.isInteger(s.replicas) || s.replicas < 0) bad("spec.replicas", s.replicas as Json, "must be greater than or equal to 0");
  if (!isObj(s.selector) || (!Object.keys(s.selector.matchLabels ?? {}).length && !(s.selector.matchExpressions ?? []).length)) {
    required("spec.selector");
  } else if (!selectorMatches(s.selector, s.template.metadata?.labels)) {
    bad("spec.template.metadata.labels", (s.template.metadata?.labels ?? {}) as Json, "`selector` does not match template `labels`");
  }
  if (old && canonicalJson(old.spec.selector) !== canonicalJson(s.selector)) bad("spec.selector", selectorString(s.selector), "field is immutable");
  validateContainers(s.template, "spec.template.spec", causes);
  for (const f of ["revisionHistoryLimit", "progressDeadlineSeconds", "minReadySeconds"] as const) {
    const v = s[f];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0)) bad(`spec.${f}`, v as Json, "must be greater than or equal to 0");
  }
  if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) bad("spec.progressDeadlineSeconds", s.progressDeadlineSeconds, "must be greater than minReadySeconds");
  if (s.strategy.type !== "RollingUpdate" && s.strategy.type !== "Recreate") {
    causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(s.strategy.type)}: supported values: "Recreate", "RollingUpdate"`, field: "spec.strategy.type" });
  }
  if (s.strategy.type === "Recreate" && s.strategy.rollingUpdate) causes.push({ reason: "FieldValueForbidden", message: "Forbidden: may not be specified when strategy `type` is 'Recreate'", field: "spec.strategy.rollingUpdate" });
  if (s.strategy.type === "RollingUpdate") {
    const ru = s.strategy.rollingUpdate ?? {};
    for (const f of ["maxSurge", "maxUnavailable"] as const) {
      const v = ru[f];
      const ok = (typeof v === "number" && Number.isInteger(v) && v >= 0) || (typeof v === "string" && INT_OR_PERCENT.test(v));
      if (!ok) bad(`spec.strategy.rollingUpdate.${f}`, v as Json, "must be a non-negative integer or a percentage");
    }
    if (intOrPercent(ru.maxSurge, 100, true) === 0 && intOrPercent(ru.maxUnavailable, 100, false) === 0) {
      bad("spec.strategy.rollingUpdate.maxUnavailable", ru.maxUnavailable as Json, "may not be 0 when `maxSurge` is 0");
    }
  }
  if (causes.length) throw invalid("Deployment", "apps", d.metadata.name, causes);
}

export function validateContainers(t: PodTemplate, base: string, causes: StatusCause[]): void {
  const cs = t.spec?.containers;
  if (!Array.isArray(cs) || cs.length === 0) {
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${base}.containers` });
    return;
  }
  const seen = new Set<string>();
  cs.forEach((c, i) => {
    const f = `${base}.containers[${i}]`;
    if (typeof c?.name !== "string" || !DNS_LABEL.test(c.name)) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(c?.name ?? "")}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`, field: `${f}.name` });
    else if (seen.has(c.name)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: ${JSON.stringify(c.name)}`, field: `${f}.name` });
    else seen.add(c.name);
    if (typeof c?.image !== "string" || !c.image.trim()) causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${f}.image` });
    else if (/\s/.test(c.image)) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(c.image)}: must not have leading or trailing whitespace`, field: `${f}.image` });
  });
}

/** maxSurge (rounded up) / maxUnavailable (rounded down) against `total`, as the deployment controller resolves them. */
export function intOrPercent(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && INT_OR_PERCENT.test(v)) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return 0;
}

export function resolveSurge(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  if (d.spec.strategy.type !== "RollingUpdate") return { maxSurge: 0, maxUnavailable: d.spec.replicas };
  const ru = d.spec.strategy.rollingUpdate ?? {};
  const maxSurge = intOrPercent(ru.maxSurge ?? "25%", d.spec.replicas, true);
  let maxUnavailable = intOrPercent(ru.maxUnavailable ?? "25%", d.spec.replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1; // as the controller does, so a rollout can move
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, d.spec.replicas) };
}

// ---------- templates and hashes ----------

const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** Kubernetes' rand.SafeEncodeString: each character mapped into an alphabet without vowels (no accidental words). */
export function safeEncode(s: string): string {
  return [...s].map((ch) => SAFE[ch.charCodeAt(0) % SAFE.length]).join("");
}

export function randomSuffix(n = 5): string {
  let out = "";
  for (let i = 0; i < n; i++) out += SAFE[Math.floor(Math.random() * SAFE.length)];
  return out;
}

/** FNV-1a, 32 bit: the hash behind pod-template-hash, also used for stable pseudo-random demo values. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A template in comparable form: the pod-template-hash label dropped, nulls and empty maps/lists removed (the API
 * server's semantic equality treats nil and empty alike, and `kubectl rollout undo` sends `creationTimestamp: null`).
 */
export function comparableTemplate(t: PodTemplate): unknown {
  const copy = structuredClone(t) as Obj;
  const labels = (copy.metadata as Obj | undefined)?.labels as Record<string, string> | undefined;
  if (labels) delete labels[POD_TEMPLATE_HASH];
  return prune(copy);
}

function prune(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(prune).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

/** Comparable form as a string, cached per template object (stored objects are replaced, never changed in place). */
const keys = new WeakMap<object, string>();
export function templateKey(t: PodTemplate): string {
  let k = keys.get(t);
  if (k === undefined) keys.set(t, (k = canonicalJson(comparableTemplate(t))));
  return k;
}

export function templatesEqual(a: PodTemplate, b: PodTemplate): boolean {
  return templateKey(a) === templateKey(b);
}

/** pod-template-hash of a template (FNV-32a over its comparable form, safe-encoded like the real controller). */
export function templateHash(t: PodTemplate, collisionCount = 0): string {
  return safeEncode(String(fnv32a(templateKey(t) + (collisionCount ? `#${collisionCount}` : ""))));
}

export function revisionOf(o: KObject): number {
  const n = Number(o.metadata.annotations?.[REVISION] ?? "0");
  return Number.isFinite(n) ? n : 0;
}

/** Objects grouped by the uid of their controller of `kind` (read-only views of stored objects). */
export function groupByController<T extends KObject>(objects: Iterable<T>, kind: string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const o of objects) {
    const ref = o.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind);
    if (!ref) continue;
    const list = out.get(ref.uid);
    if (list) list.push(o);
    else out.set(ref.uid, [o]);
  }
  return out;
}

export function ownedBy(o: KObject, owner: KObject): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === owner.metadata.uid);
}

export function controllerRef(owner: KObject) {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export function isCrashImage(image: string): boolean {
  return imageTag(image).toLowerCase().includes("crash");
}

