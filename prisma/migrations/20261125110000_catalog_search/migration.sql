-- Catalog read models for search, facets and the scorecard overview (docs/catalog.md, "Read models").
--
-- * "EntitySearch": one narrow row per entity (facet columns + weighted tsvector), so search and facet scans do not
--   touch the wide "Entity" rows (metadata/spec JSON). The search indexes move here from "Entity".
-- * "EntityFacetCount": facet counts per (kind, type, lifecycle, dimension, value), kept as signed deltas.
-- * "EntityScoreRollup": per (ownerRef, kind, ownerTeamId) score aggregates, kept as signed deltas.
--
-- All three are maintained by statement-level triggers (transition tables), in the writing transaction, whatever
-- writes "Entity"/"EntityScore" (ingest, uploads, deletes, the demo seed, rescoring). Delta rows are only ever
-- appended (no row locks shared between concurrent writers); catalog_compact_read_models() folds them, called at the
-- end of each ingest. Readers sum, so they are correct with or without compaction.
--
-- Hand-written: Prisma cannot describe triggers, functions, the tsvector column or trigram indexes (it sees
-- `searchable` as Unsupported("tsvector")); `prisma migrate diff` against schema.prisma is empty.

-- Entity: search moves to EntitySearch.
DROP INDEX "Entity_searchable_idx";
DROP INDEX "Entity_name_trgm_idx";
DROP INDEX "Entity_title_trgm_idx";
ALTER TABLE "Entity" DROP COLUMN "searchable";

-- Score rows carry the entity's grouping keys, so the rollup triggers need no join (and work for cascaded deletes).
ALTER TABLE "EntityScore" ADD COLUMN "kind" TEXT NOT NULL DEFAULT '',
ADD COLUMN "ownerRef" TEXT,
ADD COLUMN "ownerTeamId" TEXT;

-- CreateTable
CREATE TABLE "EntitySearch" (
    "entityId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "title" TEXT,
    "type" TEXT,
    "lifecycle" TEXT,
    "ownerRef" TEXT,
    "systemRef" TEXT,
    "tags" TEXT[],
    "searchable" tsvector NOT NULL,

    CONSTRAINT "EntitySearch_pkey" PRIMARY KEY ("entityId")
);

-- CreateTable
CREATE TABLE "EntityFacetCount" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "type" TEXT,
    "lifecycle" TEXT,
    "dim" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "EntityFacetCount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EntityScoreRollup" (
    "id" BIGSERIAL NOT NULL,
    "ownerRef" TEXT,
    "kind" TEXT NOT NULL,
    "ownerTeamId" TEXT,
    "n" INTEGER NOT NULL,
    "scoreSum" DECIMAL(65,30) NOT NULL,
    "bronze" INTEGER NOT NULL,
    "silver" INTEGER NOT NULL,
    "gold" INTEGER NOT NULL,
    "none" INTEGER NOT NULL,

    CONSTRAINT "EntityScoreRollup_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EntitySearch_ownerRef_idx" ON "EntitySearch"("ownerRef");

-- CreateIndex
CREATE INDEX "EntitySearch_systemRef_idx" ON "EntitySearch"("systemRef");

-- CreateIndex
CREATE INDEX "EntitySearch_searchable_idx" ON "EntitySearch" USING GIN ("searchable");

-- CreateIndex
CREATE INDEX "EntitySearch_name_trgm_idx" ON "EntitySearch" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "EntitySearch_title_trgm_idx" ON "EntitySearch" USING GIN ("title" gin_trgm_ops);


-- CreateIndex
CREATE INDEX "EntityFacetCount_dim_kind_idx" ON "EntityFacetCount"("dim", "kind");

-- Full-text document: name and title weigh most, then tags, then the description ('simple' config: no stemming or
-- stop words, so "payments-api" splits into "payments-api", "payments", "api" and matches by prefix).
CREATE FUNCTION catalog_searchable(name text, title text, tags text[], description text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('simple'::regconfig, name), 'A') ||
         setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
         setweight(to_tsvector('simple'::regconfig, catalog_tags_text(tags)), 'B') ||
         setweight(to_tsvector('simple'::regconfig, left(coalesce(description, ''), 4000)), 'C')
$$;

-- ---------------------------------------------------------------------------------------------------------------
-- Entity → EntitySearch + EntityFacetCount

CREATE FUNCTION catalog_entity_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "EntitySearch" ("entityId", "kind", "name", "title", "type", "lifecycle", "ownerRef", "systemRef", "tags", "searchable")
  SELECT n."id", n."kind", n."name", n."title", n."type", n."lifecycle", n."ownerRef", n."systemRef", n."tags",
         catalog_searchable(n."name", n."title", n."tags", n."description")
  FROM new_rows n;
  INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
  SELECT n."kind", n."type", n."lifecycle", d.dim, d.value, count(*)::int
  FROM new_rows n CROSS JOIN LATERAL (
    VALUES ('kind', n."kind"), ('type', n."type"), ('owner', n."ownerRef"), ('lifecycle', n."lifecycle"), ('system', n."systemRef")
    UNION ALL SELECT DISTINCT 'tag', t FROM unnest(n."tags") t
  ) d(dim, value)
  WHERE d.value IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_entity_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "EntitySearch" s SET "kind" = n."kind", "name" = n."name", "title" = n."title", "type" = n."type", "lifecycle" = n."lifecycle",
    "ownerRef" = n."ownerRef", "systemRef" = n."systemRef", "tags" = n."tags", "searchable" = catalog_searchable(n."name", n."title", n."tags", n."description")
  FROM new_rows n JOIN old_rows o ON o."id" = n."id"
  WHERE s."entityId" = n."id"
    AND (n."kind", n."name", n."title", n."type", n."lifecycle", n."ownerRef", n."systemRef", n."tags", n."description")
        IS DISTINCT FROM (o."kind", o."name", o."title", o."type", o."lifecycle", o."ownerRef", o."systemRef", o."tags", o."description");
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
  HAVING sum(r.sign) <> 0;
  -- Score rows follow their entity's grouping keys (their own trigger moves the rollup).
  UPDATE "EntityScore" s SET "kind" = n."kind", "ownerRef" = n."ownerRef", "ownerTeamId" = n."ownerTeamId"
  FROM new_rows n
  WHERE s."entityId" = n."id" AND (s."kind", s."ownerRef", s."ownerTeamId") IS DISTINCT FROM (n."kind", n."ownerRef", n."ownerTeamId");
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_entity_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "EntitySearch" s USING old_rows o WHERE s."entityId" = o."id";
  INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
  SELECT o."kind", o."type", o."lifecycle", d.dim, d.value, -count(*)::int
  FROM old_rows o CROSS JOIN LATERAL (
    VALUES ('kind', o."kind"), ('type', o."type"), ('owner', o."ownerRef"), ('lifecycle', o."lifecycle"), ('system', o."systemRef")
    UNION ALL SELECT DISTINCT 'tag', t FROM unnest(o."tags") t
  ) d(dim, value)
  WHERE d.value IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_entity_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "EntitySearch";
  DELETE FROM "EntityFacetCount";
  DELETE FROM "EntityScoreRollup";
  RETURN NULL;
END $$;

CREATE TRIGGER "Entity_read_models_ins" AFTER INSERT ON "Entity" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_entity_inserted();
CREATE TRIGGER "Entity_read_models_upd" AFTER UPDATE ON "Entity" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_entity_updated();
CREATE TRIGGER "Entity_read_models_del" AFTER DELETE ON "Entity" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_entity_deleted();
CREATE TRIGGER "Entity_read_models_trunc" AFTER TRUNCATE ON "Entity" FOR EACH STATEMENT EXECUTE FUNCTION catalog_entity_truncated();

-- ---------------------------------------------------------------------------------------------------------------
-- EntityScore → EntityScoreRollup

-- Fills the grouping keys of score rows written without them (the app's writeScores sets them itself).
CREATE FUNCTION catalog_score_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."kind" = '' THEN
    SELECT e."kind", e."ownerRef", e."ownerTeamId" INTO NEW."kind", NEW."ownerRef", NEW."ownerTeamId" FROM "Entity" e WHERE e."id" = NEW."entityId";
  END IF;
  RETURN NEW;
END $$;

-- Transition tables need one trigger per event (a multi-event trigger cannot have them).
CREATE FUNCTION catalog_score_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "EntityScoreRollup" ("ownerRef", "kind", "ownerTeamId", "n", "scoreSum", "bronze", "silver", "gold", "none")
  SELECT n."ownerRef", n."kind", n."ownerTeamId", count(*)::int, sum(n."score"::numeric),
    count(*) FILTER (WHERE n."level" = 'bronze'), count(*) FILTER (WHERE n."level" = 'silver'),
    count(*) FILTER (WHERE n."level" = 'gold'), count(*) FILTER (WHERE n."level" = 'none')
  FROM new_rows n GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_score_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "EntityScoreRollup" ("ownerRef", "kind", "ownerTeamId", "n", "scoreSum", "bronze", "silver", "gold", "none")
  SELECT r."ownerRef", r."kind", r."ownerTeamId", sum(r.sign)::int, sum(r.sign * r."score"::numeric),
    coalesce(sum(r.sign) FILTER (WHERE r."level" = 'bronze'), 0), coalesce(sum(r.sign) FILTER (WHERE r."level" = 'silver'), 0),
    coalesce(sum(r.sign) FILTER (WHERE r."level" = 'gold'), 0), coalesce(sum(r.sign) FILTER (WHERE r."level" = 'none'), 0)
  FROM (
    SELECT o."ownerRef", o."kind", o."ownerTeamId", o."score", o."level", -1 AS sign
    FROM old_rows o JOIN new_rows n ON n."entityId" = o."entityId"
    WHERE (o."ownerRef", o."kind", o."ownerTeamId", o."score", o."level") IS DISTINCT FROM (n."ownerRef", n."kind", n."ownerTeamId", n."score", n."level")
    UNION ALL
    SELECT n."ownerRef", n."kind", n."ownerTeamId", n."score", n."level", 1
    FROM old_rows o JOIN new_rows n ON n."entityId" = o."entityId"
    WHERE (o."ownerRef", o."kind", o."ownerTeamId", o."score", o."level") IS DISTINCT FROM (n."ownerRef", n."kind", n."ownerTeamId", n."score", n."level")
  ) r
  GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_score_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "EntityScoreRollup" ("ownerRef", "kind", "ownerTeamId", "n", "scoreSum", "bronze", "silver", "gold", "none")
  SELECT o."ownerRef", o."kind", o."ownerTeamId", -count(*)::int, -sum(o."score"::numeric),
    -count(*) FILTER (WHERE o."level" = 'bronze'), -count(*) FILTER (WHERE o."level" = 'silver'),
    -count(*) FILTER (WHERE o."level" = 'gold'), -count(*) FILTER (WHERE o."level" = 'none')
  FROM old_rows o GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_score_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "EntityScoreRollup";
  RETURN NULL;
END $$;

CREATE TRIGGER "EntityScore_keys" BEFORE INSERT ON "EntityScore" FOR EACH ROW WHEN (NEW."kind" = '') EXECUTE FUNCTION catalog_score_keys();
CREATE TRIGGER "EntityScore_rollup_ins" AFTER INSERT ON "EntityScore" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_score_inserted();
CREATE TRIGGER "EntityScore_rollup_upd" AFTER UPDATE ON "EntityScore" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_score_updated();
CREATE TRIGGER "EntityScore_rollup_del" AFTER DELETE ON "EntityScore" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_score_deleted();
CREATE TRIGGER "EntityScore_rollup_trunc" AFTER TRUNCATE ON "EntityScore" FOR EACH STATEMENT EXECUTE FUNCTION catalog_score_truncated();

-- ---------------------------------------------------------------------------------------------------------------
-- Compaction: folds the delta rows into one row per key. Skipped (returns false) when another transaction is
-- compacting; its deltas stay valid and are folded next time. Called at the end of each ingest.
CREATE FUNCTION catalog_compact_read_models() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('opsdeck.catalog_read_models')) THEN
    RETURN false;
  END IF;
  WITH d AS (DELETE FROM "EntityFacetCount" RETURNING *)
  INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
  SELECT "kind", "type", "lifecycle", "dim", "value", sum("n") FROM d GROUP BY 1, 2, 3, 4, 5 HAVING sum("n") <> 0;
  WITH d AS (DELETE FROM "EntityScoreRollup" RETURNING *)
  INSERT INTO "EntityScoreRollup" ("ownerRef", "kind", "ownerTeamId", "n", "scoreSum", "bronze", "silver", "gold", "none")
  SELECT "ownerRef", "kind", "ownerTeamId", sum("n"), sum("scoreSum"), sum("bronze"), sum("silver"), sum("gold"), sum("none")
  FROM d GROUP BY 1, 2, 3 HAVING sum("n") <> 0;
  RETURN true;
END $$;

-- Backfill from the rows written before this migration.
UPDATE "EntityScore" s SET "kind" = e."kind", "ownerRef" = e."ownerRef", "ownerTeamId" = e."ownerTeamId" FROM "Entity" e WHERE e."id" = s."entityId";
INSERT INTO "EntitySearch" ("entityId", "kind", "name", "title", "type", "lifecycle", "ownerRef", "systemRef", "tags", "searchable")
SELECT "id", "kind", "name", "title", "type", "lifecycle", "ownerRef", "systemRef", "tags", catalog_searchable("name", "title", "tags", "description") FROM "Entity";
INSERT INTO "EntityFacetCount" ("kind", "type", "lifecycle", "dim", "value", "n")
SELECT e."kind", e."type", e."lifecycle", d.dim, d.value, count(*)::int
FROM "Entity" e CROSS JOIN LATERAL (
  VALUES ('kind', e."kind"), ('type', e."type"), ('owner', e."ownerRef"), ('lifecycle', e."lifecycle"), ('system', e."systemRef")
  UNION ALL SELECT DISTINCT 'tag', t FROM unnest(e."tags") t
) d(dim, value)
WHERE d.value IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO "EntityScoreRollup" ("ownerRef", "kind", "ownerTeamId", "n", "scoreSum", "bronze", "silver", "gold", "none")
SELECT "ownerRef", "kind", "ownerTeamId", count(*)::int, sum("score"::numeric),
  count(*) FILTER (WHERE "level" = 'bronze'), count(*) FILTER (WHERE "level" = 'silver'),
  count(*) FILTER (WHERE "level" = 'gold'), count(*) FILTER (WHERE "level" = 'none')
FROM "EntityScore" GROUP BY 1, 2, 3;
