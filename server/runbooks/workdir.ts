import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Db } from "@/server/db/client";
import type { Env } from "@/server/env";
import { redactText } from "@/server/exec";

/**
 * Each run gets a private scratch directory (mode 0700) under OPSDECK_RUNBOOK_WORKDIR (default <tmp>/opsdeck-runbooks):
 * steps run in it and may leave files in $OPSDECK_ARTIFACTS, which are stored with the run after each step (text only:
 * every artifact is redacted like the log, and binary content cannot be). $OPSDECK_STATE_DIR persists per runbook
 * across runs on this host (e.g. the demo token store). The scratch directory is removed when the run ends.
 */

export const MAX_ARTIFACT_BYTES = 5 * 1024 * 1024;
export const MAX_RUN_ARTIFACT_BYTES = 20 * 1024 * 1024;

export function workRoot(e: Pick<Env, "OPSDECK_RUNBOOK_WORKDIR">): string {
  return path.resolve(e.OPSDECK_RUNBOOK_WORKDIR ?? path.join(tmpdir(), "opsdeck-runbooks"));
}

export type RunDirs = { workdir: string; artifacts: string; state: string };

export function runDirs(root: string, runId: string, runbook: string): RunDirs {
  const workdir = path.join(root, "runs", runId);
  const dirs = { workdir, artifacts: path.join(workdir, "artifacts"), state: path.join(root, "state", runbook) };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  return dirs;
}

export function removeRunDir(root: string, runId: string): void {
  rmSync(path.join(root, "runs", runId), { recursive: true, force: true });
}

function isText(buf: Buffer): boolean {
  if (buf.includes(0)) return false;
  return Buffer.from(buf.toString("utf8"), "utf8").equals(buf);
}

/**
 * Stores new or changed files of the artifacts directory (redacted) for the run. Returns notes for the log
 * (stored / skipped and why).
 */
export async function collectArtifacts(db: Db, runId: string, step: number, dir: string, secrets: readonly string[], seen: Map<string, number>): Promise<string[]> {
  const notes: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return notes;
  }
  let total = (await db.runbookArtifact.aggregate({ where: { runId }, _sum: { size: true } }))._sum.size ?? 0;
  for (const name of entries.sort()) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
      notes.push(`artifact ${JSON.stringify(name)} skipped: file names are letters, digits, . _ -`);
      continue;
    }
    const abs = path.join(dir, name);
    const st = statSync(abs);
    if (!st.isFile() || seen.get(name) === st.mtimeMs) continue;
    seen.set(name, st.mtimeMs);
    if (st.size > MAX_ARTIFACT_BYTES) {
      notes.push(`artifact ${name} skipped: ${st.size} bytes is over the ${MAX_ARTIFACT_BYTES} byte limit`);
      continue;
    }
    const buf = readFileSync(abs);
    if (!isText(buf)) {
      notes.push(`artifact ${name} skipped: only text artifacts are stored (binary content cannot be redacted)`);
      continue;
    }
    const content = Buffer.from(redactText(buf.toString("utf8"), secrets), "utf8");
    if (total + content.length > MAX_RUN_ARTIFACT_BYTES) {
      notes.push(`artifact ${name} skipped: the run's artifacts would exceed ${MAX_RUN_ARTIFACT_BYTES} bytes`);
      continue;
    }
    const old = await db.runbookArtifact.findUnique({ where: { runId_name: { runId, name } }, select: { size: true } });
    await db.runbookArtifact.upsert({
      where: { runId_name: { runId, name } },
      create: { runId, step, name, size: content.length, content },
      update: { step, size: content.length, content },
    });
    total += content.length - (old?.size ?? 0);
    notes.push(`artifact ${name} stored (${content.length} bytes)`);
  }
  return notes;
}

/** Stores text produced by Opsdeck itself (e.g. a Kubernetes step's `saveAs`) as an artifact, redacted. */
export async function saveArtifact(db: Db, runId: string, step: number, name: string, text: string, secrets: readonly string[]): Promise<number> {
  const content = Buffer.from(redactText(text, secrets), "utf8").subarray(0, MAX_ARTIFACT_BYTES);
  await db.runbookArtifact.upsert({
    where: { runId_name: { runId, name } },
    create: { runId, step, name, size: content.length, content },
    update: { step, size: content.length, content },
  });
  return content.length;
}
