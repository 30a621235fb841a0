import path from "node:path";
import type { Env } from "@/server/env";
import { parseCatalogPaths } from "./ingest";
import type { LocationSpec } from "./sources";

/**
 * The demo catalog shipped in the repository (descriptor files). Resolved from the working directory: inside Next's
 * server bundle import.meta.dirname is undefined, and every entry point (npm start, worker, tests) runs from the repo root.
 */
export const DEMO_CATALOG_DIR = path.resolve(process.cwd(), "demo/catalog");

/** Locations configured by OPSDECK_CATALOG_PATHS; in demo mode without it, the demo catalog. */
export function configuredCatalogLocations(e: Pick<Env, "OPSDECK_CATALOG_PATHS" | "demoMode">): LocationSpec[] {
  if (e.OPSDECK_CATALOG_PATHS) return parseCatalogPaths(e.OPSDECK_CATALOG_PATHS);
  return e.demoMode ? [{ kind: "dir", target: DEMO_CATALOG_DIR }] : [];
}

/** graphile-worker crontab line for the scheduled refresh ("" when off). One job at a time, deduplicated by key. */
export function catalogCrontab(e: Pick<Env, "OPSDECK_CATALOG_REFRESH_CRON">, task: string): string {
  if (e.OPSDECK_CATALOG_REFRESH_CRON === "off") return "";
  return `${e.OPSDECK_CATALOG_REFRESH_CRON} ${task} ?max=1&jobKey=catalog_refresh_scheduled\n`;
}
