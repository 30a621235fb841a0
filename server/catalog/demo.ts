import type { Db } from "@/server/db/client";
import type { Env } from "@/server/env";
import { configuredCatalogLocations } from "./config";
import { refreshAllLocations } from "./ingest";

/**
 * Ingests the configured catalog locations (in demo mode: the descriptor files under demo/catalog) at startup, so the
 * catalog is populated before the first page load. Later changes arrive through the scheduled refresh job.
 */
export async function ingestConfiguredCatalog(db: Db, e: Pick<Env, "OPSDECK_CATALOG_PATHS" | "demoMode">) {
  const summaries = await refreshAllLocations(db, configuredCatalogLocations(e));
  return summaries.reduce(
    (a, s) => ({ locations: a.locations + 1, entities: a.entities + s.entities, added: a.added + s.added, updated: a.updated + s.updated, removed: a.removed + s.removed, errors: a.errors + s.errors }),
    { locations: 0, entities: 0, added: 0, updated: 0, removed: 0, errors: 0 },
  );
}
