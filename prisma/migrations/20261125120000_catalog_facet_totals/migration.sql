-- Whole-catalog facet counts (docs/catalog.md, "Read models").
--
-- "EntityFacetCount" is keyed by (kind, type, lifecycle, dim, value) so that kind/type/lifecycle filters can be
-- answered from it; with no filter at all the facets still had to sum ~25k of its rows at 100k entities (owners and
-- systems × the kind/type/lifecycle combinations). "EntityFacetTotal" is the same counts keyed only by (dim, value):
-- one row per facet value (~3k at 100k entities), also as signed delta rows, written by the same statement-level
-- triggers (from the rows they add to "EntityFacetCount", so the two cannot disagree) and folded by
-- catalog_compact_read_models().
--
-- Hand-written like 20261125110000_catalog_search (triggers and functions); the table is in schema.prisma.

-- CreateTable
CREATE TABLE "EntityFacetTotal" (
    "id" BIGSERIAL NOT NULL,
    "dim" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "EntityFacetTotal_pkey" PRIMARY KEY ("id")
);

-- CreateIndex (covering: the whole-catalog facets read it with index-only scans, whatever dead space the table holds)
CREATE INDEX "EntityFacetTotal_dim_value_n_idx" ON "EntityFacetTotal"("dim", "value", "n");

CREATE OR REPLACE FUNCTION catalog_entity_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "EntitySearch" ("entityId", "kind", "name", "title", "type", "lifecycle", "ownerRef", "systemRef", "tags", "searchable")
  SELECT n."id", n."kind", n."name", n."title", n."type", n."lifecycle", n."ownerRef", n."systemRef", n."tags",
         catalog_searchable(n."name", n."title", n."tags", n."description")
  FROM new_rows n;
  WITH c AS (
    INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
    SELECT n."kind", n."type", n."lifecycle", d.dim, d.value, count(*)::int
    FROM new_rows n CROSS JOIN LATERAL (
      VALUES ('kind', n."kind"), ('type', n."type"), ('owner', n."ownerRef"), ('lifecycle', n."lifecycle"), ('system', n."systemRef")
      UNION ALL SELECT DISTINCT 'tag', t FROM unnest(n."tags") t
    ) d(dim, value)
    WHERE d.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    RETURNING "dim", "value", "n"
  )
  INSERT INTO "EntityFacetTotal" ("dim", "value", "n") SELECT c."dim", c."value", sum(c."n")::int FROM c GROUP BY 1, 2 HAVING sum(c."n") <> 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION catalog_entity_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "EntitySearch" s SET "kind" = n."kind", "name" = n."name", "title" = n."title", "type" = n."type", "lifecycle" = n."lifecycle",
    "ownerRef" = n."ownerRef", "systemRef" = n."systemRef", "tags" = n."tags", "searchable" = catalog_searchable(n."name", n."title", n."tags", n."description")
  FROM new_rows n JOIN old_rows o ON o."id" = n."id"
  WHERE s."entityId" = n."id"
    AND (n."kind", n."name", n."title", n."type", n."lifecycle", n."ownerRef", n."systemRef", n."tags", n."description")
        IS DISTINCT FROM (o."kind", o."name", o."title", o."type", o."lifecycle", o."ownerRef", o."systemRef", o."tags", o."description");
  WITH c AS (
    INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
    SELECT r."kind", r."type", r."lifecycle", d.dim, d.value, sum(r.sign)::int
    FROM (
      SELECT o."kind", o."type", o."lifecycle", o."ownerRef", o."systemRef", o."tags", -1 AS sign
      FROM old_rows o JOIN new_rows n ON n."id" = o."id"
      WHERE (n."kind", n."type", n."lifecycle", n."ownerRef", n."systemRef", n."tags") IS DISTINCT FROM (o."kind", o."type", o."lifecycle", o."ownerRef", o."systemRef", o."tags")
      UNION ALL
      SELECT n."kind", n."type", n."lifecycle", n."ownerRef", n."systemRef", n."tags", 1
      FROM old_rows o JOIN new_rows n ON n."id" = o."id"
      WHERE (n."kind", n."type", n."lifecycle", n."ownerRef", n."systemRef", n."tags") IS DISTINCT FROM (o."kind", o."type", o."lifecycle", o."ownerRef", o."systemRef", o."tags")
    ) r CROSS JOIN LATERAL (
      VALUES ('kind', r."kind"), ('type', r."type"), ('owner', r."ownerRef"), ('lifecycle', r."lifecycle"), ('system', r."systemRef")
      UNION ALL SELECT DISTINCT 'tag', t FROM unnest(r."tags") t
    ) d(dim, value)
    WHERE d.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(r.sign) <> 0
    RETURNING "dim", "value", "n"
  )
  INSERT INTO "EntityFacetTotal" ("dim", "value", "n") SELECT c."dim", c."value", sum(c."n")::int FROM c GROUP BY 1, 2 HAVING sum(c."n") <> 0;
  -- Score rows follow their entity's grouping keys (their own trigger moves the rollup).
  UPDATE "EntityScore" s SET "kind" = n."kind", "ownerRef" = n."ownerRef", "ownerTeamId" = n."ownerTeamId"
  FROM new_rows n
  WHERE s."entityId" = n."id" AND (s."kind", s."ownerRef", s."ownerTeamId") IS DISTINCT FROM (n."kind", n."ownerRef", n."ownerTeamId");
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION catalog_entity_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "EntitySearch" s USING old_rows o WHERE s."entityId" = o."id";
  WITH c AS (
    INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
    SELECT o."kind", o."type", o."lifecycle", d.dim, d.value, -count(*)::int
    FROM old_rows o CROSS JOIN LATERAL (
      VALUES ('kind', o."kind"), ('type', o."type"), ('owner', o."ownerRef"), ('lifecycle', o."lifecycle"), ('system', o."systemRef")
      UNION ALL SELECT DISTINCT 'tag', t FROM unnest(o."tags") t
    ) d(dim, value)
    WHERE d.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    RETURNING "dim", "value", "n"
  )
  INSERT INTO "EntityFacetTotal" ("dim", "value", "n") SELECT c."dim", c."value", sum(c."n")::int FROM c GROUP BY 1, 2 HAVING sum(c."n") <> 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION catalog_entity_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "EntitySearch";
  DELETE FROM "EntityFacetCount";
  DELETE FROM "EntityFacetTotal";
  DELETE FROM "EntityScoreRollup";
  RETURN NULL;
END $$;

-- Compaction folds only the keys that have more than one row (or sum to zero): the ones written since the last
-- compaction. It used to delete and re-insert every row of the three tables at every ingest (~30k rows at 100k
-- entities however little changed), which left as many dead rows behind each time. The rows to fold are found with
-- window functions (PARTITION BY groups NULL keys together) and deleted by id, so no join on nullable keys.
-- After a bulk write (a table holding more than twice the rows its statistics last counted, or never counted) most
-- keys need folding and rewriting the whole table is cheaper (0.6 s instead of 2 s at 100k entities), as before.
-- Either way gives the same sums.
CREATE OR REPLACE FUNCTION catalog_compact_read_models() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  bulk boolean;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('opsdeck.catalog_read_models')) THEN
    RETURN false;
  END IF;

  SELECT c.reltuples < 0 OR (SELECT count(*) FROM "EntityFacetCount") > 2 * c.reltuples + 1000 INTO bulk FROM pg_class c WHERE c.oid = '"EntityFacetCount"'::regclass;
  IF bulk THEN
    WITH d AS (DELETE FROM "EntityFacetCount" RETURNING *)
    INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
    SELECT "kind", "type", "lifecycle", "dim", "value", sum("n") FROM d GROUP BY 1, 2, 3, 4, 5 HAVING sum("n") <> 0;
  ELSE
    WITH d AS (
      DELETE FROM "EntityFacetCount" WHERE "id" IN (
        SELECT x."id" FROM (
          SELECT "id", count(*) OVER w AS rows, sum("n") OVER w AS n FROM "EntityFacetCount"
          WINDOW w AS (PARTITION BY "kind", "type", "lifecycle", "dim", "value")
        ) x WHERE x.rows > 1 OR x.n = 0
      ) RETURNING *
    )
    INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
    SELECT "kind", "type", "lifecycle", "dim", "value", sum("n") FROM d GROUP BY 1, 2, 3, 4, 5 HAVING sum("n") <> 0;
  END IF;

  SELECT c.reltuples < 0 OR (SELECT count(*) FROM "EntityFacetTotal") > 2 * c.reltuples + 1000 INTO bulk FROM pg_class c WHERE c.oid = '"EntityFacetTotal"'::regclass;
  IF bulk THEN
    WITH d AS (DELETE FROM "EntityFacetTotal" RETURNING *)
    INSERT INTO "EntityFacetTotal" ("dim", "value", "n")
    SELECT "dim", "value", sum("n") FROM d GROUP BY 1, 2 HAVING sum("n") <> 0;
  ELSE
    WITH d AS (
      DELETE FROM "EntityFacetTotal" WHERE "id" IN (
        SELECT x."id" FROM (
          SELECT "id", count(*) OVER w AS rows, sum("n") OVER w AS n FROM "EntityFacetTotal" WINDOW w AS (PARTITION BY "dim", "value")
        ) x WHERE x.rows > 1 OR x.n = 0
      ) RETURNING *
    )
    INSERT INTO "EntityFacetTotal" ("dim", "value", "n")
    SELECT "dim", "value", sum("n") FROM d GROUP BY 1, 2 HAVING sum("n") <> 0;
  END IF;

  SELECT c.reltuples < 0 OR (SELECT count(*) FROM "EntityScoreRollup") > 2 * c.reltuples + 1000 INTO bulk FROM pg_class c WHERE c.oid = '"EntityScoreRollup"'::regclass;
  IF bulk THEN
    WITH d AS (DELETE FROM "EntityScoreRollup" RETURNING *)
    INSERT INTO "EntityScoreRollup" ("ownerRef", "kind", "ownerTeamId", "n", "scoreSum", "bronze", "silver", "gold", "none")
    SELECT "ownerRef", "kind", "ownerTeamId", sum("n"), sum("scoreSum"), sum("bronze"), sum("silver"), sum("gold"), sum("none")
    FROM d GROUP BY 1, 2, 3 HAVING sum("n") <> 0;
  ELSE
    WITH d AS (
      DELETE FROM "EntityScoreRollup" WHERE "id" IN (
        SELECT x."id" FROM (
          SELECT "id", count(*) OVER w AS rows, sum("n") OVER w AS n FROM "EntityScoreRollup" WINDOW w AS (PARTITION BY "ownerRef", "kind", "ownerTeamId")
        ) x WHERE x.rows > 1 OR x.n = 0
      ) RETURNING *
    )
    INSERT INTO "EntityScoreRollup" ("ownerRef", "kind", "ownerTeamId", "n", "scoreSum", "bronze", "silver", "gold", "none")
    SELECT "ownerRef", "kind", "ownerTeamId", sum("n"), sum("scoreSum"), sum("bronze"), sum("silver"), sum("gold"), sum("none")
    FROM d GROUP BY 1, 2, 3 HAVING sum("n") <> 0;
  END IF;
  RETURN true;
END $$;

-- Backfill from the per-(kind, type, lifecycle) counts.
INSERT INTO "EntityFacetTotal" ("dim", "value", "n")
SELECT "dim", "value", sum("n")::int FROM "EntityFacetCount" GROUP BY 1, 2 HAVING sum("n") <> 0;
