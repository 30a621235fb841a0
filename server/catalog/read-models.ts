import type { Db, Tx } from "@/server/db/client";

/**
 * The catalog's read models (EntitySearch, EntityFacetCount, EntityScoreRollup; migration `catalog_search`) are written
 * by triggers on Entity and EntityScore, in the writing transaction. The two count tables receive signed delta rows;
 * this folds them into one row per key (skipped when another transaction is folding: its deltas stay valid and are
 * folded next time). Readers sum, so compaction only keeps them small. Call it at the end of a transaction that wrote
 * many entities or scores.
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
