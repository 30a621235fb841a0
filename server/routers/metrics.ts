import { requires, router } from "@/server/trpc";
import { entityHealth, healthInput } from "@/server/metrics/health";
import { metricsOverview, overviewInput } from "@/server/metrics/overview";
import { metricsSource } from "@/server/metrics/source";

// Service health metrics: wiring only (docs/metrics.md; the logic is in server/metrics/).
export const metricsRouter = router({
  /** Golden signals (request rate, error ratio, latency p50/p95/p99, CPU, memory) of a catalog Component over a time range. */
  health: requires("metrics.read", healthInput).query(({ ctx, input }) => entityHealth(ctx.db, metricsSource(), input)),
  /** The managers' overview: every Component by owner team with a health status, error ratio, p95 latency and scorecard level. */
  overview: requires("metrics.read", overviewInput).query(({ ctx, input }) => metricsOverview(ctx.db, metricsSource(), input)),
});
