/**
 * Entity refs: `[kind:][namespace/]name`, compared case-insensitively. The canonical form is lowercase
 * `kind:namespace/name`; that is what Entity.ref and EntityRelation.toRef hold.
 */

export const KINDS = ["Component", "System", "Domain", "API", "Resource", "Group", "User", "Location"] as const;
export type Kind = (typeof KINDS)[number];

const KIND_BY_LOWER = new Map<string, Kind>(KINDS.map((k) => [k.toLowerCase(), k]));

/** The canonical spelling of a kind, or null if it is not one the catalog knows. */
export function canonicalKind(kind: string): Kind | null {
  return KIND_BY_LOWER.get(kind.toLowerCase()) ?? null;
}

/** Backstage's name rule: 1–63 characters, alphanumerics separated by single `-`, `_` or `.`. */
export const NAME_RE = /^[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*$/;
/** Namespaces are DNS labels. */
export const NAMESPACE_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= 63 && NAME_RE.test(name);
}

export function isValidNamespace(ns: string): boolean {
  return ns.length >= 1 && ns.length <= 63 && NAMESPACE_RE.test(ns.toLowerCase());
}

export type ParsedRef = { kind: string; namespace: string; name: string };

/**
 * Parses `[kind:][namespace/]name` (also accepts an object `{kind, namespace, name}`), filling in the defaults.
 * Returns null for anything that is not a well-formed ref.
 */
export function parseRef(
  input: unknown,
  defaults: { kind?: string; namespace?: string } = {},
): ParsedRef | null {
  let kind: string | undefined;
  let namespace: string | undefined;
  let name: string;
  if (typeof input === "string") {
    let rest = input.trim();
    const colon = rest.indexOf(":");
    if (colon >= 0) {
      kind = rest.slice(0, colon);
      rest = rest.slice(colon + 1);
    }
    const slash = rest.indexOf("/");
    if (slash >= 0) {
      namespace = rest.slice(0, slash);
      rest = rest.slice(slash + 1);
    }
    name = rest;
  } else if (input && typeof input === "object" && !Array.isArray(input)) {
    const o = input as Record<string, unknown>;
    if (typeof o.name !== "string") return null;
    name = o.name;
    kind = typeof o.kind === "string" ? o.kind : undefined;
    namespace = typeof o.namespace === "string" ? o.namespace : undefined;
  } else {
    return null;
  }
  kind = kind ?? defaults.kind;
  namespace = namespace ?? defaults.namespace ?? "default";
  if (!kind || !canonicalKind(kind)) return null;
  if (!isValidName(name) || !isValidNamespace(namespace)) return null;
  return { kind: canonicalKind(kind)!, namespace: namespace.toLowerCase(), name };
}

/** Canonical lowercase `kind:namespace/name`. */
export function refString(r: ParsedRef): string {
  return `${r.kind}:${r.namespace}/${r.name}`.toLowerCase();
}

/** Parses a ref and returns its canonical string, or null. */
export function normalizeRef(input: unknown, defaults: { kind?: string; namespace?: string } = {}): string | null {
  const r = parseRef(input, defaults);
  return r ? refString(r) : null;
}

/** Splits a canonical ref back into its parts. */
export function splitRef(ref: string): ParsedRef {
  const colon = ref.indexOf(":");
  const slash = ref.indexOf("/", colon + 1);
  return { kind: ref.slice(0, colon), namespace: ref.slice(colon + 1, slash), name: ref.slice(slash + 1) };
}

/** Short display form: drops the default namespace (`component:payments-api`). */
export function displayRef(ref: string): string {
  const r = splitRef(ref);
  return r.namespace === "default" ? `${r.kind}:${r.name}` : `${r.kind}:${r.namespace}/${r.name}`;
}

/** Relation types in the direction they are stored, with the name of the inverse direction. */
export const RELATION_INVERSE = {
  ownedBy: "ownerOf",
  partOf: "hasPart",
  dependsOn: "dependencyOf",
  providesApi: "apiProvidedBy",
  consumesApi: "apiConsumedBy",
  memberOf: "hasMember",
  childOf: "parentOf",
} as const;

export type StoredRelationType = keyof typeof RELATION_INVERSE;
export type InverseRelationType = (typeof RELATION_INVERSE)[StoredRelationType];
export type RelationType = StoredRelationType | InverseRelationType;
export const STORED_RELATION_TYPES = Object.keys(RELATION_INVERSE) as StoredRelationType[];
export const ALL_RELATION_TYPES = [...STORED_RELATION_TYPES, ...Object.values(RELATION_INVERSE)] as RelationType[];
