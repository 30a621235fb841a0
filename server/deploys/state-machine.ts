import { TRPCError } from "@trpc/server";
import type { Prisma } from "@/generated/prisma/client";
import type { DeployState, DeployStepStatus } from "@/generated/prisma/enums";
import type { Tx } from "@/server/db/client";
import type { AuditActor } from "@/server/audit/append";

/**
 * The Deploy state machine (DESIGN.md "State machines"; diagram in docs/deploys.md). A deploy's state moves only
 * along these edges, each move in one transaction with its audit event.
 *
 *   requested ──▶ awaiting_approval ──▶ approved ──▶ rolling_out ──▶ verifying ──▶ succeeded ──▶ rolled_back
 *       │                │   │   │                      │   ▲            │   │
 *       │                │   │   └▶ cancelled           │   └─ canary ───┘   └▶ failed ──▶ rolled_back
 *       └────────────────┼───┼────────────────────────▶ │     promotion
 *                        │   └▶ expired                 └▶ failed / cancelled
 *                        └▶ rejected
 */
export const EDGES: Readonly<Record<DeployState, readonly DeployState[]>> = {
  requested: ["awaiting_approval", "rolling_out", "cancelled", "failed"],
  awaiting_approval: ["approved", "rejected", "expired", "cancelled"],
  approved: ["rolling_out", "cancelled", "failed"],
  rolling_out: ["verifying", "failed", "cancelled"],
  // verifying → rolling_out: a canary that passed analysis is promoted (the stable Deployment rolls out).
  verifying: ["succeeded", "failed", "rolling_out", "cancelled"],
  succeeded: ["rolled_back"],
  failed: ["rolled_back"],
  rejected: [],
  expired: [],
  cancelled: [],
  rolled_back: [],
};

/** States in which a deploy holds its service+environment (the partial unique index lists the same ones). */
export const ACTIVE_STATES: readonly DeployState[] = ["requested", "awaiting_approval", "approved", "rolling_out", "verifying"];
/** States the rollout follower drives. */
export const FOLLOWED_STATES: readonly DeployState[] = ["rolling_out", "verifying"];
export const TERMINAL_STATES: readonly DeployState[] = ["succeeded", "failed", "rejected", "expired", "cancelled", "rolled_back"];

export function canMove(from: DeployState, to: DeployState): boolean {
  return EDGES[from].includes(to);
}

export class IllegalTransition extends TRPCError {
  constructor(from: DeployState, to: DeployState, id: string) {
    super({ code: "CONFLICT", message: `deploy ${id} is ${from.replace("_", " ")}; it cannot become ${to.replace("_", " ")}` });
  }
}

export type Move = {
  to: DeployState;
  /** Extra column updates (startedAt, finishedAt, message, approvedById, …). */
  data?: Prisma.DeployUncheckedUpdateInput;
  /** A timeline step to append with the move. */
  step?: { name: string; status: DeployStepStatus; message?: string; data?: Prisma.InputJsonValue };
};

/**
 * Moves a deploy inside `tx`: checks the edge against the row's current state (locked FOR UPDATE, so two movers
 * serialise and the loser sees the new state), writes the row and the optional timeline step. Returns the state it
 * moved from. The caller appends the audit event.
 */
export async function move(tx: Tx, id: string, m: Move, expect?: readonly DeployState[]): Promise<DeployState> {
  const rows = await tx.$queryRaw<{ state: DeployState }[]>`SELECT state FROM "Deploy" WHERE id = ${id} FOR UPDATE`;
  const from = rows[0]?.state;
  if (!from) throw new TRPCError({ code: "NOT_FOUND", message: `deploy ${id} not found` });
  if ((expect && !expect.includes(from)) || !canMove(from, m.to)) throw new IllegalTransition(from, m.to, id);
  const terminal = TERMINAL_STATES.includes(m.to);
  await tx.deploy.update({
    where: { id },
    data: { state: m.to, ...(terminal && m.to !== "rolled_back" ? { finishedAt: new Date() } : {}), ...m.data },
  });
  if (m.step) {
    await tx.deployStep.create({
      data: {
        deployId: id,
        name: m.step.name,
        status: m.step.status,
        message: m.step.message ?? "",
        data: m.step.data,
        finishedAt: m.step.status === "running" ? null : new Date(),
      },
    });
  }
  return from;
}

/** The actor of moves the worker makes (no person; the job id ties the audit row to the worker's log). */
export function workerActor(requestId: string): AuditActor {
  return { actorId: null, actorLabel: "worker", ip: "", requestId };
}
