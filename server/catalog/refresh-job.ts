import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { log } from "@/server/log";
import { configuredCatalogLocations } from "./config";
import { ingestLocation, refreshAllLocations, type IngestSummary } from "./ingest";

/**
 * The catalog refresh job: one location, or (no locationId) sync OPSDECK_CATALOG_PATHS and refresh every location,
 * each in its own transaction. A failing location is logged and does not stop the others.
 */
export async function runCatalogRefresh(db: Db, payload: { locationId?: string }): Promise<IngestSummary[]> {
  const started = Date.now();
  if (payload.locationId) {
    const s = await ingestLocation(db, payload.locationId);
    log.info({ component: "catalog", ...s, orphans: s.orphans.length }, "catalog location refreshed");
    return [s];
  }
  const summaries = await refreshAllLocations(db, configuredCatalogLocations(env()), {
    onError: (locationId, err) => log.error({ component: "catalog", locationId, err }, "catalog location refresh failed"),
  });
  const total = summaries.reduce((a, s) => ({ added: a.added + s.added, updated: a.updated + s.updated, removed: a.removed + s.removed }), { added: 0, updated: 0, removed: 0 });
  log.info({ component: "catalog", locations: summaries.length, ...total, ms: Date.now() - started }, "catalog refreshed");
  return summaries;
}
