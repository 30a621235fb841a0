import { requires, router } from "@/server/trpc";
import {
  checkPanels, createDashboard, createInput, dashboardScope, deleteDashboard, getDashboard, idInput, listDashboards, listInput, panelData, panelDataInput,
  updateDashboard, updateInput, validateInput, validatePromql,
} from "@/server/metrics/dashboards";
import { metricsSources } from "@/server/metrics/source";

// Saved custom dashboards: wiring only (docs/metrics.md "Custom dashboards"; logic in server/metrics/dashboards.ts).
export const dashboardsRouter = router({
  /** Saved dashboards, newest change first (keyset pages), with the teams the caller may create dashboards for. */
  list: requires("metrics.read", listInput).query(async ({ ctx, input }) => ({ ...(await listDashboards(ctx.db, ctx.principal, input)), sources: metricsSources().infos() })),
  /** One dashboard (the shared link /dashboards/d/<id>) and whether the caller may edit it. */
  get: requires("metrics.read", idInput).query(async ({ ctx, input }) => ({ ...(await getDashboard(ctx.db, ctx.principal, input.id)), sources: metricsSources().infos() })),
  /** The series of one panel (saved or being edited) over a time range; query errors come back on the panel. */
  panelData: requires("metrics.read", panelDataInput).query(({ ctx, input }) => panelData(ctx.db, metricsSources(), input)),
  /** Asks the data source to parse a PromQL query: { error: null } or the parser's message. */
  validateQuery: requires("metrics.read", validateInput).query(async ({ input }) => ({ error: await validatePromql(metricsSources(), input.query, input.source) })),
  create: requires("dashboards.manage", createInput, (input) => ({ teamIds: [input.ownerTeamId] }))
    .meta({ audit: "dashboards.create" })
    .mutation(async ({ ctx, input }) => {
      await checkPanels(ctx.db, metricsSources(), input.panels);
      return ctx.audited((tx) => createDashboard(tx, ctx.principal, input));
    }),
  update: requires("dashboards.manage", updateInput, (input, ctx) => dashboardScope(ctx.db, input.id))
    .meta({ audit: "dashboards.update" })
    .mutation(async ({ ctx, input }) => {
      await checkPanels(ctx.db, metricsSources(), input.panels);
      return ctx.audited((tx) => updateDashboard(tx, ctx.principal, input));
    }),
  delete: requires("dashboards.manage", idInput, (input, ctx) => dashboardScope(ctx.db, input.id))
    .meta({ audit: "dashboards.delete" })
    .mutation(({ ctx, input }) => ctx.audited((tx) => deleteDashboard(tx, input.id))),
});
