import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { actorOf, requires, router } from "@/server/trpc";
import { publish } from "@/server/events/bus";
import { checkRunAccess, createRun, runbookByName, cancelRun, checkApprover, decideApproval } from "@/server/runbooks/runs";
import {
  diffVersions,
  getRun,
  getRunbook,
  getVersion,
  listRunbooks,
  listRuns,
  listVersions,
  listInput,
  logInput,
  logPage,
  runbooksForEntity,
  runsInput,
  versionsInput,
  watchRun,
} from "@/server/runbooks/queries";
import { archiveUiRunbook, checkOwnerChange, createInput, createRunbook, updateInput, updateRunbook, validateYaml, yamlInput } from "@/server/runbooks/edit";
import { approveScopeByRun, editScopeByName, editScopeByYaml, runScopeByName, runScopeByRun } from "@/server/runbooks/scope";
import { RUNBOOKS_TOPIC, runTopic } from "@/server/runbooks/topics";
import { requestTick } from "@/server/runbooks/maintenance";

// Runbooks: wiring only (docs/runbooks.md describes each procedure; the logic is in server/runbooks/).

const name = z.string().trim().min(1).max(100);
const runId = z.string().trim().min(1).max(100);
const paramValue = z.union([z.string().max(65_536), z.number(), z.boolean(), z.array(z.string().max(200)).max(500)]);
const startInput = z.object({ name, params: z.record(z.string().max(63), paramValue).default({}), confirm: z.string().max(300).optional() });

export const runbooksRouter = router({
  list: requires("runbooks.read", listInput).query(({ ctx, input }) => listRunbooks(ctx.db, input)),
  get: requires("runbooks.read", z.object({ name })).query(({ ctx, input }) => getRunbook(ctx.db, input.name, ctx.principal)),
  versions: requires("runbooks.read", versionsInput).query(({ ctx, input }) => listVersions(ctx.db, input)),
  version: requires("runbooks.read", z.object({ name, version: z.number().int().min(1) })).query(({ ctx, input }) => getVersion(ctx.db, input.name, input.version)),
  diff: requires("runbooks.read", z.object({ name, from: z.number().int().min(1), to: z.number().int().min(1) })).query(({ ctx, input }) =>
    diffVersions(ctx.db, input.name, input.from, input.to),
  ),
  /** Problems of a definition being edited (path + line), without saving anything. */
  validate: requires("runbooks.read", z.object({ yaml: yamlInput })).query(({ ctx, input }) => validateYaml(ctx.db, input.yaml)),
  forEntity: requires("runbooks.read", z.object({ ref: z.string().trim().min(1).max(300) })).query(({ ctx, input }) => runbooksForEntity(ctx.db, input.ref)),

  create: requires("runbooks.edit", createInput, (input, ctx) => editScopeByYaml(ctx.db, input.yaml))
    .meta({ audit: "runbook.create" })
    .mutation(async ({ ctx, input }) => {
      const r = await ctx.audited((tx) => createRunbook(tx, ctx.principal, input));
      await publish(ctx.db, RUNBOOKS_TOPIC, { runbook: r.name });
      return r;
    }),
  update: requires("runbooks.edit", updateInput, (input, ctx) => editScopeByName(ctx.db, input.name))
    .meta({ audit: "runbook.update" })
    .mutation(async ({ ctx, input }) => {
      await checkOwnerChange(ctx.db, actorOf(ctx), ctx.principal, input.yaml, "runbook.update");
      const r = await ctx.audited((tx) => updateRunbook(tx, ctx.principal, input));
      await publish(ctx.db, RUNBOOKS_TOPIC, { runbook: r.name });
      return r;
    }),
  archive: requires("runbooks.edit", z.object({ name }), (input, ctx) => editScopeByName(ctx.db, input.name))
    .meta({ audit: "runbook.archive" })
    .mutation(async ({ ctx, input }) => {
      const r = await ctx.audited((tx) => archiveUiRunbook(tx, input.name));
      await publish(ctx.db, RUNBOOKS_TOPIC, { runbook: r.name });
      return r;
    }),
  /** Re-reads runbook directories and catalog annotations now (the worker's tick; each change is audited there). */
  reload: requires("runbooks.manage", z.void())
    .meta({ audit: "runbook.sync" })
    .mutation(({ ctx }) =>
      ctx.audited(async (tx) => {
        await requestTick(tx);
        return { result: { queued: true }, targetType: "runbooks", targetId: "sources", after: { requested: true } };
      }),
    ),

  start: requires("runbooks.run", startInput, (input, ctx) => runScopeByName(ctx.db, ctx.principal, input.name))
    .meta({ audit: "runbook.run.start" })
    .mutation(async ({ ctx, input }) => {
      const rb = await runbookByName(ctx.db, input.name);
      if (!rb) throw new TRPCError({ code: "NOT_FOUND", message: `No runbook ${input.name}` });
      const access = await checkRunAccess(ctx.db, actorOf(ctx), ctx.principal, rb);
      const r = await ctx.audited((tx) =>
        createRun(tx, { runbook: rb, params: input.params, confirm: input.confirm, trigger: "manual", requestedById: ctx.principal.id, requestedBy: ctx.principal.email, principal: ctx.principal }, access.needsApproval),
      );
      await publish(ctx.db, RUNBOOKS_TOPIC, { run: r.id });
      return r;
    }),
  cancel: requires("runbooks.run", z.object({ id: runId }), (input, ctx) => runScopeByRun(ctx.db, ctx.principal, input.id))
    .meta({ audit: "runbook.run.cancel" })
    .mutation(async ({ ctx, input }) => {
      const r = await ctx.audited((tx) => cancelRun(tx, input.id, ctx.principal.email));
      await publish(ctx.db, runTopic(input.id));
      await publish(ctx.db, RUNBOOKS_TOPIC, { run: input.id });
      return r;
    }),
  decide: requires("runbooks.approve", z.object({ id: runId, decision: z.enum(["approved", "rejected"]), comment: z.string().trim().max(1000).default("") }), (input, ctx) =>
    approveScopeByRun(ctx.db, ctx.principal, input.id),
  )
    .meta({ audit: "runbook.run.approve" })
    .mutation(async ({ ctx, input }) => {
      await checkApprover(ctx.db, actorOf(ctx), ctx.principal, input.id);
      const r = await ctx.audited((tx) => decideApproval(tx, ctx.principal, input.id, input.decision, input.comment));
      await publish(ctx.db, runTopic(input.id));
      await publish(ctx.db, RUNBOOKS_TOPIC, { run: input.id });
      return r;
    }),

  runs: requires("runbooks.read", runsInput).query(({ ctx, input }) => listRuns(ctx.db, input)),
  run: requires("runbooks.read", z.object({ id: runId })).query(({ ctx, input }) => getRun(ctx.db, input.id, ctx.principal)),
  log: requires("runbooks.read", logInput).query(({ ctx, input }) => logPage(ctx.db, input)),
  /** Live run: state changes and log chunks after `afterSeq`, over SSE; ends once the run has ended. */
  watch: requires("runbooks.read", z.object({ id: runId, afterSeq: z.number().int().min(0).default(0) })).subscription(({ ctx, input, signal }) =>
    watchRun(ctx.db, input.id, input.afterSeq, signal),
  ),
});
