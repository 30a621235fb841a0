import type { TaskList } from "graphile-worker";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { AUDIT_VERIFY_TASK, executeVerifyRun, settleAbandonedVerifyRuns } from "@/server/audit/verify-runs";
import { runCatalogRefresh } from "@/server/catalog/refresh-job";
import { CATALOG_REFRESH_TASK } from "@/server/catalog/locations";

const verifyPayload = z.object({ runId: z.string().min(1) });
const catalogRefreshPayload = z.object({ locationId: z.string().min(1).optional() });

/** Every task the worker knows; payloads are validated because anything could have been queued. */
export function taskList(db: Db): TaskList {
  return {
    [AUDIT_VERIFY_TASK]: async (payload) => {
      await executeVerifyRun(db, verifyPayload.parse(payload).runId);
    },
    // Scheduled (crontab, see runner.ts) and on demand (catalog.refreshAll): sync OPSDECK_CATALOG_PATHS, refresh all.
    [CATALOG_REFRESH_TASK]: async (payload) => {
      await runCatalogRefresh(db, catalogRefreshPayload.parse(payload ?? {}));
    },
  };
}

/** Settles work whose worker died, before this worker takes new jobs. */
export async function recoverOnBoot(db: Db): Promise<void> {
  await settleAbandonedVerifyRuns(db);
}
