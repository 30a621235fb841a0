import { z } from "zod";
import { requires, router } from "@/server/trpc";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { awsProviderFor } from "@/server/cloud/config";
import { instanceAction, instanceActionInput, invokeInput, invokeLambda, requestRefresh } from "@/server/cloud/actions";
import { entityInput, inventorySummary, listResources, resourcesForEntity, resourcesInput, resourceTeams } from "@/server/cloud/queries";

const resourceScope = async (input: { id: string }, ctx: { db: Db }) => ({ teamIds: await resourceTeams(ctx.db, input.id) });
const providerFor = (account: string) => awsProviderFor(env(), account);

// Cloud inventory: wiring only (docs/ci-cloud.md; the logic is in server/cloud/, the clouds behind server/providers/cloud/).
export const cloudRouter = router({
  /** The inventory page: resources (from the cache the refresh job keeps) with filters and risk flags. */
  resources: requires("cloud.read", resourcesInput).query(({ ctx, input }) => listResources(ctx.db, input)),
  /** Totals by provider/type/risk/account and the refresh status of every account and region. */
  summary: requires("cloud.read", z.void()).query(({ ctx }) => inventorySummary(ctx.db)),
  /** A service page's resources (by tag, or via the Resource entities it depends on). */
  forEntity: requires("cloud.read", entityInput).query(({ ctx, input }) => resourcesForEntity(ctx.db, input.entityRef)),

  refresh: requires("cloud.refresh", z.void())
    .meta({ audit: "cloud.refresh.request" })
    .mutation(({ ctx }) => requestRefresh(ctx.audited)),
  instanceAction: requires("cloud.act", instanceActionInput, resourceScope)
    .meta({ audit: "cloud.instance.action" })
    .mutation(({ ctx, input }) => instanceAction(ctx.db, ctx.audited, providerFor, input)),
  invokeLambda: requires("cloud.act", invokeInput, resourceScope)
    .meta({ audit: "cloud.lambda.invoke" })
    .mutation(({ ctx, input }) => invokeLambda(ctx.db, ctx.audited, providerFor, input)),
});
