import type { Db } from "@/server/db/client";
import type { Value } from "../expr";
import type { StepDef } from "../definition";
import type { LogWriter } from "../log-writer";
import type { RunDirs } from "../workdir";

/** Why a run's work stops early: the operator cancelled, the run timed out, or the worker is shutting down. */
export type AbortReason = "cancel" | "timeout" | "shutdown";

/** What a step executor gets: its definition, the expression scope, where to write, and when to stop. */
export type StepContext = {
  db: Db;
  runId: string;
  runbook: string;
  index: number;
  stepId: string;
  def: StepDef;
  /** params, steps (earlier results), run, opsdeck — for templates. */
  scope: Record<string, Value>;
  /** Parameter values as environment strings (secret ones included: env is data, never logged). */
  paramsEnv: Record<string, string>;
  secrets: readonly string[];
  dirs: RunDirs;
  log: LogWriter;
  /** Aborted with an AbortReason. */
  signal: AbortSignal;
  /** This attempt's time limit (the step's timeout, capped by what is left of the run's). */
  timeoutMs: number;
  /** Extra environment variable names allowed through to child processes (OPSDECK_RUNBOOK_ENV_ALLOW). */
  envAllow: readonly string[];
  /** Records the step's process group (so recovery can kill it if this worker dies). */
  onProcess: (pid: number | undefined) => Promise<void>;
};

/** A step attempt's result. `result` is what later conditions see as steps.<id>.* (already redacted). */
export type StepOutcome = {
  ok: boolean;
  /** The attempt ran out of its own time (retryable), as opposed to the run being aborted. */
  timedOut?: boolean;
  exitCode?: number | null;
  result: Record<string, Value>;
  message: string;
};

export const OUTPUT_CAPTURE_BYTES = 64 * 1024;

/** The last `max` characters of captured output, for steps.<id>.output. */
export function tail(text: string, max = OUTPUT_CAPTURE_BYTES): string {
  return text.length > max ? text.slice(text.length - max) : text;
}
