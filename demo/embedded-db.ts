// Launcher side of the embedded database: runs demo/pglite-server.ts as a child process and tells the caller when it
// is ready, when it dies, and how to stop it. Used by `npm start`, db:migrate, db:seed and audit:verify when no
// DATABASE_URL is configured.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import pg from "pg";
import type { PgliteChildMessage } from "./pglite-server";
import { pgliteUrl } from "./pglite-url";

export { pgliteUrl };

export type EmbeddedDb = {
  url: string;
  /** False when a database was already answering on the port (started by another process): stop() leaves it alone. */
  started: boolean;
  /** Settles when the child exits (never, for a reused database). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: () => Promise<void>;
};

const root = path.resolve(import.meta.dirname, "..");

/** True when something answering as Postgres is listening at url. */
export async function canConnect(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts the embedded database as a child process, or reuses one already serving the port (e.g. `npm run
 * audit:verify` while `npm start` runs). The child is in its own process group so that Ctrl+C in a terminal reaches
 * the app first and the database is stopped last, by us; if we die it notices the closed IPC channel and stops itself.
 */
export type EmbeddedDbOptions = {
  port: number;
  /** OPSDECK_DATA_DIR: the database lives in its pglite/ subdirectory. */
  dataDir: string;
  log?: (msg: string) => void;
};

export async function ensureEmbeddedDb(opts: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const url = pgliteUrl(opts.port);
  if (await canConnect(url)) {
    return { url, started: false, exited: new Promise(() => undefined), stop: async () => undefined };
  }
  return startEmbeddedDb(opts);
}

export function startEmbeddedDb(opts: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const log = opts.log ?? ((m: string) => console.error(m));
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "demo/pglite-server.ts")], {
    cwd: root,
    env: { ...process.env, PGLITE_PORT: String(opts.port), OPSDECK_DATA_DIR: opts.dataDir },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise<EmbeddedDb>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      reject(err);
    };
    child.once("error", (e) => fail(new Error(`could not start the embedded database: ${e.message}`)));
    child.on("message", (m: PgliteChildMessage) => {
      if (m.type === "error") fail(new Error(`embedded database: ${m.message}`));
      else if (m.type === "ready" && !settled) {
        settled = true;
        resolve({ url: m.url, started: true, exited, stop: () => stopChild(child, exited, log) });
      }
    });
    void exited.then(({ code, signal }) => fail(new Error(`the embedded database exited before it was ready (${signal ?? `code ${code}`})`)));
  });
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, log: (msg: string) => void) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    log("embedded database did not stop within 15 s; killing it");
    child.kill("SIGKILL");
  }, 15_000);
  await exited;
  clearTimeout(timer);
  if (child.connected) child.disconnect();
}
