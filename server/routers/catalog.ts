import { z } from "zod";
import { requires, router } from "@/server/trpc";
import { listServices } from "@/server/catalog/services";

export const catalogRouter = router({
  services: requires("catalog.read", z.object({ ownerTeamId: z.string().optional() }).default({})).query(({ ctx, input }) =>
    listServices(ctx.db, input.ownerTeamId),
  ),
});
