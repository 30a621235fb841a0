import { router } from "@/server/trpc";
import { meRouter } from "./me";
import { adminRouter } from "./admin";
import { auditRouter } from "./audit";
import { catalogRouter } from "./catalog";
import { systemRouter } from "./system";
import { metricsRouter } from "./metrics";
import { ciRouter } from "./ci";
import { cloudRouter } from "./cloud";
import { dashboardsRouter } from "./dashboards";
import { deploysRouter } from "./deploys";
import { runbooksRouter } from "./runbooks";

export const appRouter = router({
  system: systemRouter,
  me: meRouter,
  admin: adminRouter,
  audit: auditRouter,
  catalog: catalogRouter,
  metrics: metricsRouter,
  ci: ciRouter,
  cloud: cloudRouter,
  dashboards: dashboardsRouter,
  deploys: deploysRouter,
  runbooks: runbooksRouter,
});

export type AppRouter = typeof appRouter;
