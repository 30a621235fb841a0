// `npm run worker`: graphile-worker on its own, for production scale-out (web replicas with OPSDECK_WORKER=off plus
// M of these, all on one Postgres). Needs DATABASE_URL; refuses the embedded demo database.
import { createDb } from "@/server/db/client";
import { migrationStatus } from "@/server/db/migration-status";
import { parseEnv } from "@/server/env";
import { startWorker } from "@/server/jobs/runner";
import { log } from "@/server/log";
import { runMain } from "./lib/database";

const DEMO_REFUSAL = `npm run worker needs a real Postgres (DATABASE_URL).
In demo mode the worker already runs inside \`npm start\` (OPSDECK_WORKER=inline): the embedded database (PGlite)
serves every connection in ONE Postgres session, so a second process would share that session with the app — no
LISTEN/NOTIFY, no isolation between their transactions. Set DATABASE_URL to run workers separately.`;

runMain(async () => {
  const e = parseEnv(process.env, { requireDatabase: false });
  if (e.demoMode || !e.DATABASE_URL) {
    console.error(DEMO_REFUSAL);
    return 1;
  }
  const db = createDb(e.DATABASE_URL, { max: e.DATABASE_POOL_MAX });
  // Workers do not migrate (that is one deliberate step: `npm run db:migrate`, or `npm start`); they refuse a
  // database whose schema is older than their code.
  const status = await migrationStatus(db);
  if (!status.ok) {
    console.error(`worker: the database is not ready: ${status.reason}`);
    await db.$disconnect();
    return 1;
  }
  const runner = await startWorker(db, { connectionString: e.DATABASE_URL, singleSession: false });
  log.info({ component: "worker", pid: process.pid }, "worker started");

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ component: "worker" }, `${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    log.info({ component: "worker" }, `${signal}: stopping worker (running jobs get 5 s, then go back to the queue)`);
    runner.stop().catch((err: unknown) => log.error({ component: "worker", err }, "worker did not stop cleanly"));
  };
  process.on("SIGTERM", stop).on("SIGINT", stop);
  // Under `npm run worker` npm's SIGTERM kills the `sh -c` between us and it, and stops there: follow our parent.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !stopping) stop("SIGTERM");
  }, 1000).unref();

  try {
    await runner.promise;
    if (!stopping) throw new Error("worker exited unexpectedly");
    log.info({ component: "worker" }, "worker stopped");
    return 0;
  } finally {
    await db.$disconnect();
  }
});
