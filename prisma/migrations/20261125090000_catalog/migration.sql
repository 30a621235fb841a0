-- Catalog: descriptor ingest (locations, per-file errors), relations, scorecards, search.
-- Hand-edited after `prisma migrate diff`: Prisma cannot describe the extension, the generated tsvector column or
-- the trigram indexes, so they are written here (the schema declares `searchable` as Unsupported("tsvector")).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateEnum
CREATE TYPE "LocationKind" AS ENUM ('dir', 'git', 'upload');

-- CreateEnum
CREATE TYPE "LocationStatus" AS ENUM ('pending', 'ok', 'warning', 'error');

-- CreateEnum
CREATE TYPE "LocationErrorSeverity" AS ENUM ('error', 'warning');

-- AlterTable
ALTER TABLE "Entity" ADD COLUMN     "etag" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "file" TEXT,
ADD COLUMN     "line" INTEGER,
ADD COLUMN     "locationId" TEXT,
ADD COLUMN     "metadata" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "ownerRef" TEXT,
ADD COLUMN     "ref" TEXT,
ADD COLUMN     "systemRef" TEXT;

-- CreateTable
CREATE TABLE "EntityRelation" (
    "id" BIGSERIAL NOT NULL,
    "originId" TEXT NOT NULL,
    "fromRef" TEXT NOT NULL,
    "fromId" TEXT,
    "type" TEXT NOT NULL,
    "toRef" TEXT NOT NULL,
    "toId" TEXT,
    "line" INTEGER,

    CONSTRAINT "EntityRelation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Location" (
    "id" TEXT NOT NULL,
    "kind" "LocationKind" NOT NULL,
    "target" TEXT NOT NULL,
    "origin" TEXT NOT NULL DEFAULT 'config',
    "content" TEXT,
    "status" "LocationStatus" NOT NULL DEFAULT 'pending',
    "message" TEXT NOT NULL DEFAULT '',
    "lastRun" JSONB,
    "lastRefreshAt" TIMESTAMP(3),
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Location_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocationError" (
    "id" BIGSERIAL NOT NULL,
    "locationId" TEXT NOT NULL,
    "severity" "LocationErrorSeverity" NOT NULL DEFAULT 'error',
    "code" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "line" INTEGER,
    "message" TEXT NOT NULL,
    "entityRef" TEXT,

    CONSTRAINT "LocationError_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScorecardConfig" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "yaml" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'file',
    "updatedBy" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScorecardConfig_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EntityScore" (
    "entityId" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "level" TEXT NOT NULL,
    "passed" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "failing" TEXT[],
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EntityScore_pkey" PRIMARY KEY ("entityId")
);

-- CreateIndex
CREATE INDEX "EntityRelation_fromId_type_idx" ON "EntityRelation"("fromId", "type");

-- CreateIndex
CREATE INDEX "EntityRelation_toId_type_idx" ON "EntityRelation"("toId", "type");

-- CreateIndex
CREATE INDEX "EntityRelation_toRef_idx" ON "EntityRelation"("toRef");

-- CreateIndex
CREATE INDEX "EntityRelation_fromRef_idx" ON "EntityRelation"("fromRef");

-- CreateIndex
CREATE UNIQUE INDEX "EntityRelation_originId_fromRef_type_toRef_key" ON "EntityRelation"("originId", "fromRef", "type", "toRef");

-- CreateIndex
CREATE UNIQUE INDEX "Location_kind_target_key" ON "Location"("kind", "target");

-- CreateIndex
CREATE INDEX "LocationError_locationId_id_idx" ON "LocationError"("locationId", "id");

-- CreateIndex
CREATE INDEX "EntityScore_level_idx" ON "EntityScore"("level");

-- CreateIndex
CREATE UNIQUE INDEX "Entity_ref_key" ON "Entity"("ref");

-- CreateIndex
CREATE INDEX "Entity_name_id_idx" ON "Entity"("name", "id");

-- CreateIndex
CREATE INDEX "Entity_kind_name_id_idx" ON "Entity"("kind", "name", "id");

-- CreateIndex
CREATE INDEX "Entity_ownerRef_name_id_idx" ON "Entity"("ownerRef", "name", "id");

-- CreateIndex
CREATE INDEX "Entity_systemRef_idx" ON "Entity"("systemRef");

-- CreateIndex
CREATE INDEX "Entity_locationId_idx" ON "Entity"("locationId");

-- CreateIndex
CREATE INDEX "Entity_tags_idx" ON "Entity" USING GIN ("tags");

-- AddForeignKey
ALTER TABLE "Entity" ADD CONSTRAINT "Entity_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EntityRelation" ADD CONSTRAINT "EntityRelation_originId_fkey" FOREIGN KEY ("originId") REFERENCES "Entity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EntityRelation" ADD CONSTRAINT "EntityRelation_fromId_fkey" FOREIGN KEY ("fromId") REFERENCES "Entity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EntityRelation" ADD CONSTRAINT "EntityRelation_toId_fkey" FOREIGN KEY ("toId") REFERENCES "Entity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocationError" ADD CONSTRAINT "LocationError_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EntityScore" ADD CONSTRAINT "EntityScore_entityId_fkey" FOREIGN KEY ("entityId") REFERENCES "Entity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Rows written before this migration (the foundation's seed) get their canonical ref.
UPDATE "Entity" SET "ref" = lower("kind" || ':' || "namespace" || '/' || "name") WHERE "ref" IS NULL;
ALTER TABLE "Entity" ALTER COLUMN "ref" SET NOT NULL;

-- array_to_string is only STABLE; a generated column needs IMMUTABLE. Joining text[] with spaces is immutable.
CREATE FUNCTION catalog_tags_text(tags text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_to_string(tags, ' '), '')
$$;

-- Full-text document: name and title weigh most, then tags, then the description. 'simple' config: no stemming or
-- stop words, so names like "payments-api" split into "payments-api", "payments", "api" and match by prefix.
ALTER TABLE "Entity" ADD COLUMN "searchable" tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple'::regconfig, "name"), 'A') ||
  setweight(to_tsvector('simple'::regconfig, coalesce("title", '')), 'A') ||
  setweight(to_tsvector('simple'::regconfig, catalog_tags_text("tags")), 'B') ||
  setweight(to_tsvector('simple'::regconfig, left("description", 4000)), 'C')
) STORED;

CREATE INDEX "Entity_searchable_idx" ON "Entity" USING GIN ("searchable");
-- Trigram indexes: fuzzy and substring (ILIKE) matches on names and titles.
CREATE INDEX "Entity_name_trgm_idx" ON "Entity" USING GIN ("name" gin_trgm_ops);
CREATE INDEX "Entity_title_trgm_idx" ON "Entity" USING GIN ("title" gin_trgm_ops);
-- Facet columns.
CREATE INDEX "Entity_type_idx" ON "Entity"("type");
CREATE INDEX "Entity_lifecycle_idx" ON "Entity"("lifecycle");
-- Dangling refs are looked up by ref after every ingest.
CREATE INDEX "EntityRelation_dangling_idx" ON "EntityRelation"("toRef") WHERE "toId" IS NULL;
