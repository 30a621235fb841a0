import { z } from "zod";
import { publicProcedure, requires, router } from "@/server/trpc";
import { permissionList } from "@/server/auth/permissions";
import type { Principal } from "@/server/auth/roles";

const withPermissions = (p: Principal) => ({ ...p, permissions: permissionList(p) });

export const meRouter = router({
  whoami: requires("self.read", z.void()).query(({ ctx }) => withPermissions(ctx.principal)),
  // Public: "am I signed in?" is a question, not an attempt, so asking it signed-out is not an audited denial.
  current: publicProcedure.query(({ ctx }) => (ctx.principal ? withPermissions(ctx.principal) : null)),
});
