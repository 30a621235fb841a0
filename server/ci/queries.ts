import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { decodeCursor, encodeCursor, loadEntity } from "@/server/catalog/queries";
import { liveQuery } from "@/server/events/bus";
import { CI_PROVIDERS, CiProviderError, isTerminal, type CiJob, type CiProvider, type CiProviderKind } from "@/server/providers/ci";
import { bindingsOf, type BindingConfig } from "./bindings";
import { EXTERNAL_KINDS, type ExternalKind } from "./config";
import { entityTopic, runTopic, stagesAsJobs, type StageState } from "./runs";

/** What the CI domain needs from configuration, resolved once per request (server/ci/context.ts). */
export type CiContext = {
  bindings: BindingConfig;
  providers: Partial<Record<ExternalKind, CiProvider>>;
  webhooks: Partial<Record<ExternalKind, boolean>>;
  demoMode: boolean;
};

export const PROVIDER_LABEL: Record<CiProviderKind, string> = { github: "GitHub Actions", gitlab: "GitLab CI", jenkins: "Jenkins", builtin: "Built-in runner" };

export const runsInput = z.object({
  entityRef: z.string().trim().min(1).max(300),
  provider: z.enum(CI_PROVIDERS).optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(100).default(25),
});

const cursorSchema = z.object({ t: z.string(), id: z.string() });

/** The CI tab: how the service builds (bindings with their state), a page of runs across providers, and durations. */
export async function ciOverview(db: Db, c: CiContext, input: z.output<typeof runsInput>) {
  const e = await loadEntity(db, input.entityRef);
  const polls = new Map((await db.ciPollState.findMany({ where: { entityRef: e.ref } })).map((p) => [p.provider, p]));
  const bindings = bindingsOf(e, c.bindings).map((b) => {
    const external = (EXTERNAL_KINDS as readonly string[]).includes(b.provider);
    const configured = external ? Boolean(c.providers[b.provider as ExternalKind]) : b.problem === null;
    const poll = polls.get(b.provider);
    return {
      provider: b.provider,
      label: PROVIDER_LABEL[b.provider],
      target: b.target,
      source: b.source,
      configured,
      // Demo mode without credentials: the runs shown come from recorded fixtures.
      demo: external && !configured && c.demoMode,
      problem: b.problem ?? (external && !configured && !c.demoMode ? `${PROVIDER_LABEL[b.provider]} is not configured (docs/ci-cloud.md)` : null),
      webhook: external ? Boolean(c.webhooks[b.provider as ExternalKind]) : false,
      lastError: poll?.lastError || null,
      lastPolledAt: poll?.lastPolledAt ?? null,
      nextPollAt: poll?.nextPollAt ?? null,
    };
  });
  const after = input.cursor ? decodeCursor(cursorSchema, input.cursor) : null;
  const rows = await db.ciRun.findMany({
    where: {
      entityRef: e.ref,
      ...(input.provider ? { provider: input.provider } : {}),
      ...(after ? { OR: [{ createdAt: { lt: new Date(after.t) } }, { createdAt: new Date(after.t), id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    select: RUN_FIELDS,
  });
  const more = rows.length > input.limit;
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  // Durations of the latest finished runs, oldest first, for the chart.
  const finished = await db.ciRun.findMany({
    where: { entityRef: e.ref, finishedAt: { not: null }, startedAt: { not: null }, status: { in: ["succeeded", "failed", "timed_out"] } },
    orderBy: { finishedAt: "desc" },
    take: 40,
    select: { id: true, provider: true, pipeline: true, status: true, startedAt: true, finishedAt: true, number: true },
  });
  return {
    entity: { ref: e.ref, name: e.name, kind: e.kind, ownerTeamId: e.ownerTeamId },
    bindings,
    runs: items.map(withDuration),
    nextCursor: more && last ? encodeCursor({ t: last.createdAt.toISOString(), id: last.id }) : null,
    durations: finished.reverse().map((r) => ({ id: r.id, provider: r.provider, pipeline: r.pipeline, number: r.number, status: r.status, finishedAt: r.finishedAt!, seconds: Math.max(0, Math.round((r.finishedAt!.getTime() - r.startedAt!.getTime()) / 1000)) })),
  };
}

const RUN_FIELDS = {
  id: true,
  entityRef: true,
  ownerTeamId: true,
  provider: true,
  target: true,
  externalId: true,
  number: true,
  pipeline: true,
  status: true,
  providerStatus: true,
  branch: true,
  commitSha: true,
  commitTime: true,
  commitMessage: true,
  actor: true,
  event: true,
  url: true,
  version: true,
  attempt: true,
  demo: true,
  message: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  cancelRequestedAt: true,
} as const;

type RunRow = { startedAt: Date | null; finishedAt: Date | null };
function withDuration<T extends RunRow>(r: T): T & { durationSeconds: number | null } {
  const end = r.finishedAt ?? (r.startedAt ? new Date() : null);
  return { ...r, durationSeconds: r.startedAt && end ? Math.max(0, Math.round((end.getTime() - r.startedAt.getTime()) / 1000)) : null };
}

export async function getRunRow(db: Db, id: string) {
  const r = await db.ciRun.findUnique({ where: { id }, select: { ...RUN_FIELDS, steps: true, inputs: true } });
  if (!r) throw new TRPCError({ code: "NOT_FOUND", message: "No such CI run" });
  return r;
}

/** One run with its jobs and steps: built-in ones from the database, external ones asked of the vendor (live). */
export async function runDetail(db: Db, c: CiContext, id: string) {
  const r = await getRunRow(db, id);
  const artefacts = await db.ciArtefact.findMany({ where: { runId: id }, orderBy: { name: "asc" }, select: { name: true, size: true, sha256: true } });
  let jobs: CiJob[] = [];
  let jobsError: string | null = null;
  let logUrl: string | null = r.url;
  if (r.provider === "builtin") jobs = stagesAsJobs(r.steps as StageState[] | null);
  else {
    const p = c.providers[r.provider as ExternalKind];
    if (!p) jobsError = r.demo ? "Demo data recorded from the vendor's API: jobs are not part of the recording." : `${PROVIDER_LABEL[r.provider as CiProviderKind]} is not configured`;
    else {
      try {
        const detail = await p.getRun(r.target, r.externalId);
        jobs = detail.jobs;
        logUrl = (await p.logs(r.target, r.externalId).catch(() => null))?.url ?? logUrl;
      } catch (err) {
        jobsError = err instanceof CiProviderError ? err.message : `could not read the run: ${(err as Error).message}`;
      }
    }
  }
  const { steps: _steps, ...run } = r;
  return { run: withDuration(run), jobs, jobsError, artefacts, logUrl, hasLog: r.provider === "builtin" };
}

export const logInput = z.object({ id: z.string().min(1).max(100), afterSeq: z.number().int().min(0).default(0) });

const LOG_PAGE = 500;
async function logAfter(db: Db, id: string, afterSeq: number) {
  const chunks = await db.ciLogChunk.findMany({ where: { runId: id, seq: { gt: afterSeq } }, orderBy: { seq: "asc" }, take: LOG_PAGE, select: { seq: true, stream: true, step: true, text: true } });
  return { chunks, nextSeq: chunks.at(-1)?.seq ?? afterSeq, more: chunks.length === LOG_PAGE };
}

type RunState = { status: string; finishedAt: Date | null; version: string | null; message: string; steps: unknown; startedAt: Date | null; cancelRequestedAt: Date | null };

/**
 * Live view of a built-in run (tRPC subscription over SSE): its state and the log chunks after `afterSeq`, pushed
 * whenever the run's topic fires (any replica's worker), until it has finished and every chunk was sent.
 */
export async function* watchRun(db: Db, input: z.output<typeof logInput>, signal: AbortSignal | undefined) {
  await getRunRow(db, input.id);
  let cursor = input.afterSeq;
  const load = async () => {
    const run = (await db.ciRun.findUnique({ where: { id: input.id }, select: { status: true, finishedAt: true, startedAt: true, version: true, message: true, steps: true, cancelRequestedAt: true } })) as RunState;
    const log = await logAfter(db, input.id, cursor);
    return { run: { ...run, jobs: stagesAsJobs(run.steps as StageState[] | null), steps: undefined }, ...log };
  };
  for await (const v of liveQuery(db, runTopic(input.id), signal, load, { pollMs: 2000, key: (v) => `${v.run.status}:${v.nextSeq}:${JSON.stringify(v.run.jobs.map((j) => [j.status, j.steps.map((s) => s.status)]))}:${String(v.run.cancelRequestedAt)}` })) {
    cursor = v.nextSeq;
    yield v;
    if (isTerminal(v.run.status as never) && !v.more) return;
  }
}

/** Pings the CI tab when anything about the entity's runs changed (it then refetches its query). */
export const watchEntityInput = z.object({
  entityRef: z.string().trim().min(1).max(300),
  /** Stop after this many updates (default: until the client goes away). */
  limit: z.number().int().min(1).max(1_000_000).optional(),
});

export async function* watchEntity(db: Db, input: z.output<typeof watchEntityInput>, signal: AbortSignal | undefined) {
  const e = await loadEntity(db, input.entityRef);
  const load = async () => {
    const agg = await db.ciRun.aggregate({ where: { entityRef: e.ref }, _max: { updatedAt: true }, _count: true });
    const poll = await db.ciPollState.aggregate({ where: { entityRef: e.ref }, _max: { lastPolledAt: true } });
    return { runs: agg._count, updatedAt: agg._max.updatedAt?.toISOString() ?? null, polledAt: poll._max.lastPolledAt?.toISOString() ?? null };
  };
  let sent = 0;
  for await (const v of liveQuery(db, entityTopic(e.ref), signal, load, { pollMs: 15_000 })) {
    yield v;
    if (input.limit && ++sent >= input.limit) return;
  }
}

export const recentBuildsInput = z.object({ entityRef: z.string().trim().min(1).max(300), limit: z.number().int().min(1).max(50).default(10) });

/**
 * Successful builds that produced a version, newest first: what the deploy dialog offers ("deploy this build"), with
 * the commit time kept for DORA lead time.
 */
export async function recentBuilds(db: Db, input: z.output<typeof recentBuildsInput>) {
  const e = await loadEntity(db, input.entityRef);
  const rows = await db.ciRun.findMany({
    where: { entityRef: e.ref, status: "succeeded", version: { not: null } },
    orderBy: [{ finishedAt: "desc" }, { id: "desc" }],
    take: input.limit,
    select: { id: true, provider: true, pipeline: true, number: true, version: true, commitSha: true, commitTime: true, commitMessage: true, branch: true, finishedAt: true, url: true, demo: true },
  });
  return rows.map((r) => ({ ...r, version: r.version!, imageTag: r.version!, providerLabel: PROVIDER_LABEL[r.provider as CiProviderKind] ?? r.provider }));
}
