import type { Runner } from "graphile-worker";
import { db } from "@/server/db/client";
import { env } from "@/server/env";
import { log } from "@/server/log";
import { startWorker } from "./runner";

// The worker inside the web process (instrumentation.ts). It stops with the process: on SIGTERM/SIGINT it stops
// taking jobs, lets running ones finish (graphile-worker aborts them after 5 s and hands them back to the queue), and
// the process exits only after that, so no job stays locked by a dead worker.

type State = { runner: Runner | null; stopping: Promise<void> | null; started: Promise<void> | null };
const g = globalThis as unknown as { opsdeckInlineWorker?: State };
const STOP_TIMEOUT_MS = 15_000;

export function startInlineWorker(): Promise<void> {
  const state = (g.opsdeckInlineWorker ??= { runner: null, stopping: null, started: null });
  state.started ??= boot(state);
  return state.started;
}

async function boot(state: State) {
  const e = env();
  if (e.OPSDECK_WORKER === "off") {
    log.info({ component: "worker" }, "inline worker disabled (OPSDECK_WORKER=off); run `npm run worker` separately");
    return;
  }
  installShutdown(state);
  await run(state); // a failure to start stops the boot: the process is useless half-configured
}

async function run(state: State, attempt = 0): Promise<void> {
  const e = env();
  const runner = await startWorker(db(), { connectionString: e.databaseUrl, singleSession: e.demoMode });
  state.runner = runner;
  log.info({ component: "worker", demoMode: e.demoMode }, `inline worker started${e.demoMode ? " (embedded database: polling for jobs)" : ""}`);
  runner.promise.then(
    () => restartUnlessStopping(state, attempt, "exited"),
    (err: unknown) => restartUnlessStopping(state, attempt, "crashed", err),
  );
}

function restartUnlessStopping(state: State, attempt: number, how: string, err?: unknown) {
  if (state.stopping) return;
  state.runner = null;
  const delay = Math.min(60_000, 1000 * 2 ** attempt);
  log.error({ component: "worker", err }, `inline worker ${how}; restarting in ${delay / 1000} s`);
  setTimeout(() => {
    if (state.stopping) return;
    run(state, attempt + 1).catch((e: unknown) => restartUnlessStopping(state, attempt + 1, "failed to restart", e));
  }, delay).unref();
}

function installShutdown(state: State) {
  const onSignal = (signal: NodeJS.Signals) => {
    if (state.stopping) return;
    state.stopping = stopRunner(state.runner, signal);
    // Next's own handler closes the HTTP server and then calls process.exit(); hold that exit until the worker has
    // stopped. (If nothing else handles the signal, exit ourselves once stopped.)
    const realExit = process.exit.bind(process);
    const stopping = state.stopping;
    process.exit = ((code?: number | string | null) => {
      void stopping.finally(() => realExit(code ?? undefined));
    }) as typeof process.exit;
    if (process.listenerCount(signal) <= 1) void stopping.finally(() => realExit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

async function stopRunner(runner: Runner | null, signal: string) {
  if (!runner) return;
  log.info({ component: "worker" }, `${signal}: stopping inline worker`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      runner.stop(),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ component: "worker" }, `inline worker did not stop within ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
          resolve();
        }, STOP_TIMEOUT_MS);
      }),
    ]);
    log.info({ component: "worker" }, "inline worker stopped");
  } catch (err) {
    log.error({ component: "worker", err }, "inline worker failed to stop cleanly");
  } finally {
    clearTimeout(timer);
  }
}
