import { z } from "zod";
import { deploysRuntime } from "./config";
import { envInput, environmentOrThrow, kubeOrThrow, withCluster, workloadOrThrow, type MutationCtx } from "./request";
import { loadService, targetOf } from "./services";

export const scaleInput = envInput.extend({ replicas: z.number().int().min(0).max(500) });

/** Cluster calls inside the audited transaction get time for a slow API server (the provider times out at 10 s). */
const CLUSTER_TX = { timeoutMs: 30_000 };

/** The service's stable Deployment in the environment, and what it takes to act on it. */
async function resolve(ctx: MutationCtx, input: z.output<typeof envInput>) {
  const rt = deploysRuntime();
  const env = environmentOrThrow(rt, input.environment);
  const service = await loadService(ctx.db, input.entityRef);
  const kube = kubeOrThrow(rt);
  return { env, service, kube, w: await workloadOrThrow(kube, env, service) };
}

/** workloads.restart: `kubectl rollout restart` of the service's Deployment; audited with the restart time. */
export async function restartWorkload(ctx: MutationCtx, input: z.output<typeof envInput>) {
  const { env, service, kube, w } = await resolve(ctx, input);
  return ctx.audited(async () => {
    const after = await withCluster(env, () => kube.restart(targetOf(env), w.name));
    return {
      result: { workload: after.name, generation: after.generation },
      targetType: "workload",
      targetId: `${env.name}/${w.name}`,
      after: { entityRef: service.ref, environment: env.name, workload: w.name, restartedAt: new Date().toISOString() },
    };
  }, CLUSTER_TX);
}

/** workloads.scale: sets the Deployment's replicas; audited with before and after. */
export async function scaleWorkload(ctx: MutationCtx, input: z.output<typeof scaleInput>) {
  const { env, service, kube, w } = await resolve(ctx, input);
  return ctx.audited(async () => {
    const after = await withCluster(env, () => kube.scale(targetOf(env), w.name, input.replicas));
    return {
      result: { workload: after.name, replicas: after.replicas.desired },
      targetType: "workload",
      targetId: `${env.name}/${w.name}`,
      before: { replicas: w.replicas.desired },
      after: { entityRef: service.ref, environment: env.name, workload: w.name, replicas: after.replicas.desired },
    };
  }, CLUSTER_TX);
}
