import type { Prisma } from "@/generated/prisma/client";
import type { AuditOutcome } from "@/generated/prisma/enums";
import type { Db, Tx } from "@/server/db/client";

/** Who did it and from where: taken from the request context. */
export type AuditActor = { actorId: string | null; actorLabel: string; ip: string; requestId: string };

export type AuditRecord = {
  action: string;
  targetType?: string;
  targetId?: string;
  outcome?: AuditOutcome;
  before?: Prisma.InputJsonValue | null;
  after?: Prisma.InputJsonValue | null;
  meta?: Prisma.InputJsonValue | null;
};

const json = (v: Prisma.InputJsonValue | null | undefined) => (v === null || v === undefined ? undefined : v);

/** The columns of one event as the caller provides them (the trigger fills seq, ts and the hashes). */
export function auditRowData(actor: AuditActor, rec: AuditRecord) {
  return {
    actorId: actor.actorId,
    actorLabel: actor.actorLabel,
    ip: actor.ip,
    requestId: actor.requestId,
    action: rec.action,
    targetType: rec.targetType ?? "",
    targetId: rec.targetId ?? "",
    outcome: rec.outcome ?? "success",
    before: json(rec.before),
    after: json(rec.after),
    meta: json(rec.meta),
  } satisfies Prisma.AuditEventCreateInput;
}

/** Appends one event. seq, ts and the hashes are assigned by the database trigger under the chain lock. */
export async function appendAudit(db: Db | Tx, actor: AuditActor, rec: AuditRecord): Promise<void> {
  await db.auditEvent.create({ data: auditRowData(actor, rec), select: { seq: true } });
}

export type AuditedChange<T> = Omit<AuditRecord, "action" | "outcome"> & { result: T };

/**
 * The one audited path for a mutation: the change and its audit event commit in one transaction, or neither does.
 * The audit row is appended last, so the chain lock is held only for the end of the transaction.
 */
export type AuditedOptions = {
  /** Interactive-transaction limit; Prisma's 5 s default suits ordinary edits, bulk work (catalog ingest, rescoring) needs more. */
  timeoutMs?: number;
};

export async function runAudited<T>(
  db: Db,
  actor: AuditActor,
  action: string,
  change: (tx: Tx) => Promise<AuditedChange<T>>,
  opts: AuditedOptions = {},
): Promise<T> {
  return db.$transaction(
    async (tx) => {
      const { result, ...rec } = await change(tx);
      await appendAudit(tx, actor, { ...rec, action, outcome: "success" });
      return result;
    },
    { timeout: opts.timeoutMs ?? 5_000, maxWait: 10_000 },
  );
}
