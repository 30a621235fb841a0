import { hostname } from "node:os";
import type { Db, Tx } from "@/server/db/client";
import { env } from "@/server/env";
import { log } from "@/server/log";
import { publish } from "@/server/events/bus";
import { killRecordedGroup, type ProcId } from "@/server/exec";
import { runSchedules } from "./schedules";
import { runbookDirs, syncRunbookSources } from "./sources";
import { moveRun, WORKER_ACTOR } from "./state";
import { RUNBOOKS_TOPIC, runTopic } from "./topics";

/**
 * Keeping runbooks honest while nobody watches:
 *  - recoverRunbooks (worker boot, and every tick): a `running` run whose worker stopped sending heartbeats (it was
 *    SIGKILLed, the machine died) becomes `interrupted` — never resumed, since its steps may have had effects — with
 *    its log intact plus a closing line; leftover step processes on this host are killed. Runs waiting for approval
 *    past their deadline become `timed_out`.
 *  - the tick (graphile-worker job TICK_TASK, once a minute across all workers by its job key): syncs runbook
 *    directories and annotations, fires schedules, then recovers.
 */

export const TICK_TASK = "runbook_tick";
/** Heartbeats come every second; a run silent this long lost its worker. */
export const STALE_MS = 30_000;

export type RecoverResult = { interrupted: number; approvalTimeouts: number; processesKilled: number };

export async function recoverRunbooks(db: Db, opts: { now?: Date; staleMs?: number } = {}): Promise<RecoverResult> {
  const now = opts.now ?? new Date();
  const res: RecoverResult = { interrupted: 0, approvalTimeouts: 0, processesKilled: 0 };
  const stale = await db.runbookRun.findMany({
    where: { state: "running", workerId: { not: null }, heartbeatAt: { lt: new Date(now.getTime() - (opts.staleMs ?? STALE_MS)) } },
    select: { id: true, workerId: true, heartbeatAt: true },
  });
  for (const run of stale) {
    const steps = await db.runbookStepRun.findMany({ where: { runId: run.id, state: { in: ["running"] } }, select: { index: true, process: true } });
    for (const st of steps) {
      const p = st.process as (ProcId & { host: string }) | null;
      if (p && p.host === hostname()) res.processesKilled += killRecordedGroup({ pid: p.pid, start: p.start });
    }
    const moved = await db.$transaction(async (tx) => {
      const last = await tx.runbookLogChunk.findFirst({ where: { runId: run.id }, orderBy: { seq: "desc" }, select: { seq: true } });
      const ok = await moveRun(tx, WORKER_ACTOR(run.id), run.id, ["running"], "interrupted", {
        message: `worker ${run.workerId} stopped responding (last heartbeat ${run.heartbeatAt?.toISOString() ?? "never"}); not resumed because steps may have had effects`,
      });
      if (!ok) return false;
      await tx.runbookStepRun.updateMany({ where: { runId: run.id, state: { in: ["running"] } }, data: { state: "interrupted", finishedAt: now, process: undefined } });
      await tx.runbookStepRun.updateMany({ where: { runId: run.id, state: "pending" }, data: { state: "skipped", message: "not reached" } });
      await tx.runbookLogChunk.create({
        data: { runId: run.id, seq: (last?.seq ?? 0) + 1, step: null, stream: "sys", text: `✗ run interrupted: worker ${run.workerId} stopped responding; the output above is everything it sent\n`, lines: 1 },
      });
      return true;
    });
    if (moved) {
      res.interrupted++;
      await publish(db, runTopic(run.id));
    }
  }
  const overdue = await db.runbookRun.findMany({ where: { state: "awaiting_approval", approvalDeadline: { lt: now } }, select: { id: true } });
  for (const run of overdue) {
    const moved = await db.$transaction(async (tx) => {
      const ok = await moveRun(tx, WORKER_ACTOR(run.id), run.id, ["awaiting_approval"], "timed_out", { message: "no decision on the approval in time" });
      if (ok) await tx.runbookStepRun.updateMany({ where: { runId: run.id, state: { in: ["awaiting_approval", "pending"] } }, data: { state: "timed_out", finishedAt: now } });
      return ok;
    });
    if (moved) {
      res.approvalTimeouts++;
      await publish(db, runTopic(run.id));
    }
  }
  if (res.interrupted + res.approvalTimeouts) {
    log.warn({ component: "runbooks", ...res }, "settled runbook runs whose worker died or whose approval expired");
    await publish(db, RUNBOOKS_TOPIC, { recovered: true });
  }
  return res;
}

/** Puts the next tick in the queue (at the start of the next minute); the job key keeps it to one pending tick. */
export async function scheduleTick(db: Db, opts: { replace?: boolean } = {}): Promise<void> {
  const mode = opts.replace ? "replace" : "preserve_run_at";
  await db.$executeRaw`SELECT graphile_worker.add_job(${TICK_TASK}::text, '{}'::json,
    run_at => date_trunc('minute', now()) + interval '1 minute', job_key => ${TICK_TASK}::text, job_key_mode => ${mode}::text, max_attempts => 3)`;
}

/** Runs the tick now (runbooks.reload), in the caller's transaction. */
export async function requestTick(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT graphile_worker.add_job(${TICK_TASK}::text, '{}'::json, run_at => now(), job_key => ${TICK_TASK}::text, job_key_mode => 'replace', max_attempts => 3)`;
}

export async function runbookTick(db: Db, now = new Date()): Promise<void> {
  try {
    const e = env();
    const sync = await syncRunbookSources(db, { dirs: runbookDirs(e) });
    if (sync.created + sync.updated + sync.archived) {
      log.info({ component: "runbooks", ...sync, problems: sync.problems.length }, "runbook sources synced");
      await publish(db, RUNBOOKS_TOPIC, { sync: true });
    }
    for (const p of sync.problems) log.warn({ component: "runbooks", source: p.source }, p.message);
    await runSchedules(db, now);
    await recoverRunbooks(db, { now });
  } finally {
    await scheduleTick(db, { replace: true });
  }
}

/** At worker start, before taking jobs: settle what died with a previous worker, load sources, make sure ticks run. */
export async function bootRunbooks(db: Db): Promise<void> {
  await recoverRunbooks(db);
  try {
    const sync = await syncRunbookSources(db, { dirs: runbookDirs(env()) });
    log.info({ component: "runbooks", ...sync, problems: sync.problems.length }, "runbooks loaded");
  } catch (err) {
    log.error({ err }, "loading runbooks failed");
  }
  await scheduleTick(db);
}
