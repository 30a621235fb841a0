import type { TaskList } from "graphile-worker";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { AUDIT_VERIFY_TASK, executeVerifyRun, settleAbandonedVerifyRuns } from "@/server/audit/verify-runs";
import { runCatalogRefresh } from "@/server/catalog/refresh-job";
import { CATALOG_REFRESH_TASK } from "@/server/catalog/locations";
import { deploysRuntime } from "@/server/deploys/config";
import { deployFollower } from "@/server/deploys/follower";
import { DEPLOY_RUN_TASK } from "@/server/deploys/jobs";

const verifyPayload = z.object({ runId: z.string().min(1) });
const catalogRefreshPayload = z.object({ locationId: z.string().min(1).optional() });
const deployPayload = z.object({ deployId: z.string().min(1) });

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
    // Starts a deploy (or takes over one already rolling out); the process's rollout follower then drives it to the end.
    [DEPLOY_RUN_TASK]: async (payload) => {
      await deployFollower(db, deploysRuntime()).run(deployPayload.parse(payload).deployId);
    },
  };
}

/** Settles work whose worker died, before this worker takes new jobs. */
export async function recoverOnBoot(db: Db): Promise<void> {
  await settleAbandonedVerifyRuns(db);
  // Deploys whose follower died are resumed (docs/deploys.md "Worker restarts"); the follower also expires approvals.
  await deployFollower(db, deploysRuntime()).sweep();
}
