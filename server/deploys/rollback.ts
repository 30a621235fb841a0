import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Deploy } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import { enqueueJob } from "@/server/jobs/enqueue";
import { imageTag, type KubernetesProvider, type Revision } from "@/server/providers/kubernetes";
import { deploysRuntime, type Environment } from "./config";
import { DEPLOY_RUN_TASK } from "./jobs";
import { environmentOrThrow, isActiveConflict, kubeOrThrow, withCluster, activeDeployOf, type MutationCtx } from "./request";
import { deployOrThrow, idInput } from "./approvals";
import { targetOf } from "./services";
import { deploysChanged } from "./topics";

export const rollbackInput = idInput.extend({ reason: z.string().trim().min(3, "say why (at least 3 characters)").max(1000) });

/** The newest ReplicaSet revision running `image` that is not the current revision, or null. */
export function revisionWithImage(history: Revision[], container: string, image: string, currentRevision: number): Revision | null {
  return history.find((r) => r.revision !== currentRevision && (r.containers.find((c) => c.name === container)?.image ?? r.containers[0]?.image) === image) ?? null;
}

export type RollbackPlan = { image: string; revision: number; rollbackOfId: string | null; currentImage: string; currentRevision: number };

/**
 * What rolling back deploy `d` restores. On the deploy that is live (the latest that succeeded — or the one that just
 * failed), the revision before it, as `kubectl rollout undo` does; on an older successful deploy, that deploy's own
 * revision ("roll back to this version"), undoing the live one.
 */
export async function planRollback(db: Db | Tx, kube: KubernetesProvider, env: Environment, d: Deploy): Promise<RollbackPlan> {
  const latest = await db.deploy.findFirst({
    where: { entityRef: d.entityRef, environment: d.environment, state: "succeeded" },
    orderBy: [{ finishedAt: "desc" }, { createdAt: "desc" }],
    select: { id: true },
  });
  const undoThis = d.state === "failed" || latest?.id === d.id;
  const image = undoThis ? d.fromImage : d.image;
  if (!image) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `deploy ${d.id} does not record the version it replaced; nothing to roll back to` });
  const target = targetOf(env);
  const w = await withCluster(env, () => kube.getWorkload(target, { name: d.workload }));
  if (!w) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `deployment ${d.workload} no longer exists in ${env.name}` });
  const currentImage = w.containers.find((c) => c.name === d.container)?.image ?? "";
  if (currentImage === image) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${d.workload} in ${env.name} already runs ${image}` });
  const history = await withCluster(env, () => kube.history(target, d.workload));
  const rev = revisionWithImage(history, d.container, image, w.revision);
  if (!rev) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `no ReplicaSet of ${d.workload} runs ${image} any more (older than the Deployment's revisionHistoryLimit); deploy that version instead`,
    });
  }
  return { image, revision: rev.revision, rollbackOfId: undoThis ? d.id : (latest?.id ?? null), currentImage, currentRevision: w.revision };
}

/** Records a rollback deploy (no approval: it restores a version that was deployed before) and queues it. */
export async function createRollback(
  tx: Tx,
  d: Pick<Deploy, "entityRef" | "ownerTeamId" | "environment" | "cluster" | "namespace" | "workload" | "container">,
  plan: RollbackPlan,
  by: { userId: string; label: string; reason: string },
) {
  const r = await tx.deploy.create({
    data: {
      entityRef: d.entityRef,
      ownerTeamId: d.ownerTeamId,
      environment: d.environment,
      cluster: d.cluster,
      namespace: d.namespace,
      workload: d.workload,
      container: d.container,
      kind: "rollback",
      strategy: "rolling",
      state: "requested",
      fromVersion: imageTag(plan.currentImage),
      fromImage: plan.currentImage,
      fromRevision: plan.currentRevision || null,
      toVersion: imageTag(plan.image),
      image: plan.image,
      reason: by.reason,
      requestedById: by.userId,
      rollbackOfId: plan.rollbackOfId,
      steps: { create: [{ name: "requested", status: "succeeded", message: `${by.label} rolled back to ${imageTag(plan.image)} (revision ${plan.revision}): ${by.reason}`, finishedAt: new Date(), data: { revision: plan.revision } }] },
    },
  });
  await enqueueJob(tx, DEPLOY_RUN_TASK, { deployId: r.id });
  return r;
}

/** deploys.rollback: one click on a past deploy. */
export async function rollbackDeploy(ctx: MutationCtx, input: z.output<typeof rollbackInput>) {
  const d = await deployOrThrow(ctx.db, input.id);
  if (d.state !== "succeeded" && d.state !== "failed") {
    throw new TRPCError({ code: "CONFLICT", message: `deploy ${d.id} is ${d.state.replace("_", " ")}; only finished deploys (succeeded or failed) can be rolled back` });
  }
  const rt = deploysRuntime();
  const env = environmentOrThrow(rt, d.environment);
  const active = await activeDeployOf(ctx.db, d.entityRef, d.environment);
  if (active) throw new TRPCError({ code: "CONFLICT", message: `a deploy to ${d.environment} is in progress (${active.toVersion}, ${active.state.replace("_", " ")}); wait for it to finish or cancel it` });
  const plan = await planRollback(ctx.db, kubeOrThrow(rt), env, d);
  try {
    const r = await ctx.audited(async (tx) => {
      const r = await createRollback(tx, d, plan, { userId: ctx.principal.id, label: ctx.principal.name, reason: input.reason });
      return { result: r, targetType: "deploy", targetId: r.id, before: { image: plan.currentImage }, after: { image: plan.image, revision: plan.revision, rollbackOf: plan.rollbackOfId, reason: input.reason } };
    });
    await deploysChanged(ctx.db, r.id);
    return { id: r.id, state: r.state };
  } catch (err) {
    if (isActiveConflict(err)) throw new TRPCError({ code: "CONFLICT", message: `a deploy to ${d.environment} is already in progress`, cause: err });
    throw err;
  }
}
