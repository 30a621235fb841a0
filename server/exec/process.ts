import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { buildChildEnv, type ChildEnvSpec } from "./env";
import { StreamRedactor } from "./redact";
import { descendantsOf, killTree, type ProcId } from "./tree";

/**
 * Runs one child process in a sandbox-ish envelope. See server/exec/index.ts for the module overview.
 *
 *  - argv only (`file` + `args`, never a shell string built from input); callers that want a shell pass
 *    `file: "bash", args: ["-c", trustedCommand]` and hand user input over as environment variables;
 *  - environment = allow-listed variables of this process + explicit ones + PARAM_* (see env.ts);
 *  - its own process group (detached), so cancel/timeout signal the whole tree: SIGTERM, then SIGKILL after a grace
 *    period; processes the main process left behind when it exits are killed too;
 *  - output decoded as UTF-8, redacted (redact.ts), delivered in chunks: whole lines at once, a partial line after
 *    `flushIntervalMs` (so a progress indicator still shows), capped at `maxOutputBytes`.
 */

export type OutputStream = "stdout" | "stderr";
export type OutputChunk = { stream: OutputStream; text: string };

export type ExecSpec = {
  /** Executable (looked up on the child's PATH) and its arguments. */
  file: string;
  args?: string[];
  cwd: string;
  env?: ChildEnvSpec;
  /** Written to the child's stdin, which is then closed (stdin is /dev/null when absent). */
  stdin?: string;
  /** Kill the tree after this long (outcome "timed_out"). */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL on cancel/timeout. Default 5 s. */
  killGraceMs?: number;
  /** Literal values to redact (secret parameters etc.), on top of the known secret patterns. */
  secrets?: readonly string[];
  /** Receives redacted output. Called synchronously from stream events; queue async work yourself. */
  onOutput?: (chunk: OutputChunk) => void;
  /** How long a partial line (no newline yet) may wait before its safe prefix is emitted. Default 100 ms. */
  flushIntervalMs?: number;
  /** Output beyond this many bytes (after redaction) is dropped and a notice emitted once. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Aborting cancels the process (outcome "cancelled"). */
  signal?: AbortSignal;
};

export type ExecOutcome = "exited" | "timed_out" | "cancelled" | "spawn_error";

export type ExecResult = {
  outcome: ExecOutcome;
  /** Exit code when the process exited by itself; null when killed by a signal or it never started. */
  exitCode: number | null;
  /** The signal that ended the main process, if any (e.g. "SIGTERM", "SIGKILL"). */
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** Bytes of (redacted) output delivered; `truncated` when maxOutputBytes cut it. */
  outputBytes: number;
  truncated: boolean;
  /** Spawn failure or cancel reason. */
  error?: string;
};

export type ExecHandle = {
  /** The child's pid (= its process group id); undefined when spawning failed. */
  readonly pid: number | undefined;
  readonly result: Promise<ExecResult>;
  /** SIGTERM to the tree now, SIGKILL after the grace period. Idempotent. */
  cancel(reason?: string): void;
};

const DEFAULT_GRACE_MS = 5_000;
const DEFAULT_FLUSH_MS = 100;
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
/** After the main process exits, how long its stdout/stderr may stay open (held by leftover children) before they die. */
const LINGER_MS = 500;

export function startProcess(spec: ExecSpec): ExecHandle {
  const started = performance.now();
  const grace = spec.killGraceMs ?? DEFAULT_GRACE_MS;
  const maxOut = spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  let outputBytes = 0;
  let truncated = false;
  let stopReason: { outcome: "timed_out" | "cancelled"; message: string } | null = null;

  const deliver = (stream: OutputStream, text: string) => {
    if (!text || !spec.onOutput) return;
    if (truncated) return;
    const bytes = Buffer.byteLength(text);
    if (outputBytes + bytes > maxOut) {
      truncated = true;
      spec.onOutput({ stream: "stderr", text: `\n[opsdeck] output limit of ${maxOut} bytes reached; further output dropped\n` });
      return;
    }
    outputBytes += bytes;
    spec.onOutput({ stream, text });
  };

  let child: ChildProcessByStdio<Writable | null, Readable, Readable>;
  try {
    child = spawn(spec.file, spec.args ?? [], {
      cwd: spec.cwd,
      env: buildChildEnv(spec.env) as NodeJS.ProcessEnv, // Next declares NODE_ENV required; a child gets only what is listed
      detached: true, // new session + process group: pgid = pid, so -pid signals the whole tree
      stdio: [spec.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] as ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
  } catch (err) {
    const result: ExecResult = { outcome: "spawn_error", exitCode: null, signal: null, durationMs: 0, outputBytes: 0, truncated: false, error: (err as Error).message };
    return { pid: undefined, result: Promise.resolve(result), cancel: () => undefined };
  }
  const pid = child.pid;

  // Output: one decoder + redactor per stream; whole lines go out at once, partial lines after flushIntervalMs.
  const streams = (["stdout", "stderr"] as const).map((name) => {
    const decoder = new StringDecoder("utf8");
    const redactor = new StreamRedactor(spec.secrets ?? []);
    let partialTimer: NodeJS.Timeout | null = null;
    const onData = (buf: Buffer) => {
      deliver(name, redactor.push(decoder.write(buf)));
      if (redactor.hasPending && !partialTimer) {
        partialTimer = setTimeout(() => {
          partialTimer = null;
          deliver(name, redactor.flushPartial());
        }, spec.flushIntervalMs ?? DEFAULT_FLUSH_MS);
      }
    };
    const finish = () => {
      if (partialTimer) clearTimeout(partialTimer);
      partialTimer = null;
      deliver(name, redactor.push(decoder.end()) + redactor.end());
    };
    return { name, onData, finish };
  });
  const [out, err] = streams as [(typeof streams)[0], (typeof streams)[0]];
  child.stdout!.on("data", out.onData);
  child.stderr!.on("data", err.onData);

  if (spec.stdin !== undefined && child.stdin) {
    child.stdin.on("error", () => undefined); // the child may exit without reading its input (EPIPE)
    child.stdin.end(spec.stdin);
  }

  let killTimer: NodeJS.Timeout | null = null;
  let timeoutTimer: NodeJS.Timeout | null = null;
  let exited = false;
  let knownDescendants = new Map<number, ProcId>();

  const signalTree = (sig: NodeJS.Signals) => {
    if (pid === undefined) return;
    // Remember descendants while their parents still live: one that left the process group (setsid) is still
    // found through its parent chain and signalled directly.
    for (const d of descendantsOf(pid)) knownDescendants.set(d.pid, d);
    killTree(pid, knownDescendants.values(), sig);
  };

  const cancel = (reason = "cancelled", outcome: "timed_out" | "cancelled" = "cancelled") => {
    if (stopReason || pid === undefined) return;
    stopReason = { outcome, message: reason };
    signalTree("SIGTERM");
    killTimer = setTimeout(() => signalTree("SIGKILL"), grace);
    killTimer.unref();
  };

  if (spec.timeoutMs !== undefined) {
    timeoutTimer = setTimeout(() => cancel(`timed out after ${spec.timeoutMs} ms`, "timed_out"), spec.timeoutMs);
  }
  const onAbort = () => cancel(typeof spec.signal?.reason === "string" ? spec.signal.reason : "cancelled");
  if (spec.signal?.aborted) queueMicrotask(onAbort);
  else spec.signal?.addEventListener("abort", onAbort, { once: true });

  const result = new Promise<ExecResult>((resolve) => {
    let spawnError: string | undefined;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    child.on("error", (e) => {
      spawnError = e.message;
      if (!exited) {
        exited = true;
        // "close" still follows an error from spawn; nothing else to do here.
      }
    });
    child.on("exit", (code, sig) => {
      exited = true;
      exitCode = code;
      exitSignal = sig;
      // Leftovers (background jobs, daemons) would keep the pipes open and outlive the step: give them a moment to
      // finish writing, then kill the group. The step's processes never survive the step.
      if (pid !== undefined) {
        const lingering = setTimeout(() => {
          killTree(pid, knownDescendants.values(), "SIGKILL");
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, LINGER_MS);
        lingering.unref();
        child.once("close", () => clearTimeout(lingering));
      }
    });
    child.on("close", () => {
      if (timeoutTimer) clearTimeout(timeoutTimer);
      spec.signal?.removeEventListener("abort", onAbort);
      out.finish();
      err.finish();
      // Kill anything of the group that is still around (harmless when empty), then stop the SIGKILL timer.
      if (pid !== undefined) killTree(pid, knownDescendants.values(), "SIGKILL");
      if (killTimer) clearTimeout(killTimer);
      knownDescendants = new Map();
      const durationMs = Math.round(performance.now() - started);
      if (spawnError && pid === undefined) {
        resolve({ outcome: "spawn_error", exitCode: null, signal: null, durationMs, outputBytes, truncated, error: spawnError });
        return;
      }
      const stop = stopReason as { outcome: "timed_out" | "cancelled"; message: string } | null;
      resolve({
        outcome: stop ? stop.outcome : spawnError ? "spawn_error" : "exited",
        exitCode,
        signal: exitSignal,
        durationMs,
        outputBytes,
        truncated,
        ...(stop ? { error: stop.message } : spawnError ? { error: spawnError } : {}),
      });
    });
  });

  return { pid, result, cancel: (reason?: string) => cancel(reason) };
}

/** startProcess(spec).result — for callers that need no handle (cancel through `spec.signal`). */
export function runProcess(spec: ExecSpec): Promise<ExecResult> {
  return startProcess(spec).result;
}
