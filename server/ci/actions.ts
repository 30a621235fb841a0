import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db, Tx } from "@/server/db/client";
import type { AuditedChange } from "@/server/audit/append";
import { publish } from "@/server/events/bus";
import { enqueueJob } from "@/server/jobs/enqueue";
import { BuiltinCiProvider, CI_PROVIDERS, CiProviderError, type CiProviderKind, type TriggerResult } from "@/server/providers/ci";
import { bindingsOf } from "./bindings";
import { builtinStore } from "./builtin-store";
import type { ExternalKind } from "./config";
import { CI_POLL_TASK } from "./poll";
import { loadEntity } from "@/server/catalog/queries";
import { getRunRow, PROVIDER_LABEL, type CiContext } from "./queries";
import { cancelTopic, entityTopic, runTopic } from "./runs";

/** How mutations write: the change and its audit event in one transaction (ctx.audited of server/trpc.ts). */
type Audited = <T>(change: (tx: Tx) => Promise<AuditedChange<T>>) => Promise<T>;
type Who = { id: string; email: string };

/** A vendor's refusal, as the person who clicked should read it. */
export function providerErrorToTrpc(err: unknown): never {
  if (!(err instanceof CiProviderError)) throw err;
  const code = ({ auth: "PRECONDITION_FAILED", rate_limit: "TOO_MANY_REQUESTS", not_found: "NOT_FOUND", bad_request: "BAD_REQUEST", unavailable: "BAD_GATEWAY" } as const)[err.kind];
  throw new TRPCError({ code, message: err.message, cause: err });
}

export const triggerInput = z.object({
  entityRef: z.string().trim().min(1).max(300),
  provider: z.enum(CI_PROVIDERS),
  /** Workflow id/file (GitHub), ".gitlab-ci.yml", Jenkins job, built-in pipeline name. */
  pipeline: z.string().trim().min(1).max(300),
  /** Branch or tag (GitHub/GitLab need one; built-in runs record it). */
  ref: z.string().trim().max(200).regex(/^[A-Za-z0-9._/-]*$/, "a branch or tag name").default(""),
  inputs: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "an input name"), z.string().max(2000)).default({}),
});
export const runIdInput = z.object({ id: z.string().min(1).max(100) });

function notConfigured(c: CiContext, kind: CiProviderKind): TRPCError {
  const why = c.demoMode ? `${PROVIDER_LABEL[kind]} runs here are demo data recorded from its API; configure the provider to trigger real runs` : `${PROVIDER_LABEL[kind]} is not configured`;
  return new TRPCError({ code: "PRECONDITION_FAILED", message: why });
}

/** Ask for a poll of this entity and provider right away, so a run started from here shows up within seconds. */
async function pollSoon(tx: Tx, entityRef: string, provider: CiProviderKind) {
  await tx.ciPollState.updateMany({ where: { entityRef, provider }, data: { nextPollAt: new Date(), intervalSeconds: 30 } });
  await enqueueJob(tx, CI_POLL_TASK, {});
}

export async function triggerRun(db: Db, c: CiContext, audited: Audited, who: Who, input: z.output<typeof triggerInput>) {
  const e = await loadEntity(db, input.entityRef);
  const binding = bindingsOf(e, c.bindings).find((b) => b.provider === input.provider);
  if (!binding) throw new TRPCError({ code: "BAD_REQUEST", message: `${e.name} has no ${PROVIDER_LABEL[input.provider]} binding (annotation or OPSDECK_CI_BINDINGS)` });
  if (binding.problem) throw new TRPCError({ code: "PRECONDITION_FAILED", message: binding.problem });
  const req = { pipeline: input.pipeline, ref: input.ref, inputs: input.inputs };
  const audit = { targetType: "entity", targetId: e.ref };
  let result: TriggerResult & { runId: string | null };
  if (input.provider === "builtin") {
    result = await audited(async (tx) => {
      const store = builtinStore(tx, { entityRef: e.ref, ownerTeamId: e.ownerTeamId, requestedById: who.id, actor: who.email });
      const r = await new BuiltinCiProvider(store).trigger(binding.target, req).catch(providerErrorToTrpc);
      return { result: { ...r, runId: store.lastCreated() }, ...audit, after: { provider: "builtin", pipeline: r.message, ref: input.ref, inputs: input.inputs, run: store.lastCreated() } };
    });
  } else {
    const p = c.providers[input.provider as ExternalKind];
    if (!p) throw notConfigured(c, input.provider);
    if (!input.ref && input.provider !== "jenkins") throw new TRPCError({ code: "BAD_REQUEST", message: "give the branch or tag to run on" });
    const r = await p.trigger(binding.target, req).catch(providerErrorToTrpc);
    result = await audited(async (tx) => {
      await pollSoon(tx, e.ref, input.provider);
      return { result: { ...r, runId: null }, ...audit, after: { provider: input.provider, target: binding.target, pipeline: input.pipeline, ref: input.ref, inputs: input.inputs, externalId: r.externalId } };
    });
  }
  await publish(db, entityTopic(e.ref), { provider: input.provider });
  return result;
}

export async function rerunRun(db: Db, c: CiContext, audited: Audited, who: Who, id: string) {
  const run = await getRunRow(db, id);
  const audit = { targetType: "ci.run", targetId: run.id, before: { status: run.status, externalId: run.externalId } };
  let result: TriggerResult & { runId: string | null };
  if (run.provider === "builtin") {
    result = await audited(async (tx) => {
      const store = builtinStore(tx, { entityRef: run.entityRef, ownerTeamId: run.ownerTeamId, requestedById: who.id, actor: who.email });
      const r = await new BuiltinCiProvider(store).rerun(run.target, run.externalId).catch(providerErrorToTrpc);
      return { result: { ...r, runId: store.lastCreated() }, ...audit, after: { provider: "builtin", run: store.lastCreated() } };
    });
  } else {
    const p = c.providers[run.provider as ExternalKind];
    if (!p) throw notConfigured(c, run.provider as CiProviderKind);
    const r = await p.rerun(run.target, run.externalId).catch(providerErrorToTrpc);
    result = await audited(async (tx) => {
      await pollSoon(tx, run.entityRef, run.provider as CiProviderKind);
      return { result: { ...r, runId: null }, ...audit, after: { provider: run.provider, message: r.message } };
    });
  }
  await publish(db, entityTopic(run.entityRef), { id });
  return result;
}

/** Cancels a built-in run: a queued one at once, a running one through the worker (its steps get SIGTERM, then SIGKILL). */
export async function cancelRun(db: Db, audited: Audited, id: string) {
  const run = await getRunRow(db, id);
  if (run.provider !== "builtin") throw new TRPCError({ code: "BAD_REQUEST", message: `cancel ${PROVIDER_LABEL[run.provider as CiProviderKind]} runs in ${PROVIDER_LABEL[run.provider as CiProviderKind]}` });
  const result = await audited(async (tx) => {
    const now = new Date();
    const queued = await tx.ciRun.updateMany({ where: { id, status: "queued" }, data: { status: "cancelled", providerStatus: "cancelled", cancelRequestedAt: now, finishedAt: now, message: "cancelled before it started" } });
    if (!queued.count) {
      const running = await tx.ciRun.updateMany({ where: { id, status: "running", cancelRequestedAt: null }, data: { cancelRequestedAt: now } });
      if (!running.count) throw new TRPCError({ code: "CONFLICT", message: `run is ${run.status}${run.cancelRequestedAt ? " and already being cancelled" : ""}: nothing to cancel` });
    }
    return { result: { status: queued.count ? "cancelled" : "cancelling" }, targetType: "ci.run", targetId: id, before: { status: run.status }, after: { status: queued.count ? "cancelled" : "cancelling" } };
  });
  await publish(db, cancelTopic(id), { id });
  await publish(db, runTopic(id), { id });
  await publish(db, entityTopic(run.entityRef), { id });
  return result;
}

export async function listPipelines(db: Db, c: CiContext, entityRef: string) {
  const e = await loadEntity(db, entityRef);
  const out = [];
  for (const b of bindingsOf(e, c.bindings)) {
    const p = b.provider === "builtin" ? (b.problem ? null : new BuiltinCiProvider(builtinStore(db, { entityRef: e.ref, ownerTeamId: e.ownerTeamId, requestedById: null, actor: "" }))) : (c.providers[b.provider as ExternalKind] ?? null);
    if (!p) {
      out.push({ provider: b.provider, label: PROVIDER_LABEL[b.provider], pipelines: [], error: b.problem ?? notConfigured(c, b.provider).message });
      continue;
    }
    try {
      out.push({ provider: b.provider, label: PROVIDER_LABEL[b.provider], pipelines: await p.listPipelines(b.target), error: null });
    } catch (err) {
      out.push({ provider: b.provider, label: PROVIDER_LABEL[b.provider], pipelines: [], error: err instanceof CiProviderError ? err.message : (err as Error).message });
    }
  }
  return out;
}
