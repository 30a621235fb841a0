import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { appendAudit, runAudited } from "@/server/audit/append";
import { enqueueJob } from "@/server/jobs/enqueue";
import { deploysRuntime } from "./config";
import { activeFreeze } from "./freeze";
import { DEPLOY_RUN_TASK } from "./jobs";
import { environmentOrThrow, freezeMessage, type MutationCtx } from "./request";
import { move, workerActor } from "./state-machine";
import { deploysChanged } from "./topics";

export const idInput = z.object({ id: z.string().trim().min(1).max(100) });
export const rejectInput = idInput.extend({ reason: z.string().trim().min(3, "say why you reject it (at least 3 characters)").max(1000) });

/** Owning team of a deploy (team-scoped permissions on deploy ids); none when the deploy is unknown. */
export async function deployTeams(db: Db, id: string): Promise<{ teamIds: string[] }> {
  const d = await db.deploy.findUnique({ where: { id }, select: { ownerTeamId: true } });
  return { teamIds: d?.ownerTeamId ? [d.ownerTeamId] : [] };
}

/** The deploy row, or NOT_FOUND. */
export async function deployOrThrow(db: Db, id: string) {
  const d = await db.deploy.findUnique({ where: { id } });
  if (!d) throw new TRPCError({ code: "NOT_FOUND", message: `deploy ${id} not found` });
  return d;
}

async function pendingOrThrow(ctx: MutationCtx, id: string) {
  const d = await deployOrThrow(ctx.db, id);
  if (d.state !== "awaiting_approval") throw new TRPCError({ code: "CONFLICT", message: `deploy ${id} is ${d.state.replace("_", " ")}, not awaiting approval` });
  if (d.approvalExpiresAt && d.approvalExpiresAt <= new Date()) {
    await expireOne(ctx.db, d.id, "approve/reject");
    throw new TRPCError({ code: "CONFLICT", message: `the approval window of deploy ${id} ended at ${d.approvalExpiresAt.toISOString()}; request it again` });
  }
  return d;
}

/** The requester can never decide on their own deploy (four-eyes); the refusal is audited. */
async function refuseSelf(ctx: MutationCtx, d: { id: string; requestedById: string }, action: string, verb: string) {
  if (d.requestedById !== ctx.principal.id) return;
  await appendAudit(ctx.db, { actorId: ctx.principal.id, actorLabel: ctx.principal.email, ip: "", requestId: "" }, {
    action,
    targetType: "deploy",
    targetId: d.id,
    outcome: "denied",
    meta: { reason: "four-eyes: the requester cannot decide on their own deploy" },
  });
  throw new TRPCError({ code: "FORBIDDEN", message: `you requested this deploy, so someone else with approver rights must ${verb} it (four-eyes)` });
}

/** deploys.approve: a second person with approver rights for the service's team approves; the worker then starts it. */
export async function approveDeploy(ctx: MutationCtx, input: z.output<typeof idInput>) {
  const d = await pendingOrThrow(ctx, input.id);
  await refuseSelf(ctx, d, "deploy.approve", "approve");
  const env = environmentOrThrow(deploysRuntime(), d.environment);
  const freeze = activeFreeze(env);
  if (freeze && !d.breakGlass) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${freezeMessage(env, freeze)}; approve after the window, or an admin requests it again with break-glass` });
  await ctx.audited(async (tx) => {
    await move(tx, d.id, {
      to: "approved",
      data: { approvedById: ctx.principal.id },
      step: { name: "approved", status: "succeeded", message: `approved by ${ctx.principal.name}` },
    }, ["awaiting_approval"]);
    await tx.deployStep.updateMany({ where: { deployId: d.id, name: "approval", status: "running" }, data: { status: "succeeded", finishedAt: new Date() } });
    await tx.deployApproval.create({ data: { deployId: d.id, userId: ctx.principal.id, decision: "approved" } });
    await enqueueJob(tx, DEPLOY_RUN_TASK, { deployId: d.id });
    return { result: null, targetType: "deploy", targetId: d.id, before: { state: "awaiting_approval" }, after: { state: "approved", approvedBy: ctx.principal.email } };
  });
  await deploysChanged(ctx.db, d.id);
  return { id: d.id, state: "approved" as const };
}

/** deploys.reject: with a reason; the deploy ends. */
export async function rejectDeploy(ctx: MutationCtx, input: z.output<typeof rejectInput>) {
  const d = await pendingOrThrow(ctx, input.id);
  await refuseSelf(ctx, d, "deploy.reject", "reject (cancel it instead)");
  await ctx.audited(async (tx) => {
    await move(tx, d.id, {
      to: "rejected",
      data: { message: `rejected by ${ctx.principal.name}: ${input.reason}` },
      step: { name: "rejected", status: "failed", message: `rejected by ${ctx.principal.name}: ${input.reason}` },
    }, ["awaiting_approval"]);
    await tx.deployStep.updateMany({ where: { deployId: d.id, name: "approval", status: "running" }, data: { status: "failed", finishedAt: new Date() } });
    await tx.deployApproval.create({ data: { deployId: d.id, userId: ctx.principal.id, decision: "rejected", reason: input.reason } });
    return { result: null, targetType: "deploy", targetId: d.id, before: { state: "awaiting_approval" }, after: { state: "rejected", reason: input.reason } };
  });
  await deploysChanged(ctx.db, d.id);
  return { id: d.id, state: "rejected" as const };
}

/** deploys.cancel: a deploy that has not started rolling out yet. */
export async function cancelDeploy(ctx: MutationCtx, input: z.output<typeof idInput>) {
  const d = await deployOrThrow(ctx.db, input.id);
  const pending = ["requested", "awaiting_approval", "approved"] as const;
  if (!(pending as readonly string[]).includes(d.state)) {
    throw new TRPCError({ code: "CONFLICT", message: `deploy ${d.id} is ${d.state.replace("_", " ")}; only deploys that have not started can be cancelled` });
  }
  await ctx.audited(async (tx) => {
    const from = await move(tx, d.id, { to: "cancelled", data: { message: `cancelled by ${ctx.principal.name}` }, step: { name: "cancelled", status: "info", message: `cancelled by ${ctx.principal.name}` } }, pending);
    await tx.deployStep.updateMany({ where: { deployId: d.id, status: "running" }, data: { status: "failed", finishedAt: new Date() } });
    return { result: null, targetType: "deploy", targetId: d.id, before: { state: from }, after: { state: "cancelled" } };
  });
  await deploysChanged(ctx.db, d.id);
  return { id: d.id, state: "cancelled" as const };
}

async function expireOne(db: Db, id: string, by: string): Promise<boolean> {
  try {
    await runAudited(db, workerActor(`expire:${by}`), "deploy.expire", async (tx) => {
      await move(tx, id, { to: "expired", data: { message: "approval window ended without a decision" }, step: { name: "expired", status: "failed", message: "approval window ended without a decision" } }, ["awaiting_approval"]);
      await tx.deployStep.updateMany({ where: { deployId: id, name: "approval", status: "running" }, data: { status: "failed", finishedAt: new Date() } });
      return { result: null, targetType: "deploy", targetId: id, before: { state: "awaiting_approval" }, after: { state: "expired" } };
    });
  } catch (err) {
    if (err instanceof TRPCError && err.code === "CONFLICT") return false; // someone decided in the meantime
    throw err;
  }
  await deploysChanged(db, id);
  return true;
}

/** Expires pending approvals whose window ended (cron job every minute, and lazily on approve/reject). */
export async function expireApprovals(db: Db, now = new Date()): Promise<number> {
  const due = await db.deploy.findMany({ where: { state: "awaiting_approval", approvalExpiresAt: { lte: now } }, select: { id: true }, take: 500 });
  let n = 0;
  for (const d of due) if (await expireOne(db, d.id, "cron")) n++;
  return n;
}
