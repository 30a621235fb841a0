import type { CiRun, Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import type { AuditActor } from "@/server/audit/append";
import { isTerminal, type CiJob, type CiRunInfo, type CiStatus } from "@/server/providers/ci";

/** Change topics on the event bus (payload: ids only). */
export const runTopic = (runId: string) => `ci.run:${runId}`;
export const entityTopic = (entityRef: string) => `ci.entity:${entityRef}`;
export const cancelTopic = (runId: string) => `ci.cancel:${runId}`;

/** Work outside a request (worker jobs, webhooks) is audited under a system actor. */
export const systemActor = (label: string, requestId: string): AuditActor => ({ actorId: null, actorLabel: label, ip: "", requestId });

/** A built-in run's stages and steps as stored in CiRun.steps. */
export type StepState = { name: string; number: number; status: CiStatus; startedAt: string | null; finishedAt: string | null; exitCode: number | null };
export type StageState = { name: string; status: CiStatus; startedAt: string | null; finishedAt: string | null; steps: StepState[] };

const iso = (d: string | null) => (d ? new Date(d) : null);

export function stagesAsJobs(stages: StageState[] | null): CiJob[] {
  return (stages ?? []).map((s) => ({
    id: s.name,
    name: s.name,
    stage: s.name,
    status: s.status,
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    url: null,
    steps: s.steps.map((x) => ({ name: x.name, number: x.number, status: x.status, startedAt: iso(x.startedAt), finishedAt: iso(x.finishedAt) })),
  }));
}

export function rowToRunInfo(r: CiRun): CiRunInfo {
  return {
    externalId: r.externalId,
    number: r.number,
    pipeline: r.pipeline,
    status: r.status,
    providerStatus: r.providerStatus,
    branch: r.branch,
    commitSha: r.commitSha,
    commitTime: r.commitTime,
    commitMessage: r.commitMessage,
    actor: r.actor,
    event: r.event,
    url: r.url,
    attempt: r.attempt,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    version: r.version,
  };
}

/** Fields of a provider's run as stored (external runs). */
function runData(info: CiRunInfo, version: string | null) {
  return {
    number: info.number,
    pipeline: info.pipeline,
    status: info.status,
    providerStatus: info.providerStatus,
    branch: info.branch,
    commitSha: info.commitSha,
    commitTime: info.commitTime,
    commitMessage: info.commitMessage,
    actor: info.actor,
    event: info.event,
    url: info.url,
    attempt: info.attempt,
    startedAt: info.startedAt,
    finishedAt: info.finishedAt,
    version: info.status === "succeeded" ? version : null,
  } satisfies Prisma.CiRunUpdateInput;
}

/**
 * The version a successful external build stands for: the entity's `opsdeck.dev/version-template` annotation
 * ({sha}, {sha7}, {number}, {branch}), by default the first 7 hex digits of the commit (the common image tag).
 */
export function externalVersion(info: CiRunInfo, template: string | undefined): string | null {
  if (info.version) return info.version;
  const t = template ?? "{sha7}";
  if (!info.commitSha && /\{sha7?\}/.test(t)) return info.number !== null ? String(info.number) : null;
  return t
    .replace(/\{sha7\}/g, info.commitSha?.slice(0, 7) ?? "")
    .replace(/\{sha\}/g, info.commitSha ?? "")
    .replace(/\{number\}/g, String(info.number ?? ""))
    .replace(/\{branch\}/g, info.branch ?? "");
}

export type EntityTarget = { entityRef: string; ownerTeamId: string | null; versionTemplate?: string };
export type UpsertSummary = { added: number; changed: number; ids: string[] };

/**
 * Writes runs reported by a provider (poll or webhook). Only rows that really changed are written; the caller audits
 * the summary in the same transaction and publishes the entity topic after commit.
 */
export async function upsertExternalRuns(tx: Tx | Db, provider: string, target: string, ent: EntityTarget, runs: CiRunInfo[], opts: { demo?: boolean } = {}): Promise<UpsertSummary> {
  const summary: UpsertSummary = { added: 0, changed: 0, ids: [] };
  if (!runs.length) return summary;
  const existing = new Map(
    (await tx.ciRun.findMany({ where: { provider, externalId: { in: runs.map((r) => r.externalId) } } })).map((r) => [r.externalId, r]),
  );
  for (const info of runs) {
    const data = runData(info, externalVersion(info, ent.versionTemplate));
    const old = existing.get(info.externalId);
    if (!old) {
      const row = await tx.ciRun.create({
        data: { ...data, provider, target, externalId: info.externalId, entityRef: ent.entityRef, ownerTeamId: ent.ownerTeamId, createdAt: info.createdAt, demo: opts.demo ?? false },
        select: { id: true },
      });
      summary.added++;
      summary.ids.push(row.id);
      continue;
    }
    // Deliveries arrive out of order: a finished attempt never goes back to queued/running (a new attempt may).
    if (isTerminal(old.status) && !isTerminal(info.status) && info.attempt <= old.attempt) continue;
    // A webhook may carry less than the poll saw (no commit time): never overwrite a known value with nothing.
    const merged = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v ?? (old as Record<string, unknown>)[k] ?? null])) as typeof data;
    const differs = (Object.keys(merged) as (keyof typeof merged)[]).some((k) => String(merged[k] instanceof Date ? (merged[k] as Date).getTime() : merged[k]) !== String(old[k] instanceof Date ? (old[k] as Date).getTime() : old[k]));
    if (!differs) continue;
    await tx.ciRun.update({ where: { id: old.id }, data: merged });
    summary.changed++;
    summary.ids.push(old.id);
  }
  return summary;
}
