import { TRPCError } from "@trpc/server";
import type { Db, Tx } from "@/server/db/client";
import type { AuditedChange } from "./append";
import { verifyAuditChain } from "./verify";
import { enqueueJob } from "@/server/jobs/enqueue";

export const AUDIT_VERIFY_TASK = "audit_verify";

/** Records a verification request and enqueues it in the same transaction (so a rolled-back request runs nothing). */
export async function requestVerify(tx: Tx, requestedBy: string): Promise<AuditedChange<{ id: string }>> {
  const active = await tx.auditVerifyRun.findFirst({ where: { state: { in: ["queued", "running"] } }, select: { id: true } });
  if (active) throw new TRPCError({ code: "CONFLICT", message: "A verification is already running" });
  const run = await tx.auditVerifyRun.create({ data: { requestedBy } });
  await enqueueJob(tx, AUDIT_VERIFY_TASK, { runId: run.id });
  return { result: { id: run.id }, targetType: "audit-verify", targetId: run.id, after: { state: "queued" } };
}

export async function executeVerifyRun(db: Db, runId: string): Promise<void> {
  const run = await db.auditVerifyRun.update({ where: { id: runId }, data: { state: "running", startedAt: new Date() } });
  try {
    const result = await verifyAuditChain(db, {
      onProgress: async (p) => {
        await db.auditVerifyRun.update({ where: { id: run.id }, data: { checked: p.checked, total: p.total } });
      },
    });
    await db.auditVerifyRun.update({
      where: { id: run.id },
      data: result.ok
        ? { state: "ok", checked: result.checked, total: result.checked, finishedAt: new Date(), message: `chain intact; head ${result.headHash.slice(0, 16)}…` }
        : { state: "broken", checked: result.checked, firstBadSeq: result.firstBadSeq, finishedAt: new Date(), message: result.reason },
    });
  } catch (err) {
    await db.auditVerifyRun.update({ where: { id: run.id }, data: { state: "failed", finishedAt: new Date(), message: String((err as Error).message ?? err) } });
    throw err;
  }
}

export async function latestVerifyRuns(db: Db) {
  return db.auditVerifyRun.findMany({ orderBy: { createdAt: "desc" }, take: 5 });
}
