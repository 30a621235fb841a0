import { Logger, run, runMigrations, type Runner } from "graphile-worker";
import type { Db } from "@/server/db/client";
import { log } from "@/server/log";
import { recoverOnBoot, taskList } from "./tasks";
import { env } from "@/server/env";
import { catalogCrontab } from "@/server/catalog/config";
import { CATALOG_REFRESH_TASK } from "@/server/catalog/locations";
import { ciSchedule } from "@/server/ci/jobs";
import { cloudSchedule } from "@/server/cloud/jobs";
import { metrics } from "@/server/http/metrics";

export type WorkerOptions = { connectionString: string; singleSession: boolean; concurrency?: number };

/** Creates graphile-worker's schema (idempotent); run before the app enqueues anything. */
export async function migrateJobs(connectionString: string, singleSession: boolean) {
  await runMigrations({ connectionString, noPreparedStatements: singleSession, logger: workerLogger() });
}

function workerLogger() {
  // graphile-worker's own Logger wants a factory; route it into pino.
  return new Logger(() => (level, message, meta) => {
    const l = level === "error" ? "error" : level === "warning" ? "warn" : level === "debug" ? "debug" : "info";
    log[l]({ component: "worker", ...meta }, message);
  });
}

export async function startWorker(db: Db, opts: WorkerOptions): Promise<Runner> {
  await recoverOnBoot(db);
  const runner = await run({
    connectionString: opts.connectionString,
    concurrency: opts.concurrency ?? 4,
    // The embedded database is one session: no prepared statements, and NOTIFY may not reach the listener, so poll.
    noPreparedStatements: opts.singleSession,
    pollInterval: opts.singleSession ? 500 : 2000,
    noHandleSignals: true,
    taskList: taskList(db),
    // Scheduled jobs: graphile-worker's crontab runs each item once per period across all workers (known_crontabs).
    crontab: catalogCrontab(env(), CATALOG_REFRESH_TASK) + ciSchedule() + cloudSchedule(),
    logger: workerLogger(),
  });
  const depth = setInterval(() => void sampleQueueDepth(db), 5000);
  depth.unref();
  runner.promise.finally(() => clearInterval(depth)).catch(() => undefined);
  return runner;
}

async function sampleQueueDepth(db: Db) {
  try {
    const rows = await db.$queryRaw<{ task: string; n: bigint }[]>`
      SELECT t.identifier AS task, count(*)::bigint AS n FROM graphile_worker._private_jobs j
      JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.locked_at IS NULL GROUP BY 1`;
    metrics().jobQueueDepth.reset();
    for (const r of rows) metrics().jobQueueDepth.labels(r.task).set(Number(r.n));
  } catch (err) {
    log.warn({ err }, "queue depth sample failed");
  }
}
