import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { log } from "@/server/log";
import { publish } from "@/server/events/bus";
import { procId, redactText } from "@/server/exec";
import type { ParamValue } from "@/components/runbooks/param-schema";
import { formatDuration, stepIdOf, stepTitle, type StepDef } from "./definition";
import { evaluate, parseExpr, truthy, type Value } from "./expr";
import { LogWriter } from "./log-writer";
import { lockRun } from "./runs";
import { openSecrets } from "./secrets";
import { moveRun, WORKER_ACTOR, type RunState } from "./state";
import { loadDefinition } from "./store";
import { parseTemplate, renderTemplate } from "./template";
import { RUNBOOKS_TOPIC, runTopic } from "./topics";
import { collectArtifacts, removeRunDir, runDirs, workRoot, type RunDirs } from "./workdir";
import { runProcessStep } from "./steps/process-step";
import { runHttpStep } from "./steps/http-step";
import { runKubernetesStep, type RunRequester } from "./steps/kubernetes-step";
import type { AbortReason, StepContext, StepOutcome } from "./steps/types";

/**
 * Executes one run (graphile-worker task RUN_TASK, one job per run at a time): claims it (queued → running, or picks up
 * a run an approval just resumed), then executes its steps in order from `nextStep`, writing each step's state, exit
 * code, duration, result and output. An approval step releases the worker (running → awaiting_approval; the approval
 * enqueues the job again). A heartbeat every second proves the worker alive (recovery marks runs with a stale one
 * `interrupted`), picks up cancel requests and enforces the run timeout. Steps run through server/exec or the
 * provider, never in-process user code.
 */

export const DEFAULT_STEP_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;

export type ExecuteOptions = {
  /** Worker shutdown: the run is marked interrupted and its processes killed. */
  signal?: AbortSignal;
  heartbeatMs?: number;
  workerId?: string;
  /** Overrides (tests): scratch root, extra env allow-list, the Opsdeck URL given to steps. */
  workRoot?: string;
  envAllow?: string[];
  opsdeckUrl?: string;
};

export const WORKER_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;

type Claimed = {
  id: string;
  runbookId: string;
  version: number;
  state: RunState;
  trigger: string;
  params: Prisma.JsonValue;
  secretParams: string | null;
  requestedById: string | null;
  requestedBy: string;
  nextStep: number;
  failed: boolean;
  timeoutMs: number;
  activeMs: number;
  cancelRequestedBy: string | null;
  resumed: boolean;
};

async function claim(db: Db, runId: string, workerId: string): Promise<Claimed | null> {
  return db.$transaction(async (tx) => {
    await lockRun(tx, runId);
    const run = await tx.runbookRun.findUnique({ where: { id: runId } });
    if (!run) return null;
    const now = new Date();
    if (run.state === "queued") {
      await moveRun(tx, WORKER_ACTOR(runId), runId, ["queued"], "running", { startedAt: now, workerId, heartbeatAt: now });
      return { ...run, resumed: false };
    }
    if (run.state === "running" && !run.workerId) {
      await tx.runbookRun.update({ where: { id: runId }, data: { workerId, heartbeatAt: now } });
      return { ...run, resumed: true };
    }
    return null; // already taken, paused, or ended: this job has nothing to do
  });
}

function envString(v: ParamValue): string {
  return Array.isArray(v) ? v.join("\n") : typeof v === "boolean" ? (v ? "true" : "false") : String(v);
}

/** Every string inside a result, redacted (results are stored and shown, and later steps may echo them). */
function redactDeep(v: Value, secrets: readonly string[]): Value {
  if (typeof v === "string") return redactText(v, secrets);
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, secrets));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x, secrets)]));
  return v;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

const fmtMs = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

export async function executeRun(db: Db, runId: string, opts: ExecuteOptions = {}): Promise<void> {
  const workerId = opts.workerId ?? WORKER_ID;
  const run = await claim(db, runId, workerId);
  if (!run) return;
  await publish(db, runTopic(runId));
  await publish(db, RUNBOOKS_TOPIC, { run: runId });
  const rb = await db.runbook.findUniqueOrThrow({ where: { id: run.runbookId }, select: { name: true, ownerSlug: true } });
  const def = await loadDefinition(db, run.runbookId, run.version);
  const e = env();
  const root = opts.workRoot ?? workRoot(e);

  // Parameters: stored values plus the sealed secrets (opened only here, only for the run's lifetime).
  const values: Record<string, ParamValue> = { ...(run.params as Record<string, ParamValue>) };
  const secrets: string[] = [];
  let setupError: string | null = def ? null : `version ${run.version} of ${rb.name} is not a valid definition`;
  if (run.secretParams) {
    try {
      for (const [k, v] of Object.entries(openSecrets(run.secretParams, runId))) {
        values[k] = v;
        // Also the forms a secret takes inside URLs and JSON bodies, so those are redacted too.
        secrets.push(v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1));
      }
    } catch (err) {
      setupError = `cannot open the run's secret parameters: ${(err as Error).message}`;
    }
  }
  const paramsEnv = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, envString(v)]));
  const logw = await LogWriter.open(db, runId, secrets);

  const ac = new AbortController();
  const abort = (reason: AbortReason) => {
    if (!ac.signal.aborted) ac.abort(reason);
  };
  const onShutdown = () => abort("shutdown");
  if (opts.signal?.aborted) onShutdown();
  else opts.signal?.addEventListener("abort", onShutdown, { once: true });

  const segmentStart = Date.now();
  const deadline = segmentStart + Math.max(0, run.timeoutMs - run.activeMs);
  let cancelledBy = run.cancelRequestedBy;
  let lost = false; // the run was taken from us (e.g. settled as interrupted): stop without writing its end
  const beat = setInterval(() => {
    void (async () => {
      try {
        const { count } = await db.runbookRun.updateMany({ where: { id: runId, workerId, state: "running" }, data: { heartbeatAt: new Date() } });
        if (count === 0) {
          lost = true;
          abort("cancel");
          return;
        }
        const r = await db.runbookRun.findUnique({ where: { id: runId }, select: { cancelRequestedAt: true, cancelRequestedBy: true } });
        if (r?.cancelRequestedAt) {
          cancelledBy = r.cancelRequestedBy;
          abort("cancel");
        }
      } catch (err) {
        log.warn({ err, runId }, "runbook heartbeat failed");
      }
      if (Date.now() >= deadline) abort("timeout");
    })();
  }, opts.heartbeatMs ?? 1000);
  if (run.cancelRequestedBy) abort("cancel");

  let failed = run.failed;
  let paused = false;
  let internalError: string | null = null;
  let dirs: RunDirs | null = null;
  const steps = def?.spec.steps ?? [];
  try {
    if (setupError) throw new Error(setupError);
    dirs = runDirs(root, runId, rb.name);
    logw.system(null, run.resumed ? `▶ resumed after approval (worker ${workerId})` : `▶ ${rb.name} v${run.version} started by ${run.requestedBy} (${run.trigger}) on ${workerId}`);
    const stored = await db.runbookStepRun.findMany({ where: { runId }, orderBy: { index: "asc" } });
    const stepsScope: Record<string, Value> = {};
    for (const st of stored) stepsScope[st.stepId] = { ...((st.result ?? {}) as Record<string, Value>), state: st.state, ok: st.state === "succeeded" };
    const who: RunRequester = { requestedById: run.requestedById, ownerSlug: rb.ownerSlug };
    const artifactsSeen = new Map<string, number>();
    const scopeOf = (): Record<string, Value> => ({
      params: values as Record<string, Value>,
      steps: stepsScope,
      run: { id: runId, failed, trigger: run.trigger, requestedBy: run.requestedBy, runbook: rb.name },
      opsdeck: { url: opts.opsdeckUrl ?? e.AUTH_URL },
    });

    for (let i = run.nextStep; i < steps.length; i++) {
      if (ac.signal.aborted) break;
      const s = steps[i]!;
      const id = stepIdOf(s, i);
      // The name as rendered when the run was created ("Scale to 4"), not the template.
      const title = stored.find((st) => st.index === i)?.name ?? stepTitle(s, i);
      const scope = scopeOf();
      const header = `[${i + 1}/${steps.length}] ${title}`;

      // Should it run? `when` against earlier failures, then the `if` condition.
      let skip: string | null = null;
      if (s.when === "success" && failed) skip = "an earlier step failed";
      if (s.when === "failure" && !failed) skip = "runs only after a failure";
      let conditionError: string | null = null;
      if (!skip && s.if) {
        try {
          if (!truthy(evaluate(parseExpr(s.if), scope))) skip = `condition is false: ${s.if}`;
        } catch (err) {
          conditionError = `condition could not be evaluated: ${(err as Error).message}`;
        }
      }
      if (skip) {
        await db.runbookStepRun.update({ where: { runId_index: { runId, index: i } }, data: { state: "skipped", message: skip, finishedAt: new Date() } });
        stepsScope[id] = { state: "skipped", ok: false };
        logw.system(i, `⤼ ${header} — skipped: ${skip}`);
        await db.runbookRun.update({ where: { id: runId }, data: { nextStep: i + 1 } });
        await publish(db, runTopic(runId));
        continue;
      }

      if (s.type === "approval" && !conditionError) {
        await pauseForApproval(db, runId, i, s, rb.ownerSlug, scope, run.activeMs + (Date.now() - segmentStart), failed, logw, header);
        paused = true;
        return;
      }

      const startedAt = new Date();
      await db.runbookStepRun.update({ where: { runId_index: { runId, index: i } }, data: { state: "running", startedAt, attempts: 1, message: "" } });
      await publish(db, runTopic(runId));
      logw.system(i, `▶ ${header} (${s.type})`);

      let outcome: StepOutcome;
      let attempts = 0;
      if (conditionError) outcome = { ok: false, result: {}, message: conditionError };
      else {
        const retry = s.retries === undefined ? { count: 0, backoff: 2000, factor: 2, maxBackoff: 60_000 } : typeof s.retries === "number" ? { count: s.retries, backoff: 2000, factor: 2, maxBackoff: 60_000 } : s.retries;
        for (;;) {
          attempts++;
          if (attempts > 1) {
            await db.runbookStepRun.update({ where: { runId_index: { runId, index: i } }, data: { attempts } });
            await publish(db, runTopic(runId));
          }
          const remaining = deadline - Date.now();
          const ctx: StepContext = {
            db,
            runId,
            runbook: rb.name,
            index: i,
            stepId: id,
            def: s,
            scope,
            paramsEnv,
            secrets,
            dirs,
            log: logw,
            signal: ac.signal,
            timeoutMs: Math.max(1, Math.min(s.timeout ?? DEFAULT_STEP_TIMEOUT_MS, remaining)),
            envAllow: e.OPSDECK_RUNBOOK_ENV_ALLOW.split(",").map((x) => x.trim()).filter(Boolean).concat(opts.envAllow ?? []),
            onProcess: async (pid) => {
              const pr = pid === undefined ? null : procId(pid);
              await db.runbookStepRun.update({ where: { runId_index: { runId, index: i } }, data: { process: pr ? { host: hostname(), pid: pr.pid, start: pr.start } : Prisma.DbNull } });
            },
          };
          try {
            outcome = await runStep(ctx, stepsScope, steps, who);
          } catch (err) {
            outcome = { ok: false, result: {}, message: (err as Error).message };
          }
          if (outcome.ok || ac.signal.aborted || attempts > retry.count) break;
          const wait = Math.min(retry.maxBackoff, retry.backoff * retry.factor ** (attempts - 1));
          logw.system(i, `↻ attempt ${attempts} failed (${outcome.message}); retrying in ${fmtMs(wait)} (attempt ${attempts + 1} of ${retry.count + 1})`);
          await sleep(wait, ac.signal);
          if (ac.signal.aborted) break;
        }
        if (s.type === "shell" || s.type === "script") {
          for (const note of await collectArtifacts(db, runId, i, dirs.artifacts, secrets, artifactsSeen)) logw.system(i, note);
        }
      }
      const reason = ac.signal.reason as AbortReason | undefined;
      const aborted = ac.signal.aborted && !outcome.ok;
      const state = aborted ? (reason === "timeout" ? "timed_out" : reason === "shutdown" ? "interrupted" : "cancelled") : outcome.ok ? "succeeded" : outcome.timedOut ? "timed_out" : "failed";
      const finishedAt = new Date();
      const result = redactDeep(outcome.result as Value, secrets) as Record<string, Value>;
      await db.runbookStepRun.update({
        where: { runId_index: { runId, index: i } },
        data: {
          state,
          exitCode: outcome.exitCode ?? null,
          result: result as Prisma.InputJsonValue,
          message: redactText(outcome.message, secrets),
          finishedAt,
          durationMs: finishedAt.getTime() - startedAt.getTime(),
          attempts: Math.max(1, attempts),
          process: Prisma.DbNull,
        },
      });
      stepsScope[id] = { ...result, state, ok: outcome.ok };
      const mark = outcome.ok ? "✓" : "✗";
      logw.system(i, `${mark} ${header} — ${outcome.message} (${fmtMs(finishedAt.getTime() - startedAt.getTime())})`);
      if (!outcome.ok && !aborted) {
        if (s.continueOnError) logw.system(i, "  continuing: continueOnError is set");
        else failed = true;
      }
      await db.runbookRun.update({ where: { id: runId }, data: { nextStep: i + 1, failed } });
      await publish(db, runTopic(runId));
    }
  } catch (err) {
    internalError = (err as Error).message;
    log.error({ err, runId }, "runbook run failed unexpectedly");
    logw.system(null, `✗ ${internalError}`);
  } finally {
    clearInterval(beat);
    opts.signal?.removeEventListener("abort", onShutdown);
    if (!paused && !lost) {
      await finish(db, runId, {
        reason: ac.signal.aborted ? (ac.signal.reason as AbortReason) : null,
        failed: failed || internalError !== null,
        internalError,
        cancelledBy,
        timeoutMs: run.timeoutMs,
        activeMs: run.activeMs + (Date.now() - segmentStart),
        logw,
      });
      removeRunDir(root, runId);
    } else await logw.close();
    await publish(db, runTopic(runId));
    await publish(db, RUNBOOKS_TOPIC, { run: runId });
  }
}

async function runStep(ctx: StepContext, stepsScope: Record<string, Value>, steps: StepDef[], who: RunRequester): Promise<StepOutcome> {
  const s = ctx.def;
  switch (s.type) {
    case "shell":
    case "script":
      return runProcessStep(ctx);
    case "http":
      return runHttpStep(ctx);
    case "kubernetes":
      return runKubernetesStep(ctx, who);
    case "wait":
      return runWait(ctx, stepsScope, steps, who);
    case "approval":
      throw new Error("approval steps pause the run; they are not executed");
  }
}

/** `wait`: a fixed duration, or re-run an earlier step every `interval` until `until` holds (within the step timeout). */
async function runWait(ctx: StepContext, stepsScope: Record<string, Value>, steps: StepDef[], who: RunRequester): Promise<StepOutcome> {
  const s = ctx.def;
  if (s.type !== "wait") throw new Error("not a wait step");
  const started = Date.now();
  if (s.duration !== undefined) {
    const ms = Math.min(s.duration, ctx.timeoutMs);
    ctx.log.system(ctx.index, `waiting ${formatDuration(s.duration)}`);
    await sleep(ms, ctx.signal);
    if (ctx.signal.aborted) return { ok: false, result: {}, message: "stopped while waiting" };
    if (ms < s.duration) return { ok: false, timedOut: true, result: { waitedMs: ms }, message: `the run's time ran out after ${fmtMs(ms)} of ${formatDuration(s.duration)}` };
    return { ok: true, result: { waitedMs: ms }, message: `waited ${formatDuration(s.duration)}` };
  }
  const targetIndex = steps.findIndex((x, i) => stepIdOf(x, i) === s.rerun);
  const target = steps[targetIndex]!;
  const cond = parseExpr(s.until!);
  for (let check = 1; ; check++) {
    const sub: StepContext = { ...ctx, def: target, stepId: s.rerun!, timeoutMs: Math.max(1, Math.min(target.timeout ?? DEFAULT_STEP_TIMEOUT_MS, ctx.timeoutMs - (Date.now() - started))) };
    ctx.log.system(ctx.index, `check ${check}: re-running ${s.rerun}`);
    const r = await runStep(sub, stepsScope, steps, who);
    stepsScope[s.rerun!] = { ...(redactDeep(r.result as Value, ctx.secrets) as Record<string, Value>), state: r.ok ? "succeeded" : "failed", ok: r.ok };
    const scope = { ...ctx.scope, steps: stepsScope };
    let met = false;
    try {
      met = truthy(evaluate(cond, scope));
    } catch (err) {
      return { ok: false, result: { checks: check }, message: `condition could not be evaluated: ${(err as Error).message}` };
    }
    if (met) return { ok: true, result: { checks: check, waitedMs: Date.now() - started }, message: `condition met after ${check} check${check > 1 ? "s" : ""}: ${s.until}` };
    if (ctx.signal.aborted) return { ok: false, result: { checks: check }, message: "stopped while waiting" };
    const left = ctx.timeoutMs - (Date.now() - started);
    if (left <= s.interval) return { ok: false, timedOut: true, result: { checks: check }, message: `condition not met within ${fmtMs(ctx.timeoutMs)} (${check} checks): ${s.until}` };
    ctx.log.system(ctx.index, `  not yet (${s.until}); next check in ${formatDuration(s.interval)}`);
    await sleep(s.interval, ctx.signal);
  }
}

async function pauseForApproval(
  db: Db,
  runId: string,
  index: number,
  s: Extract<StepDef, { type: "approval" }>,
  owner: string,
  scope: Record<string, Value>,
  activeMs: number,
  failed: boolean,
  logw: LogWriter,
  header: string,
) {
  const teams = s.teams ?? [owner];
  const message = s.message ? renderTemplate(parseTemplate(s.message), scope, "text") : undefined;
  const now = new Date();
  logw.system(index, `⏸ ${header} — waiting for ${s.approvers} approval${s.approvers > 1 ? "s" : ""} (${s.role} in ${teams.join(" or ")}; not the person who started the run)`);
  if (message) logw.system(index, `  ${message}`);
  await logw.close();
  await db.$transaction(async (tx) => {
    await tx.runbookStepRun.update({ where: { runId_index: { runId, index } }, data: { state: "awaiting_approval", startedAt: now, attempts: 1, message: message ?? "" } });
    await moveRun(tx, WORKER_ACTOR(runId), runId, ["running"], "awaiting_approval", {
      approval: { gate: index, approvers: s.approvers, role: s.role, teams, ...(message ? { message } : {}) },
      approvalsNeeded: s.approvers,
      approvalDeadline: new Date(now.getTime() + (s.timeout ?? DEFAULT_APPROVAL_TIMEOUT_MS)),
      nextStep: index,
      workerId: null,
      activeMs: Math.round(activeMs),
      failed,
    });
  });
}

async function finish(
  db: Db,
  runId: string,
  f: { reason: AbortReason | null; failed: boolean; internalError: string | null; cancelledBy: string | null; timeoutMs: number; activeMs: number; logw: LogWriter },
) {
  const to: RunState = f.reason === "cancel" ? "cancelled" : f.reason === "timeout" ? "timed_out" : f.reason === "shutdown" ? "interrupted" : f.failed ? "failed" : "succeeded";
  const message =
    to === "cancelled"
      ? `cancelled by ${f.cancelledBy ?? "someone"}`
      : to === "timed_out"
        ? `run timed out after ${fmtMs(f.timeoutMs)}`
        : to === "interrupted"
          ? "the worker stopped while the run was going (not resumed: steps may have had effects)"
          : f.internalError
            ? f.internalError
            : to === "failed"
              ? "a step failed"
              : "all steps done";
  const leftover = to === "cancelled" ? "cancelled" : to === "timed_out" ? "timed_out" : to === "interrupted" ? "interrupted" : "skipped";
  await db.runbookStepRun.updateMany({ where: { runId, state: { in: ["running"] } }, data: { state: leftover === "skipped" ? "failed" : leftover, finishedAt: new Date(), process: Prisma.DbNull } });
  await db.runbookStepRun.updateMany({ where: { runId, state: "pending" }, data: { state: "skipped", message: "not reached" } });
  const icon = to === "succeeded" ? "✓" : "✗";
  f.logw.system(null, `${icon} run ${to.replace("_", " ")}: ${message} (${fmtMs(f.activeMs)})`);
  await f.logw.close();
  await db.$transaction(async (tx) => {
    await moveRun(tx, WORKER_ACTOR(runId), runId, ["running"], to, { message, activeMs: Math.round(f.activeMs) });
  });
}
