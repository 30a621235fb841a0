import { publicProcedure, router } from "@/server/trpc";
import { env } from "@/server/env";

export const systemRouter = router({
  info: publicProcedure.query(() => ({ demoMode: env().demoMode, oidc: Boolean(env().oidc), version: process.env.npm_package_version ?? "0.1.0" })),
});
