import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { canonicalKind, displayRef, normalizeRef, RELATION_INVERSE, splitRef, type RelationType, type StoredRelationType } from "./refs";
import { loadRules, scoreEntity, scoredFromRow } from "./scorecards";

/**
 * Catalog reads for the UI. Everything is bounded: lists are keyset-paginated (cursor = last row's sort key + id),
 * facets return the top values per dimension, relation groups and graphs are capped and say when they were.
 */

// ---------------------------------------------------------------------------------------------------------------
// Inputs (the router uses these schemas as they are)

const value = z.string().trim().min(1).max(200);
const values = z.array(value).max(50).optional();

export const filtersSchema = z
  .object({ kind: values, type: values, owner: values, lifecycle: values, system: values, tag: values })
  .default({});
export type Filters = z.output<typeof filtersSchema>;

export const listInput = z.object({
  q: z.string().trim().max(200).optional(),
  filters: filtersSchema,
  /** name (default without q), relevance (default with q), updated (newest first). */
  sort: z.enum(["name", "relevance", "updated"]).optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(100).default(50),
});
export type ListInput = z.output<typeof listInput>;

export const facetsInput = z.object({ q: z.string().trim().max(200).optional(), filters: filtersSchema, top: z.number().int().min(1).max(100).default(30) });

export const refInput = z.object({ ref: z.string().trim().min(1).max(300) });

export const graphInput = z.object({
  ref: z.string().trim().min(1).max(300),
  depth: z.number().int().min(1).max(2).default(2),
  direction: z.enum(["both", "upstream", "downstream"]).default("both"),
  maxNodes: z.number().int().min(10).max(300).default(150),
});

export const pageInput = z.object({ cursor: z.string().max(500).nullish(), limit: z.number().int().min(1).max(100).default(50) });

// ---------------------------------------------------------------------------------------------------------------
// Rows

export type EntityListItem = {
  id: string;
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  title: string | null;
  description: string;
  type: string | null;
  lifecycle: string | null;
  ownerRef: string | null;
  ownerTeam: { id: string; slug: string; name: string } | null;
  systemRef: string | null;
  tags: string[];
  score: { score: number; level: string } | null;
  updatedAt: Date;
  /** Present when searching: higher is better. */
  rank?: number;
};

type RawListRow = Omit<EntityListItem, "ownerTeam" | "score"> & {
  teamId: string | null;
  teamSlug: string | null;
  teamName: string | null;
  scoreValue: number | null;
  scoreLevel: string | null;
  rank: number | null;
};

const LIST_COLUMNS = Prisma.sql`e."id", e."ref", e."kind", e."namespace", e."name", e."title", left(e."description", 300) AS "description", e."type",
  e."lifecycle", e."ownerRef", e."systemRef", e."tags", e."updatedAt", t."id" AS "teamId", t."slug" AS "teamSlug", t."name" AS "teamName",
  s."score" AS "scoreValue", s."level" AS "scoreLevel"`;
const LIST_JOINS = Prisma.sql`LEFT JOIN "Team" t ON t."id" = e."ownerTeamId" LEFT JOIN "EntityScore" s ON s."entityId" = e."id"`;

function toItem(r: RawListRow): EntityListItem {
  const { teamId, teamSlug, teamName, scoreValue, scoreLevel, rank, ...rest } = r;
  return {
    ...rest,
    ownerTeam: teamId ? { id: teamId, slug: teamSlug!, name: teamName! } : null,
    score: scoreValue === null ? null : { score: scoreValue, level: scoreLevel! },
    ...(rank !== null && rank !== undefined ? { rank: Number(rank) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Cursors

const nameCursor = z.object({ n: z.string(), i: z.string() });
const rankCursor = z.object({ r: z.number(), n: z.string(), i: z.string() });
const updatedCursor = z.object({ u: z.string(), i: z.string() });

export function encodeCursor(v: object): string {
  return Buffer.from(JSON.stringify(v)).toString("base64url");
}

export function decodeCursor<T>(schema: z.ZodType<T>, cursor: string): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new TRPCError({ code: "BAD_REQUEST", message: "Invalid cursor; start from the first page" });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Filters and search

type Dim = "kind" | "type" | "owner" | "lifecycle" | "system" | "tag";
export const DIMENSIONS: Dim[] = ["kind", "type", "owner", "lifecycle", "system", "tag"];
const DIM_COLUMN: Record<Exclude<Dim, "tag">, string> = { kind: "kind", type: "type", owner: "ownerRef", lifecycle: "lifecycle", system: "systemRef" };

/** Normalises filter values: kinds to their canonical spelling, owners/systems to refs, tags and lifecycles lowercase. */
export function normalizeFilters(f: Filters): Record<Dim, string[]> {
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return {
    kind: uniq((f.kind ?? []).map((k) => canonicalKind(k) ?? k)),
    type: uniq(f.type ?? []),
    owner: uniq((f.owner ?? []).map((o) => normalizeRef(o, { kind: "group" }) ?? o.toLowerCase())),
    lifecycle: uniq((f.lifecycle ?? []).map((l) => l.toLowerCase())),
    system: uniq((f.system ?? []).map((s) => normalizeRef(s, { kind: "system" }) ?? s.toLowerCase())),
    tag: uniq((f.tag ?? []).map((t) => t.toLowerCase())),
  };
}

function dimCondition(dim: Dim, vals: string[], alias = "e"): Prisma.Sql | null {
  if (!vals.length) return null;
  // Within a dimension values are alternatives (OR); tags must all be present.
  if (dim === "tag") return Prisma.sql`${Prisma.raw(`${alias}."tags"`)} @> ${vals}::text[]`;
  return Prisma.sql`${Prisma.raw(`${alias}."${DIM_COLUMN[dim]}"`)} = ANY(${vals}::text[])`;
}

/** Prefix tsquery from free text: every word must match (as a prefix). Null when nothing searchable remains. */
export function toTsQuery(q: string): string | null {
  const words = q
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 8);
  return words.length ? words.map((w) => `${w}:*`).join(" & ") : null;
}

/** `fuzzy`: also trigram similarity on the name (typos); used only when nothing matches otherwise (see withFuzzyFallback). */
type Search = { tsq: string | null; raw: string; fuzzy: boolean };

function searchOf(q: string | undefined): Search | null {
  const raw = (q ?? "").trim();
  if (!raw) return null;
  return { tsq: toTsQuery(raw), raw: raw.slice(0, 100), fuzzy: false };
}

/**
 * Search over "EntitySearch" (alias s): prefix full text OR substring of name/title. The typo fallback (`fuzzy`) is
 * name similarity (pg_trgm `%`, threshold 0.3) ALONE: it only runs when the text matches nothing otherwise (see
 * withFuzzyFallback), so the other arms would add nothing but cost.
 */
function searchCondition(q: Search, alias = "s"): Prisma.Sql {
  const col = (c: string) => Prisma.raw(`${alias}."${c}"`);
  if (q.fuzzy) return Prisma.sql`${col("name")} % ${q.raw}`;
  const like = `%${q.raw.replace(/[\\%_]/g, "\\$&")}%`;
  const parts = [Prisma.sql`${col("name")} ILIKE ${like}`, Prisma.sql`${col("title")} ILIKE ${like}`];
  if (q.tsq) parts.unshift(Prisma.sql`${col("searchable")} @@ to_tsquery('simple', ${q.tsq})`);
  return Prisma.sql`(${Prisma.join(parts, " OR ")})`;
}

/**
 * Ranking: exact name match first, then full-text rank (name/title weigh most), then name similarity. In the typo
 * fallback nothing matches exactly or by full text, so the rank is the name similarity alone.
 */
function rankExpr(q: Search, alias = "s"): Prisma.Sql {
  const col = (c: string) => Prisma.raw(`${alias}."${c}"`);
  if (q.fuzzy) return Prisma.sql`round(similarity(${col("name")}, ${q.raw})::float8 * 1e6) / 1e6`;
  const ts = q.tsq ? Prisma.sql`ts_rank(${col("searchable")}, to_tsquery('simple', ${q.tsq}))` : Prisma.sql`0`;
  // Evaluated for every candidate (8k for a common word at 100k entities), so kept cheap: the length test spares
  // lower() on almost every row, and rounding (to 6 decimals, so equal ranks compare equal in cursors) is done in
  // float8 rather than numeric. ~30% less than before.
  const exact = Prisma.sql`(CASE WHEN length(${col("name")}) = length(${q.raw}) AND lower(${col("name")}) = lower(${q.raw}) THEN 10 ELSE 0 END)`;
  return Prisma.sql`round((${exact} + ${ts} + similarity(${col("name")}, ${q.raw}))::float8 * 1e6) / 1e6`;
}

/**
 * Runs a statement that filters "EntitySearch" by a search condition, with sequential scans disabled for it
 * (`SET LOCAL`, so in a transaction of its own). The planner prices the text predicates (`@@`, ILIKE, `%`) at a
 * fraction of what they cost per row, so with fresh statistics it prefers checking all 100k rows (70 ms for a common
 * word, more in parallel under load) to the GIN indexes (~10 ms); without statistics it guessed either way. Every
 * search condition has an index path (GIN tsvector, trigram name/title), so this only ever removes the full scan.
 */
async function searchQuery<T>(db: Db, sql: Prisma.Sql): Promise<T[]> {
  const [, rows] = await db.$transaction([db.$executeRaw`SET LOCAL enable_seqscan = off`, db.$queryRaw<T[]>(sql)]);
  return rows;
}

/**
 * Typo tolerance as a fallback: the trigram-similarity arm is expensive on common words (it rechecks every name that
 * shares trigrams with the query) and adds little when the full text or a substring already matches. So it is used
 * only when the query (without filters) matches nothing otherwise. Decided per query text, so list pages, cursors and
 * facets agree. `unfiltered`: `run` applied no filter and no cursor, so its empty result already answers that.
 */
async function withFuzzyFallback<T>(db: Db, q: Search, unfiltered: boolean, run: (q: Search) => Promise<T[]>): Promise<T[]> {
  const rows = await run(q);
  if (rows.length || q.raw.length < 3) return rows;
  if (!unfiltered) {
    const [hit] = await searchQuery<{ x: number }>(db, Prisma.sql`SELECT 1 AS x FROM "EntitySearch" s WHERE ${searchCondition(q)} LIMIT 1`);
    if (hit) return rows;
  }
  return run({ ...q, fuzzy: true });
}

/** Conditions on the Entity row `e`: filters, search (via EntitySearch), extra. */
function whereOf(dims: Record<Dim, string[]>, search: Search | null, except?: Dim, extra: Prisma.Sql[] = []): Prisma.Sql {
  const conds: Prisma.Sql[] = [...extra];
  if (search) conds.push(Prisma.sql`e."id" IN (SELECT s."entityId" FROM "EntitySearch" s WHERE ${searchCondition(search)})`);
  for (const d of DIMENSIONS) {
    if (d === except) continue;
    const c = dimCondition(d, dims[d]);
    if (c) conds.push(c);
  }
  return conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
}

// ---------------------------------------------------------------------------------------------------------------
// List

export type Page<T> = { items: T[]; nextCursor: string | null };

export async function listEntities(db: Db, input: ListInput, extra: Prisma.Sql[] = []): Promise<Page<EntityListItem>> {
  const dims = normalizeFilters(input.filters);
  const search = searchOf(input.q);
  const sort = input.sort ?? (search ? "relevance" : "name");
  const limit = input.limit;
  const unfiltered = !input.cursor && !extra.length && DIMENSIONS.every((d) => !dims[d].length);
  let rows: RawListRow[];
  if (sort === "relevance" && search) {
    const after = input.cursor ? decodeCursor(rankCursor, input.cursor) : null;
    // Candidates and their rank come from the narrow EntitySearch rows; only the page is joined to Entity.
    const filters = DIMENSIONS.map((d) => dimCondition(d, dims[d], "s")).filter((c): c is Prisma.Sql => !!c);
    const extraCond = extra.length ? [Prisma.sql`EXISTS (SELECT 1 FROM "Entity" e WHERE e."id" = s."entityId" AND ${Prisma.join(extra, " AND ")})`] : [];
    rows = await withFuzzyFallback(db, search, unfiltered, (q) => {
      const rank = rankExpr(q);
      return searchQuery<RawListRow>(db, Prisma.sql`
        SELECT ${LIST_COLUMNS}, x."rank" FROM (
          SELECT * FROM (
            SELECT s."entityId", s."name", ${rank} AS "rank" FROM "EntitySearch" s
            WHERE ${Prisma.join([searchCondition(q), ...filters, ...extraCond], " AND ")}
          ) c
          ${after ? Prisma.sql`WHERE (c."rank" < ${after.r} OR (c."rank" = ${after.r} AND (c."name", c."entityId") > (${after.n}, ${after.i})))` : Prisma.empty}
          ORDER BY c."rank" DESC, c."name", c."entityId" LIMIT ${limit + 1}
        ) x JOIN "Entity" e ON e."id" = x."entityId" ${LIST_JOINS}
        ORDER BY x."rank" DESC, x."name", x."entityId"`);
    });
  } else if (sort === "updated") {
    const after = input.cursor ? decodeCursor(updatedCursor, input.cursor) : null;
    const cond = after ? [Prisma.sql`(e."updatedAt", e."id") < (${new Date(after.u)}, ${after.i})`] : [];
    const run = (q: Search | null) => {
      const sql = Prisma.sql`
        SELECT ${LIST_COLUMNS}, NULL::float8 AS "rank" FROM "Entity" e ${LIST_JOINS} ${whereOf(dims, q, undefined, [...extra, ...cond])}
        ORDER BY e."updatedAt" DESC, e."id" DESC LIMIT ${limit + 1}`;
      return q ? searchQuery<RawListRow>(db, sql) : db.$queryRaw<RawListRow[]>(sql);
    };
    rows = search ? await withFuzzyFallback(db, search, unfiltered, run) : await run(null);
  } else {
    const after = input.cursor ? decodeCursor(nameCursor, input.cursor) : null;
    const cond = after ? [Prisma.sql`(e."name", e."id") > (${after.n}, ${after.i})`] : [];
    const run = (q: Search | null) => {
      const sql = Prisma.sql`
        SELECT ${LIST_COLUMNS}, NULL::float8 AS "rank" FROM "Entity" e ${LIST_JOINS} ${whereOf(dims, q, undefined, [...extra, ...cond])}
        ORDER BY e."name", e."id" LIMIT ${limit + 1}`;
      return q ? searchQuery<RawListRow>(db, sql) : db.$queryRaw<RawListRow[]>(sql);
    };
    rows = search ? await withFuzzyFallback(db, search, unfiltered, run) : await run(null);
  }
  const more = rows.length > limit;
  const items = rows.slice(0, limit).map(toItem);
  const last = items[items.length - 1];
  let nextCursor: string | null = null;
  if (more && last) {
    nextCursor =
      sort === "relevance" && search
        ? encodeCursor({ r: last.rank ?? 0, n: last.name, i: last.id })
        : sort === "updated"
          ? encodeCursor({ u: last.updatedAt.toISOString(), i: last.id })
          : encodeCursor({ n: last.name, i: last.id });
  }
  return { items, nextCursor };
}

/** Light matches for a typeahead (command palette): ranked, at most `limit`. */
export async function suggest(db: Db, q: string, limit: number) {
  const page = await listEntities(db, { q, filters: {}, sort: "relevance", limit });
  return page.items.map((i) => ({ ref: i.ref, kind: i.kind, name: i.name, title: i.title, ownerRef: i.ownerRef }));
}

// ---------------------------------------------------------------------------------------------------------------
// Facets

export type FacetValue = { value: string; label: string; count: number };
export type Facets = { total: number; facets: Record<Dim, FacetValue[]> };

function labelOf(dim: Dim, v: string): string {
  return dim === "owner" || dim === "system" ? displayRef(v).replace(/^(group|system|domain|user):/, "") : v;
}

/**
 * Per facet key, only the values that can be in its top `top` (rank(), so values tied at the boundary all come and the
 * final sort and cut in JS are exactly as if every value had been returned); null and non-positive counts are dropped
 * first, as `add` would. The "total" and "matched" rows always come. Owners and systems have thousands of values at
 * 100k entities; sending them all cost more than counting them.
 */
function topPerKey(union: Prisma.Sql, top: number): Prisma.Sql {
  return Prisma.sql`SELECT u.key, u.value, u.n FROM (
      SELECT v.key, v.value, v.n, rank() OVER (PARTITION BY v.key ORDER BY v.n DESC) AS r FROM (${union}) v
      WHERE v.key IN ('total', 'matched') OR (v.value IS NOT NULL AND v.n > 0)
    ) u WHERE u.key IN ('total', 'matched') OR u.r <= ${top}`;
}

/** Filters the facet-count table (EntityFacetCount) can answer: its rows are keyed by kind, type and lifecycle. */
const CUBE_DIMS: Dim[] = ["kind", "type", "lifecycle"];
type FacetKey = Dim | "total";

/**
 * Counts per value for each filter dimension. A dimension's counts apply every other filter but not its own, so the
 * UI can offer alternatives within a dimension.
 *
 * Two sources (docs/catalog.md, "Read models"): a dimension whose other filters are only kind/type/lifecycle (and no
 * search) is summed from the count tables — from EntityFacetTotal (one row per value) when no other filter applies
 * (the whole catalog: ~3k rows at 100k entities), else from EntityFacetCount ("Components only": a few thousand). The rest are counted over the narrow EntitySearch rows in ONE statement: the rows matching the search and every
 * filter all those dimensions share are materialised once, then each dimension applies its remaining filters.
 */
export async function facetCounts(db: Db, input: z.output<typeof facetsInput>, extra: Prisma.Sql[] = []): Promise<Facets> {
  const dims = normalizeFilters(input.filters);
  const search = searchOf(input.q);
  const top = input.top;
  const keys: FacetKey[] = [...DIMENSIONS, "total"];
  const others = (k: FacetKey) => DIMENSIONS.filter((d) => d !== k && dims[d].length);
  const cubeable = (k: FacetKey) => !search && !extra.length && others(k).every((d) => CUBE_DIMS.includes(d));
  const fromCube = keys.filter(cubeable);
  const fromScan = keys.filter((k) => !cubeable(k));

  const counts = new Map<FacetKey, Map<string, number>>(keys.map((k) => [k, new Map()]));
  const add = (k: FacetKey, value: string | null, n: number) => {
    if (value === null || n <= 0) return;
    const m = counts.get(k)!;
    m.set(value, (m.get(value) ?? 0) + n);
  };

  const cube = async () => {
    if (!fromCube.length) return;
    const arms = fromCube.map((k) => {
      const dim = Prisma.sql`c."dim" = ${k === "total" ? "kind" : k}`;
      // No other filter: the (dim, value) totals. "total" sums the kind counts (every entity has exactly one kind).
      if (!others(k).length) return Prisma.sql`SELECT ${k}::text AS key, c."value", sum(c."n")::int AS n FROM "EntityFacetTotal" c WHERE ${dim} GROUP BY c."value"`;
      const conds = [dim, ...others(k).map((d) => dimCondition(d, dims[d], "c")!)];
      return Prisma.sql`SELECT ${k}::text AS key, c."value", sum(c."n")::int AS n FROM "EntityFacetCount" c WHERE ${Prisma.join(conds, " AND ")} GROUP BY c."value"`;
    });
    const rows = await db.$queryRaw<{ key: FacetKey; value: string; n: number }[]>(topPerKey(Prisma.join(arms, " UNION ALL "), top));
    for (const r of rows) add(r.key, r.key === "total" ? "" : r.value, r.n);
  };

  const scan = async (q: Search | null): Promise<number> => {
    if (!fromScan.length) return 1;
    // Filters every scanned dimension applies (those on dimensions not scanned here), applied once.
    const shared = DIMENSIONS.filter((d) => dims[d].length && !fromScan.includes(d));
    const base: Prisma.Sql[] = [
      ...(q ? [searchCondition(q, "s")] : []),
      ...shared.map((d) => dimCondition(d, dims[d], "s")!),
      ...(extra.length ? [Prisma.sql`EXISTS (SELECT 1 FROM "Entity" e WHERE e."id" = s."entityId" AND ${Prisma.join(extra, " AND ")})`] : []),
    ];
    const rest = (k: FacetKey) => others(k).filter((d) => !shared.includes(d)).map((d) => dimCondition(d, dims[d])!);
    const where = (k: FacetKey) => (rest(k).length ? Prisma.sql`WHERE ${Prisma.join(rest(k), " AND ")}` : Prisma.empty);
    const arms = fromScan.map((k) => {
      if (k === "total") return Prisma.sql`SELECT 'total' AS key, '' AS value, count(*)::int AS n FROM m e ${where(k)}`;
      if (k === "tag") return Prisma.sql`SELECT 'tag' AS key, t AS value, count(*)::int AS n FROM m e CROSS JOIN LATERAL unnest(e."tags") AS t ${where(k)} GROUP BY 2`;
      return Prisma.sql`SELECT ${k}::text AS key, ${Prisma.raw(`e."${DIM_COLUMN[k]}"`)} AS value, count(*)::int AS n FROM m e ${where(k)} GROUP BY 2`;
    });
    const sql = Prisma.sql`
      WITH m AS MATERIALIZED (
        SELECT s."kind", s."type", s."ownerRef", s."lifecycle", s."systemRef", s."tags" FROM "EntitySearch" s
        ${base.length ? Prisma.sql`WHERE ${Prisma.join(base, " AND ")}` : Prisma.empty}
      )
      ${topPerKey(Prisma.sql`SELECT 'matched' AS key, '' AS value, count(*)::int AS n FROM m UNION ALL ${Prisma.join(arms, " UNION ALL ")}`, top)}`;
    type Row = { key: FacetKey | "matched"; value: string | null; n: number };
    const rows = q ? await searchQuery<Row>(db, sql) : await db.$queryRaw<Row[]>(sql);
    const matched = rows.find((r) => r.key === "matched")?.n ?? 0;
    if (q && !matched) return 0;
    for (const r of rows) if (r.key !== "matched") add(r.key, r.value, r.n);
    return matched;
  };

  const scanned = async () => {
    // With a search every key is scanned, so the materialised rows carry no filter and "matched" is the text's own
    // count: the typo fallback kicks in exactly when it does for the list (the text matches nothing otherwise).
    const matched = await scan(search);
    if (search && !matched && search.raw.length >= 3) await scan({ ...search, fuzzy: true });
  };

  await Promise.all([cube(), scanned()]);

  const facets = { kind: [], type: [], owner: [], lifecycle: [], system: [], tag: [] } as Record<Dim, FacetValue[]>;
  for (const d of DIMENSIONS) {
    facets[d] = [...counts.get(d)!.entries()]
      .map(([value, count]) => ({ value, label: labelOf(d, value), count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
      .slice(0, top);
  }
  // Selected values always show, even with a zero count, so the UI can render them as checked.
  for (const d of DIMENSIONS) {
    for (const v of dims[d]) if (!facets[d].some((f) => f.value === v)) facets[d].push({ value: v, label: labelOf(d, v), count: 0 });
  }
  return { total: counts.get("total")!.get("") ?? 0, facets };
}

// ---------------------------------------------------------------------------------------------------------------
// Entity page

export type RelatedEntity = { ref: string; id: string | null; kind: string; name: string; title: string | null; missing: boolean };
export type RelationGroup = { type: RelationType; count: number; items: RelatedEntity[] };

const RELATION_ITEMS_PER_GROUP = 50;

/** Resolves `ref` (any accepted spelling; kind defaults to Component) to a canonical ref. */
export function canonicalRefOf(ref: string): string {
  const r = normalizeRef(ref, { kind: "component" });
  if (!r) throw new TRPCError({ code: "BAD_REQUEST", message: `${ref} is not a valid entity ref ([kind:][namespace/]name)` });
  return r;
}

/** The entity `refText` names (any accepted spelling), with what domain pages need of it; NOT_FOUND when absent. */
export async function loadEntity(db: Db, refText: string) {
  const ref = canonicalRefOf(refText);
  const e = await db.entity.findUnique({ where: { ref }, select: { ref: true, name: true, kind: true, ownerTeamId: true, metadata: true } });
  if (!e) throw new TRPCError({ code: "NOT_FOUND", message: `${refText} is not in the catalog` });
  return e;
}

export async function entityPage(db: Db, refText: string) {
  const ref = canonicalRefOf(refText);
  const e = await db.entity.findUnique({
    where: { ref },
    include: {
      ownerTeam: { select: { id: true, slug: true, name: true } },
      location: { select: { id: true, kind: true, target: true, origin: true, status: true, lastRefreshAt: true } },
      score: true,
    },
  });
  if (!e) throw new TRPCError({ code: "NOT_FOUND", message: `${displayRef(ref)} is not in the catalog` });

  const [groups, rules] = await Promise.all([relationGroups(db, e.id), loadRules(db).then((r) => r.rules)]);
  const { definition, ...spec } = (e.spec ?? {}) as Record<string, unknown>;
  const metadata = (e.metadata ?? {}) as { annotations?: Record<string, string>; labels?: Record<string, string>; links?: { url: string; title?: string; type?: string; icon?: string }[] };
  const scored = scoreEntity(rules, scoredFromRow(e));
  const group = (t: RelationType) => groups.find((g) => g.type === t) ?? { type: t, count: 0, items: [] };
  return {
    entity: {
      id: e.id,
      ref: e.ref,
      kind: e.kind,
      namespace: e.namespace,
      name: e.name,
      title: e.title,
      description: e.description,
      type: e.type,
      lifecycle: e.lifecycle,
      tags: e.tags,
      ownerRef: e.ownerRef,
      ownerTeam: e.ownerTeam,
      systemRef: e.systemRef,
      annotations: metadata.annotations ?? {},
      labels: metadata.labels ?? {},
      links: metadata.links ?? [],
      spec,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    },
    /** The API definition (OpenAPI/AsyncAPI/GraphQL/gRPC text) for API entities. */
    api: e.kind === "API" ? { type: e.type, definition: typeof definition === "string" ? definition : definition === undefined ? null : JSON.stringify(definition, null, 2) } : null,
    relations: groups,
    apis: { provided: group("providesApi"), consumed: group("consumesApi"), providers: group("apiProvidedBy"), consumers: group("apiConsumedBy") },
    source: e.location ? { ...e.location, file: e.file, line: e.line } : { id: null, kind: null, target: e.source, origin: e.source, status: null, lastRefreshAt: null, file: null, line: null },
    scorecard: scored
      ? {
          score: scored.score,
          level: scored.level,
          passed: scored.passed,
          total: scored.total,
          computedAt: e.score?.computedAt ?? null,
          rules: scored.results.map((r) => ({ id: r.rule.id, title: r.rule.title, level: r.rule.level, weight: r.rule.weight, passed: r.passed, fix: r.passed ? null : r.rule.fix || null })),
        }
      : null,
  };
}

/** Relations of an entity in both directions, grouped by the type as seen from it, deduplicated, capped per group. */
export async function relationGroups(db: Db, id: string): Promise<RelationGroup[]> {
  const rows = await db.$queryRaw<{ type: string; dir: "out" | "in"; ref: string; id: string | null; kind: string | null; name: string | null; title: string | null; n: bigint; rn: bigint }[]>`
    WITH rel AS (
      SELECT DISTINCT r."type", 'out' AS dir, r."toRef" AS ref, r."toId" AS id FROM "EntityRelation" r WHERE r."fromId" = ${id}
      UNION
      SELECT DISTINCT r."type", 'in' AS dir, r."fromRef" AS ref, r."fromId" AS id FROM "EntityRelation" r WHERE r."toId" = ${id}
    ), numbered AS (
      SELECT rel.*, count(*) OVER (PARTITION BY rel."type", rel.dir) AS n, row_number() OVER (PARTITION BY rel."type", rel.dir ORDER BY rel.ref) AS rn FROM rel
    )
    SELECT nb."type", nb.dir, nb.ref, nb.id, e."kind", e."name", e."title", nb.n, nb.rn FROM numbered nb LEFT JOIN "Entity" e ON e."id" = nb.id
    WHERE nb.rn <= ${RELATION_ITEMS_PER_GROUP} ORDER BY nb."type", nb.dir, nb.rn`;
  const groups = new Map<string, RelationGroup>();
  for (const r of rows) {
    const type = (r.dir === "out" ? r.type : RELATION_INVERSE[r.type as StoredRelationType]) as RelationType;
    const g = groups.get(type) ?? { type, count: Number(r.n), items: [] };
    const parts = splitRef(r.ref);
    g.items.push({ ref: r.ref, id: r.id, kind: r.kind ?? parts.kind, name: r.name ?? parts.name, title: r.title, missing: r.id === null });
    groups.set(type, g);
  }
  return [...groups.values()];
}

// ---------------------------------------------------------------------------------------------------------------
// Dependency graph

export type GraphNode = { id: string; ref: string; kind: string; name: string; title: string | null; lifecycle: string | null; depth: number; side: "root" | "upstream" | "downstream" };
export type GraphEdge = { from: string; to: string; type: "dependsOn" | "consumesApi" | "apiProvidedBy" };

/**
 * Dependencies as a directed graph: A → B means "A needs B" (A dependsOn B, A consumesApi B, and an API needs the
 * component that provides it). Downstream = what the root needs (following arrows), upstream = what needs the root.
 * Up to `depth` levels each way, at most `maxNodes` nodes (truncated says so).
 */
export async function dependencyGraph(db: Db, input: z.output<typeof graphInput>) {
  const ref = canonicalRefOf(input.ref);
  const root = await db.entity.findUnique({ where: { ref }, select: { id: true, ref: true, kind: true, name: true, title: true, lifecycle: true } });
  if (!root) throw new TRPCError({ code: "NOT_FOUND", message: `${displayRef(ref)} is not in the catalog` });
  const nodes = new Map<string, Omit<GraphNode, keyof typeof root> & { depth: number; side: GraphNode["side"] }>();
  nodes.set(root.id, { depth: 0, side: "root" });
  const edges = new Map<string, GraphEdge>();
  let truncated = false;

  const walk = async (side: "upstream" | "downstream") => {
    let frontier = [root.id];
    for (let depth = 1; depth <= input.depth && frontier.length; depth++) {
      const rows =
        side === "downstream"
          ? await db.$queryRaw<{ a: string; b: string; type: GraphEdge["type"] }[]>`
              SELECT r."fromId" AS a, r."toId" AS b, r."type" FROM "EntityRelation" r
              WHERE r."fromId" = ANY(${frontier}::text[]) AND r."type" IN ('dependsOn', 'consumesApi') AND r."toId" IS NOT NULL
              UNION
              SELECT r."toId" AS a, r."fromId" AS b, 'apiProvidedBy' FROM "EntityRelation" r
              WHERE r."toId" = ANY(${frontier}::text[]) AND r."type" = 'providesApi' AND r."fromId" IS NOT NULL
              LIMIT ${input.maxNodes * 4}`
          : await db.$queryRaw<{ a: string; b: string; type: GraphEdge["type"] }[]>`
              SELECT r."fromId" AS a, r."toId" AS b, r."type" FROM "EntityRelation" r
              WHERE r."toId" = ANY(${frontier}::text[]) AND r."type" IN ('dependsOn', 'consumesApi') AND r."fromId" IS NOT NULL
              UNION
              SELECT r."toId" AS a, r."fromId" AS b, 'apiProvidedBy' FROM "EntityRelation" r
              WHERE r."fromId" = ANY(${frontier}::text[]) AND r."type" = 'providesApi' AND r."toId" IS NOT NULL
              LIMIT ${input.maxNodes * 4}`;
      const next: string[] = [];
      for (const r of rows) {
        const other = side === "downstream" ? r.b : r.a;
        if (!nodes.has(other)) {
          if (nodes.size >= input.maxNodes) {
            truncated = true;
            continue;
          }
          nodes.set(other, { depth, side });
          next.push(other);
        }
        edges.set(`${r.a}>${r.b}>${r.type}`, { from: r.a, to: r.b, type: r.type });
      }
      frontier = next;
    }
  };
  if (input.direction !== "upstream") await walk("downstream");
  if (input.direction !== "downstream") await walk("upstream");

  const ids = [...nodes.keys()];
  const info = await db.entity.findMany({ where: { id: { in: ids } }, select: { id: true, ref: true, kind: true, name: true, title: true, lifecycle: true } });
  const byId = new Map(info.map((i) => [i.id, i]));
  return {
    root: root.id,
    nodes: ids.flatMap((id) => (byId.has(id) ? [{ ...byId.get(id)!, ...nodes.get(id)! }] : [])) as GraphNode[],
    edges: [...edges.values()].filter((e) => byId.has(e.from) && byId.has(e.to)),
    truncated,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Teams and "my services"

export async function teamSummary(db: Db, slug: string) {
  const team = await db.team.findUnique({ where: { slug }, select: { id: true, slug: true, name: true, description: true } });
  if (!team) throw new TRPCError({ code: "NOT_FOUND", message: `No team ${slug}` });
  const groupRef = `group:default/${team.slug}`;
  const [group, members, byKind, scoreSummary, catalogMembers] = await Promise.all([
    db.entity.findUnique({ where: { ref: groupRef }, select: { ref: true, title: true, description: true, metadata: true, spec: true } }),
    db.membership.findMany({ where: { teamId: team.id }, take: 200, orderBy: { user: { name: "asc" } }, select: { role: true, source: true, user: { select: { id: true, name: true, email: true } } } }),
    db.$queryRaw<{ kind: string; n: bigint }[]>`SELECT "kind", count(*) AS n FROM "Entity" WHERE "ownerRef" = ${groupRef} OR "ownerTeamId" = ${team.id} GROUP BY 1 ORDER BY 1`,
    db.$queryRaw<{ n: bigint; avg: number | null; bronze: bigint; silver: bigint; gold: bigint; none: bigint }[]>`
      SELECT count(*) AS n, avg(s."score")::float8 AS avg, count(*) FILTER (WHERE s."level" = 'bronze') AS bronze,
        count(*) FILTER (WHERE s."level" = 'silver') AS silver, count(*) FILTER (WHERE s."level" = 'gold') AS gold,
        count(*) FILTER (WHERE s."level" = 'none') AS none
      FROM "EntityScore" s JOIN "Entity" e ON e."id" = s."entityId" WHERE e."ownerRef" = ${groupRef} OR e."ownerTeamId" = ${team.id}`,
    db.$queryRaw<{ ref: string; name: string; title: string | null }[]>`
      SELECT DISTINCT coalesce(u."ref", r."fromRef") AS ref, coalesce(u."name", split_part(r."fromRef", '/', 2)) AS name, u."title"
      FROM "EntityRelation" r JOIN "Entity" g ON g."id" = r."toId" LEFT JOIN "Entity" u ON u."id" = r."fromId"
      WHERE g."ref" = ${groupRef} AND r."type" = 'memberOf' ORDER BY 2 LIMIT 200`,
  ]);
  const s = scoreSummary[0];
  return {
    team,
    group: group ? { ref: group.ref, title: group.title, description: group.description, profile: ((group.spec ?? {}) as { profile?: unknown }).profile ?? null } : null,
    /** Opsdeck users with a role in the team. */
    members: members.map((m) => ({ ...m.user, role: m.role, source: m.source })),
    /** User entities that are memberOf the team's catalog group (may not have signed in to Opsdeck). */
    catalogMembers,
    owned: { total: byKind.reduce((n, r) => n + Number(r.n), 0), byKind: byKind.map((r) => ({ kind: r.kind, count: Number(r.n) })) },
    /** Use catalog.list with filters.owner = [ownerRef] for the owned entities, paginated. */
    ownerRef: groupRef,
    scorecard: {
      scored: Number(s?.n ?? 0),
      average: s?.avg === null || s?.avg === undefined ? null : Math.round(s.avg * 10) / 10,
      levels: { none: Number(s?.none ?? 0), bronze: Number(s?.bronze ?? 0), silver: Number(s?.silver ?? 0), gold: Number(s?.gold ?? 0) },
    },
  };
}

/** Entities owned by the teams the user belongs to, keyset-paginated by name; optionally only Components. */
export async function myServices(db: Db, teamIds: string[], input: { cursor?: string | null; limit: number; onlyComponents?: boolean }) {
  if (!teamIds.length) return { items: [], nextCursor: null, teams: 0 };
  const extra = [Prisma.sql`e."ownerTeamId" = ANY(${teamIds}::text[])`];
  const page = await listEntities(db, { filters: input.onlyComponents === false ? {} : { kind: ["Component"] }, sort: "name", cursor: input.cursor, limit: input.limit }, extra);
  return { ...page, teams: teamIds.length };
}
