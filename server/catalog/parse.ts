import { createHash } from "node:crypto";
import path from "node:path";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { z } from "zod";
import { problem, type CatalogProblem } from "./errors";
import type { CatalogEntity, DeclaredRelation, DescriptorFormat, EntityLink } from "./model";
import { canonicalKind, isValidName, isValidNamespace, normalizeRef, refString, type Kind, type StoredRelationType } from "./refs";
import { mapOpsLevel } from "./opslevel";
import { mapCortex } from "./cortex";

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
export const MAX_DOCUMENTS_PER_FILE = 10_000;
export const API_VERSIONS = ["backstage.io/v1alpha1", "backstage.io/v1beta1"];

export type ParseOptions = {
  /** Files larger than this are refused (default 1 MiB). */
  maxBytes?: number;
  /**
   * Reads a file referenced by a `$text` / `$json` / `$yaml` placeholder, relative to the descriptor's directory.
   * Absent for uploads: placeholders then fail with a typed error.
   */
  readRelative?: (fromFile: string, target: string) => string;
};

export type ParseResult = {
  entities: CatalogEntity[];
  problems: CatalogProblem[];
  /**
   * False when the file could not be read as YAML at all (size, syntax). The ingest then keeps whatever entities the
   * file produced before instead of treating them as removed.
   */
  readable: boolean;
  /** Refs of documents that were recognisable but invalid: their previous version is kept, not orphaned. */
  invalidRefs: string[];
};

/** Which importer handles a file, by its name. */
export function formatOf(file: string): DescriptorFormat {
  const base = path.basename(file).toLowerCase();
  if (base === "opslevel.yml" || base === "opslevel.yaml") return "opslevel";
  if (base === "cortex.yaml" || base === "cortex.yml") return "cortex";
  return "backstage";
}

/** What a mapper gives back per source document: Backstage-shaped documents plus how to find lines for their fields. */
export type MappedDocument = { doc: unknown; lineOf: (fieldPath: (string | number)[]) => number | null };


/**
 * Parses one descriptor file (multi-document YAML) into normalised entities and typed problems. Never throws.
 */
export function parseDescriptorFile(file: string, text: string, opts: ParseOptions = {}): ParseResult {
  const result: ParseResult = { entities: [], problems: [], readable: false, invalidRefs: [] };
  try {
    parseInto(result, file, text, opts);
  } catch (err) {
    // A bug or a pathological input the checks above did not foresee: still a typed, per-file error.
    result.entities = [];
    result.readable = false;
    result.problems.push(problem("file_unreadable", file, null, `Could not read this file: ${(err as Error)?.message ?? String(err)}`));
  }
  return result;
}

function parseInto(result: ParseResult, file: string, text: string, opts: ParseOptions) {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) {
    result.problems.push(problem("file_too_large", file, null, `File is ${formatBytes(bytes)}; the limit is ${formatBytes(maxBytes)}.`));
    return;
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  const lineAt = (offset: number | undefined) => (typeof offset === "number" ? lineCounter.linePos(offset).line : null);

  const syntax = list.flatMap((d) => d.errors);
  if (syntax.length) {
    for (const e of syntax.slice(0, 5)) {
      result.problems.push(problem("yaml_syntax", file, lineAt(e.pos?.[0]), `Invalid YAML: ${firstLine(e.message)}`));
    }
    return;
  }
  if (list.length > MAX_DOCUMENTS_PER_FILE) {
    result.problems.push(problem("too_many_documents", file, null, `File has ${list.length} documents; the limit is ${MAX_DOCUMENTS_PER_FILE}.`));
    return;
  }
  result.readable = true;
  const format = formatOf(file);

  for (const doc of list) {
    if (doc.contents === null) continue; // empty document, e.g. a trailing `---`
    const docLine = lineAt(doc.contents.range?.[0]);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      result.problems.push(problem("yaml_syntax", file, docLine, `Invalid YAML: ${firstLine((err as Error).message)}`));
      continue;
    }
    const lineOf = (p: (string | number)[]) => {
      try {
        const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
        return lineAt(node?.range?.[0]) ?? docLine;
      } catch {
        return docLine;
      }
    };
    let mapped: MappedDocument[];
    if (format === "opslevel") mapped = mapOpsLevel(value, file, docLine, lineOf, result.problems);
    else if (format === "cortex") mapped = mapCortex(value, file, docLine, lineOf, result.problems);
    else mapped = [{ doc: value, lineOf }];
    for (const m of mapped) {
      const entity = validateBackstage(m.doc, file, m.lineOf, docLine, format, opts, result);
      if (entity) result.entities.push(entity);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Backstage validation and normalisation

const text = z.string();
const refLike = z.union([z.string().min(1), z.object({ kind: z.string().optional(), namespace: z.string().optional(), name: z.string() })]);
const refList = z.array(refLike);

const metadataSchema = z.looseObject({
  name: z.string({ error: "must be a string" }),
  namespace: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  links: z
    .array(z.looseObject({ url: z.string().min(1), title: z.string().optional(), icon: z.string().optional(), type: z.string().optional() }))
    .optional(),
});

const specSchemas: Record<Kind, z.ZodType> = {
  Component: z.looseObject({
    type: text.min(1),
    lifecycle: text.min(1),
    owner: refLike,
    system: refLike.optional(),
    subcomponentOf: refLike.optional(),
    providesApis: refList.optional(),
    consumesApis: refList.optional(),
    dependsOn: refList.optional(),
    dependencyOf: refList.optional(),
  }),
  API: z.looseObject({ type: text.min(1), lifecycle: text.min(1), owner: refLike, system: refLike.optional(), definition: text.min(1) }),
  Resource: z.looseObject({ type: text.min(1), owner: refLike, system: refLike.optional(), dependsOn: refList.optional(), dependencyOf: refList.optional() }),
  System: z.looseObject({ owner: refLike, domain: refLike.optional(), type: text.optional() }),
  Domain: z.looseObject({ owner: refLike, subdomainOf: refLike.optional(), type: text.optional() }),
  Group: z.looseObject({
    type: text.min(1),
    profile: z.looseObject({ displayName: text.optional(), email: text.optional(), picture: text.optional() }).optional(),
    parent: refLike.optional(),
    children: refList.default([]),
    members: refList.optional(),
  }),
  User: z.looseObject({
    profile: z.looseObject({ displayName: text.optional(), email: text.optional(), picture: text.optional() }).optional(),
    memberOf: refList.default([]),
  }),
  Location: z.looseObject({ type: text.optional(), target: text.optional(), targets: z.array(text).optional(), presence: z.enum(["required", "optional"]).optional() }),
};

/** Which spec fields are refs, the kind they default to, and the relation they declare. */
type RefField = { field: string; many: boolean; defaultKind: Kind; relation: StoredRelationType; reverse?: boolean };
const REF_FIELDS: Record<Kind, RefField[]> = {
  Component: [
    { field: "owner", many: false, defaultKind: "Group", relation: "ownedBy" },
    { field: "system", many: false, defaultKind: "System", relation: "partOf" },
    { field: "subcomponentOf", many: false, defaultKind: "Component", relation: "partOf" },
    { field: "providesApis", many: true, defaultKind: "API", relation: "providesApi" },
    { field: "consumesApis", many: true, defaultKind: "API", relation: "consumesApi" },
    { field: "dependsOn", many: true, defaultKind: "Component", relation: "dependsOn" },
    { field: "dependencyOf", many: true, defaultKind: "Component", relation: "dependsOn", reverse: true },
  ],
  API: [
    { field: "owner", many: false, defaultKind: "Group", relation: "ownedBy" },
    { field: "system", many: false, defaultKind: "System", relation: "partOf" },
  ],
  Resource: [
    { field: "owner", many: false, defaultKind: "Group", relation: "ownedBy" },
    { field: "system", many: false, defaultKind: "System", relation: "partOf" },
    { field: "dependsOn", many: true, defaultKind: "Component", relation: "dependsOn" },
    { field: "dependencyOf", many: true, defaultKind: "Component", relation: "dependsOn", reverse: true },
  ],
  System: [
    { field: "owner", many: false, defaultKind: "Group", relation: "ownedBy" },
    { field: "domain", many: false, defaultKind: "Domain", relation: "partOf" },
  ],
  Domain: [
    { field: "owner", many: false, defaultKind: "Group", relation: "ownedBy" },
    { field: "subdomainOf", many: false, defaultKind: "Domain", relation: "partOf" },
  ],
  Group: [
    { field: "parent", many: false, defaultKind: "Group", relation: "childOf" },
    { field: "children", many: true, defaultKind: "Group", relation: "childOf", reverse: true },
    { field: "members", many: true, defaultKind: "User", relation: "memberOf", reverse: true },
  ],
  User: [{ field: "memberOf", many: true, defaultKind: "Group", relation: "memberOf" }],
  Location: [],
};

const TAG_RE = /^[a-z0-9:+#]+(?:[-.][a-z0-9:+#]+)*$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function validateBackstage(
  doc: unknown,
  file: string,
  lineOf: (p: (string | number)[]) => number | null,
  docLine: number | null,
  format: DescriptorFormat,
  opts: ParseOptions,
  result: ParseResult,
): CatalogEntity | null {
  const push = (p: CatalogProblem) => result.problems.push(p);
  if (!isRecord(doc)) {
    push(problem("not_an_object", file, docLine, "A descriptor document must be a mapping with apiVersion, kind, metadata and spec."));
    return null;
  }
  // Identify the entity early, so later problems (and the ingest) can name it.
  const rawKind = typeof doc.kind === "string" ? doc.kind : null;
  const kind = rawKind ? canonicalKind(rawKind) : null;
  const rawMeta = isRecord(doc.metadata) ? doc.metadata : null;
  const rawName = rawMeta && typeof rawMeta.name === "string" ? rawMeta.name : null;
  const rawNs = rawMeta && typeof rawMeta.namespace === "string" ? rawMeta.namespace : "default";
  const guessRef = kind && rawName && isValidName(rawName) && isValidNamespace(rawNs) ? refString({ kind, namespace: rawNs, name: rawName }) : null;
  const fail = (code: Parameters<typeof problem>[0], line: number | null, message: string) => {
    push(problem(code, file, line, message, { entityRef: guessRef }));
    if (guessRef) result.invalidRefs.push(guessRef);
    return null;
  };

  if (doc.apiVersion === undefined) return fail("missing_field", docLine, "apiVersion is missing (expected backstage.io/v1alpha1).");
  if (typeof doc.apiVersion !== "string" || !API_VERSIONS.includes(doc.apiVersion)) {
    return fail("unknown_api_version", lineOf(["apiVersion"]), `apiVersion ${JSON.stringify(doc.apiVersion)} is not supported (use backstage.io/v1alpha1).`);
  }
  if (doc.kind === undefined) return fail("missing_field", docLine, "kind is missing.");
  if (!kind) return fail("unknown_kind", lineOf(["kind"]), `Unknown kind ${JSON.stringify(doc.kind)}; expected one of Component, System, Domain, API, Resource, Group, User, Location.`);
  if (!rawMeta) return fail("missing_field", docLine, "metadata is missing.");
  if (rawName === null) return fail(rawMeta.name === undefined ? "missing_field" : "invalid_name", lineOf(["metadata", "name"]), "metadata.name is missing.");
  if (!isValidName(rawName)) {
    return fail("invalid_name", lineOf(["metadata", "name"]), `metadata.name ${JSON.stringify(rawName)} is not a valid name: 1–63 letters, digits, and single - _ . between them.`);
  }
  if (!isValidNamespace(rawNs)) return fail("invalid_name", lineOf(["metadata", "namespace"]), `metadata.namespace ${JSON.stringify(rawNs)} is not a valid namespace.`);

  const meta = metadataSchema.safeParse(rawMeta);
  if (!meta.success) return zodFail(meta.error, ["metadata"], rawMeta, lineOf, fail);

  let rawSpec: unknown = doc.spec ?? (kind === "Location" ? {} : undefined);
  if (rawSpec === undefined) return fail("missing_field", docLine, `spec is missing (a ${kind} needs one).`);
  if (!isRecord(rawSpec)) return fail("invalid_field", lineOf(["spec"]), "spec must be a mapping.");
  const placeholders = resolvePlaceholders(rawSpec, file, opts);
  if ("error" in placeholders) return fail("placeholder_failed", lineOf(["spec", ...placeholders.path]), placeholders.error);
  rawSpec = placeholders.value;
  const spec = specSchemas[kind].safeParse(rawSpec);
  if (!spec.success) return zodFail(spec.error, ["spec"], rawSpec as Record<string, unknown>, lineOf, fail);
  const s = spec.data as Record<string, unknown>;
  const m = meta.data;

  const ref = refString({ kind, namespace: rawNs, name: rawName });
  const relations: DeclaredRelation[] = [];
  let ownerRef: string | null = null;
  let systemRef: string | null = null;
  for (const f of REF_FIELDS[kind]) {
    const v = s[f.field];
    if (v === undefined) continue;
    const items = f.many ? (v as unknown[]) : [v];
    for (const [i, item] of items.entries()) {
      const fieldPath = f.many ? ["spec", f.field, i] : ["spec", f.field];
      const target = normalizeRef(item, { kind: f.defaultKind, namespace: rawNs });
      if (!target) return fail("invalid_ref", lineOf(fieldPath), `spec.${f.field}${f.many ? `[${i}]` : ""}: ${JSON.stringify(item)} is not a valid entity ref ([kind:][namespace/]name).`);
      const line = lineOf(fieldPath);
      relations.push(f.reverse ? { type: f.relation, fromRef: target, toRef: ref, line } : { type: f.relation, fromRef: ref, toRef: target, line });
      if (f.field === "owner") ownerRef = target;
      if (f.field === "system" || (kind === "System" && f.field === "domain")) systemRef = target;
    }
  }

  const tags: string[] = [];
  for (const [i, t] of (m.tags ?? []).entries()) {
    const tag = t.trim().toLowerCase();
    if (tag.length >= 1 && tag.length <= 63 && TAG_RE.test(tag)) {
      if (!tags.includes(tag)) tags.push(tag);
    } else {
      push(problem("invalid_field", file, lineOf(["metadata", "tags", i]), `Tag ${JSON.stringify(t)} ignored: tags are lowercase letters, digits and : + # separated by - or .`, { severity: "warning", entityRef: ref }));
    }
  }
  const links: EntityLink[] = (m.links ?? []).map((l) => ({ url: l.url, ...(l.title ? { title: l.title } : {}), ...(l.icon ? { icon: l.icon } : {}), ...(l.type ? { type: l.type } : {}) }));
  const title = m.title?.trim() || (kind === "Group" || kind === "User" ? (s.profile as { displayName?: string } | undefined)?.displayName?.trim() || null : null);
  const locationTargets = kind === "Location" ? [...(typeof s.target === "string" ? [s.target] : []), ...((s.targets as string[] | undefined) ?? [])] : [];

  const entity: Omit<CatalogEntity, "etag"> = {
    kind,
    namespace: rawNs.toLowerCase(),
    name: rawName,
    ref,
    title,
    description: (m.description ?? "").trim(),
    type: typeof s.type === "string" ? s.type.trim() : null,
    lifecycle: typeof s.lifecycle === "string" ? s.lifecycle.trim().toLowerCase() : null,
    ownerRef,
    systemRef,
    tags,
    metadata: { annotations: m.annotations ?? {}, labels: m.labels ?? {}, links },
    spec: s,
    relations,
    format,
    file,
    line: docLine,
    locationTargets,
  };
  const json = JSON.stringify(entity);
  // Postgres text and jsonb cannot hold NUL; YAML can ("\0"). Refuse here rather than fail the whole location's write.
  if (json.includes("\\u0000")) return fail("invalid_field", docLine, "The document contains a NUL character (\\0), which cannot be stored.");
  return { ...entity, etag: createHash("sha256").update(json).digest("hex") };
}

function zodFail(
  error: z.ZodError,
  prefix: string[],
  raw: Record<string, unknown>,
  lineOf: (p: (string | number)[]) => number | null,
  fail: (code: "missing_field" | "invalid_field", line: number | null, message: string) => null,
): null {
  const issue = error.issues[0]!;
  const p = issue.path.filter((x): x is string | number => typeof x === "string" || typeof x === "number");
  let v: unknown = raw;
  for (const k of p) v = isRecord(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[k] : undefined;
  const field = [...prefix, ...p].map((k, i) => (typeof k === "number" ? `[${k}]` : i ? `.${k}` : k)).join("");
  if (v === undefined) return fail("missing_field", lineOf(prefix), `${field} is missing.`);
  return fail("invalid_field", lineOf([...prefix, ...p]), `${field}: ${describeIssue(issue)}.`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") return `expected ${issue.expected}`;
  if (issue.code === "too_small") return "must not be empty";
  if (issue.code === "invalid_value") return `must be one of ${issue.values.map((x) => JSON.stringify(x)).join(", ")}`;
  if (issue.code === "invalid_union") return "expected an entity ref ([kind:][namespace/]name)";
  return issue.message;
}

/** `{$text: ./openapi.yaml}` / `$json` / `$yaml` inside spec, resolved relative to the descriptor (one level). */
function resolvePlaceholders(spec: Record<string, unknown>, file: string, opts: ParseOptions): { value: Record<string, unknown> } | { error: string; path: string[] } {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(spec)) {
    const ph = isRecord(v) && Object.keys(v).length === 1 ? (["$text", "$json", "$yaml"] as const).find((k) => k in v) : undefined;
    if (!ph) {
      out[key] = v;
      continue;
    }
    const target = (v as Record<string, unknown>)[ph];
    if (typeof target !== "string" || !target) return { error: `${ph} needs a relative file path.`, path: [key] };
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return { error: `${ph} ${target}: remote targets are not supported (offline); use a path next to the descriptor.`, path: [key] };
    if (!opts.readRelative) return { error: `${ph} ${target}: placeholders cannot be resolved for uploaded files; paste the content instead.`, path: [key] };
    let content: string;
    try {
      content = opts.readRelative(file, target);
    } catch (err) {
      return { error: `${ph} ${target}: ${(err as Error).message}`, path: [key] };
    }
    if (Buffer.byteLength(content) > (opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES)) return { error: `${ph} ${target}: the file is larger than the limit.`, path: [key] };
    if (ph === "$text") out[key] = content;
    else {
      try {
        out[key] = ph === "$json" ? JSON.parse(content) : (parseAllDocuments(content)[0]?.toJS({ maxAliasCount: 100 }) ?? null);
      } catch (err) {
        return { error: `${ph} ${target}: ${firstLine((err as Error).message)}`, path: [key] };
      }
    }
  }
  return { value: out };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.slice(0, 300);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}
