import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import { appendAudit, type AuditActor, type AuditedChange } from "@/server/audit/append";
import type { Principal } from "@/server/auth/roles";
import { enqueueJob } from "@/server/jobs/enqueue";
import { displayValue, type ParamDef, type ParamValues } from "@/components/runbooks/param-schema";
import { paramsSchemaOf, stepIdOf, stepTitle, type RunbookDefinition } from "./definition";
import { mayApprove, runAccess, runApprovalRule, type ApprovalRule } from "./access";
import { loadDefinition } from "./store";
import { sealSecrets, secretKey, SecretKeyMissing } from "./secrets";
import { concurrencyLimitOf, isTerminal, moveRun } from "./state";
import { renderTemplate, parseTemplate } from "./template";
import type { Value } from "./expr";

/** graphile-worker task that executes (or resumes) one run; one job per run at a time. */
export const RUN_TASK = "runbook_run";
/** How long a run-level approval may wait before the run times out. */
export const RUN_APPROVAL_TTL_MS = 24 * 3_600_000;

export type RunbookRow = { id: string; name: string; ownerSlug: string; ownerTeamId: string | null; entityRef: string | null; currentVersion: number; valid: boolean; archivedAt: Date | null; concurrency: number };

export async function runbookByName(db: Db | Tx, name: string): Promise<(RunbookRow & { definition: RunbookDefinition | null }) | null> {
  const rb = await db.runbook.findUnique({
    where: { name },
    select: { id: true, name: true, ownerSlug: true, ownerTeamId: true, entityRef: true, currentVersion: true, valid: true, archivedAt: true, concurrency: true },
  });
  if (!rb) return null;
  return { ...rb, definition: rb.valid ? await loadDefinition(db, rb.id, rb.currentVersion) : null };
}

/** The text a dangerous runbook asks to be typed: its `confirm` template, else the service parameter, else the service, else the name. */
export function confirmationText(def: RunbookDefinition, name: string, values: ParamValues): string | null {
  const d = def.spec.dangerous;
  if (d === false) return null;
  if (typeof d === "object") return renderTemplate(parseTemplate(d.confirm), { params: values as Record<string, Value> });
  const service = values.service;
  if (typeof service === "string" && service) return service;
  if (def.metadata.service) return def.metadata.service.replace(/^.*[:/]/, "");
  return name;
}

/** Step names may use parameters ("Scale to {{ params.replicas }}"); secrets never appear (they are masked first). */
function renderedTitle(title: string, values: ParamValues): string {
  if (!title.includes("{{")) return title;
  try {
    return renderTemplate(parseTemplate(title), { params: values as Record<string, Value> }).slice(0, 200);
  } catch {
    return title;
  }
}

export function maskParams(defs: readonly ParamDef[], values: ParamValues): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(values)) {
    const def = defs.find((d) => d.name === k);
    out[k] = def?.type === "secret" ? displayValue(def, v) : v;
  }
  return out;
}

export type StartRequest = {
  runbook: RunbookRow & { definition: RunbookDefinition | null };
  params: Record<string, unknown>;
  confirm?: string;
  trigger: "manual" | "schedule";
  scheduleId?: string;
  requestedById: string | null;
  requestedBy: string;
  /** Null for schedules (they follow the definition's approval rule only when requireApproval is set). */
  principal: Principal | null;
};

/** Refuses with the runbook's own rules (table permission already passed); the refusal is audited as denied. */
export async function checkRunAccess(db: Db, actor: AuditActor, principal: Principal, rb: RunbookRow & { definition: RunbookDefinition | null }) {
  if (!rb.definition) return { allowed: true as const, needsApproval: false, via: "" }; // invalid: refused later with a clear message
  const access = runAccess(principal, rb.definition, rb.ownerSlug);
  if (!access.allowed) {
    await appendAudit(db, actor, { action: "runbook.run.start", outcome: "denied", targetType: "runbook", targetId: rb.name, meta: { permission: "runbooks.run", reason: access.reason } });
    throw new TRPCError({ code: "FORBIDDEN", message: access.reason });
  }
  return access;
}

/**
 * Creates a run in the caller's transaction: parameters validated with the same schema as the form, secrets sealed,
 * the concurrency slot taken by the trigger, step rows laid out, and the job enqueued unless it waits for approval.
 */
export async function createRun(tx: Tx, req: StartRequest, needsApproval: boolean): Promise<AuditedChange<{ id: string; state: string }>> {
  const rb = req.runbook;
  const def = rb.definition;
  if (!def || !rb.valid) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${rb.name} has an invalid definition (version ${rb.currentVersion}); fix it before running` });
  if (rb.archivedAt) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${rb.name} is archived` });
  const parsed = paramsSchemaOf(def).safeParse(req.params);
  if (!parsed.success) throw new TRPCError({ code: "BAD_REQUEST", message: "Some parameters are not valid", cause: new ZodError(parsed.error.issues) });
  const values = parsed.data as ParamValues;
  const confirmText = confirmationText(def, rb.name, values);
  if (confirmText !== null && req.trigger === "manual" && req.confirm?.trim() !== confirmText) {
    throw new TRPCError({ code: "BAD_REQUEST", message: `This runbook is dangerous: type ${JSON.stringify(confirmText)} to confirm` });
  }
  const defs = def.spec.params as ParamDef[];
  const secrets: Record<string, string> = {};
  for (const d of defs) if (d.type === "secret" && typeof values[d.name] === "string" && values[d.name] !== "") secrets[d.name] = values[d.name] as string;
  const id = randomUUID();
  let sealed: string | null = null;
  if (Object.keys(secrets).length) {
    if (!secretKey()) throw new TRPCError({ code: "PRECONDITION_FAILED", message: new SecretKeyMissing().message });
    sealed = sealSecrets(secrets, id);
  }
  const rule = runApprovalRule(def, rb.ownerSlug);
  const state = needsApproval ? "awaiting_approval" : "queued";
  // A friendly refusal first; the trigger's slot is what really enforces the limit (also against concurrent starts).
  if (rb.concurrency > 0) {
    const active = await tx.runbookRun.findMany({
      where: { runbookId: rb.id, state: { in: ["queued", "awaiting_approval", "running"] } },
      select: { id: true, state: true, requestedBy: true },
      orderBy: { createdAt: "asc" },
      take: rb.concurrency,
    });
    if (active.length >= rb.concurrency) throw concurrencyRefusal(rb, active);
  }
  const masked = maskParams(defs, values);
  try {
    await tx.runbookRun.create({
      data: {
        id,
        runbookId: rb.id,
        version: rb.currentVersion,
        state,
        trigger: req.trigger,
        scheduleId: req.scheduleId ?? null,
        params: masked,
        secretParams: sealed,
        requestedById: req.requestedById,
        requestedBy: req.requestedBy,
        ownerTeamId: rb.ownerTeamId,
        entityRef: rb.entityRef,
        timeoutMs: def.spec.timeout,
        approvalsNeeded: needsApproval ? rule.approvers : 0,
        approval: needsApproval ? ({ gate: -1, ...rule, message: "This runbook needs approval before it runs" } as Prisma.InputJsonValue) : undefined,
        approvalDeadline: needsApproval ? new Date(Date.now() + RUN_APPROVAL_TTL_MS) : null,
      },
    });
  } catch (err) {
    if (concurrencyLimitOf(err)) throw concurrencyRefusal(rb, []);
    throw err;
  }
  await tx.runbookStepRun.createMany({
    data: def.spec.steps.map((s, i) => ({ runId: id, index: i, stepId: stepIdOf(s, i), name: renderedTitle(stepTitle(s, i), masked), type: s.type })),
  });
  await tx.runbook.update({ where: { id: rb.id }, data: { lastRunId: id, lastRunState: state, lastRunAt: new Date() } });
  if (!needsApproval) await enqueueJob(tx, RUN_TASK, { runId: id });
  return {
    result: { id, state },
    targetType: "runbook-run",
    targetId: id,
    after: { runbook: rb.name, version: rb.currentVersion, state, trigger: req.trigger, params: masked, ...(needsApproval ? { approval: { approvers: rule.approvers, role: rule.role, teams: rule.teams } } : {}) },
    meta: req.scheduleId ? { schedule: req.scheduleId } : undefined,
  };
}

export function concurrencyRefusal(rb: { name: string; concurrency: number }, active: { id: string; state: string; requestedBy: string }[]) {
  const running = active.map((a) => `run ${a.id.slice(0, 8)} (${a.state.replace("_", " ")}, started by ${a.requestedBy})`).join(", ");
  return new TRPCError({
    code: "CONFLICT",
    message: `${rb.name} allows ${rb.concurrency} active run${rb.concurrency === 1 ? "" : "s"} at a time${running ? `; ${running} is still going` : ""}`,
  });
}

// ── cancel ──────────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Cancels a run. Not yet executing (queued, waiting for approval, or running but not picked up by a worker): cancelled
 * here. Executing: a cancel request the worker acts on within a second (SIGTERM to the step's process tree, SIGKILL
 * after the grace period), then it moves the run to cancelled.
 */
export async function cancelRun(tx: Tx, runId: string, by: string): Promise<AuditedChange<{ state: string; pending: boolean }>> {
  await lockRun(tx, runId);
  const run = await tx.runbookRun.findUnique({ where: { id: runId }, select: { state: true, workerId: true, cancelRequestedAt: true } });
  if (!run) throw new TRPCError({ code: "NOT_FOUND", message: "No such run" });
  if (isTerminal(run.state)) throw new TRPCError({ code: "CONFLICT", message: `The run already ended (${run.state})` });
  const message = `cancelled by ${by}`;
  if (run.state === "running" && run.workerId) {
    await tx.runbookRun.update({ where: { id: runId }, data: { cancelRequestedAt: run.cancelRequestedAt ?? new Date(), cancelRequestedBy: by } });
    return { result: { state: "running", pending: true }, targetType: "runbook-run", targetId: runId, before: { state: run.state }, after: { state: run.state, cancelRequested: true } };
  }
  await moveRun(tx, null, runId, [run.state], "cancelled", { message, cancelRequestedAt: new Date(), cancelRequestedBy: by });
  await tx.runbookStepRun.updateMany({ where: { runId, state: { in: ["pending", "awaiting_approval", "running"] } }, data: { state: "cancelled", finishedAt: new Date() } });
  return { result: { state: "cancelled", pending: false }, targetType: "runbook-run", targetId: runId, before: { state: run.state }, after: { state: "cancelled" } };
}

export async function lockRun(tx: Tx, runId: string) {
  await tx.$queryRaw`SELECT id FROM "RunbookRun" WHERE id = ${runId} FOR UPDATE`;
}

// ── approvals ───────────────────────────────────────────────────────────────────────────────────────────────────────

export type OpenGate = ApprovalRule & { gate: number; message?: string };

export function openGate(approval: unknown): OpenGate | null {
  const a = approval as Partial<OpenGate> | null;
  return a && typeof a.gate === "number" && Array.isArray(a.teams) ? (a as OpenGate) : null;
}

/** Why this person may not decide on this run, or null when they may. */
export function approvalRefusal(p: Principal, run: { state: string; requestedById: string | null; approval: unknown }): string | null {
  const gate = openGate(run.approval);
  if (run.state !== "awaiting_approval" || !gate) return "This run is not waiting for an approval";
  if (run.requestedById === p.id) return "You started this run: someone else has to approve it";
  if (!mayApprove(p, gate)) return `Approvals need the ${gate.role} role in ${gate.teams.includes("*") ? "any team" : gate.teams.join(" or ")}`;
  return null;
}

/** Checks before the audited transaction, so a refusal is recorded (denied) rather than rolled back. */
export async function checkApprover(db: Db, actor: AuditActor, p: Principal, runId: string) {
  const run = await db.runbookRun.findUnique({ where: { id: runId }, select: { state: true, requestedById: true, approval: true } });
  if (!run) throw new TRPCError({ code: "NOT_FOUND", message: "No such run" });
  const refusal = approvalRefusal(p, run);
  if (refusal && run.state === "awaiting_approval") {
    await appendAudit(db, actor, { action: "runbook.run.approve", outcome: "denied", targetType: "runbook-run", targetId: runId, meta: { permission: "runbooks.approve", reason: refusal } });
    throw new TRPCError({ code: "FORBIDDEN", message: refusal });
  }
  if (refusal) throw new TRPCError({ code: "CONFLICT", message: refusal });
}

export async function decideApproval(
  tx: Tx,
  p: Principal,
  runId: string,
  decision: "approved" | "rejected",
  comment: string,
): Promise<AuditedChange<{ state: string; approvals: number; needed: number }>> {
  await lockRun(tx, runId);
  const run = await tx.runbookRun.findUnique({ where: { id: runId }, select: { state: true, requestedById: true, approval: true, nextStep: true } });
  if (!run) throw new TRPCError({ code: "NOT_FOUND", message: "No such run" });
  const refusal = approvalRefusal(p, run);
  if (refusal) throw new TRPCError({ code: run.state === "awaiting_approval" ? "FORBIDDEN" : "CONFLICT", message: refusal });
  const gate = openGate(run.approval)!;
  const existing = await tx.runbookApproval.findUnique({ where: { runId_gate_userId: { runId, gate: gate.gate, userId: p.id } } });
  if (existing) throw new TRPCError({ code: "CONFLICT", message: `You already ${existing.decision} this` });
  await tx.runbookApproval.create({ data: { runId, gate: gate.gate, userId: p.id, userLabel: p.email, decision, comment } });
  const approvals = await tx.runbookApproval.count({ where: { runId, gate: gate.gate, decision: "approved" } });
  const base = { targetType: "runbook-run", targetId: runId, before: { state: run.state } };
  if (decision === "rejected") {
    await moveRun(tx, null, runId, ["awaiting_approval"], "cancelled", { message: `rejected by ${p.email}${comment ? `: ${comment}` : ""}` });
    await tx.runbookStepRun.updateMany({ where: { runId, state: { in: ["pending", "awaiting_approval"] } }, data: { state: "cancelled", finishedAt: new Date() } });
    return { ...base, result: { state: "cancelled", approvals, needed: gate.approvers }, after: { state: "cancelled", decision, gate: gate.gate, comment } };
  }
  if (approvals < gate.approvers) {
    return { ...base, result: { state: run.state, approvals, needed: gate.approvers }, after: { state: run.state, decision, gate: gate.gate, approvals, needed: gate.approvers } };
  }
  // Enough approvals: the gate opens and the run goes (back) to a worker.
  if (gate.gate >= 0) {
    await tx.runbookStepRun.update({
      where: { runId_index: { runId, index: gate.gate } },
      data: { state: "succeeded", finishedAt: new Date(), message: `approved (${approvals}/${gate.approvers})` },
    });
  }
  await moveRun(tx, null, runId, ["awaiting_approval"], "running", {
    approval: Prisma.DbNull,
    approvalDeadline: null,
    heartbeatAt: new Date(),
    nextStep: gate.gate >= 0 ? gate.gate + 1 : run.nextStep,
  });
  await enqueueJob(tx, RUN_TASK, { runId });
  return { ...base, result: { state: "running", approvals, needed: gate.approvers }, after: { state: "running", decision, gate: gate.gate, approvals, needed: gate.approvers } };
}
