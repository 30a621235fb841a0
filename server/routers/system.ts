import { TRPCError } from "@trpc/server";
import { publicProcedure, router } from "@/server/trpc";
import { env } from "@/server/env";
import { listDemoUsers } from "@/server/auth/demo-users";

export const systemRouter = router({
  info: publicProcedure.query(() => ({ demoMode: env().demoMode, oidc: env().oidc ? { name: env().OIDC_NAME } : null })),
  // Public on purpose: the sign-in picker needs it before anyone is signed in. It exists only in demo mode.
  demoUsers: publicProcedure.query(({ ctx }) => {
    if (!env().demoMode) throw new TRPCError({ code: "NOT_FOUND", message: "Demo sign-in is only available in demo mode" });
    return listDemoUsers(ctx.db);
  }),
});
