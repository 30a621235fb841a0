import type { Task } from "graphile-worker";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { crontabLine } from "@/server/jobs/crontab";
import { log } from "@/server/log";
import { CI_RUN_TASK } from "./builtin-store";
import { ciContext } from "./context";
import { syncDemoRuns } from "./demo";
import { CI_POLL_TASK, runCiPoll } from "./poll";
import { executeBuiltinRun, settleAbandonedCiRuns } from "./runner";
import { pruneDeliveries } from "./webhooks";

const runPayload = z.object({ runId: z.string().min(1) });

/** The CI tasks of the worker (server/jobs/tasks.ts spreads them into its list). */
export function ciTasks(db: Db): Record<string, Task> {
  return {
    [CI_RUN_TASK]: async (payload, helpers) => {
      await executeBuiltinRun(db, runPayload.parse(payload).runId, { dataDir: env().OPSDECK_DATA_DIR, signal: helpers.abortSignal, jobId: String(helpers.job.id) });
    },
    // Scheduled (OPSDECK_CI_POLL_CRON) and on demand after a trigger: polls what is due, prunes old webhook ids.
    [CI_POLL_TASK]: async (_payload, helpers) => {
      const c = ciContext();
      if (c.demoMode) await syncDemoRuns(db, c.bindings);
      await runCiPoll(db, { ...c, requestId: `job:${helpers.job.id}` });
      await pruneDeliveries(db, env().OPSDECK_WEBHOOK_MAX_AGE_SECONDS);
    },
  };
}

/** Before taking jobs: settle runs of a dead worker; in demo mode make the recorded runs visible at once. */
export async function recoverCiOnBoot(db: Db): Promise<void> {
  await settleAbandonedCiRuns(db);
  const c = ciContext();
  // Demo data must never keep the worker from starting.
  if (c.demoMode) await syncDemoRuns(db, c.bindings).catch((err: unknown) => log.warn({ err }, "demo CI runs not loaded"));
}
export const ciSchedule = () => crontabLine(env().OPSDECK_CI_POLL_CRON, CI_POLL_TASK, "ci_poll_scheduled");
