import { createHash } from "node:crypto";
import { cp, mkdir, readFile, readdir, rm, stat, copyFile } from "node:fs/promises";
import path from "node:path";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { runAudited } from "@/server/audit/append";
import { publish, subscribe } from "@/server/events/bus";
import { startProcess, runProcess } from "@/server/exec";
import { log } from "@/server/log";
import { globToRegExp } from "@/server/catalog/glob";
import { readPipeline, renderVersion, PipelineError, type Pipeline, type CiStatus } from "@/server/providers/ci";
import { LogWriter } from "./log-writer";
import { cancelTopic, entityTopic, runTopic, systemActor, type StageState } from "./runs";

/**
 * The built-in pipeline runner ("mini CI"), run by the worker for one queued CiRun:
 * queued → running → succeeded | failed | cancelled | timed_out, each move audited in its own transaction.
 * Steps run through server/exec (own process group, allow-listed environment, redacted output, timeout, cancel) in a
 * copy of the working copy, so a build never dirties the source. Inputs reach steps as $PARAM_<NAME> only.
 */

export type RunnerOptions = {
  dataDir: string;
  /** graphile-worker's signal: the worker is shutting down. */
  signal?: AbortSignal;
  /** How often the run's heartbeat is written and a cancel request looked for (default 2 s). */
  heartbeatMs?: number;
  jobId?: string;
  /** SIGTERM → SIGKILL grace for cancelled steps (default 5 s). */
  killGraceMs?: number;
};

/** A running run whose heartbeat is older than this lost its worker. */
export const CI_STALE_MS = 60_000;
const MAX_ARTEFACT_BYTES = 200 * 1024 * 1024;

const nowIso = () => new Date().toISOString();

export function artefactDir(dataDir: string, runId: string) {
  return path.join(path.resolve(dataDir), "ci", "artefacts", runId);
}

export async function commitOf(workdir: string): Promise<{ sha: string; time: Date; message: string } | null> {
  let out = "";
  const r = await runProcess({ file: "git", args: ["log", "-1", "--format=%H%x1f%cI%x1f%s"], cwd: workdir, timeoutMs: 10_000, onOutput: (c) => (c.stream === "stdout" ? (out += c.text) : undefined) });
  if (r.outcome !== "exited" || r.exitCode !== 0) return null;
  const [sha, time, message] = out.trim().split("\x1f");
  return sha && /^[0-9a-f]{40}$/.test(sha) && time ? { sha, time: new Date(time), message: message ?? "" } : null;
}

function initialStages(p: Pipeline): StageState[] {
  let n = 0;
  return p.stages.map((s) => ({ name: s.name, status: "queued", startedAt: null, finishedAt: null, steps: s.steps.map((x) => ({ name: x.name, number: ++n, status: "queued", startedAt: null, finishedAt: null, exitCode: null })) }));
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, base)));
    else if (e.isFile()) out.push(path.relative(base, p).split(path.sep).join("/"));
  }
  return out;
}

type Artefact = { name: string; size: number; sha256: string; storedPath: string };

/** Copies the files matching the pipeline's artefact patterns out of the workspace. */
async function collectArtefacts(p: Pipeline, workspace: string, dest: string): Promise<{ files: Artefact[]; missing: string[] }> {
  if (!p.artefacts.length) return { files: [], missing: [] };
  const all = await walk(workspace);
  const files: Artefact[] = [];
  const missing: string[] = [];
  let total = 0;
  for (const pattern of p.artefacts) {
    const re = globToRegExp(pattern);
    const hits = all.filter((f) => re.test(f));
    if (!hits.length) missing.push(pattern);
    for (const name of hits) {
      if (files.some((f) => f.name === name)) continue;
      const src = path.join(workspace, name);
      const size = (await stat(src)).size;
      total += size;
      if (total > MAX_ARTEFACT_BYTES) throw new Error(`artefacts exceed ${MAX_ARTEFACT_BYTES / 1024 / 1024} MiB`);
      const storedPath = path.join(dest, name);
      await mkdir(path.dirname(storedPath), { recursive: true });
      await copyFile(src, storedPath);
      const sha256 = createHash("sha256").update(await readFile(storedPath)).digest("hex");
      files.push({ name, size, sha256, storedPath });
    }
  }
  return { files, missing };
}

/** `version=1.2.3` written by a step to $OPSDECK_OUTPUT wins over the pipeline's version template. */
async function versionFromOutput(file: string): Promise<string | null> {
  const text = await readFile(file, "utf8").catch(() => "");
  const line = text.split("\n").reverse().find((l) => /^version=/.test(l.trim()));
  const v = line?.trim().slice("version=".length).trim();
  return v && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(v) ? v : null;
}

export async function executeBuiltinRun(db: Db, runId: string, opts: RunnerOptions): Promise<void> {
  const actor = systemActor("worker", opts.jobId ? `job:${opts.jobId}` : `ci-run:${runId}`);
  const run = await db.ciRun.findUnique({ where: { id: runId } });
  if (!run || run.provider !== "builtin" || run.status !== "queued") return; // settled elsewhere, or a repeated job
  const changed = async () => {
    await publish(db, runTopic(runId), { id: runId });
    await publish(db, entityTopic(run.entityRef), { id: runId });
  };

  const finish = async (status: CiStatus, message: string, extra: { stages?: StageState[]; version?: string | null; artefacts?: Artefact[] } = {}) => {
    await runAudited(db, actor, "ci.run.finish", async (tx) => {
      const moved = await tx.ciRun.updateMany({
        where: { id: runId, status: { in: ["queued", "running"] } },
        data: { status, providerStatus: status, message, finishedAt: new Date(), version: status === "succeeded" ? (extra.version ?? null) : null, ...(extra.stages ? { steps: extra.stages as unknown as Prisma.InputJsonValue } : {}) },
      });
      if (moved.count && extra.artefacts?.length) await tx.ciArtefact.createMany({ data: extra.artefacts.map((a) => ({ runId, ...a })) });
      return { result: null, targetType: "ci.run", targetId: runId, before: { status: "running" }, after: { status, version: extra.version ?? null, message, artefacts: extra.artefacts?.length ?? 0 } };
    });
    await changed();
  };

  if (run.cancelRequestedAt) return finish("cancelled", "cancelled before it started");

  const writer = new LogWriter(db, runId);
  await writer.init();
  const commit = await commitOf(run.target);
  const claimed = await runAudited(db, actor, "ci.run.start", async (tx) => {
    const c = await tx.ciRun.updateMany({
      where: { id: runId, status: "queued" },
      data: { status: "running", providerStatus: "running", startedAt: new Date(), heartbeatAt: new Date(), commitSha: commit?.sha ?? null, commitTime: commit?.time ?? null, commitMessage: commit?.message ?? null },
    });
    return { result: c.count, targetType: "ci.run", targetId: runId, after: { status: "running", commit: commit?.sha ?? null } };
  });
  if (!claimed) return;
  await changed();

  let pipeline: Pipeline;
  try {
    pipeline = await readPipeline(run.target);
  } catch (err) {
    writer.system("", `pipeline error: ${(err as Error).message}`);
    await writer.flush();
    return finish("failed", err instanceof PipelineError ? err.message : `cannot read the pipeline: ${(err as Error).message}`);
  }

  // Cancel: a request is announced on the bus (immediate) and also seen by the heartbeat (if the event was lost).
  const cancel = new AbortController();
  const stopWatch = new AbortController();
  const onShutdown = () => cancel.abort("worker shutting down");
  opts.signal?.addEventListener("abort", onShutdown, { once: true });
  void subscribe(db, cancelTopic(runId), stopWatch.signal)
    .then(async (events) => {
      for await (const _ of events) {
        cancel.abort("cancelled");
        return;
      }
    })
    .catch((err: unknown) => log.warn({ err, runId }, "cancel subscription failed; relying on the heartbeat"));
  const heartbeat = setInterval(() => {
    void db.ciRun
      .update({ where: { id: runId }, data: { heartbeatAt: new Date() }, select: { cancelRequestedAt: true } })
      .then((r) => r.cancelRequestedAt && cancel.abort("cancelled"))
      .catch(() => undefined);
  }, opts.heartbeatMs ?? 2000);

  const stages = initialStages(pipeline);
  const saveStages = async () => {
    await db.ciRun.update({ where: { id: runId }, data: { steps: stages as unknown as Prisma.InputJsonValue } });
    await publish(db, runTopic(runId), { id: runId });
  };
  const workspace = path.join(path.resolve(opts.dataDir), "ci", "workspaces", runId);
  const outputFile = `${workspace}.output`;
  let outcome: { status: CiStatus; message: string } = { status: "succeeded", message: "" };
  try {
    await saveStages();
    await rm(workspace, { recursive: true, force: true });
    await mkdir(path.dirname(workspace), { recursive: true });
    await cp(run.target, workspace, { recursive: true, verbatimSymlinks: true, filter: (src) => path.basename(src) !== ".git" });
    writer.system("", `workspace prepared from ${run.target}${commit ? ` at ${commit.sha.slice(0, 7)}` : ""}`);
    const inputs = (run.inputs ?? {}) as Record<string, string>;
    const baseEnv = {
      CI: "true",
      OPSDECK_RUN_ID: runId,
      OPSDECK_RUN_NUMBER: String(run.number ?? 0),
      OPSDECK_COMMIT_SHA: commit?.sha ?? "",
      OPSDECK_BRANCH: run.branch ?? "",
      OPSDECK_WORKSPACE: workspace,
      OPSDECK_OUTPUT: outputFile,
    };
    outer: for (const [si, stage] of pipeline.stages.entries()) {
      const st = stages[si]!;
      st.status = "running";
      st.startedAt = nowIso();
      for (const [xi, step] of stage.steps.entries()) {
        const ss = st.steps[xi]!;
        const label = `${stage.name} › ${step.name}`;
        ss.status = "running";
        ss.startedAt = nowIso();
        await saveStages();
        writer.system(label, `▶ ${label}`);
        const h = startProcess({
          file: "bash",
          args: ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run],
          cwd: workspace,
          env: { set: { ...pipeline.env, ...step.env, ...baseEnv }, params: inputs },
          timeoutMs: step.timeout * 1000,
          killGraceMs: opts.killGraceMs ?? 5000,
          signal: cancel.signal,
          onOutput: (c) => writer.push(c.stream, label, c.text),
        });
        const r = await h.result;
        ss.finishedAt = nowIso();
        ss.exitCode = r.exitCode;
        ss.status = r.outcome === "exited" ? (r.exitCode === 0 ? "succeeded" : "failed") : r.outcome === "timed_out" ? "timed_out" : r.outcome === "cancelled" ? "cancelled" : "failed";
        const why = r.outcome === "exited" ? `exit code ${r.exitCode}` : r.outcome === "spawn_error" ? `could not start: ${r.error}` : (r.error ?? r.outcome);
        writer.system(label, `${ss.status === "succeeded" ? "✔" : "✖"} ${label}: ${why} (${(r.durationMs / 1000).toFixed(1)} s)`);
        if (ss.status !== "succeeded") {
          outcome = { status: ss.status === "cancelled" && cancel.signal.reason === "worker shutting down" ? "interrupted" : ss.status, message: `${label}: ${why}` };
          st.status = ss.status;
          st.finishedAt = nowIso();
          break outer;
        }
      }
      st.status = "succeeded";
      st.finishedAt = nowIso();
    }
    // Whatever did not run is skipped.
    for (const s of stages) {
      for (const x of s.steps) if (x.status === "queued") x.status = "skipped";
      if (s.status === "queued") s.status = "skipped";
    }
    if (outcome.status !== "succeeded") {
      await writer.flush();
      return await finish(outcome.status, outcome.message, { stages });
    }
    const { files, missing } = await collectArtefacts(pipeline, workspace, artefactDir(opts.dataDir, runId));
    for (const f of files) writer.system("", `artefact ${f.name} (${f.size} bytes, sha256 ${f.sha256.slice(0, 12)}…)`);
    if (missing.length) {
      writer.system("", `✖ declared artefacts not produced: ${missing.join(", ")}`);
      await writer.flush();
      return await finish("failed", `artefacts not produced: ${missing.join(", ")}`, { stages });
    }
    const version = (await versionFromOutput(outputFile)) ?? renderVersion(pipeline.version, { number: run.number ?? 0, sha: commit?.sha ?? null, now: new Date() });
    writer.system("", `✔ pipeline ${pipeline.name} succeeded: version ${version}`);
    await writer.flush();
    await finish("succeeded", `version ${version}`, { stages, version, artefacts: files });
  } catch (err) {
    log.error({ err, runId }, "built-in run failed");
    writer.system("", `✖ runner error: ${(err as Error).message}`);
    await writer.flush();
    await finish("failed", `runner error: ${(err as Error).message}`, { stages });
  } finally {
    clearInterval(heartbeat);
    stopWatch.abort();
    opts.signal?.removeEventListener("abort", onShutdown);
    await rm(workspace, { recursive: true, force: true }).catch(() => undefined);
    await rm(outputFile, { force: true }).catch(() => undefined);
  }
}

/** On worker boot: runs whose worker died (stale heartbeat) are settled as interrupted, audited. */
export async function settleAbandonedCiRuns(db: Db, now = new Date()): Promise<number> {
  const stale = await db.ciRun.findMany({
    where: { provider: "builtin", status: "running", OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: new Date(now.getTime() - CI_STALE_MS) } }] },
    select: { id: true, entityRef: true },
  });
  for (const r of stale) {
    await runAudited(db, systemActor("worker", "recover-on-boot"), "ci.run.finish", async (tx) => {
      await tx.ciRun.updateMany({ where: { id: r.id, status: "running" }, data: { status: "interrupted", providerStatus: "interrupted", finishedAt: now, message: "interrupted: the worker running it stopped" } });
      return { result: null, targetType: "ci.run", targetId: r.id, before: { status: "running" }, after: { status: "interrupted" } };
    });
    await publish(db, runTopic(r.id), { id: r.id });
    await publish(db, entityTopic(r.entityRef), { id: r.id });
  }
  return stale.length;
}
