import type { Db, Tx } from "@/server/db/client";

/**
 * The catalog's read models (EntitySearch, EntityFacetCount, EntityFacetTotal, EntityScoreRollup; migrations
 * `catalog_search`, `catalog_facet_totals`) are written by triggers on Entity and EntityScore, in the writing
 * transaction. The three count tables receive signed delta rows; this folds the keys written since the last time into
 * one row each (skipped when another transaction is folding: its deltas stay valid and are folded next time). Readers
 * sum, so compaction only keeps them small. Call it at the end of a transaction that wrote many entities or scores.
 */
export async function compactReadModels(tx: Db | Tx): Promise<boolean> {
  const [r] = await tx.$queryRaw<{ ok: boolean }[]>`SELECT catalog_compact_read_models() AS ok`;
  return r?.ok ?? false;
}

/**
 * Deletes the score rows of a location's entities in one statement before the entities go. (The cascade would delete
 * them one statement per entity, each firing the rollup trigger.)
 */
export async function deleteScoresOfLocation(tx: Db | Tx, locationId: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM "EntityScore" s USING "Entity" e WHERE e."id" = s."entityId" AND e."locationId" = ${locationId}`;
}

/** The catalog tables whose statistics drive the search, facet and list plans. */
const CATALOG_TABLES = ["Entity", "EntitySearch", "EntityRelation", "EntityScore"];
/** The delta tables: small, and every bulk write leaves as many dead rows in them as it wrote deltas. */
const COUNT_TABLES = ["EntityFacetCount", "EntityFacetTotal", "EntityScoreRollup"];

/**
 * Refreshes planner statistics after a large write (and vacuums the small delta tables, which a bulk write fills with
 * dead rows): `changed` rows (added + updated + removed entities) that are at
 * least 1,000 and at least 10% of the catalog (autovacuum's default analyze threshold), or any write into a catalog
 * never analyzed. Autovacuum would do it within a minute when it is on, but the first queries after a bulk import (and
 * every query on a server running without autovacuum) would otherwise be planned from empty or stale statistics.
 * ANALYZE samples a bounded number of rows (~0.2 s per table at 100k entities). Call it AFTER the writing transaction
 * commits: ANALYZE takes a lock that concurrent ingests would wait on until the end of the transaction.
 */
export async function analyzeAfterBulkWrite(db: Db, changed: number): Promise<boolean> {
  if (changed < 1000) return false;
  const [row] = await db.$queryRaw<{ tuples: number }[]>`SELECT reltuples::float8 AS tuples FROM pg_class WHERE oid = '"EntitySearch"'::regclass`;
  const tuples = row?.tuples ?? -1;
  if (tuples >= 0 && changed < tuples * 0.1) return false;
  await db.$executeRawUnsafe(`ANALYZE ${CATALOG_TABLES.map((t) => `"${t}"`).join(", ")}`);
  // Outside a transaction, so VACUUM is allowed; a few MB at 100k entities.
  await db.$executeRawUnsafe(`VACUUM (ANALYZE) ${COUNT_TABLES.map((t) => `"${t}"`).join(", ")}`);
  return true;
}
