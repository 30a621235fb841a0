import { ApiError, badRequest, unsupportedMediaType } from "./errors";

// The three patch formats the API server accepts: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and Kubernetes'
// strategic merge patch (lists of named things merged by key; `$patch`, `$setElementOrder`, `$retainKeys` and
// `$deleteFromPrimitiveList` directives understood).

export type PatchType = "json" | "merge" | "strategic";

type Obj = Record<string, unknown>;

export function patchTypeOf(contentType: string | undefined): PatchType {
  const t = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (t === "application/json-patch+json") return "json";
  if (t === "application/merge-patch+json") return "merge";
  if (t === "application/strategic-merge-patch+json") return "strategic";
  if (t === "application/apply-patch+yaml") throw new ApiError(415, "UnsupportedMediaType", "server-side apply is not supported by the Opsdeck demo cluster; use a strategic merge, merge or JSON patch");
  throw unsupportedMediaType(t);
}

export function applyPatch<T>(target: T, type: PatchType, patch: unknown): T {
  if (type === "json") return applyJsonPatch(target, patch);
  if (!isObj(patch)) throw badRequest(`the body of a ${type === "merge" ? "merge" : "strategic merge"} patch must be a JSON object`);
  return (type === "merge" ? mergePatch(target, patch) : strategicMerge(target, patch, "")) as T;
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---------- RFC 7386 ----------

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---------- strategic merge patch ----------

/** Lists merged by a key field rather than replaced (by field name; enough for the workload types stored here). */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  ports: "containerPort",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  volumes: "name",
  imagePullSecrets: "name",
  hostAliases: "ip",
  conditions: "type",
  ownerReferences: "uid",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
};
/** Primitive lists merged as sets. */
const MERGED_PRIMITIVE_LISTS = new Set(["finalizers"]);

function strategicMerge(target: unknown, patch: Obj, _path: string): unknown {
  const directive = patch.$patch;
  if (directive === "delete") return undefined;
  if (directive === "replace") {
    const { $patch: _d, ...rest } = patch;
    return structuredClone(rest);
  }
  const out: Obj = isObj(target) ? { ...target } : {};
  const orders: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys") continue;
    if (k.startsWith("$setElementOrder/")) {
      if (Array.isArray(v)) orders[k.slice("$setElementOrder/".length)] = v;
      continue;
    }
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, k);
      continue;
    }
    if (isObj(v)) {
      const merged = strategicMerge(out[k], v, `${_path}.${k}`);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
      continue;
    }
    out[k] = v;
  }
  for (const [field, order] of Object.entries(orders)) {
    if (Array.isArray(out[field])) out[field] = reorder(out[field] as unknown[], order, MERGE_KEYS[field]);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as unknown[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function mergeList(current: unknown, patch: unknown[], field: string): unknown[] {
  const key = MERGE_KEYS[field];
  const cur = Array.isArray(current) ? current : [];
  // A `{$patch: replace}` element replaces the whole list with the other elements.
  if (patch.some((p) => isObj(p) && p.$patch === "replace")) return structuredClone(patch.filter((p) => !(isObj(p) && p.$patch === "replace")));
  if (MERGED_PRIMITIVE_LISTS.has(field)) return [...cur, ...patch.filter((p) => !cur.includes(p))];
  if (!key) return structuredClone(patch);
  const out = [...cur];
  for (const p of patch) {
    if (!isObj(p)) throw badRequest(`strategic merge patch: ${field} items must be objects with a "${key}"`);
    const idx = out.findIndex((c) => isObj(c) && c[key] === p[key]);
    if (p.$patch === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], p, field);
    else out.push(strategicMerge({}, p, field));
  }
  return out;
}

/** Applies a `$setElementOrder` list: listed elements in that order, the others after them in their current order. */
function reorder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (x: unknown) => (key && isObj(x) ? x[key] : x);
  const wanted = order.map(id);
  const placed = wanted.flatMap((w) => list.filter((x) => id(x) === w));
  return [...placed, ...list.filter((x) => !wanted.includes(id(x)))];
}

// ---------- RFC 6902 ----------

type Op = { op: string; path: string; value?: unknown; from?: string };

function invalidPatch(message: string): ApiError {
  return new ApiError(422, "Invalid", `the server rejected our request due to an error in our request: ${message}`);
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw invalidPatch(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function applyJsonPatch<T>(target: T, patch: unknown): T {
  if (!Array.isArray(patch)) throw badRequest("a JSON patch must be an array of operations");
  let doc: unknown = structuredClone(target);
  for (const raw of patch) {
    if (!isObj(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") throw badRequest("each JSON patch operation needs \"op\" and \"path\"");
    const op = raw as Op;
    switch (op.op) {
      case "add":
        doc = setAt(doc, pointer(op.path), structuredClone(op.value), "add");
        break;
      case "replace":
        doc = setAt(doc, pointer(op.path), structuredClone(op.value), "replace");
        break;
      case "remove":
        doc = removeAt(doc, pointer(op.path));
        break;
      case "move": {
        const v = getAt(doc, pointer(op.from ?? ""), "move");
        doc = removeAt(doc, pointer(op.from ?? ""));
        doc = setAt(doc, pointer(op.path), v, "add");
        break;
      }
      case "copy":
        doc = setAt(doc, pointer(op.path), structuredClone(getAt(doc, pointer(op.from ?? ""), "copy")), "add");
        break;
      case "test":
        if (JSON.stringify(getAt(doc, pointer(op.path), "test")) !== JSON.stringify(op.value)) throw invalidPatch(`testing value ${op.path} failed`);
        break;
      default:
        throw badRequest(`unexpected JSON patch operation ${JSON.stringify(op.op)}`);
    }
  }
  return doc as T;
}

function getAt(doc: unknown, parts: string[], opName: string): unknown {
  let cur = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur) && p in cur) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw invalidPatch(`${opName} operation does not apply: doc is missing path: /${parts.join("/")}`);
  }
  return cur;
}

function setAt(doc: unknown, parts: string[], value: unknown, mode: "add" | "replace"): unknown {
  if (parts.length === 0) return value;
  const parent = getAt(doc, parts.slice(0, -1), mode);
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (mode === "replace" && i >= parent.length)) throw invalidPatch(`${mode} operation does not apply: index ${last} out of range`);
    if (mode === "add") parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isObj(parent)) {
    if (mode === "replace" && !(last in parent)) throw invalidPatch(`replace operation does not apply: doc is missing key: /${parts.join("/")}`);
    parent[last] = value;
  } else throw invalidPatch(`${mode} operation does not apply: /${parts.slice(0, -1).join("/")} is not a container`);
  return doc;
}

function removeAt(doc: unknown, parts: string[]): unknown {
  if (parts.length === 0) throw invalidPatch("cannot remove the whole document");
  const parent = getAt(doc, parts.slice(0, -1), "remove");
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw invalidPatch(`remove operation does not apply: index ${last} out of range`);
    parent.splice(i, 1);
  } else if (isObj(parent) && last in parent) delete parent[last];
  else throw invalidPatch(`remove operation does not apply: doc is missing key: /${parts.join("/")}`);
  return doc;
}
