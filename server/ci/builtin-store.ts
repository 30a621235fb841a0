import { randomUUID } from "node:crypto";
import type { Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import { enqueueJob } from "@/server/jobs/enqueue";
import type { BuiltinRunStore } from "@/server/providers/ci";
import { rowToRunInfo, stagesAsJobs, type StageState } from "./runs";

export const CI_RUN_TASK = "ci_pipeline_run";

export type RunOwner = { entityRef: string; ownerTeamId: string | null; requestedById: string | null; actor: string };

/**
 * The built-in runner's runs in Postgres, for one entity. Given the transaction of an audited mutation, `enqueue`
 * creates the run and its worker job in it: both exist exactly when the audit event does.
 */
export function builtinStore(db: Db | Tx, owner: RunOwner): BuiltinRunStore & { lastCreated(): string | null } {
  let created: string | null = null;
  return {
    lastCreated: () => created,
    async list(workdir, limit) {
      const rows = await db.ciRun.findMany({ where: { entityRef: owner.entityRef, provider: "builtin", target: workdir }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit });
      return rows.map(rowToRunInfo);
    },
    async get(workdir, id) {
      const r = await db.ciRun.findFirst({ where: { id, provider: "builtin", target: workdir } });
      if (!r) return null;
      return { ...rowToRunInfo(r), jobs: stagesAsJobs(r.steps as StageState[] | null), inputs: (r.inputs ?? {}) as Record<string, string> };
    },
    async enqueue(workdir, run) {
      const id = randomUUID();
      const last = await db.ciRun.findFirst({ where: { entityRef: owner.entityRef, provider: "builtin" }, orderBy: { number: "desc" }, select: { number: true } });
      await db.ciRun.create({
        data: {
          id,
          externalId: id,
          provider: "builtin",
          target: workdir,
          entityRef: owner.entityRef,
          ownerTeamId: owner.ownerTeamId,
          number: (last?.number ?? 0) + 1,
          pipeline: run.pipeline,
          status: "queued",
          providerStatus: "queued",
          branch: run.ref || null,
          actor: owner.actor,
          event: run.rerunOf ? "rerun" : "manual",
          inputs: run.inputs as Prisma.InputJsonValue,
          requestedById: owner.requestedById,
          rerunOfId: run.rerunOf ?? null,
        },
      });
      await enqueueJob(db as Tx, CI_RUN_TASK, { runId: id });
      created = id;
      return { id };
    },
    async log(id, maxBytes) {
      // The end of the log is what matters when it is long: read newest chunks until maxBytes.
      const chunks = await db.ciLogChunk.findMany({ where: { runId: id }, orderBy: { seq: "desc" }, take: 5000, select: { text: true } });
      let size = 0;
      const kept: string[] = [];
      for (const c of chunks) {
        size += c.text.length;
        if (size > maxBytes) return { text: kept.reverse().join(""), truncated: true };
        kept.push(c.text);
      }
      return { text: kept.reverse().join(""), truncated: chunks.length === 5000 };
    },
  };
}
