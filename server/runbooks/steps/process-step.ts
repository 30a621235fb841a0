import { writeFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_ENV_ALLOW, startProcess } from "@/server/exec";
import { renderTemplate, parseTemplate } from "../template";
import { tail, type StepContext, type StepOutcome } from "./types";

/**
 * `shell` (a command run by bash -c / sh -c) and `script` (inline bash or node, written to a file in the run's work
 * directory) — both through server/exec: parameters as PARAM_* variables, an allow-listed environment, the run's secrets
 * redacted from output, the whole process tree killed on cancel or timeout.
 */
export async function runProcessStep(ctx: StepContext): Promise<StepOutcome> {
  const s = ctx.def;
  if (s.type !== "shell" && s.type !== "script") throw new Error(`not a process step: ${s.type}`);
  let file: string;
  let args: string[];
  if (s.type === "shell") {
    file = s.shell === "sh" ? "/bin/sh" : "bash";
    args = ["-c", s.run];
  } else {
    const script = path.join(ctx.dirs.workdir, `.step-${ctx.index + 1}.${s.lang === "node" ? "cjs" : "sh"}`);
    writeFileSync(script, s.script, { mode: 0o600 });
    file = s.lang === "node" ? process.execPath : "bash";
    args = [script];
  }
  const stepEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.env ?? {})) stepEnv[k] = renderTemplate(parseTemplate(v), ctx.scope, "text");
  let stdout = "";
  const handle = startProcess({
    file,
    args,
    cwd: ctx.dirs.workdir,
    env: {
      allow: [...DEFAULT_ENV_ALLOW, ...ctx.envAllow],
      set: {
        ...stepEnv,
        OPSDECK_RUN_ID: ctx.runId,
        OPSDECK_RUNBOOK: ctx.runbook,
        OPSDECK_STEP: ctx.stepId,
        OPSDECK_ARTIFACTS: ctx.dirs.artifacts,
        OPSDECK_STATE_DIR: ctx.dirs.state,
        OPSDECK_URL: String((ctx.scope.opsdeck as { url?: string } | null)?.url ?? ""),
      },
      params: ctx.paramsEnv,
    },
    secrets: ctx.secrets,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    onOutput: (c) => {
      if (c.stream === "stdout") stdout = tail(stdout + c.text);
      ctx.log.write(ctx.index, c.stream === "stdout" ? "out" : "err", c.text);
    },
  });
  await ctx.onProcess(handle.pid);
  const r = await handle.result;
  const result = { exitCode: r.exitCode, output: stdout.trimEnd(), durationMs: r.durationMs, signal: r.signal };
  if (r.outcome === "spawn_error") return { ok: false, exitCode: null, result, message: `could not start: ${r.error}` };
  if (r.outcome === "timed_out") return { ok: false, timedOut: true, exitCode: null, result, message: `timed out after ${Math.round(ctx.timeoutMs / 1000)} s (process tree killed)` };
  if (r.outcome === "cancelled") return { ok: false, exitCode: null, result, message: "stopped (process tree killed)" };
  if (r.exitCode !== 0) return { ok: false, exitCode: r.exitCode, result, message: r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}` };
  return { ok: true, exitCode: 0, result, message: r.truncated ? "exit code 0 (output truncated)" : "exit code 0" };
}
