import { env } from "@/server/env";
import { requires, router } from "@/server/trpc";
import { entityHealth, healthInput } from "@/server/metrics/health";
import { metricsOverview, overviewInput } from "@/server/metrics/overview";
import { entitySlo, sloInput } from "@/server/metrics/slo-queries";
import { metricsSources } from "@/server/metrics/source";
import { doraInput, doraReport, lastDeploys } from "@/server/metrics/deploy-history";

// Service health metrics: wiring only (docs/metrics.md; the logic is in server/metrics/).
export const metricsRouter = router({
  /** Golden signals (request rate, error ratio, latency p50/p95/p99, CPU, memory) of a catalog Component over a time range. */
  health: requires("metrics.read", healthInput).query(({ ctx, input }) => entityHealth(ctx.db, metricsSources(), input)),
  /** A Component's SLOs: SLI, error budget remaining, multi-window burn-rate alerts and the budget burn-down. */
  slo: requires("metrics.read", sloInput).query(({ ctx, input }) => entitySlo(ctx.db, metricsSources(), env().OPSDECK_SLOS, input)),
  /** The managers' overview: every Component by owner team with its health status (SLOs or thresholds), values vs objectives and scorecard level. */
  overview: requires("metrics.read", overviewInput).query(({ ctx, input }) => metricsOverview(ctx.db, metricsSources(), input, { sloConfig: env().OPSDECK_SLOS, lastDeploys: (refs, environment) => lastDeploys(ctx.db, refs, environment) })),
  /** DORA metrics (deployment frequency, lead time, change failure rate, time to restore) for the org, a team or a service, with weekly trends and bands. */
  dora: requires("metrics.read", doraInput).query(({ ctx, input }) => doraReport(ctx.db, input)),
});
