import { hostname } from "node:os";
import { Cron } from "croner";
import { TRPCError } from "@trpc/server";
import type { Db, Tx } from "@/server/db/client";
import { appendAudit, type AuditActor } from "@/server/audit/append";
import { log } from "@/server/log";
import { publish } from "@/server/events/bus";
import { createRun, runbookByName } from "./runs";
import { RUNBOOKS_TOPIC } from "./topics";

/**
 * Cron schedules of runbooks (spec.schedules: cron + fixed params). Every minute the tick (maintenance.ts) looks at
 * each enabled schedule under a row lock and handles the occurrences since it last looked (`checkedUntil`):
 *  - the latest occurrence, if it is at most GRACE_MS old, fires: its slot (runbook, schedule, time) is claimed with a
 *    unique row first, so however many processes tick, one run starts per occurrence;
 *  - older occurrences (Opsdeck was down, or the tick was late) are not run late and not run in bulk: ONE `missed`
 *    record per gap says how many were missed and when, and shows in the run history.
 * A fired occurrence that cannot start (concurrency limit, invalid definition) is recorded as `skipped` with why.
 */

export const GRACE_MS = 2 * 60_000;
/** Occurrences counted per gap at most (a minutely schedule down for months stops counting here). */
const MAX_COUNT = 100_000;
const SCHEDULER = `scheduler@${hostname()}:${process.pid}`;

function actorFor(scheduleId: string, runbook: string): AuditActor {
  return { actorId: null, actorLabel: `schedule:${runbook}/${scheduleId}`, ip: "", requestId: "" };
}

/** Occurrences in (after, until], at most `max`. */
export function occurrences(cron: string, timezone: string | null, after: Date, until: Date, max = MAX_COUNT): Date[] {
  const c = new Cron(cron, { timezone: timezone ?? undefined, paused: true });
  const out: Date[] = [];
  let t: Date | null = after;
  while (out.length < max) {
    t = c.nextRun(t);
    if (!t || t > until) break;
    out.push(t);
  }
  return out;
}

export type TickResult = { fired: number; missed: number; skipped: number };

export async function runSchedules(db: Db, now = new Date()): Promise<TickResult> {
  const res: TickResult = { fired: 0, missed: 0, skipped: 0 };
  const due = await db.runbookSchedule.findMany({
    where: { enabled: true, checkedUntil: { lt: now }, runbook: { archivedAt: null } },
    select: { runbookId: true, scheduleId: true, runbook: { select: { name: true } } },
  });
  for (const d of due) {
    try {
      const r = await handleSchedule(db, d.runbookId, d.scheduleId, d.runbook.name, now);
      res.fired += r.fired;
      res.missed += r.missed;
      res.skipped += r.skipped;
    } catch (err) {
      log.error({ err, runbook: d.runbook.name, schedule: d.scheduleId }, "runbook schedule failed");
    }
  }
  if (res.fired + res.missed + res.skipped) await publish(db, RUNBOOKS_TOPIC, { schedules: true });
  return res;
}

async function handleSchedule(db: Db, runbookId: string, scheduleId: string, runbook: string, now: Date): Promise<TickResult> {
  const res: TickResult = { fired: 0, missed: 0, skipped: 0 };
  const actor = actorFor(scheduleId, runbook);
  // One transaction per schedule: the row lock makes concurrent ticks wait, then see the advanced checkedUntil.
  await db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ cron: string; timezone: string | null; checkedUntil: Date; enabled: boolean }[]>`
        SELECT cron, timezone, "checkedUntil", enabled FROM "RunbookSchedule"
        WHERE "runbookId" = ${runbookId} AND "scheduleId" = ${scheduleId} FOR UPDATE`;
      const sch = rows[0];
      if (!sch || !sch.enabled || sch.checkedUntil >= now) return;
      const occ = occurrences(sch.cron, sch.timezone, sch.checkedUntil, now);
      await tx.runbookSchedule.update({ where: { runbookId_scheduleId: { runbookId, scheduleId } }, data: { checkedUntil: now } });
      if (!occ.length) return;
      const latest = occ[occ.length - 1]!;
      const fire = now.getTime() - latest.getTime() <= GRACE_MS;
      const missed = fire ? occ.slice(0, -1) : occ;
      const rb = await runbookByName(tx, runbook);
      if (!rb) return;
      if (missed.length) {
        const first = missed[0]!;
        const last = missed[missed.length - 1]!;
        const claimed = await tx.runbookScheduleSlot.createMany({ data: [{ runbookId, scheduleId, slotAt: last, outcome: "missed", claimedBy: SCHEDULER }], skipDuplicates: true });
        if (claimed.count) {
          const message = `missed ${missed.length}${missed.length >= MAX_COUNT ? "+" : ""} scheduled run${missed.length > 1 ? "s" : ""} (${scheduleId}: ${sch.cron}) between ${first.toISOString()} and ${last.toISOString()} while Opsdeck was not running; not run late`;
          const run = await tx.runbookRun.create({
            data: { runbookId, version: rb.currentVersion, state: "missed", trigger: "schedule", scheduleId, requestedBy: actor.actorLabel, ownerTeamId: rb.ownerTeamId, entityRef: rb.entityRef, timeoutMs: 0, message, createdAt: last, finishedAt: now },
            select: { id: true },
          });
          await tx.runbookScheduleSlot.update({ where: { runbookId_scheduleId_slotAt: { runbookId, scheduleId, slotAt: last } }, data: { runId: run.id } });
          await appendAuditIn(tx, actor, "runbook.schedule.missed", run.id, { runbook, schedule: scheduleId, count: missed.length, from: first.toISOString(), to: last.toISOString() });
          res.missed += missed.length;
        }
      }
      if (!fire) return;
      const slot = await tx.runbookScheduleSlot.createMany({ data: [{ runbookId, scheduleId, slotAt: latest, outcome: "started", claimedBy: SCHEDULER }], skipDuplicates: true });
      if (!slot.count) return; // another process fired this occurrence
      const params = (rb.definition?.spec.schedules.find((s, i) => (s.id ?? `schedule_${i + 1}`) === scheduleId)?.params ?? {}) as Record<string, unknown>;
      // Starting may be refused (limit, invalid); that must not undo the claim, so it runs in a savepoint.
      await tx.$executeRaw`SAVEPOINT schedule_start`;
      try {
        const change = await createRun(
          tx,
          { runbook: rb, params, trigger: "schedule", scheduleId, requestedById: null, requestedBy: actor.actorLabel, principal: null },
          rb.definition?.spec.permissions.requireApproval ?? false,
        );
        await tx.$executeRaw`RELEASE SAVEPOINT schedule_start`;
        await tx.runbookScheduleSlot.update({ where: { runbookId_scheduleId_slotAt: { runbookId, scheduleId, slotAt: latest } }, data: { runId: change.result.id } });
        await appendAuditIn(tx, actor, "runbook.schedule.fire", change.result.id, { runbook, schedule: scheduleId, at: latest.toISOString(), ...(change.after as object) });
        res.fired++;
      } catch (err) {
        await tx.$executeRaw`ROLLBACK TO SAVEPOINT schedule_start`;
        const why = err instanceof TRPCError ? err.message : (err as Error).message;
        const run = await tx.runbookRun.create({
          data: { runbookId, version: rb.currentVersion, state: "skipped", trigger: "schedule", scheduleId, requestedBy: actor.actorLabel, ownerTeamId: rb.ownerTeamId, entityRef: rb.entityRef, timeoutMs: 0, message: `scheduled run at ${latest.toISOString()} not started: ${why}`, finishedAt: now },
          select: { id: true },
        });
        await tx.runbookScheduleSlot.update({ where: { runbookId_scheduleId_slotAt: { runbookId, scheduleId, slotAt: latest } }, data: { outcome: "skipped", runId: run.id } });
        await appendAuditIn(tx, actor, "runbook.schedule.fire", run.id, { runbook, schedule: scheduleId, at: latest.toISOString(), skipped: why });
        res.skipped++;
      }
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
  return res;
}

function appendAuditIn(tx: Tx, actor: AuditActor, action: string, runId: string, after: Record<string, unknown>) {
  return appendAudit(tx, actor, { action, targetType: "runbook-run", targetId: runId, after: after as never });
}
