import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import type { Principal } from "@/server/auth/roles";
import { can } from "@/server/auth/permissions";
import { atLeast } from "@/server/auth/roles";
import { decodeCursor, encodeCursor } from "@/server/catalog/queries";
import { deploysRuntime } from "./config";
import { activeFreeze, nextFreeze } from "./freeze";
import { ACTIVE_STATES } from "./state-machine";
import { canonicalServiceRef } from "./services";

const STATES = ["requested", "awaiting_approval", "approved", "rejected", "expired", "rolling_out", "verifying", "succeeded", "failed", "rolled_back", "cancelled"] as const;

export const listInput = z.object({
  entityRef: z.string().trim().min(1).max(300).optional(),
  environment: z.string().trim().min(1).max(40).optional(),
  /** "active" = not finished; "finished"; or explicit states. */
  status: z.enum(["active", "finished", "all"]).default("all"),
  states: z.array(z.enum(STATES)).max(STATES.length).optional(),
  kind: z.enum(["deploy", "rollback"]).optional(),
  mine: z.boolean().default(false),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(100).default(25),
});

const cursorSchema = z.object({ t: z.string(), id: z.string() });

export const deployListSelect = {
  id: true,
  entityRef: true,
  environment: true,
  workload: true,
  kind: true,
  strategy: true,
  state: true,
  fromVersion: true,
  toVersion: true,
  image: true,
  reason: true,
  message: true,
  breakGlass: true,
  rollbackOfId: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  approvalExpiresAt: true,
  requestedBy: { select: { id: true, name: true, email: true } },
  approvedBy: { select: { id: true, name: true, email: true } },
} satisfies Prisma.DeploySelect;

/** Deploys, newest first, keyset-paginated on (createdAt, id). */
export async function listDeploys(db: Db, principal: Principal, input: z.output<typeof listInput>) {
  const where: Prisma.DeployWhereInput = {
    ...(input.entityRef ? { entityRef: canonicalServiceRef(input.entityRef) } : {}),
    ...(input.environment ? { environment: input.environment } : {}),
    ...(input.kind ? { kind: input.kind } : {}),
    ...(input.mine ? { requestedById: principal.id } : {}),
  };
  const states = input.states?.length
    ? input.states
    : input.status === "active"
      ? [...ACTIVE_STATES]
      : input.status === "finished"
        ? STATES.filter((s) => !ACTIVE_STATES.includes(s))
        : null;
  if (states) where.state = { in: states };
  if (input.cursor) {
    const c = decodeCursor(cursorSchema, input.cursor);
    const t = new Date(c.t);
    where.OR = [{ createdAt: { lt: t } }, { createdAt: t, id: { lt: c.id } }];
  }
  const rows = await db.deploy.findMany({ where, select: deployListSelect, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: input.limit + 1 });
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id }) : null };
}

/** Team ids where the principal may approve (on-call or admin there). */
function approverTeams(p: Principal): string[] {
  return p.teams.filter((t) => atLeast(t.role, "oncall")).map((t) => t.teamId);
}

/** Deploys waiting for approval that this person may approve (not their own), oldest first. */
export async function pendingApprovals(db: Db, principal: Principal) {
  const where: Prisma.DeployWhereInput = { state: "awaiting_approval", requestedById: { not: principal.id } };
  if (!principal.isGlobalAdmin) where.ownerTeamId = { in: approverTeams(principal) };
  return db.deploy.findMany({ where, select: deployListSelect, orderBy: { createdAt: "asc" }, take: 50 });
}

/** One deploy with its timeline, approvals, canary analysis, related deploys, and what this person may do with it. */
export async function deployDetail(db: Db, principal: Principal, id: string) {
  const d = await db.deploy.findUnique({
    where: { id },
    select: {
      ...deployListSelect,
      cluster: true,
      namespace: true,
      container: true,
      fromImage: true,
      fromRevision: true,
      toRevision: true,
      commitSha: true,
      commitTime: true,
      ownerTeamId: true,
      heartbeatAt: true,
      steps: { orderBy: { id: "asc" }, select: { id: true, name: true, status: true, message: true, data: true, startedAt: true, finishedAt: true } },
      approvals: { orderBy: { createdAt: "asc" }, select: { decision: true, reason: true, createdAt: true, user: { select: { name: true, email: true } } } },
      analysis: { orderBy: { interval: "asc" } },
      rollbackOf: { select: { id: true, toVersion: true, state: true } },
      rollbacks: { select: { id: true, toVersion: true, state: true, createdAt: true }, orderBy: { createdAt: "desc" } },
    },
  });
  if (!d) throw new TRPCError({ code: "NOT_FOUND", message: `deploy ${id} not found` });
  const scope = { teamIds: d.ownerTeamId ? [d.ownerTeamId] : [] };
  const env = deploysRuntime().environments.find((e) => e.name === d.environment) ?? null;
  const own = d.requestedBy.id === principal.id;
  const approver = can(principal, "deploys.approve", scope);
  const requester = can(principal, "deploys.request", scope);
  const approval =
    d.state !== "awaiting_approval"
      ? { allowed: false, why: null }
      : own
        ? { allowed: false, why: "You requested this deploy: someone else with approver rights must approve it (four-eyes)." }
        : !approver
          ? { allowed: false, why: "Approving needs on-call or admin rights in the team that owns this service." }
          : { allowed: true, why: null };
  const finished = d.state === "succeeded" || d.state === "failed";
  return {
    ...d,
    analysis: d.analysis.map((a) => ({ ...a, id: Number(a.id) })),
    steps: d.steps.map((s) => ({ ...s, id: Number(s.id) })),
    canary: env ? { intervals: env.canary.intervals, intervalSeconds: env.canary.interval, maxErrorRateIncrease: env.canary.maxErrorRateIncrease, maxLatencyRatio: env.canary.maxLatencyRatio } : null,
    can: {
      approve: approval,
      cancel: { allowed: requester && ["requested", "awaiting_approval", "approved"].includes(d.state), why: requester ? null : "Cancelling needs engineer rights in the owning team." },
      rollback: {
        allowed: requester && finished,
        why: !finished ? "Only finished deploys (succeeded or failed) can be rolled back." : requester ? null : "Rolling back needs engineer rights in the owning team.",
      },
    },
  };
}

/** The configured environments with their freeze state now. */
export function environmentsOverview() {
  const rt = deploysRuntime();
  return {
    kubeError: rt.kubeError,
    clusters: rt.kube?.clusters() ?? [],
    environments: rt.environments.map((e) => {
      const freeze = activeFreeze(e);
      return {
        name: e.name,
        context: e.context,
        namespace: e.namespace,
        protected: e.protected,
        autoRollback: e.autoRollback,
        approvalTtlSeconds: e.approvalTtl,
        freeze,
        nextFreeze: nextFreeze(e),
        canary: e.canary,
        verifySeconds: e.verifySeconds,
      };
    }),
  };
}
