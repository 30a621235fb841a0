import { z } from "zod";
import { requires, router } from "@/server/trpc";
import type { Db } from "@/server/db/client";
import { cancelRun, listPipelines, rerunRun, runIdInput, triggerInput, triggerRun } from "@/server/ci/actions";
import { ciContext } from "@/server/ci/context";
import { loadEntity } from "@/server/catalog/queries";
import { ciOverview, getRunRow, logInput, recentBuilds, recentBuildsInput, runDetail, runsInput, watchEntity, watchEntityInput, watchRun } from "@/server/ci/queries";

const entityScope = async (input: { entityRef: string }, ctx: { db: Db }) => {
  const e = await loadEntity(ctx.db, input.entityRef);
  return { teamIds: e.ownerTeamId ? [e.ownerTeamId] : [] };
};
const runScope = async (input: { id: string }, ctx: { db: Db }) => {
  const r = await getRunRow(ctx.db, input.id);
  return { teamIds: r.ownerTeamId ? [r.ownerTeamId] : [] };
};
const entityInput = z.object({ entityRef: z.string().trim().min(1).max(300) });

// CI/CD: wiring only (docs/ci-cloud.md; the logic is in server/ci/, the vendors behind server/providers/ci/).
export const ciRouter = router({
  /** A service's CI: its provider bindings (with poll/webhook state and errors), a page of runs across providers, durations. */
  runs: requires("ci.read", runsInput).query(({ ctx, input }) => ciOverview(ctx.db, ciContext(), input)),
  /** One run with jobs and steps (external runs: asked of the vendor), artefacts and log link. */
  run: requires("ci.read", runIdInput).query(({ ctx, input }) => runDetail(ctx.db, ciContext(), input.id)),
  /** Pipelines that can be triggered (GitHub workflow_dispatch workflows with inputs, GitLab, Jenkins parameters, built-in). */
  pipelines: requires("ci.read", entityInput).query(({ ctx, input }) => listPipelines(ctx.db, ciContext(), input.entityRef)),
  /** Successful builds with a version, newest first: candidates for "deploy this build" (commit time for DORA lead time). */
  recentBuilds: requires("ci.read", recentBuildsInput).query(({ ctx, input }) => recentBuilds(ctx.db, input)),
  /** Live state and log of a built-in run (SSE), until it finished. */
  watchRun: requires("ci.read", logInput).subscription(({ ctx, input, signal }) => watchRun(ctx.db, input, signal)),
  /** Pings when the service's runs change (webhook, poll, runner), so the CI tab refetches. */
  watchEntity: requires("ci.read", watchEntityInput).subscription(({ ctx, input, signal }) => watchEntity(ctx.db, input, signal)),

  trigger: requires("ci.trigger", triggerInput, entityScope)
    .meta({ audit: "ci.run.trigger" })
    .mutation(({ ctx, input }) => triggerRun(ctx.db, ciContext(), ctx.audited, ctx.principal, input)),
  rerun: requires("ci.trigger", runIdInput, runScope)
    .meta({ audit: "ci.run.rerun" })
    .mutation(({ ctx, input }) => rerunRun(ctx.db, ciContext(), ctx.audited, ctx.principal, input.id)),
  cancel: requires("ci.trigger", runIdInput, runScope)
    .meta({ audit: "ci.run.cancel" })
    .mutation(({ ctx, input }) => cancelRun(ctx.db, ctx.audited, input.id)),
});
