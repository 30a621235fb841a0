/** Entity refs as the catalog API returns them: canonical lowercase `kind:namespace/name`. Pure helpers for links and labels. */

export type RefParts = { kind: string; namespace: string; name: string };

export function splitRef(ref: string): RefParts {
  const colon = ref.indexOf(":");
  const kind = colon >= 0 ? ref.slice(0, colon) : "component";
  const rest = colon >= 0 ? ref.slice(colon + 1) : ref;
  const slash = rest.indexOf("/");
  return slash >= 0 ? { kind, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) } : { kind, namespace: "default", name: rest };
}

/** The entity page: /catalog/<kind>/<namespace>/<name> (all lowercase, as refs are compared case-insensitively). */
export function entityHref(ref: string): string {
  const r = splitRef(ref.toLowerCase());
  return `/catalog/${encodeURIComponent(r.kind)}/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`;
}

/** The ref back from the route segments. */
export function refFromSegments(kind: string, namespace: string, name: string): string {
  return `${safeDecode(kind)}:${safeDecode(namespace)}/${safeDecode(name)}`.toLowerCase();
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Short display form: `component:payments-api`, the namespace only when it is not `default`. */
export function displayRef(ref: string): string {
  const r = splitRef(ref);
  return r.namespace === "default" ? `${r.kind}:${r.name}` : `${r.kind}:${r.namespace}/${r.name}`;
}

/** An owner ref without its `group:` prefix (the common case) for compact labels. */
export function ownerLabel(ref: string | null | undefined): string {
  if (!ref) return "";
  return displayRef(ref).replace(/^group:/, "");
}

/** Where an owner links to: the Opsdeck team page when the owner is a team, else the owner's entity page. */
export function ownerHref(ownerRef: string | null, teamSlug?: string | null): string | null {
  if (teamSlug) return `/teams/${encodeURIComponent(teamSlug)}`;
  return ownerRef && ownerRef.includes(":") ? entityHref(ownerRef) : null;
}

const KIND_LABEL: Record<string, string> = {
  component: "Component",
  api: "API",
  system: "System",
  domain: "Domain",
  resource: "Resource",
  group: "Group",
  user: "User",
  location: "Location",
};

export function kindLabel(kind: string): string {
  return KIND_LABEL[kind.toLowerCase()] ?? kind;
}
