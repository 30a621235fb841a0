import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/server/db/client";
import { appendAudit } from "@/server/audit/append";
import { publish } from "@/server/events/bus";
import { mapGithubRun, mapGitlabPipeline, mapJenkinsBuild, type CiRunInfo } from "@/server/providers/ci";
import { annotationsOf, entitiesForTarget, VERSION_ANNOTATION, type BindingConfig } from "./bindings";
import type { ExternalKind } from "./config";
import { entityTopic, systemActor, upsertExternalRuns } from "./runs";

/**
 * Demo mode: GitHub, GitLab and Jenkins runs come from the RECORDED vendor responses the contract tests use
 * (demo/recorded/ci), mapped by the same code as live responses, shifted so the newest is recent, stored with
 * demo=true (the UI labels them). Written once; the built-in runner stays real.
 */
export const DEMO_FIXTURES_DIR = path.resolve(process.cwd(), "demo/recorded/ci");

async function json<T>(rel: string): Promise<T> {
  return JSON.parse(await readFile(path.join(DEMO_FIXTURES_DIR, rel), "utf8")) as T;
}

/** The recorded runs per provider and target, mapped to Opsdeck's shape. */
export async function recordedRuns(): Promise<{ provider: ExternalKind; target: string; runs: CiRunInfo[] }[]> {
  const gh = await json<{ workflow_runs: Parameters<typeof mapGithubRun>[0][] }>("github/workflow-runs.json");
  const gl = await json<Parameters<typeof mapGitlabPipeline>[0][]>("gitlab/pipelines.json");
  const jk = await json<{ builds: Parameters<typeof mapJenkinsBuild>[1][] }>("jenkins/builds.json");
  return [
    { provider: "github", target: "example/payments-api", runs: gh.workflow_runs.map(mapGithubRun) },
    { provider: "gitlab", target: "example/payments-api", runs: gl.map(mapGitlabPipeline) },
    { provider: "jenkins", target: "payments/payments-api", runs: jk.builds.map((b) => mapJenkinsBuild("payments/payments-api", b)) },
  ];
}

/** Moves every timestamp by the same amount so the newest run started `agoMs` before `now`. */
export function shiftRuns(runs: CiRunInfo[], now: Date, agoMs: number): CiRunInfo[] {
  const newest = Math.max(...runs.map((r) => r.createdAt.getTime()));
  const delta = now.getTime() - agoMs - newest;
  const move = (d: Date | null) => (d ? new Date(d.getTime() + delta) : null);
  return runs.map((r) => ({ ...r, createdAt: move(r.createdAt)!, startedAt: move(r.startedAt), finishedAt: move(r.finishedAt), commitTime: move(r.commitTime) }));
}

export async function syncDemoRuns(db: Db, bindings: BindingConfig, now = new Date()): Promise<number> {
  // Runs at every worker boot and every poll job: a first-row probe, not a count over all runs.
  if (await db.ciRun.findFirst({ where: { demo: true }, select: { id: true } })) return 0;
  let written = 0;
  for (const [i, rec] of (await recordedRuns()).entries()) {
    const runs = shiftRuns(rec.runs, now, (3 + i * 7) * 60_000);
    for (const ent of await entitiesForTarget(db, bindings, rec.provider, rec.target)) {
      const s = await db.$transaction(async (tx) => {
        const r = await upsertExternalRuns(tx, rec.provider, rec.target, { entityRef: ent.ref, ownerTeamId: ent.ownerTeamId, versionTemplate: annotationsOf(ent.metadata)[VERSION_ANNOTATION] }, runs, { demo: true });
        await appendAudit(tx, systemActor("demo", "demo-ci-fixtures"), { action: "ci.runs.sync", targetType: "entity", targetId: ent.ref, after: { provider: rec.provider, target: rec.target, added: r.added, demo: true } });
        return r;
      });
      written += s.added;
      await publish(db, entityTopic(ent.ref), { provider: rec.provider });
    }
  }
  return written;
}
