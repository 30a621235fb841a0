import type { CiPollState } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { appendAudit } from "@/server/audit/append";
import { publish } from "@/server/events/bus";
import { log } from "@/server/log";
import { CiProviderError, isTerminal, type CiProvider, type CiRunInfo } from "@/server/providers/ci";
import { annotationsOf, bindingsOf, entitiesWithBindings, VERSION_ANNOTATION, type BindingConfig, type BoundEntity } from "./bindings";
import type { ExternalKind } from "./config";
import { entityTopic, systemActor, upsertExternalRuns } from "./runs";

export const CI_POLL_TASK = "ci_poll";

/**
 * Polling with backoff, for providers whose webhooks are not configured (and, slowly, as a safety net where they are):
 * every (entity, provider) has its own schedule in CiPollState. Active runs → every 30 s; nothing changing → the
 * interval doubles up to 30 min; errors back off exponentially (a rate limit waits for the time the vendor named).
 */
export const POLL = { activeSeconds: 30, idleMaxSeconds: 1800, webhookSafetySeconds: 900, errorMaxSeconds: 3600, runsPerPoll: 20, commitLookups: 3 } as const;

export type PollDeps = {
  providers: Partial<Record<ExternalKind, CiProvider>>;
  bindings: BindingConfig;
  /** Providers whose webhooks are configured. */
  webhooks: Partial<Record<ExternalKind, boolean>>;
  now?: () => Date;
  requestId?: string;
};

export type PollSummary = { polled: number; skipped: number; failed: number; added: number; changed: number };

/** The next interval after a successful poll. */
export function nextInterval(prev: number | null, active: boolean, changed: boolean, webhook: boolean): number {
  if (active) return POLL.activeSeconds;
  const idle = changed || prev === null ? POLL.activeSeconds * 2 : Math.min(prev * 2, POLL.idleMaxSeconds);
  return webhook ? Math.max(idle, POLL.webhookSafetySeconds) : idle;
}

/** The wait after a failed poll: the vendor's Retry-After time for rate limits, else 1 min doubling to 1 h. */
export function errorBackoff(failures: number, err: unknown, now: Date): number {
  if (err instanceof CiProviderError && err.retryAt) return Math.max(POLL.activeSeconds, Math.ceil((err.retryAt.getTime() - now.getTime()) / 1000));
  return Math.min(60 * 2 ** Math.max(0, failures - 1), POLL.errorMaxSeconds);
}

/** Successful runs whose commit time is unknown get it from the vendor (DORA lead time), a few per poll. */
async function fillCommitTimes(db: Db, provider: CiProvider, target: string, runs: CiRunInfo[]): Promise<void> {
  if (!provider.commit) return;
  const need = runs.filter((r) => r.status === "succeeded" && r.commitSha && !r.commitTime);
  if (!need.length) return;
  const known = new Map(
    (await db.ciRun.findMany({ where: { provider: provider.kind, externalId: { in: need.map((r) => r.externalId) }, commitTime: { not: null } }, select: { externalId: true, commitTime: true, commitMessage: true } })).map((r) => [r.externalId, r]),
  );
  let lookups = 0;
  for (const r of need) {
    const k = known.get(r.externalId);
    if (k) {
      r.commitTime = k.commitTime;
      r.commitMessage ??= k.commitMessage;
    } else if (lookups++ < POLL.commitLookups) {
      const c = await provider.commit(target, r.commitSha!).catch(() => null);
      if (c) {
        r.commitTime = c.time;
        r.commitMessage ??= c.message;
      }
    }
  }
}

/**
 * Polls one (entity, provider) now; returns what changed. Errors are recorded in CiPollState for the CI tab.
 * `prev` is that pair's CiPollState when the caller already read it (runCiPoll reads all of them in one query).
 */
export async function pollBinding(db: Db, ent: BoundEntity, provider: CiProvider, target: string, deps: Pick<PollDeps, "webhooks" | "now" | "requestId">, prev?: CiPollState | null) {
  const now = deps.now?.() ?? new Date();
  const key = { entityRef_provider: { entityRef: ent.ref, provider: provider.kind } };
  prev = prev === undefined ? await db.ciPollState.findUnique({ where: key }) : prev;
  const webhook = Boolean(deps.webhooks[provider.kind as ExternalKind]);
  try {
    const runs = await provider.listRuns(target, { limit: POLL.runsPerPoll });
    await fillCommitTimes(db, provider, target, runs);
    const summary = await db.$transaction(async (tx) => {
      const s = await upsertExternalRuns(tx, provider.kind, target, { entityRef: ent.ref, ownerTeamId: ent.ownerTeamId, versionTemplate: annotationsOf(ent.metadata)[VERSION_ANNOTATION] }, runs);
      const interval = nextInterval(prev && prev.target === target ? prev.intervalSeconds : null, runs.some((r) => !isTerminal(r.status)), s.added + s.changed > 0, webhook);
      const state = { target, intervalSeconds: interval, nextPollAt: new Date(now.getTime() + interval * 1000), lastPolledAt: now, failures: 0, lastError: "" };
      await tx.ciPollState.upsert({ where: key, create: { entityRef: ent.ref, provider: provider.kind, ...state }, update: state });
      // Only polls that changed something are worth an audit event (one per poll, with the counts).
      if (s.added + s.changed > 0) {
        await appendAudit(tx, systemActor("ci-poller", deps.requestId ?? "ci-poll"), { action: "ci.runs.sync", targetType: "entity", targetId: ent.ref, after: { provider: provider.kind, target, added: s.added, changed: s.changed } });
      }
      return s;
    });
    if (summary.added + summary.changed > 0) await publish(db, entityTopic(ent.ref), { provider: provider.kind });
    return { ok: true as const, ...summary };
  } catch (err) {
    const failures = (prev?.failures ?? 0) + 1;
    const wait = errorBackoff(failures, err, now);
    const message = err instanceof CiProviderError ? err.message : `${provider.label}: ${(err as Error).message}`;
    const state = { target, intervalSeconds: wait, nextPollAt: new Date(now.getTime() + wait * 1000), lastPolledAt: now, failures, lastError: message };
    await db.ciPollState.upsert({ where: key, create: { entityRef: ent.ref, provider: provider.kind, ...state }, update: state });
    if (prev?.lastError !== message) await publish(db, entityTopic(ent.ref), { provider: provider.kind });
    log.warn({ entity: ent.ref, provider: provider.kind, err: message }, "CI poll failed");
    return { ok: false as const, error: message };
  }
}

/** The scheduled job: visits every bound (entity, provider) whose time has come. */
export async function runCiPoll(db: Db, deps: PollDeps): Promise<PollSummary> {
  const now = deps.now?.() ?? new Date();
  const summary: PollSummary = { polled: 0, skipped: 0, failed: 0, added: 0, changed: 0 };
  const entities = await entitiesWithBindings(db, deps.bindings);
  const states = new Map((await db.ciPollState.findMany({ where: { entityRef: { in: entities.map((e) => e.ref) } } })).map((s) => [`${s.entityRef}\0${s.provider}`, s]));
  for (const ent of entities) {
    for (const b of bindingsOf(ent, deps.bindings)) {
      if (b.provider === "builtin") continue;
      const provider = deps.providers[b.provider];
      if (!provider) continue;
      const st = states.get(`${ent.ref}\0${b.provider}`);
      if (st && st.target === b.target && st.nextPollAt > now) {
        summary.skipped++;
        continue;
      }
      const r = await pollBinding(db, ent, provider, b.target, deps, st ?? null);
      summary.polled++;
      if (r.ok) {
        summary.added += r.added;
        summary.changed += r.changed;
      } else summary.failed++;
    }
  }
  return summary;
}
