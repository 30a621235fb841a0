import { router } from "@/server/trpc";
import { meRouter } from "./me";
import { adminRouter } from "./admin";
import { auditRouter } from "./audit";
import { catalogRouter } from "./catalog";
import { systemRouter } from "./system";
import { metricsRouter } from "./metrics";
import { dashboardsRouter } from "./dashboards";
import { deploysRouter } from "./deploys";

export const appRouter = router({
  system: systemRouter,
  me: meRouter,
  admin: adminRouter,
  audit: auditRouter,
  catalog: catalogRouter,
  metrics: metricsRouter,
  dashboards: dashboardsRouter,
  deploys: deploysRouter,
});

export type AppRouter = typeof appRouter;
