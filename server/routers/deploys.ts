import { z } from "zod";
import { requires, router } from "@/server/trpc";
import { approveDeploy, cancelDeploy, deployTeams, idInput, rejectDeploy, rejectInput } from "@/server/deploys/approvals";
import { watchBoard, watchDeploy, watchWorkload } from "@/server/deploys/live";
import { deployDetail, environmentsOverview, listDeploys, listInput, pendingApprovals } from "@/server/deploys/queries";
import { deployOptions, envInput, requestDeploy, requestInput } from "@/server/deploys/request";
import { rollbackDeploy, rollbackInput } from "@/server/deploys/rollback";
import { serviceTeams } from "@/server/deploys/services";
import { restartWorkload, scaleInput, scaleWorkload } from "@/server/deploys/workload-actions";

const byService = (i: { entityRef: string }, ctx: { db: Parameters<typeof serviceTeams>[0] }) => serviceTeams(ctx.db, i.entityRef);
const byDeploy = (i: { id: string }, ctx: { db: Parameters<typeof deployTeams>[0] }) => deployTeams(ctx.db, i.id);

// Deploys to Kubernetes: wiring only (docs/deploys.md; the logic is in server/deploys/).
export const deploysRouter = router({
  /** Configured environments (cluster context, namespace, protection, freeze state). */
  environments: requires("deploys.read", z.void()).query(() => environmentsOverview()),
  /** For the deploy dialog: running version, recent versions from the rollout history, and what would block a deploy. */
  options: requires("deploys.read", envInput).query(({ ctx, input }) => deployOptions(ctx.db, ctx.principal, input)),
  /** Deploys, newest first (filters; keyset pagination). */
  list: requires("deploys.read", listInput).query(({ ctx, input }) => listDeploys(ctx.db, ctx.principal, input)),
  /** Deploys waiting for approval that the caller may approve. */
  pendingApprovals: requires("deploys.read", z.void()).query(({ ctx }) => pendingApprovals(ctx.db, ctx.principal)),
  /** The /deploys board live: approvals waiting for the caller and active deploys (ends after `seconds`; subscribe again). */
  watchBoard: requires("deploys.read", z.object({ seconds: z.number().int().min(0).max(3600).default(900) })).subscription(({ ctx, input, signal }) =>
    watchBoard(ctx.db, ctx.principal, input.seconds, signal),
  ),
  get: requires("deploys.read", idInput).query(({ ctx, input }) => deployDetail(ctx.db, ctx.principal, input.id)),
  /** One deploy, live (timeline, approvals, canary analysis). */
  watch: requires("deploys.read", idInput).subscription(({ ctx, input, signal }) => watchDeploy(ctx.db, ctx.principal, input.id, signal)),
  /** A service's Deployment, pods, events and deploy history in one environment, live from Kubernetes watches. */
  watchWorkload: requires("deploys.read", envInput).subscription(({ ctx, input, signal }) => watchWorkload(ctx.db, input, signal)),

  request: requires("deploys.request", requestInput, byService)
    .meta({ audit: "deploy.request" })
    .mutation(({ ctx, input }) => requestDeploy(ctx, input)),
  approve: requires("deploys.approve", idInput, byDeploy)
    .meta({ audit: "deploy.approve" })
    .mutation(({ ctx, input }) => approveDeploy(ctx, input)),
  reject: requires("deploys.approve", rejectInput, byDeploy)
    .meta({ audit: "deploy.reject" })
    .mutation(({ ctx, input }) => rejectDeploy(ctx, input)),
  cancel: requires("deploys.request", idInput, byDeploy)
    .meta({ audit: "deploy.cancel" })
    .mutation(({ ctx, input }) => cancelDeploy(ctx, input)),
  rollback: requires("deploys.request", rollbackInput, byDeploy)
    .meta({ audit: "deploy.rollback" })
    .mutation(({ ctx, input }) => rollbackDeploy(ctx, input)),
  restart: requires("workloads.restart", envInput, byService)
    .meta({ audit: "workload.restart" })
    .mutation(({ ctx, input }) => restartWorkload(ctx, input)),
  scale: requires("workloads.scale", scaleInput, byService)
    .meta({ audit: "workload.scale" })
    .mutation(({ ctx, input }) => scaleWorkload(ctx, input)),
});
