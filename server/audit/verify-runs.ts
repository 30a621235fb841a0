import { TRPCError } from "@trpc/server";
import { publish } from "@/server/events/bus";
import type { Db, Tx } from "@/server/db/client";
import type { AuditedChange } from "./append";
import { verifyAuditChain } from "./verify";
import { enqueueJob } from "@/server/jobs/enqueue";

export const AUDIT_VERIFY_TASK = "audit_verify";
/** A run whose heartbeat is older than this lost its worker (progress is written at least every chunk, well under a minute). */
export const VERIFY_STALE_MS = 2 * 60_000;

/** Runs left queued/running by a worker that died are settled as failed, never left "running" forever. */
export async function settleAbandonedVerifyRuns(db: Db | Tx, now = new Date()): Promise<number> {
  const { count } = await db.auditVerifyRun.updateMany({
    where: { state: { in: ["queued", "running"] }, heartbeatAt: { lt: new Date(now.getTime() - VERIFY_STALE_MS) } },
    data: { state: "failed", finishedAt: now, message: "abandoned: no progress for 2 minutes (the worker stopped)" },
  });
  return count;
}

/** Records a verification request and enqueues it in the same transaction (so a rolled-back request runs nothing). */
export async function requestVerify(tx: Tx, requestedBy: string): Promise<AuditedChange<{ id: string }>> {
  await settleAbandonedVerifyRuns(tx);
  const active = await tx.auditVerifyRun.findFirst({ where: { state: { in: ["queued", "running"] } }, select: { id: true } });
  if (active) throw new TRPCError({ code: "CONFLICT", message: "A verification is already running" });
  const run = await tx.auditVerifyRun.create({ data: { requestedBy } });
  await enqueueJob(tx, AUDIT_VERIFY_TASK, { runId: run.id });
  return { result: { id: run.id }, targetType: "audit-verify", targetId: run.id, after: { state: "queued" } };
}

export const verifyTopic = (runId: string) => `audit-verify:${runId}`;

export async function executeVerifyRun(db: Db, runId: string): Promise<void> {
  const changed = () => publish(db, verifyTopic(runId), { id: runId });
  // Only a queued run starts: a job that outlived its settled (failed) run does nothing.
  const claimed = await db.auditVerifyRun.updateMany({ where: { id: runId, state: "queued" }, data: { state: "running", startedAt: new Date(), heartbeatAt: new Date() } });
  if (claimed.count === 0) return;
  await changed();
  try {
    const result = await verifyAuditChain(db, {
      onProgress: async (p) => {
        await db.auditVerifyRun.update({ where: { id: runId }, data: { checked: p.checked, total: p.total, heartbeatAt: new Date() } });
        await changed();
      },
    });
    await db.auditVerifyRun.update({
      where: { id: runId },
      data: result.ok
        ? { state: "ok", checked: result.checked, total: result.checked, finishedAt: new Date(), message: `chain intact; head ${result.headHash}` }
        : { state: "broken", checked: result.checked, firstBadSeq: result.firstBadSeq, finishedAt: new Date(), message: result.reason },
    });
    await changed();
  } catch (err) {
    await db.auditVerifyRun.update({ where: { id: runId }, data: { state: "failed", finishedAt: new Date(), message: String((err as Error).message ?? err) } });
    await changed();
    throw err;
  }
}

export async function latestVerifyRuns(db: Db) {
  return db.auditVerifyRun.findMany({ orderBy: { createdAt: "desc" }, take: 5 });
}
