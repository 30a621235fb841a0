import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { structuredPatch } from "diff";
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import type { Principal } from "@/server/auth/roles";
import { can } from "@/server/auth/permissions";
import { subscribe, type BusEvent } from "@/server/events/bus";
import type { ParamDef } from "@/components/runbooks/param-schema";
import { formatDuration, type RunbookDefinition } from "./definition";
import { mayApprove, runAccess } from "./access";
import { openGate, approvalRefusal } from "./runs";
import { annotationEntries, RUNBOOKS_ANNOTATION, shown } from "./sources";
import { occurrences } from "./schedules";
import { loadDefinition } from "./store";
import { TERMINAL_STATES, isTerminal } from "./state";
import { logTopic, runTopic } from "./topics";
import { runScopeOf } from "./scope";
import type { DefinitionProblem } from "./parse";

/** Read side of runbooks: lists, a runbook's page, run history (keyset-paginated), a run, its log, live updates. */

const RUN_STATES = ["queued", "awaiting_approval", "running", "succeeded", "failed", "cancelled", "timed_out", "interrupted", "missed", "skipped"] as const;

// ── runbook list ────────────────────────────────────────────────────────────────────────────────────────────────────

export const listInput = z.object({
  q: z.string().trim().max(200).optional(),
  owner: z.string().trim().max(100).optional(),
  includeArchived: z.boolean().default(false),
  cursor: z.string().max(100).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export async function listRunbooks(db: Db, input: z.output<typeof listInput>) {
  const q = input.q?.toLowerCase();
  const rows = await db.runbook.findMany({
    where: {
      ...(input.includeArchived ? {} : { archivedAt: null }),
      ...(input.owner ? { ownerSlug: input.owner } : {}),
      ...(q
        ? { OR: [{ name: { contains: q, mode: "insensitive" } }, { title: { contains: q, mode: "insensitive" } }, { description: { contains: q, mode: "insensitive" } }, { tags: { has: q } }] }
        : {}),
      ...(input.cursor ? { name: { gt: input.cursor } } : {}),
    },
    orderBy: { name: "asc" },
    take: input.limit + 1,
    select: {
      name: true, title: true, description: true, ownerSlug: true, tags: true, valid: true, dangerous: true, entityRef: true, source: true,
      archivedAt: true, currentVersion: true, lastRunId: true, lastRunState: true, lastRunAt: true, ownerTeam: { select: { name: true, slug: true } },
    },
  });
  const more = rows.length > input.limit;
  const items = rows.slice(0, input.limit);
  const owners = await db.runbook.groupBy({ by: ["ownerSlug"], where: { archivedAt: null }, _count: true, orderBy: { ownerSlug: "asc" } });
  return { items, nextCursor: more ? items[items.length - 1]!.name : null, owners: owners.map((o) => ({ slug: o.ownerSlug, count: o._count })) };
}

// ── one runbook ─────────────────────────────────────────────────────────────────────────────────────────────────────

export type ConfirmRule = { kind: "param"; name: string } | { kind: "text"; text: string } | null;

export function confirmRule(def: RunbookDefinition, name: string): ConfirmRule {
  const d = def.spec.dangerous;
  if (d === false) return null;
  if (typeof d === "object") {
    const m = /^\{\{\s*params\.([a-z][a-z0-9_]*)\s*\}\}$/.exec(d.confirm.trim());
    return m ? { kind: "param", name: m[1]! } : { kind: "text", text: d.confirm };
  }
  if (def.spec.params.some((p) => p.name === "service")) return { kind: "param", name: "service" };
  return { kind: "text", text: def.metadata.service ? def.metadata.service.replace(/^.*[:/]/, "") : name };
}

export async function getRunbook(db: Db, name: string, p: Principal) {
  const rb = await db.runbook.findUnique({ where: { name }, include: { ownerTeam: { select: { id: true, name: true, slug: true } }, schedules: true } });
  if (!rb) throw new TRPCError({ code: "NOT_FOUND", message: `No runbook ${name}` });
  const version = await db.runbookVersion.findUniqueOrThrow({ where: { runbookId_version: { runbookId: rb.id, version: rb.currentVersion } } });
  const def = version.valid ? (version.definition as unknown as RunbookDefinition) : null;
  const access = def ? runAccess(p, def, rb.ownerSlug) : { allowed: false as const, reason: "The definition is invalid" };
  const canRunTable = can(p, "runbooks.run", await runScopeOf(db, p, def, rb.ownerSlug, rb.ownerTeamId));
  const canEdit = rb.source === "ui" && can(p, "runbooks.edit", { teamIds: rb.ownerTeamId ? [rb.ownerTeamId] : [] });
  const now = new Date();
  const schedules = rb.schedules.map((s) => {
    const params = def?.spec.schedules.find((x, i) => (x.id ?? `schedule_${i + 1}`) === s.scheduleId)?.params ?? {};
    let next: Date | null = null;
    try {
      next = s.enabled ? (occurrences(s.cron, s.timezone, now, new Date(now.getTime() + 366 * 86_400_000), 1)[0] ?? null) : null;
    } catch {
      next = null;
    }
    return { id: s.scheduleId, cron: s.cron, timezone: s.timezone, enabled: s.enabled, next, params };
  });
  return {
    runbook: {
      id: rb.id, name: rb.name, title: rb.title, description: rb.description, source: rb.source, sourceRef: rb.sourceRef, owner: rb.ownerTeam ?? { id: null, name: rb.ownerSlug, slug: rb.ownerSlug },
      entityRef: rb.entityRef, tags: rb.tags, valid: rb.valid, dangerous: rb.dangerous, concurrency: rb.concurrency, currentVersion: rb.currentVersion, archivedAt: rb.archivedAt,
      lastRunState: rb.lastRunState, lastRunAt: rb.lastRunAt, lastRunId: rb.lastRunId,
    },
    version: { version: version.version, yaml: version.yaml, problems: version.problems as unknown as DefinitionProblem[], createdBy: version.createdBy, createdAt: version.createdAt, message: version.message },
    definition: def ? { params: def.spec.params as ParamDef[], steps: def.spec.steps, timeout: formatDuration(def.spec.timeout), permissions: def.spec.permissions } : null,
    access: {
      canRun: Boolean(def) && !rb.archivedAt && access.allowed && canRunTable,
      needsApproval: access.allowed ? access.needsApproval : false,
      reason: !def ? "The current version is invalid: fix it before running" : rb.archivedAt ? "Archived" : !access.allowed ? access.reason : canRunTable ? null : "You need at least the engineer role in a team allowed to run it",
      canEdit,
      editHint: rb.source === "ui" ? null : `Defined in ${rb.source === "file" ? (rb.sourceRef ? shown(rb.sourceRef) : "a file") : `the catalog (${rb.sourceRef})`}: edit it there`,
    },
    confirm: def ? confirmRule(def, rb.name) : null,
    schedules,
  };
}

export async function runbookId(db: Db, name: string): Promise<{ id: string; ownerTeamId: string | null; currentVersion: number; source: string }> {
  const rb = await db.runbook.findUnique({ where: { name }, select: { id: true, ownerTeamId: true, currentVersion: true, source: true } });
  if (!rb) throw new TRPCError({ code: "NOT_FOUND", message: `No runbook ${name}` });
  return rb;
}

/** `cursor`: versions older than this one (keyset by version number). */
export const versionsInput = z.object({ name: z.string().min(1).max(100), cursor: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(100).default(30) });

export async function listVersions(db: Db, input: z.output<typeof versionsInput>) {
  const rb = await runbookId(db, input.name);
  const rows = await db.runbookVersion.findMany({
    where: { runbookId: rb.id, ...(input.cursor ? { version: { lt: input.cursor } } : {}) },
    orderBy: { version: "desc" },
    take: input.limit + 1,
    select: { version: true, createdBy: true, createdAt: true, message: true, valid: true, source: true, hash: true },
  });
  const more = rows.length > input.limit;
  const items = rows.slice(0, input.limit);
  return { items, nextCursor: more ? items[items.length - 1]!.version : null };
}

export async function getVersion(db: Db, name: string, version: number) {
  const rb = await runbookId(db, name);
  const v = await db.runbookVersion.findUnique({ where: { runbookId_version: { runbookId: rb.id, version } } });
  if (!v) throw new TRPCError({ code: "NOT_FOUND", message: `${name} has no version ${version}` });
  return { version: v.version, yaml: v.yaml, valid: v.valid, problems: v.problems as unknown as DefinitionProblem[], createdBy: v.createdBy, createdAt: v.createdAt, message: v.message, source: v.source };
}

/** A unified diff between two versions (the `diff` package), as hunks the UI renders line by line. */
export async function diffVersions(db: Db, name: string, from: number, to: number) {
  const [a, b] = await Promise.all([getVersion(db, name, from), getVersion(db, name, to)]);
  const patch = structuredPatch(`v${from}`, `v${to}`, a.yaml, b.yaml, "", "", { context: 3 });
  const added = patch.hunks.reduce((n, h) => n + h.lines.filter((l) => l.startsWith("+")).length, 0);
  const removed = patch.hunks.reduce((n, h) => n + h.lines.filter((l) => l.startsWith("-")).length, 0);
  return { from: { version: a.version, createdBy: a.createdBy, createdAt: a.createdAt }, to: { version: b.version, createdBy: b.createdBy, createdAt: b.createdAt, message: b.message }, hunks: patch.hunks, added, removed };
}

/** Runbooks shown on a catalog entity's page: attached by metadata.service / annotation file, or named in the annotation. */
export async function runbooksForEntity(db: Db, ref: string) {
  const e = await db.entity.findUnique({ where: { ref }, select: { metadata: true } });
  const names = annotationEntries((e?.metadata as { annotations?: Record<string, unknown> } | null)?.annotations?.[RUNBOOKS_ANNOTATION]).names;
  return db.runbook.findMany({
    where: { archivedAt: null, OR: [{ entityRef: ref }, ...(names.length ? [{ name: { in: names } }] : [])] },
    orderBy: { name: "asc" },
    take: 50,
    select: { name: true, title: true, description: true, valid: true, dangerous: true, lastRunState: true, lastRunAt: true, lastRunId: true },
  });
}

// ── run history ─────────────────────────────────────────────────────────────────────────────────────────────────────

export const runsInput = z.object({
  runbook: z.string().trim().max(100).optional(),
  state: z.array(z.enum(RUN_STATES)).max(10).optional(),
  /** Email of the person who started the run, or "schedule". */
  who: z.string().trim().max(200).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  cursor: z.object({ at: z.coerce.date(), id: z.string().max(100) }).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});

export type RunRow = {
  id: string; runbook: string; title: string; version: number; state: (typeof RUN_STATES)[number]; trigger: string; requestedBy: string;
  createdAt: Date; startedAt: Date | null; finishedAt: Date | null; message: string; activeMs: number;
};

/** One page of runs, newest first. Each filter combination walks one (filter, createdAt, id) index backwards. */
export async function listRuns(db: Db, input: z.output<typeof runsInput>) {
  const where: Prisma.Sql[] = [];
  if (input.runbook) {
    const rb = await db.runbook.findUnique({ where: { name: input.runbook }, select: { id: true } });
    if (!rb) return { items: [] as RunRow[], nextCursor: null };
    where.push(Prisma.sql`r."runbookId" = ${rb.id}`);
  }
  if (input.state?.length) {
    where.push(input.state.length === 1 ? Prisma.sql`r.state = ${input.state[0]}::"RunbookRunState"` : Prisma.sql`r.state = ANY(${input.state}::"RunbookRunState"[])`);
  }
  if (input.who) {
    if (input.who === "schedule") where.push(Prisma.sql`r."requestedById" IS NULL AND r.trigger = 'schedule'`);
    else {
      const u = await db.user.findUnique({ where: { email: input.who.toLowerCase() }, select: { id: true } });
      if (!u) return { items: [] as RunRow[], nextCursor: null };
      where.push(Prisma.sql`r."requestedById" = ${u.id}`);
    }
  }
  if (input.from) where.push(Prisma.sql`r."createdAt" >= ${input.from}`);
  if (input.to) where.push(Prisma.sql`r."createdAt" < ${input.to}`);
  if (input.cursor) where.push(Prisma.sql`(r."createdAt", r.id) < (${input.cursor.at}, ${input.cursor.id})`);
  const cond = where.length ? Prisma.sql`WHERE ${Prisma.join(where, " AND ")}` : Prisma.empty;
  const rows = await db.$queryRaw<RunRow[]>`
    SELECT r.id, b.name AS runbook, b.title, r.version, r.state::text AS state, r.trigger, r."requestedBy", r."createdAt", r."startedAt",
           r."finishedAt", left(r.message, 300) AS message, r."activeMs"
    FROM (SELECT * FROM "RunbookRun" r ${cond} ORDER BY r."createdAt" DESC, r.id DESC LIMIT ${input.limit + 1}) r
    JOIN "Runbook" b ON b.id = r."runbookId"
    ORDER BY r."createdAt" DESC, r.id DESC`;
  const more = rows.length > input.limit;
  const items = rows.slice(0, input.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? { at: last.createdAt, id: last.id } : null };
}

// ── one run ─────────────────────────────────────────────────────────────────────────────────────────────────────────

export async function runTeams(db: Db, runId: string): Promise<string[]> {
  const r = await db.runbookRun.findUnique({ where: { id: runId }, select: { ownerTeamId: true } });
  return r?.ownerTeamId ? [r.ownerTeamId] : [];
}

async function runSnapshot(db: Db, id: string) {
  const run = await db.runbookRun.findUnique({
    where: { id },
    select: {
      id: true, runbookId: true, version: true, state: true, trigger: true, scheduleId: true, params: true, requestedById: true, requestedBy: true, entityRef: true,
      nextStep: true, failed: true, message: true, timeoutMs: true, activeMs: true, approvalsNeeded: true, approval: true, approvalDeadline: true,
      createdAt: true, startedAt: true, finishedAt: true, heartbeatAt: true, workerId: true, cancelRequestedAt: true, cancelRequestedBy: true,
      runbook: { select: { name: true, title: true, ownerSlug: true, dangerous: true } },
      steps: { orderBy: { index: "asc" }, select: { index: true, stepId: true, name: true, type: true, state: true, attempts: true, exitCode: true, message: true, startedAt: true, finishedAt: true, durationMs: true, result: true } },
      approvals: { orderBy: { createdAt: "asc" }, select: { gate: true, userLabel: true, decision: true, comment: true, createdAt: true } },
      artifacts: { orderBy: { name: "asc" }, select: { name: true, size: true, step: true } },
    },
  });
  if (!run) return null;
  const last = await db.runbookLogChunk.findFirst({ where: { runId: id }, orderBy: { seq: "desc" }, select: { seq: true } });
  return { ...run, lastSeq: last?.seq ?? 0 };
}

export async function getRun(db: Db, id: string, p: Principal) {
  const run = await runSnapshot(db, id);
  if (!run) throw new TRPCError({ code: "NOT_FOUND", message: "No such run" });
  const def = await loadDefinition(db, run.runbookId, run.version);
  const gate = openGate(run.approval);
  const refusal = approvalRefusal(p, run);
  const mayRun = def ? runAccess(p, def, run.runbook.ownerSlug).allowed && can(p, "runbooks.run", await runScopeOf(db, p, def, run.runbook.ownerSlug, null)) : p.isGlobalAdmin;
  return {
    run,
    params: (def?.spec.params ?? []) as ParamDef[],
    viewer: {
      canCancel: !isTerminal(run.state) && (mayRun || run.requestedById === p.id),
      canApprove: refusal === null,
      approveRefusal: gate && run.state === "awaiting_approval" ? refusal : null,
      eligibleApprover: gate ? mayApprove(p, gate) : false,
    },
  };
}

// ── log ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

export const logInput = z.object({
  id: z.string().min(1).max(100),
  /** Older chunks than this seq (scrolling up); absent: the tail. */
  before: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(2000).default(500),
});

const MAX_PAGE_CHARS = 2 * 1024 * 1024;

export type LogChunk = { seq: number; step: number | null; stream: string; text: string; lines: number; at: Date };

/** The last `limit` chunks (or those before `before`), oldest first, capped at ~2 MB of text. Index: (runId, seq). */
export async function logPage(db: Db, input: z.output<typeof logInput>) {
  const rows = await db.runbookLogChunk.findMany({
    where: { runId: input.id, ...(input.before ? { seq: { lt: input.before } } : {}) },
    orderBy: { seq: "desc" },
    take: input.limit,
    select: { seq: true, step: true, stream: true, text: true, lines: true, at: true },
  });
  let chars = 0;
  const kept: LogChunk[] = [];
  for (const r of rows) {
    chars += r.text.length;
    if (kept.length && chars > MAX_PAGE_CHARS) break;
    kept.push(r);
  }
  kept.reverse();
  return { chunks: kept, hasEarlier: (kept[0]?.seq ?? 1) > 1 };
}

/** Every chunk in order, in batches (download). */
export async function* allLogChunks(db: Db, runId: string): AsyncGenerator<LogChunk> {
  let after = 0;
  for (;;) {
    const rows = await db.runbookLogChunk.findMany({ where: { runId, seq: { gt: after } }, orderBy: { seq: "asc" }, take: 1000, select: { seq: true, step: true, stream: true, text: true, lines: true, at: true } });
    for (const r of rows) yield r;
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]!.seq;
  }
}

// ── live ────────────────────────────────────────────────────────────────────────────────────────────────────────────

export type WatchEvent =
  | { type: "run"; run: NonNullable<Awaited<ReturnType<typeof runSnapshot>>> }
  | { type: "log"; chunks: LogChunk[] };

/**
 * The live view of a run (tRPC subscription over SSE): its state whenever it changes, and every log chunk after
 * `afterSeq` as it is written. Woken by the bus (LISTEN/NOTIFY across processes), with a 2 s safety re-read; ends after
 * the run is terminal and its last chunk was sent.
 */
export async function* watchRun(db: Db, id: string, afterSeq: number, signal: AbortSignal | undefined): AsyncGenerator<WatchEvent> {
  const ctl = new AbortController();
  const stop = () => ctl.abort();
  signal?.addEventListener("abort", stop, { once: true });
  const logChanged = logTopic(id);
  const events = await subscribe(db, [runTopic(id), logChanged], ctl.signal);
  const it = events[Symbol.asyncIterator]();
  let seq = afterSeq;
  let lastKey = "";
  let pending: Promise<IteratorResult<BusEvent>> | null = null;
  let snap: NonNullable<Awaited<ReturnType<typeof runSnapshot>>> | null = null;
  // The run is re-read on a change of the run (its topic), at the safety poll and after a bus resync, not for every log
  // chunk: output arrives up to ten times a second per run, and every change of the run announces itself on runTopic.
  let rereadRun = true;
  try {
    while (!ctl.signal.aborted) {
      if (rereadRun || !snap) {
        snap = await runSnapshot(db, id);
        if (!snap) return;
        const key = JSON.stringify([snap.state, snap.steps, snap.approvals, snap.artifacts, snap.cancelRequestedAt, snap.message, snap.nextStep]);
        if (key !== lastKey) {
          lastKey = key;
          yield { type: "run", run: snap };
        }
      }
      for (;;) {
        const chunks = await db.runbookLogChunk.findMany({ where: { runId: id, seq: { gt: seq } }, orderBy: { seq: "asc" }, take: 500, select: { seq: true, step: true, stream: true, text: true, lines: true, at: true } });
        if (!chunks.length) break;
        seq = chunks[chunks.length - 1]!.seq;
        yield { type: "log", chunks };
        if (chunks.length < 500) break;
      }
      if (TERMINAL_STATES.includes(snap.state) && seq >= snap.lastSeq) return;
      pending ??= it.next();
      const poll = new Promise<"poll">((r) => setTimeout(() => r("poll"), 2000).unref());
      const got = await Promise.race([pending, poll]);
      if (got === "poll") rereadRun = true;
      else {
        pending = null;
        if (got.done) return;
        const woke = [got.value, ...events.drain()];
        rereadRun = woke.some((ev) => ev.resync || ev.topic !== logChanged);
      }
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    ctl.abort();
    await it.return?.();
  }
}
