import { z } from "zod";
import { requires, router } from "@/server/trpc";
import { auditPage, auditPageSchema } from "@/server/audit/query";
import { AUDIT_ACTIONS } from "@/server/audit/actions";
import { latestVerifyRuns, requestVerify } from "@/server/audit/verify-runs";
import { watchVerifyRun } from "@/server/audit/watch";

export const auditRouter = router({
  list: requires("audit.read", auditPageSchema).query(({ ctx, input }) => auditPage(ctx.db, input)),
  actions: requires("audit.read", z.void()).query(() => AUDIT_ACTIONS),
  verifyRuns: requires("audit.verify", z.void()).query(({ ctx }) => latestVerifyRuns(ctx.db)),
  startVerify: requires("audit.verify", z.void())
    .meta({ audit: "audit.verify.start" })
    .mutation(({ ctx }) => ctx.audited((tx) => requestVerify(tx, ctx.principal.email))),
  watchVerify: requires("audit.verify", z.object({ id: z.string().min(1) })).subscription(({ ctx, input, signal }) =>
    watchVerifyRun(ctx.db, input.id, signal),
  ),
});
