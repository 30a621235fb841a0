import { z } from "zod";
import { requires, router } from "@/server/trpc";
import { permissionList } from "@/server/auth/permissions";

export const meRouter = router({
  whoami: requires("self.read", z.void()).query(({ ctx }) => ({
    ...ctx.principal,
    permissions: permissionList(ctx.principal),
  })),
});
