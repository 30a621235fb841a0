import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import type { Principal } from "@/server/auth/roles";
import type { Audited } from "@/server/trpc";
import { can } from "@/server/auth/permissions";
import { enqueueJob } from "@/server/jobs/enqueue";
import { imageTag, KubernetesError, type KubernetesProvider, type Revision } from "@/server/providers/kubernetes";
import { deploysRuntime, findEnvironment, type DeploysRuntime, type Environment } from "./config";
import { activeFreeze, nextFreeze, type ActiveFreeze } from "./freeze";
import { resolveImage, versionInput } from "./images";
import { DEPLOY_RUN_TASK } from "./jobs";
import { deployContainer, loadService, resolveWorkload, targetOf, type Service } from "./services";
import { ACTIVE_STATES } from "./state-machine";
import { deploysChanged } from "./topics";

export type MutationCtx = { db: Db; principal: Principal; audited: Audited };

export const envInput = z.object({ entityRef: z.string().trim().min(1).max(300), environment: z.string().trim().min(1).max(40) });

export const requestInput = envInput.extend({
  version: versionInput,
  strategy: z.enum(["rolling", "canary"]).default("rolling"),
  reason: z.string().trim().min(3, "say why (at least 3 characters)").max(1000),
  /** Deploy inside a freeze window (global admins only; the reason must then be at least 10 characters). */
  breakGlass: z.boolean().default(false),
  commitSha: z.string().trim().regex(/^[0-9a-f]{7,40}$/, "a git commit sha").optional(),
  commitTime: z.coerce.date().optional(),
});

export function environmentOrThrow(rt: DeploysRuntime, name: string): Environment {
  const env = findEnvironment(rt, name);
  if (!env) {
    const known = rt.environments.map((e) => e.name).join(", ") || "none — set OPSDECK_ENVIRONMENTS";
    throw new TRPCError({ code: "BAD_REQUEST", message: `unknown environment "${name}" (configured: ${known})` });
  }
  return env;
}

export function kubeOrThrow(rt: DeploysRuntime): KubernetesProvider {
  if (!rt.kube) throw new TRPCError({ code: "PRECONDITION_FAILED", message: rt.kubeError ?? "no Kubernetes clusters configured (OPSDECK_KUBECONFIG)" });
  return rt.kube;
}

/** A provider failure as the user sees it: which environment, and what went wrong with its cluster. */
export function clusterError(env: Environment, err: unknown): TRPCError {
  if (err instanceof TRPCError) return err;
  if (err instanceof KubernetesError) {
    const code = err.kind === "not_found" ? "NOT_FOUND" : err.kind === "conflict" ? "CONFLICT" : err.kind === "invalid" ? "PRECONDITION_FAILED" : "SERVICE_UNAVAILABLE";
    return new TRPCError({ code, message: `${env.name}: ${err.message}`, cause: err });
  }
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `${env.name}: ${(err as Error).message}`, cause: err });
}

export async function withCluster<T>(env: Environment, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw clusterError(env, err);
  }
}

/** The stable Deployment, or PRECONDITION_FAILED naming what was looked for. */
export async function workloadOrThrow(kube: KubernetesProvider, env: Environment, s: Service) {
  const w = await withCluster(env, () => resolveWorkload(kube, env, s));
  if (!w) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `no Deployment for ${s.name} in ${env.name} (namespace ${env.namespace} on ${env.context}); label it app.kubernetes.io/name=${s.name} or annotate the entity with opsdeck.dev/deployment`,
    });
  }
  return w;
}

export function freezeMessage(env: Environment, f: ActiveFreeze): string {
  return `${env.name} is frozen until ${f.endsAt.toISOString()}${f.reason ? ` (${f.reason})` : ""}`;
}

export async function activeDeployOf(db: Db | Tx, entityRef: string, environment: string) {
  return db.deploy.findFirst({
    where: { entityRef, environment, state: { in: [...ACTIVE_STATES] } },
    select: { id: true, state: true, toVersion: true, requestedBy: { select: { name: true, email: true } } },
  });
}

function activeMessage(service: string, env: string, a: { id: string; state: string; toVersion: string; requestedBy: { name: string } }) {
  return `a deploy of ${service} to ${env} is already in progress (${a.toVersion}, ${a.state.replace("_", " ")}, requested by ${a.requestedBy.name}); wait for it to finish or cancel it`;
}

/** True for the unique violation of the one-active-deploy index. */
export function isActiveConflict(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return true;
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  return e?.code === "23505" || e?.cause?.code === "23505" || /Deploy_one_active_per_service_env/.test(e?.message ?? "");
}

export type VersionOption = { version: string; image: string; revision: number; createdAt: string | null; current: boolean };

/** Recent tags from the Deployment's ReplicaSet history (newest first), the running one marked. */
export function versionsFrom(history: Revision[], container: string, currentImage: string): VersionOption[] {
  const seen = new Set<string>();
  const out: VersionOption[] = [];
  for (const r of history) {
    const image = r.containers.find((c) => c.name === container)?.image ?? r.containers[0]?.image;
    if (!image || seen.has(image)) continue;
    seen.add(image);
    out.push({ version: imageTag(image), image, revision: r.revision, createdAt: r.createdAt, current: image === currentImage });
  }
  return out.slice(0, 15);
}

/** What the deploy dialog shows: the running version, recent versions, and why a deploy would be blocked. */
export async function deployOptions(db: Db, principal: Principal, input: z.output<typeof envInput>) {
  const rt = deploysRuntime();
  const env = environmentOrThrow(rt, input.environment);
  const service = await loadService(db, input.entityRef);
  const freeze = activeFreeze(env);
  const active = await activeDeployOf(db, service.ref, env.name);
  const base = {
    environment: { name: env.name, protected: env.protected, autoRollback: env.autoRollback, approvalTtlSeconds: env.approvalTtl },
    freeze: freeze ? { ...freeze, message: freezeMessage(env, freeze) } : null,
    nextFreeze: nextFreeze(env),
    active: active ? { ...active, message: activeMessage(service.name, env.name, active) } : null,
    canBreakGlass: can(principal, "deploys.breakglass"),
  };
  try {
    const kube = kubeOrThrow(rt);
    const w = await workloadOrThrow(kube, env, service);
    const c = deployContainer(service, w);
    const history = await withCluster(env, () => kube.history(targetOf(env), w.name));
    return { ...base, clusterError: null, workload: w.name, container: c.name, current: { image: c.image, version: imageTag(c.image), revision: w.revision }, versions: versionsFrom(history, c.name, c.image) };
  } catch (err) {
    if (!(err instanceof TRPCError)) throw err;
    return { ...base, clusterError: err.message, workload: null, container: null, current: null, versions: [] as VersionOption[] };
  }
}

/**
 * deploys.request: validates against the live cluster (workload, container, image), the freeze windows and the
 * one-active-deploy rule, then records the deploy — awaiting approval in protected environments, otherwise queued
 * for the worker — with its audit event in one transaction.
 */
export async function requestDeploy(ctx: MutationCtx, input: z.output<typeof requestInput>) {
  const rt = deploysRuntime();
  const env = environmentOrThrow(rt, input.environment);
  const service = await loadService(ctx.db, input.entityRef);
  const kube = kubeOrThrow(rt);
  const freeze = activeFreeze(env);
  if (freeze && !input.breakGlass) {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${freezeMessage(env, freeze)}; deploys are blocked — an admin can break glass with a reason` });
  }
  const breakGlass = Boolean(freeze && input.breakGlass);
  if (breakGlass) {
    if (!can(ctx.principal, "deploys.breakglass")) throw new TRPCError({ code: "FORBIDDEN", message: 'breaking a freeze needs the "deploys.breakglass" permission (global admins)' });
    if (input.reason.length < 10) throw new TRPCError({ code: "BAD_REQUEST", message: "breaking a freeze needs a reason of at least 10 characters" });
  }
  if (input.strategy === "canary" && !rt.metrics(env.name)) {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: "canary analysis needs a metrics data source (OPSDECK_PROMETHEUS_URL); none is configured" });
  }
  const w = await workloadOrThrow(kube, env, service);
  const c = deployContainer(service, w);
  let image: string;
  try {
    image = resolveImage(input.version, c.image);
  } catch {
    throw new TRPCError({ code: "BAD_REQUEST", message: `"${input.version}" is not a valid image reference` });
  }
  if (image === c.image) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${service.name} in ${env.name} already runs ${image}` });
  const existing = await activeDeployOf(ctx.db, service.ref, env.name);
  if (existing) throw new TRPCError({ code: "CONFLICT", message: activeMessage(service.name, env.name, existing) });

  const now = new Date();
  try {
    const deploy = await ctx.audited(async (tx) => {
      const state = env.protected ? "awaiting_approval" : "requested";
      const d = await tx.deploy.create({
        data: {
          entityRef: service.ref,
          ownerTeamId: service.ownerTeamId,
          environment: env.name,
          cluster: env.context,
          namespace: env.namespace,
          workload: w.name,
          container: c.name,
          kind: "deploy",
          strategy: input.strategy,
          state,
          fromVersion: imageTag(c.image),
          toVersion: imageTag(image),
          fromImage: c.image,
          image,
          fromRevision: w.revision || null,
          reason: input.reason,
          requestedById: ctx.principal.id,
          commitSha: input.commitSha,
          commitTime: input.commitTime,
          breakGlass,
          approvalExpiresAt: env.protected ? new Date(now.getTime() + env.approvalTtl * 1000) : null,
          steps: {
            create: [
              { name: "requested", status: "succeeded", message: `${ctx.principal.name} requested ${imageTag(image)} (${input.strategy}): ${input.reason}`, finishedAt: now },
              ...(breakGlass ? [{ name: "break-glass", status: "info" as const, message: `freeze broken: ${freezeMessage(env, freeze!)}`, finishedAt: now }] : []),
              ...(env.protected ? [{ name: "approval", status: "running" as const, message: `waiting for approval by someone else with approver rights (expires in ${Math.round(env.approvalTtl / 60)} min)` }] : []),
            ],
          },
        },
      });
      if (!env.protected) await enqueueJob(tx, DEPLOY_RUN_TASK, { deployId: d.id });
      return {
        result: d,
        targetType: "deploy",
        targetId: d.id,
        after: { entityRef: d.entityRef, environment: d.environment, state, from: d.fromImage, to: d.image, strategy: d.strategy, reason: d.reason },
        meta: breakGlass ? { breakGlass: true, freeze: { cron: freeze!.cron, reason: freeze!.reason, endsAt: freeze!.endsAt.toISOString() } } : undefined,
      };
    });
    await deploysChanged(ctx.db, deploy.id);
    return { id: deploy.id, state: deploy.state };
  } catch (err) {
    if (!isActiveConflict(err)) throw err;
    const a = await activeDeployOf(ctx.db, service.ref, env.name);
    throw new TRPCError({ code: "CONFLICT", message: a ? activeMessage(service.name, env.name, a) : `a deploy of ${service.name} to ${env.name} is already in progress`, cause: err });
  }
}
