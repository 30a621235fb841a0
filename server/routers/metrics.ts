import { requires, router } from "@/server/trpc";
import { entityHealth, healthInput } from "@/server/metrics/health";
import { metricsSource } from "@/server/metrics/source";

// Service health metrics: wiring only (docs/metrics.md; the logic is in server/metrics/).
export const metricsRouter = router({
  /** Golden signals (request rate, error ratio, latency p50/p95/p99, CPU, memory) of a catalog Component over a time range. */
  health: requires("metrics.read", healthInput).query(({ ctx, input }) => entityHealth(ctx.db, metricsSource(), input)),
});
