import { Prisma } from "@/generated/prisma/client";
import type { RunbookRunState } from "@/generated/prisma/enums";
import type { Tx } from "@/server/db/client";
import { appendAudit, type AuditActor } from "@/server/audit/append";

/**
 * The RunbookRun state machine (DESIGN.md): queued → (awaiting_approval) → running → succeeded | failed | cancelled |
 * timed_out | interrupted. A run also pauses running → awaiting_approval at an approval step and resumes. `missed` and
 * `skipped` are recorded terminal (scheduled occurrences that never ran). The trigger `runbook_run_guard` (migration
 * runbooks) enforces the same edges in SQL; every move here is one conditional UPDATE plus its audit event, in the
 * caller's transaction.
 */

export type RunState = RunbookRunState;

export const ACTIVE_STATES: RunState[] = ["queued", "awaiting_approval", "running"];
export const TERMINAL_STATES: RunState[] = ["succeeded", "failed", "cancelled", "timed_out", "interrupted", "missed", "skipped"];

export const EDGES: Record<RunState, RunState[]> = {
  queued: ["running", "awaiting_approval", "cancelled", "interrupted", "timed_out"],
  awaiting_approval: ["running", "cancelled", "timed_out"],
  running: ["awaiting_approval", "succeeded", "failed", "cancelled", "timed_out", "interrupted"],
  succeeded: [],
  failed: [],
  cancelled: [],
  timed_out: [],
  interrupted: [],
  missed: [],
  skipped: [],
};

export function isTerminal(s: RunState): boolean {
  return TERMINAL_STATES.includes(s);
}

export const WORKER_ACTOR = (requestId: string): AuditActor => ({ actorId: null, actorLabel: "worker", ip: "", requestId });

export class IllegalMove extends Error {}

/**
 * Moves run `id` from one of `from` to `to` (only along EDGES), with extra column updates, and appends the audit event
 * "runbook.run.state" (unless the caller's audited mutation records it). Returns false when the run was not in `from` (someone else moved it first).
 */
export async function moveRun(
  tx: Tx,
  /** Null when the caller's own audited record (a mutation's single event) already describes the move. */
  actor: AuditActor | null,
  id: string,
  from: RunState[],
  to: RunState,
  data: Prisma.RunbookRunUncheckedUpdateManyInput = {},
  meta: Prisma.InputJsonValue | null = null,
): Promise<boolean> {
  const allowedFrom = from.filter((f) => EDGES[f].includes(to));
  if (!allowedFrom.length) throw new IllegalMove(`${from.join("|")} → ${to} is not a run state transition`);
  const current = await tx.runbookRun.findUnique({ where: { id }, select: { state: true, runbookId: true } });
  if (!current || !allowedFrom.includes(current.state)) return false;
  const terminal = isTerminal(to);
  const now = new Date();
  const { count } = await tx.runbookRun.updateMany({
    where: { id, state: current.state },
    data: {
      ...data,
      state: to,
      ...(terminal ? { finishedAt: now, secretParams: null, workerId: null, approval: Prisma.DbNull, approvalDeadline: null } : {}),
    },
  });
  if (count === 0) return false;
  await tx.runbook.update({ where: { id: current.runbookId }, data: { lastRunId: id, lastRunState: to, lastRunAt: now } });
  if (actor) await appendAudit(tx, actor, {
    action: "runbook.run.state",
    targetType: "runbook-run",
    targetId: id,
    before: { state: current.state },
    after: { state: to, ...(typeof data.message === "string" && data.message ? { message: data.message } : {}) },
    meta,
  });
  return true;
}

/** The database said no: concurrency limit (trigger RB001 or a slot race on the unique index) or an illegal move. */
export function concurrencyLimitOf(err: unknown): boolean {
  const text = errorText(err);
  return text.includes("runbook_concurrency_limit") || text.includes("RunbookRun_runbook_slot_key");
}

export function errorText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    const o = e as { message?: unknown; meta?: unknown; cause?: unknown };
    if (typeof o.message === "string") parts.push(o.message);
    if (o.meta) parts.push(JSON.stringify(o.meta));
    e = o.cause;
  }
  return parts.join(" | ");
}
