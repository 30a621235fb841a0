import { describe, expect, it } from "vitest";
import { DEMO_CATALOG_DIR } from "@/server/catalog/config";
import { ingestLocation, syncConfiguredLocations } from "@/server/catalog/ingest";
import { facetCounts, listEntities, type Filters } from "@/server/catalog/queries";
import { scorecardOverview } from "@/server/catalog/report";
import { analyzeAfterBulkWrite, compactReadModels } from "@/server/catalog/read-models";
import { loadRules, recomputeAllScores, saveRules } from "@/server/catalog/scorecards";
import { deleteLocation, uploadAndIngest } from "@/server/catalog/locations";
import { useTestDatabase } from "./helpers/db";
import { catalogDir, component, descriptor, dirLocation, ingest } from "./helpers/catalog";

/**
 * The read models (EntitySearch, EntityFacetCount, EntityFacetTotal, EntityScoreRollup) are trigger-maintained copies/aggregates of Entity
 * and EntityScore. After every kind of write they must equal what a query over the source tables gives.
 */
describe("catalog read models stay consistent with Entity and EntityScore", () => {
  const t = useTestDatabase();

  /** Rows of `a EXCEPT ALL b` and `b EXCEPT ALL a` (both empty when the two queries agree). */
  async function diff(a: string, b: string) {
    const left = await t.pg.query(`(${a}) EXCEPT ALL (${b})`);
    const right = await t.pg.query(`(${b}) EXCEPT ALL (${a})`);
    return { missing: right.rows, extra: left.rows };
  }

  async function expectConsistent() {
    // The narrow search rows mirror Entity, tsvector included.
    expect(
      await diff(
        `SELECT "entityId", "kind", "name", "title", "type", "lifecycle", "ownerRef", "systemRef", "tags", "searchable"::text FROM "EntitySearch"`,
        `SELECT "id", "kind", "name", "title", "type", "lifecycle", "ownerRef", "systemRef", "tags", catalog_searchable("name", "title", "tags", "description")::text FROM "Entity"`,
      ),
    ).toEqual({ missing: [], extra: [] });
    // Facet counts (summed deltas) equal a GROUP BY over Entity.
    expect(
      await diff(
        `SELECT "kind", "type", "lifecycle", "dim", "value", sum("n")::int AS n FROM "EntityFacetCount" GROUP BY 1, 2, 3, 4, 5 HAVING sum("n") <> 0`,
        `SELECT e."kind", e."type", e."lifecycle", d.dim, d.value, count(*)::int FROM "Entity" e CROSS JOIN LATERAL (
           VALUES ('kind', e."kind"), ('type', e."type"), ('owner', e."ownerRef"), ('lifecycle', e."lifecycle"), ('system', e."systemRef")
           UNION ALL SELECT DISTINCT 'tag', x FROM unnest(e."tags") x) d(dim, value) WHERE d.value IS NOT NULL GROUP BY 1, 2, 3, 4, 5`,
      ),
    ).toEqual({ missing: [], extra: [] });
    // The (dim, value) totals equal the same GROUP BY without kind/type/lifecycle.
    expect(
      await diff(
        `SELECT "dim", "value", sum("n")::int AS n FROM "EntityFacetTotal" GROUP BY 1, 2 HAVING sum("n") <> 0`,
        `SELECT d.dim, d.value, count(*)::int FROM "Entity" e CROSS JOIN LATERAL (
           VALUES ('kind', e."kind"), ('type', e."type"), ('owner', e."ownerRef"), ('lifecycle', e."lifecycle"), ('system', e."systemRef")
           UNION ALL SELECT DISTINCT 'tag', x FROM unnest(e."tags") x) d(dim, value) WHERE d.value IS NOT NULL GROUP BY 1, 2`,
      ),
    ).toEqual({ missing: [], extra: [] });
    // Score keys follow the entity; the rollup equals an aggregate over the score rows joined to their entities.
    expect(
      await diff(
        `SELECT s."entityId", s."kind", s."ownerRef", s."ownerTeamId" FROM "EntityScore" s`,
        `SELECT e."id", e."kind", e."ownerRef", e."ownerTeamId" FROM "EntityScore" s JOIN "Entity" e ON e."id" = s."entityId"`,
      ),
    ).toEqual({ missing: [], extra: [] });
    expect(
      await diff(
        `SELECT "ownerRef", "kind", "ownerTeamId", sum("n")::int, sum("scoreSum")::numeric(20,4), sum("bronze")::int, sum("silver")::int, sum("gold")::int, sum("none")::int
         FROM "EntityScoreRollup" GROUP BY 1, 2, 3 HAVING sum("n") <> 0`,
        `SELECT e."ownerRef", e."kind", e."ownerTeamId", count(*)::int, sum(s."score"::numeric)::numeric(20,4), count(*) FILTER (WHERE s."level" = 'bronze')::int,
           count(*) FILTER (WHERE s."level" = 'silver')::int, count(*) FILTER (WHERE s."level" = 'gold')::int, count(*) FILTER (WHERE s."level" = 'none')::int
         FROM "EntityScore" s JOIN "Entity" e ON e."id" = s."entityId" GROUP BY 1, 2, 3`,
      ),
    ).toEqual({ missing: [], extra: [] });
  }

  /** Facets through the function (read models) against counts computed directly over Entity. */
  async function expectFacetsMatchEntity(filters: Filters) {
    const f = await facetCounts(t.db, { filters, top: 100 });
    const n = async (except: string | null) => {
      const conds: string[] = [];
      const params: unknown[] = [];
      const col: Record<string, string> = { kind: "kind", type: "type", owner: "ownerRef", lifecycle: "lifecycle", system: "systemRef" };
      for (const [d, vals] of Object.entries(filters)) {
        if (d === except || !vals?.length) continue;
        params.push(vals);
        conds.push(d === "tag" ? `"tags" @> $${params.length}::text[]` : `"${col[d]}" = ANY($${params.length}::text[])`);
      }
      return { where: conds.length ? `WHERE ${conds.join(" AND ")}` : "", params };
    };
    const all = await n(null);
    expect(f.total).toBe(Number((await t.pg.query(`SELECT count(*) FROM "Entity" ${all.where}`, all.params)).rows[0].count));
    for (const [d, column] of [["kind", "kind"], ["owner", "ownerRef"], ["lifecycle", "lifecycle"], ["tag", null]] as const) {
      const w = await n(d);
      const sql = column
        ? `SELECT "${column}" AS value, count(*)::int AS count FROM "Entity" ${w.where} GROUP BY 1 HAVING "${column}" IS NOT NULL`
        : `SELECT x AS value, count(*)::int AS count FROM "Entity" CROSS JOIN LATERAL unnest("tags") x ${w.where} GROUP BY 1`;
      const expected = Object.fromEntries((await t.pg.query(sql, w.params)).rows.map((r) => [r.value, r.count]));
      const got = Object.fromEntries(f.facets[d].filter((v) => v.count > 0).map((v) => [v.value, v.count]));
      expect(got, `facet ${d} with ${JSON.stringify(filters)}`).toEqual(expected);
    }
  }

  it("after ingest, unchanged refresh, edits, removals, uploads, location deletes and rule changes", async () => {
    // Demo catalog (85 entities) plus a small location we edit.
    const demo = await t.db.location.create({ data: { kind: "dir", target: DEMO_CATALOG_DIR } });
    await ingestLocation(t.db, demo.id);
    await expectConsistent();
    const dir = catalogDir({
      "a/catalog-info.yaml": [component("rm-alpha", "payments", {}, { tags: ["go", "pci"] }), component("rm-beta", "checkout")].join("---\n"),
      "b/catalog-info.yaml": descriptor("API", "rm-api", { type: "openapi", lifecycle: "production", owner: "payments", definition: "openapi: 3.0.0" }),
    });
    const loc = await dirLocation(t.db, dir.root);
    await ingest(t.db, loc.id);
    await expectConsistent();
    expect((await ingest(t.db, loc.id)).unchanged).toBe(3);
    await expectConsistent();

    // Edit: owner, lifecycle, tags and description change; one file disappears.
    dir.write("a/catalog-info.yaml", [component("rm-alpha", "checkout", { lifecycle: "deprecated" }, { tags: ["java"], description: "Now about ledgers and things." }), component("rm-beta", "checkout")].join("---\n"));
    dir.remove("b/catalog-info.yaml");
    expect(await ingest(t.db, loc.id)).toMatchObject({ updated: expect.any(Number), removed: 1 });
    await expectConsistent();
    expect((await listEntities(t.db, { q: "ledgers", filters: {}, limit: 50 })).items.map((i) => i.name)).toContain("rm-alpha");

    // Upload, replace, delete.
    await t.db.$transaction(async (tx) => {
      const up = await uploadAndIngest(tx, { fileName: "rm.yaml", content: component("rm-uploaded", "search") }, "admin@example.test");
      await uploadAndIngest(tx, { fileName: "rm.yaml", content: component("rm-uploaded", "mobile", { type: "website" }), locationId: up.location.id }, "admin@example.test");
    });
    await expectConsistent();
    const upload = await t.db.location.findFirstOrThrow({ where: { kind: "upload", target: "rm.yaml" } });
    await t.db.$transaction((tx) => deleteLocation(tx, upload.id));
    await expectConsistent();

    // Rule change: everything rescored (scores appear and disappear as rules apply or not).
    const before = await loadRules(t.db);
    await t.db.$transaction(async (tx) => {
      const saved = await saveRules(tx, "rules:\n  - id: has-tags\n    title: Has tags\n    level: bronze\n    appliesTo: { kinds: [Component, API] }\n    check: { field: metadata.tags }\n", "admin@example.test");
      await recomputeAllScores(tx, saved.rules);
    });
    await expectConsistent();
    await t.db.$transaction(async (tx) => recomputeAllScores(tx, (await saveRules(tx, before.yaml, "admin@example.test")).rules));
    await expectConsistent();

    // A configured location dropped from the setting takes its entities (and their counts) with it.
    await syncConfiguredLocations(t.db, [{ kind: "dir", target: DEMO_CATALOG_DIR }]);
    expect(await t.db.entity.count({ where: { locationId: loc.id } })).toBe(0);
    await expectConsistent();

    // Writes outside the ingest path (the demo seed writes Entity directly) are covered by the triggers too.
    await t.db.entity.create({ data: { kind: "Component", name: "rm-seeded", ref: "component:default/rm-seeded", ownerRef: "group:default/payments", tags: ["seed"], type: "service" } });
    await t.db.entity.update({ where: { ref: "component:default/rm-seeded" }, data: { ownerRef: "group:default/mobile" } });
    await expectConsistent();
    await t.db.entity.delete({ where: { ref: "component:default/rm-seeded" } });
    await expectConsistent();

    // Compaction folds the deltas without changing any sum.
    const rowsBefore = Number((await t.pg.query(`SELECT count(*) FROM "EntityFacetCount"`)).rows[0].count);
    expect(await compactReadModels(t.db)).toBe(true);
    expect(Number((await t.pg.query(`SELECT count(*) FROM "EntityFacetCount"`)).rows[0].count)).toBeLessThanOrEqual(rowsBefore);
    await expectConsistent();
    // Compacted, the totals are one row per facet value.
    const onePerKey = async () => {
      const totals = await t.pg.query(`SELECT count(*)::int AS rows, count(DISTINCT ("dim", "value"))::int AS keys FROM "EntityFacetTotal"`);
      expect(totals.rows[0].rows).toBe(totals.rows[0].keys);
    };
    await onePerKey();

    // Once the tables have statistics (no bulk write since), compaction folds only the keys written since: rows of
    // other keys stay as they are. Same sums either way.
    await t.pg.query(`ANALYZE "EntityFacetCount", "EntityFacetTotal", "EntityScoreRollup"`);
    const untouched = (await t.pg.query(`SELECT "id" FROM "EntityFacetTotal" WHERE "dim" = 'lifecycle' ORDER BY "id" LIMIT 1`)).rows[0].id;
    await t.db.entity.create({ data: { kind: "Component", name: "rm-late", ref: "component:default/rm-late", ownerRef: "group:default/payments", tags: ["late"], type: "service" } });
    await t.db.entity.update({ where: { ref: "component:default/rm-late" }, data: { tags: ["late", "pci"] } });
    expect(await compactReadModels(t.db)).toBe(true);
    await expectConsistent();
    await onePerKey();
    expect((await t.pg.query(`SELECT 1 FROM "EntityFacetTotal" WHERE "id" = $1`, [untouched])).rowCount).toBe(1);
    await t.db.entity.delete({ where: { ref: "component:default/rm-late" } });
    expect(await compactReadModels(t.db)).toBe(true);
    await expectConsistent();
    await onePerKey();
  });

  it("facets keep the top values per dimension, ties ordered by value, with or without the count tables", async () => {
    for (const input of [{ filters: {} }, { filters: { owner: ["group:default/payments"] } }, { q: "api", filters: {} }]) {
      const all = await facetCounts(t.db, { ...input, top: 100 });
      for (const top of [1, 2, 3]) {
        const some = await facetCounts(t.db, { ...input, top });
        expect(some.total).toBe(all.total);
        for (const d of ["kind", "type", "owner", "lifecycle", "system", "tag"] as const) {
          expect(some.facets[d].slice(0, top), `${d} top ${top} ${JSON.stringify(input)}`).toEqual(all.facets[d].slice(0, top));
        }
      }
    }
  });

  it("facet counts from the count table and from the narrow rows equal counts over Entity", async () => {
    for (const filters of [{}, { kind: ["Component"] }, { kind: ["Component"], lifecycle: ["production"] }, { owner: ["group:default/payments"] }, { kind: ["Component"], owner: ["group:default/payments"] }, { tag: ["go"] }, { kind: ["API", "Component"], tag: ["pci"] }, { type: ["service"], system: ["system:default/payments"] }]) {
      await expectFacetsMatchEntity(filters);
    }
  });

  it("refreshes planner statistics after a large write only", async () => {
    const analyzed = async () => (await t.pg.query(`SELECT coalesce(analyze_count, 0)::int AS n FROM pg_stat_user_tables WHERE relname = 'EntitySearch'`)).rows[0].n as number;
    const before = await analyzed();
    expect(await analyzeAfterBulkWrite(t.db, 999)).toBe(false);
    expect(await analyzeAfterBulkWrite(t.db, 1000)).toBe(true);
    // Now the table has statistics, 1,000 changed rows out of far fewer counts as large; the rule is ≥ 10% of the rows.
    const rows = Number((await t.pg.query(`SELECT reltuples FROM pg_class WHERE relname = 'EntitySearch'`)).rows[0].reltuples);
    expect(rows).toBeGreaterThan(0);
    expect(await analyzeAfterBulkWrite(t.db, 1000)).toBe(1000 >= rows * 0.1);
    await expect.poll(analyzed).toBeGreaterThan(before);
  });

  it("the scorecard overview from the rollup equals the aggregate over the score rows", async () => {
    const page = await scorecardOverview(t.db, { sort: "owner", dir: "asc", limit: 200 });
    const direct = await t.pg.query(`
      SELECT coalesce(e."ownerRef", '(no owner)') AS "ownerRef", count(*)::int AS entities, round(avg(s."score")::numeric, 1)::float8 AS average,
        count(*) FILTER (WHERE s."level" = 'gold')::int AS gold, count(*) FILTER (WHERE s."level" = 'none')::int AS none
      FROM "EntityScore" s JOIN "Entity" e ON e."id" = s."entityId" GROUP BY 1 ORDER BY 1`);
    expect(page.items.map((r) => ({ ownerRef: r.ownerRef, entities: r.entities, average: r.average, gold: r.gold, none: r.none }))).toEqual(direct.rows);
    const apis = await scorecardOverview(t.db, { sort: "entities", dir: "desc", kind: "API", limit: 200 });
    const directApis = await t.pg.query(`SELECT count(*)::int AS n FROM "EntityScore" s JOIN "Entity" e ON e."id" = s."entityId" WHERE e."kind" = 'API'`);
    expect(apis.items.reduce((n, r) => n + r.entities, 0)).toBe(directApis.rows[0].n);
  });
});
