// `npm start` (and `npm run dev`, OPSDECK_DEV=1): one command from a fresh checkout to a running Opsdeck.
//   1. configuration parsed as the app will see it (a bad value stops here, naming the variable)
//   2. no DATABASE_URL → the embedded database (PGlite, data in <OPSDECK_DATA_DIR>/pglite) as a child process
//   3. migrations (Prisma, skipped when nothing is pending; graphile-worker)      4. demo mode: demo data
//   5. `next build` when .next is missing or older than the sources (dev: no build)
//   6. `next start` / `next dev` as a child; the worker runs inside it (instrumentation.ts)
// Signals are forwarded to Next; the embedded database is stopped last, after Next has exited.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pgliteUrl, type EmbeddedDb, ensureEmbeddedDb } from "@/demo/embedded-db";
import { createDb } from "@/server/db/client";
import { seedDemo } from "@/server/demo/seed-data";
import { ingestConfiguredCatalog } from "@/server/catalog/demo";
import { demoClusterPortFromEnv, startDemoCluster, type DemoCluster } from "@/server/demo/cluster";
import { ConfigError, parseEnv, type Env } from "@/server/env";
import { migrateAll, repoRoot } from "./lib/database";

const dev = process.env.OPSDECK_DEV === "1";
const t0 = performance.now();
const phases: string[] = [];
const say = (msg: string) => console.log(`opsdeck: ${msg}`);

let embedded: EmbeddedDb | null = null;
let demoCluster: DemoCluster | null = null; // demo mode: the demo Kubernetes cluster, served from this process
let foreground: ChildProcess | null = null; // `next build` or the Next server
let nextServer: ChildProcess | null = null;
let shuttingDown = false; // exits from here on are expected
let exiting: Promise<void> | null = null;

async function main() {
  installSignalHandlers();

  // 1. Configuration, validated as the Next process will see it (NODE_ENV included).
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: dev ? "development" : "production", NEXT_TELEMETRY_DISABLED: "1" };
  let e: Env;
  try {
    // First pass only to learn DATABASE_URL / PGLITE_PORT / PORT (the lenient NODE_ENV skips production-only rules).
    const pre = parseEnv({ ...childEnv, NODE_ENV: "development" }, { requireDatabase: false });
    if (pre.DATABASE_URL) delete childEnv.OPSDECK_EMBEDDED_DATABASE_URL;
    else childEnv.OPSDECK_EMBEDDED_DATABASE_URL = pgliteUrl(pre.PGLITE_PORT);
    childEnv.AUTH_URL ||= `http://localhost:${pre.PORT}`; // Auth.js origin follows PORT unless configured
    e = parseEnv(childEnv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  await assertPortFree(e.PORT, e.HOST);

  // 2. Database.
  let url = e.databaseUrl;
  const dataDir = path.resolve(repoRoot, e.OPSDECK_DATA_DIR);
  if (e.demoMode) {
    const t = performance.now();
    say(`no DATABASE_URL: starting the embedded database (PGlite) on 127.0.0.1:${e.PGLITE_PORT}, data in ${rel(dataDir)}/pglite`);
    embedded = await ensureEmbeddedDb({ port: e.PGLITE_PORT, dataDir });
    if (!embedded.started) say(`an embedded database is already running on port ${e.PGLITE_PORT}: using it (it will not be stopped on exit)`);
    url = embedded.url;
    childEnv.OPSDECK_EMBEDDED_DATABASE_URL = url;
    void embedded.exited.then(({ code, signal }) => {
      if (!shuttingDown) void shutdown(1, `the embedded database exited unexpectedly (${signal ?? `code ${code}`}); stopping Opsdeck`);
    });
    phase("database", t);

    // The demo Kubernetes cluster (in memory, realistic timing), unless a kubeconfig of the user's own is configured.
    if (process.env.OPSDECK_KUBECONFIG) {
      say("OPSDECK_KUBECONFIG is set: not starting the demo Kubernetes cluster");
    } else {
      let port: number;
      try {
        port = demoClusterPortFromEnv();
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
      const kubeconfigPath = path.join(dataDir, "demo-cluster/kubeconfig");
      demoCluster = await startDemoCluster({ port, host: "127.0.0.1", kubeconfigPath }).catch((err: NodeJS.ErrnoException) => {
        throw new ConfigError(err.code === "EADDRINUSE" ? `OPSDECK_DEMO_CLUSTER_PORT: port ${port} on 127.0.0.1 is already in use (is \`npm run demo-cluster\` running?): stop it or set OPSDECK_DEMO_CLUSTER_PORT` : `the demo Kubernetes cluster did not start: ${String(err)}`);
      });
      childEnv.OPSDECK_KUBECONFIG = demoCluster.kubeconfigPath;
      say(`demo Kubernetes cluster at ${demoCluster.url}; kubeconfig ${rel(demoCluster.kubeconfigPath)} (context ${demoCluster.contextName})`);
    }
  }
  if (exiting) return;

  // 3. Migrations.
  let t = performance.now();
  const migrated = await migrateAll(url, { singleSession: e.demoMode, skipIfCurrent: true, log: say });
  say(`migrations: ${migrated.prisma === "applied" ? "applied" : "up to date"} (${migrated.status.applied} Prisma migrations; graphile-worker schema ready)`);
  phase("migrate", t);
  if (exiting) return;

  // 4. Demo data.
  if (e.demoMode) {
    t = performance.now();
    const db = createDb(url, { max: 1 });
    try {
      const s = await seedDemo(db);
      const created = s.teams + s.users + s.memberships + s.entities;
      say(created ? `demo data: created ${s.teams} teams, ${s.users} users, ${s.memberships} memberships, ${s.entities} catalog entities` : "demo data: present");
      const c = await ingestConfiguredCatalog(db, e);
      say(`catalog: ${c.entities} entities from ${c.locations} location(s) (${c.added} added, ${c.updated} updated, ${c.removed} removed${c.errors ? `, ${c.errors} errors` : ""})`);
    } finally {
      await db.$disconnect();
    }
    phase("seed", t);
  }
  if (exiting) return;

  // 5. Production build, when needed.
  if (!dev) {
    const why = buildReason();
    if (why) {
      t = performance.now();
      say(`building the app: ${why}`);
      const code = await runForeground(["build"], childEnv);
      if (exiting) return;
      if (code !== 0) return shutdown(code || 1, "`next build` failed; see the output above");
      phase("build", t);
    } else {
      say(`build: ${process.env.NEXT_DIST_DIR || ".next"} is up to date`);
    }
  }

  // 6. The server.
  t = performance.now();
  const args = dev ? ["dev", "-H", e.HOST, "-p", String(e.PORT)] : ["start", "-H", e.HOST, "-p", String(e.PORT)];
  childEnv.OPSDECK_LAUNCHER_PID = String(process.pid);
  nextServer = spawnNext(args, childEnv);
  foreground = nextServer;
  nextServer.once("error", (err) => void shutdown(1, `could not start next ${args[0]}: ${err.message}`));
  nextServer.once("exit", (code, signal) => {
    const status = code ?? 128 + signalNumber(signal);
    if (!shuttingDown) console.error(`opsdeck: next ${args[0]} exited (${signal ?? `code ${code}`})`);
    void shutdown(status);
  });
  if (await waitForHealth(e)) {
    phase(dev ? "next dev" : "next start", t);
    await banner(e, url, dataDir);
  }
}

function phase(name: string, since: number) {
  phases.push(`${name} ${((performance.now() - since) / 1000).toFixed(1)} s`);
}

/** Why a production build is needed, or null when .next/BUILD_ID is newer than every source file. */
function buildReason(): string | null {
  const distDir = process.env.NEXT_DIST_DIR || ".next"; // next.config.ts reads the same variable
  const buildId = path.join(repoRoot, distDir, "BUILD_ID");
  if (!existsSync(buildId)) return `${distDir}/BUILD_ID is missing (no production build yet)`;
  const builtAt = statSync(buildId).mtimeMs;
  const newest = newestSource();
  if (newest && newest.mtimeMs > builtAt) return `${newest.file} changed since the last build`;
  return null;
}

const SOURCE_DIRS = ["app", "components", "server", "prisma", "lib", "public", "styles", "generated"];
const SOURCE_FILES = ["instrumentation.ts", "middleware.ts", "proxy.ts", "next.config.ts", "next.config.js", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package.json", "package-lock.json"];

function newestSource(): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null;
  const consider = (abs: string, mtimeMs: number) => {
    if (!newest || mtimeMs > newest.mtimeMs) newest = { file: path.relative(repoRoot, abs), mtimeMs };
  };
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of entries) {
      if (d.name.startsWith(".") || d.name === "node_modules") continue;
      const abs = path.join(dir, d.name);
      if (d.isDirectory()) walk(abs);
      else if (d.isFile()) consider(abs, statSync(abs).mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) walk(path.join(repoRoot, d));
  for (const f of SOURCE_FILES) {
    const abs = path.join(repoRoot, f);
    if (existsSync(abs)) consider(abs, statSync(abs).mtimeMs);
  }
  return newest;
}

function spawnNext(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  // node_modules/.bin/next directly (not npx): the PID we signal is Next itself.
  return spawn(path.join(repoRoot, "node_modules/.bin/next"), args, { cwd: repoRoot, env, stdio: "inherit" });
}

function runForeground(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawnNext(args, env);
  foreground = child;
  return new Promise((resolve) => {
    child.once("error", (err) => {
      console.error(`opsdeck: could not run next ${args[0]}: ${err.message}`);
      resolve(1);
    });
    child.once("exit", (code, signal) => {
      foreground = null;
      resolve(code ?? 128 + signalNumber(signal));
    });
  });
}

/** Polls /api/health until it answers 200; false if Next exited first. */
async function waitForHealth(e: Env): Promise<boolean> {
  const host = ["0.0.0.0", "::", "localhost"].includes(e.HOST) ? "127.0.0.1" : e.HOST;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${e.PORT}/api/health`;
  let failingSince = 0;
  let warned = false;
  while (!shuttingDown && nextServer && nextServer.exitCode === null && nextServer.signalCode === null) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (res.ok) return true;
      // Listening but failing (e.g. instrumentation.ts threw): Next stays up and answers 500 to everything.
      failingSince ||= performance.now();
      if (!warned && performance.now() - failingSince > 10_000) {
        warned = true;
        console.error(`opsdeck: the app is up but answers /api/health with HTTP ${res.status}; see the errors above (still waiting)`);
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function banner(e: Env, url: string, dataDir: string) {
  const loopback = ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost"].includes(e.HOST);
  const appUrl = `http://${loopback ? "localhost" : e.HOST}:${e.PORT}`;
  let ready = "";
  try {
    const host = loopback ? "127.0.0.1" : e.HOST;
    const res = await fetch(`http://${host}:${e.PORT}/api/ready`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) ready = `NOT READY: ${((await res.json()) as { reason?: string }).reason ?? res.status}`;
  } catch (err) {
    ready = `readiness check failed: ${String(err)}`;
  }
  const lines = [
    `Opsdeck is running at ${appUrl}${dev ? "  (next dev)" : ""}`,
    e.demoMode
      ? `DEMO MODE: embedded database (PGlite) in ${rel(dataDir)}/pglite, demo data and demo sign-in enabled`
      : `database: ${redact(url)}`,
    e.demoMode ? "           set DATABASE_URL (and AUTH_SECRET, OIDC_*) to run against a real Postgres" : "",
    demoCluster ? `demo Kubernetes cluster: ${demoCluster.url} (in memory) · kubectl --kubeconfig ${rel(demoCluster.kubeconfigPath)} get pods -n prod` : "",
    `worker: ${e.OPSDECK_WORKER === "inline" ? "inline (in the app process)" : "off (run `npm run worker`)"}`,
    ready,
    `started in ${((performance.now() - t0) / 1000).toFixed(1)} s (${phases.join(", ")}) · Ctrl+C stops it`,
  ].filter(Boolean);
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  console.log(`\n${"─".repeat(width)}\n${lines.map((l) => `  ${l}`).join("\n")}\n${"─".repeat(width)}\n`);
}

function installSignalHandlers() {
  let count = 0;
  const onSignal = (received: NodeJS.Signals) => {
    const signal = received === "SIGHUP" ? "SIGTERM" : received; // terminal closed: stop like SIGTERM
    count++;
    if (count > 1) {
      // Second Ctrl+C: stop waiting.
      console.error(`opsdeck: ${signal} again: killing everything now`);
      foreground?.kill("SIGKILL");
      void (embedded?.stop() ?? Promise.resolve()).finally(() => process.exit(128 + signalNumber(signal)));
      return;
    }
    if (nextServer && nextServer.exitCode === null && nextServer.signalCode === null) {
      // Forward and wait: the exit handler of the Next child stops the database and exits with Next's status.
      // (In a terminal, Ctrl+C has already reached Next too; Next ignores the duplicate.)
      shuttingDown = true;
      nextServer.kill(signal);
      const timer = setTimeout(() => {
        console.error("opsdeck: Next did not exit within 30 s; killing it");
        nextServer?.kill("SIGKILL");
      }, 30_000);
      timer.unref();
    } else {
      void shutdown(128 + signalNumber(signal), `${signal}: stopping`);
    }
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal).on("SIGHUP", onSignal);
  // `npm start` runs us under `sh -c`; on SIGTERM npm kills that shell, which does not pass the signal on. Being
  // re-parented is the sign: stop as if we had received SIGTERM ourselves.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && count === 0) {
      console.error(`opsdeck: parent process ${parent} is gone; stopping`);
      onSignal("SIGTERM");
    }
  }, 1000).unref();
}

/** Stops whatever runs (Next or a build, then the embedded database) and exits; the first caller's code wins. */
function shutdown(code: number, reason?: string): Promise<void> {
  exiting ??= stopAll(code, reason);
  return exiting;
}

async function stopAll(code: number, reason?: string) {
  if (reason) console.error(`opsdeck: ${reason}`);
  shuttingDown = true;
  const child = foreground;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    await Promise.race([
      new Promise((r) => child.once("exit", r)),
      new Promise((r) => setTimeout(r, 30_000)),
    ]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  await demoCluster?.close();
  if (embedded?.started) say("stopping the embedded database");
  await embedded?.stop().catch((err: unknown) => console.error(`opsdeck: stopping the embedded database failed: ${String(err)}`));
  process.exit(code);
}

function assertPortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      console.error(err.code === "EADDRINUSE" ? `port ${port} on ${host} is already in use: stop what runs there or set PORT` : `cannot listen on ${host}:${port}: ${err.message}`);
      process.exit(1);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? ({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9, SIGHUP: 1 } as Record<string, number>)[signal] ?? 1 : 1;
}

function rel(p: string) {
  return path.relative(repoRoot, p) || ".";
}

function redact(url: string) {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

main().catch((err: unknown) => {
  void shutdown(1, err instanceof ConfigError ? err.message : `startup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
});
