/** The catalog browser's state as it lives in the URL (?q=…&kind=Component&tag=pci&sort=name), so a view can be shared. */

export const DIMENSIONS = ["kind", "type", "owner", "lifecycle", "system", "tag"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const SORTS = ["relevance", "name", "updated"] as const;
export type Sort = (typeof SORTS)[number];
export type Filters = Partial<Record<Dimension, string[]>>;
export type CatalogView = { q: string; filters: Filters; sort: Sort | undefined };

export const DIMENSION_LABEL: Record<Dimension, string> = { kind: "Kind", type: "Type", owner: "Owner", lifecycle: "Lifecycle", system: "System", tag: "Tag" };

const MAX_VALUES = 50;

export function viewFromParams(params: URLSearchParams): CatalogView {
  const filters: Filters = {};
  for (const d of DIMENSIONS) {
    const vals = [...new Set(params.getAll(d).map((v) => v.trim()).filter((v) => v && v.length <= 200))].slice(0, MAX_VALUES);
    if (vals.length) filters[d] = vals;
  }
  const q = (params.get("q") ?? "").trim().slice(0, 200);
  const s = params.get("sort");
  const sort = SORTS.find((x) => x === s);
  // Relevance only means something with a search term.
  return { q, filters, sort: sort === "relevance" && !q ? undefined : sort };
}

export function viewToParams(v: CatalogView): URLSearchParams {
  const p = new URLSearchParams();
  if (v.q.trim()) p.set("q", v.q.trim());
  for (const d of DIMENSIONS) for (const val of v.filters[d] ?? []) p.append(d, val);
  if (v.sort && !(v.sort === "relevance" && !v.q.trim())) p.set("sort", v.sort);
  return p;
}

export function toggleValue(filters: Filters, dim: Dimension, value: string): Filters {
  const cur = filters[dim] ?? [];
  const next = cur.includes(value) ? cur.filter((x) => x !== value) : [...cur, value];
  const out = { ...filters };
  if (next.length) out[dim] = next;
  else delete out[dim];
  return out;
}

export function activeCount(filters: Filters): number {
  return DIMENSIONS.reduce((n, d) => n + (filters[d]?.length ?? 0), 0);
}
