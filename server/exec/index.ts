/**
 * server/exec — run untrusted-input-safe child processes (runbook steps, the built-in CI runner).
 *
 * ```ts
 * import { startProcess, runProcess } from "@/server/exec";
 * const h = startProcess({
 *   file: "bash", args: ["-c", 'kubectl rollout restart "deployment/$PARAM_SERVICE"'],   // trusted command text
 *   cwd: workDir,
 *   env: { params: { service: userInput }, set: { KUBECONFIG: path } },                  // → PARAM_SERVICE, allow-listed rest
 *   secrets: [secretParamValue],                                                          // redacted from output
 *   timeoutMs: 60_000, killGraceMs: 5_000,
 *   onOutput: ({ stream, text }) => queue.push(stream, text),                              // already redacted
 *   signal: abortController.signal,                                                       // abort = cancel
 * });
 * const r = await h.result; // { outcome: "exited"|"timed_out"|"cancelled"|"spawn_error", exitCode, signal, durationMs, … }
 * ```
 *
 * Guarantees
 *  - No shell is involved unless the caller runs one; parameters are never spliced into command strings — they arrive
 *    as environment variables PARAM_<NAME> (paramEnvName), so `; rm -rf /`, `$(…)`, backticks and newlines stay data.
 *  - The environment is an allow-list (DEFAULT_ENV_ALLOW) plus explicit `set` and `params`; nothing else leaks in.
 *  - The child gets its own process group; cancel/timeout send SIGTERM to the group (and to descendants that left it,
 *    found via /proc), then SIGKILL after `killGraceMs`. When the main process exits, whatever it left running is
 *    killed too, so no step outlives itself.
 *  - Output is redacted (literal `secrets` + SECRET_PATTERNS: AWS keys, GitHub/GitLab/Slack tokens, JWTs, bearer and
 *    basic credentials, URL passwords, `password=…`, PEM private-key blocks) before `onOutput` sees it, including
 *    secrets split across chunk boundaries (line-buffered; partial lines flushed only up to a safe prefix).
 *  - Output is capped (`maxOutputBytes`, default 64 MiB) with a notice.
 *
 * Not a security boundary against the command itself: the command runs as this OS user. Run workers under a
 * dedicated low-privilege user (or container) in production.
 */
export { startProcess, runProcess, type ExecSpec, type ExecResult, type ExecHandle, type ExecOutcome, type OutputChunk, type OutputStream } from "./process";
export { buildChildEnv, paramEnvName, DEFAULT_ENV_ALLOW, EnvError, type ChildEnvSpec } from "./env";
export { StreamRedactor, redactText, SECRET_PATTERNS, REDACTED, MIN_LITERAL_LENGTH } from "./redact";
export { descendantsOf, killTree, isAlive, procId, killRecordedGroup, type ProcId } from "./tree";
