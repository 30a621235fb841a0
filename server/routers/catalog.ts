import { z } from "zod";
import { requires, router } from "@/server/trpc";
import {
  dependencyGraph,
  entityPage,
  facetCounts,
  facetsInput,
  graphInput,
  listEntities,
  listInput,
  myServices,
  pageInput,
  refInput,
  suggest,
  teamSummary,
} from "@/server/catalog/queries";
import {
  deleteLocation,
  enqueueRefreshAll,
  listLocationErrors,
  listLocations,
  locationErrorsInput,
  locationsInput,
  prepareRefresh,
  summaryForAudit,
  uploadAndIngest,
  uploadInput,
} from "@/server/catalog/locations";
import { applyLocation } from "@/server/catalog/ingest";
import { exportInput, overviewInput, scorecardCsv, scorecardOverview } from "@/server/catalog/report";
import { loadRules, recomputeAllScores, saveRules, scorecardRulesInput } from "@/server/catalog/scorecards";

/** Ingest, deletion and rescoring touch up to every entity: at 100k they take tens of seconds in one transaction. */
const BULK = { timeoutMs: 10 * 60_000 };

// The catalog: wiring only (docs/catalog.md describes each procedure; the logic is in server/catalog/).
export const catalogRouter = router({
  /** Components with owners, by name (at most 200): the command palette and home page. */

  list: requires("catalog.read", listInput).query(({ ctx, input }) => listEntities(ctx.db, input)),
  facets: requires("catalog.read", facetsInput).query(({ ctx, input }) => facetCounts(ctx.db, input)),
  suggest: requires("catalog.read", z.object({ q: z.string().trim().min(1).max(200), limit: z.number().int().min(1).max(20).default(8) })).query(({ ctx, input }) =>
    suggest(ctx.db, input.q, input.limit),
  ),
  entity: requires("catalog.read", refInput).query(({ ctx, input }) => entityPage(ctx.db, input.ref)),
  graph: requires("catalog.read", graphInput).query(({ ctx, input }) => dependencyGraph(ctx.db, input)),
  team: requires("catalog.read", z.object({ slug: z.string().trim().min(1).max(100) })).query(({ ctx, input }) => teamSummary(ctx.db, input.slug)),
  myServices: requires("catalog.read", pageInput.extend({ onlyComponents: z.boolean().default(true) })).query(({ ctx, input }) =>
    myServices(ctx.db, ctx.principal.teams.map((t) => t.teamId), input),
  ),

  locations: requires("catalog.read", locationsInput).query(({ ctx, input }) => listLocations(ctx.db, input)),
  locationErrors: requires("catalog.read", locationErrorsInput).query(({ ctx, input }) => listLocationErrors(ctx.db, input)),

  upload: requires("catalog.locations.manage", uploadInput)
    .meta({ audit: "catalog.location.upload" })
    .mutation(({ ctx, input }) =>
      ctx.audited(async (tx) => {
        const r = await uploadAndIngest(tx, input, ctx.principal.email);
        return { result: { location: r.location, summary: r.summary }, targetType: "catalog.location", targetId: r.location.id, before: r.before, after: { fileName: input.fileName, ...(summaryForAudit(r.summary) as object) } };
      }, BULK),
    ),
  refreshLocation: requires("catalog.locations.manage", z.object({ locationId: z.string().min(1).max(100) }))
    .meta({ audit: "catalog.location.refresh" })
    .mutation(async ({ ctx, input }) => {
      const prepared = await prepareRefresh(ctx.db, input.locationId);
      return ctx.audited(async (tx) => {
        const summary = await applyLocation(tx, prepared);
        return { result: summary, targetType: "catalog.location", targetId: input.locationId, after: summaryForAudit(summary) };
      }, BULK);
    }),
  refreshAll: requires("catalog.locations.manage", z.void())
    .meta({ audit: "catalog.refresh.request" })
    .mutation(({ ctx }) =>
      ctx.audited(async (tx) => {
        await enqueueRefreshAll(tx);
        return { result: { queued: true }, targetType: "catalog", targetId: "all" };
      }),
    ),
  deleteLocation: requires("catalog.locations.manage", z.object({ locationId: z.string().min(1).max(100) }))
    .meta({ audit: "catalog.location.delete" })
    .mutation(({ ctx, input }) =>
      ctx.audited(async (tx) => {
        const r = await deleteLocation(tx, input.locationId);
        return { result: { removed: r.removed }, targetType: "catalog.location", targetId: input.locationId, before: r.before };
      }, BULK),
    ),

  scorecardRules: requires("catalog.read", z.void()).query(async ({ ctx }) => {
    const r = await loadRules(ctx.db);
    return { yaml: r.yaml, source: r.source, updatedAt: r.updatedAt, updatedBy: r.updatedBy, rules: r.rules };
  }),
  updateScorecardRules: requires("catalog.scorecards.manage", scorecardRulesInput)
    .meta({ audit: "catalog.scorecards.update" })
    .mutation(({ ctx, input }) =>
      ctx.audited(async (tx) => {
        const saved = await saveRules(tx, input.yaml, ctx.principal.email);
        const rescored = await recomputeAllScores(tx, saved.rules);
        return {
          result: { rules: saved.rules.length, rescored },
          targetType: "catalog.scorecards",
          targetId: "rules",
          before: saved.before,
          after: { hash: saved.hash, ruleIds: saved.rules.map((r) => r.id) },
        };
      }, BULK),
    ),
  scorecardOverview: requires("catalog.read", overviewInput).query(({ ctx, input }) => scorecardOverview(ctx.db, input)),
  scorecardExport: requires("catalog.read", exportInput).query(({ ctx, input }) => scorecardCsv(ctx.db, input)),
});
