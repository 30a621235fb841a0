import type { TaskList } from "graphile-worker";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { ciTasks, recoverCiOnBoot } from "@/server/ci/jobs";
import { cloudTasks, seedCloudOnBoot } from "@/server/cloud/jobs";
import { AUDIT_VERIFY_TASK, executeVerifyRun, settleAbandonedVerifyRuns } from "@/server/audit/verify-runs";
import { runCatalogRefresh } from "@/server/catalog/refresh-job";
import { CATALOG_REFRESH_TASK } from "@/server/catalog/locations";
import { deploysRuntime } from "@/server/deploys/config";
import { deployFollower } from "@/server/deploys/follower";
import { DEPLOY_RUN_TASK } from "@/server/deploys/jobs";
import { RUN_TASK as RUNBOOK_RUN_TASK } from "@/server/runbooks/runs";
import { executeRun } from "@/server/runbooks/executor";
import { TICK_TASK as RUNBOOK_TICK_TASK, bootRunbooks, runbookTick } from "@/server/runbooks/maintenance";

const verifyPayload = z.object({ runId: z.string().min(1) });
const catalogRefreshPayload = z.object({ locationId: z.string().min(1).optional() });
const deployPayload = z.object({ deployId: z.string().min(1) });
const runbookRunPayload = z.object({ runId: z.string().min(1) });

/** Every task the worker knows; payloads are validated because anything could have been queued. */
export function taskList(db: Db): TaskList {
  return {
    ...ciTasks(db),
    ...cloudTasks(db),
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
    // Executes (or resumes after an approval) one runbook run; worker shutdown aborts it as interrupted.
    [RUNBOOK_RUN_TASK]: async (payload, helpers) => {
      await executeRun(db, runbookRunPayload.parse(payload).runId, { signal: helpers.abortSignal });
    },
    // Once a minute (self-rescheduling, one pending job by key): runbook sources, schedules, dead-worker recovery.
    [RUNBOOK_TICK_TASK]: async () => {
      await runbookTick(db);
    },
  };
}

/** Settles work whose worker died, before this worker takes new jobs. */
export async function recoverOnBoot(db: Db): Promise<void> {
  await settleAbandonedVerifyRuns(db);
  await recoverCiOnBoot(db);
  await seedCloudOnBoot(db);
  // Deploys whose follower died are resumed (docs/deploys.md "Worker restarts"); the follower also expires approvals.
  await deployFollower(db, deploysRuntime()).sweep();
  // Runbook runs whose worker died become `interrupted`; runbook files are loaded and the minute tick is queued.
  await bootRunbooks(db);
}
