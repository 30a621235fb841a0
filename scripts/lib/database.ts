// Shared by the command-line scripts (start, db:migrate, db:seed, audit:verify, worker): which database to use,
// starting the embedded one when none is configured, and applying migrations.
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureEmbeddedDb, type EmbeddedDb } from "@/demo/embedded-db";
import { ConfigError, parseEnv, type Env } from "@/server/env";
import { createDb } from "@/server/db/client";
import { migrationStatus, type MigrationStatus } from "@/server/db/migration-status";
import { migrateJobs } from "@/server/jobs/runner";

export const repoRoot = path.resolve(import.meta.dirname, "../..");

export type Target = {
  env: Env;
  url: string;
  /** Embedded database (no DATABASE_URL): demo mode, one session. */
  demo: boolean;
  embedded: EmbeddedDb | null;
  /** Stops the embedded database if this process started it. */
  close: () => Promise<void>;
};

/**
 * DATABASE_URL if set; otherwise the embedded database, started if it is not already running (the env then carries
 * OPSDECK_EMBEDDED_DATABASE_URL, exactly as the app sees it under `npm start`).
 */
export async function openTarget(opts: { source?: NodeJS.ProcessEnv; log?: (m: string) => void } = {}): Promise<Target> {
  const source = opts.source ?? process.env;
  const log = opts.log ?? ((m: string) => console.error(m));
  const first = parseEnv(source, { requireDatabase: false });
  if (first.DATABASE_URL) {
    return { env: first, url: first.DATABASE_URL, demo: false, embedded: null, close: async () => undefined };
  }
  const dataDir = path.resolve(repoRoot, first.OPSDECK_DATA_DIR);
  const embedded = await ensureEmbeddedDb({ port: first.PGLITE_PORT, dataDir, log });
  if (embedded.started) log(`embedded database: started on 127.0.0.1:${first.PGLITE_PORT} (data in ${path.relative(repoRoot, dataDir) || "."}/pglite)`);
  else log(`embedded database: using the one already running on 127.0.0.1:${first.PGLITE_PORT}`);
  source.OPSDECK_EMBEDDED_DATABASE_URL = embedded.url;
  const env = parseEnv(source);
  return { env, url: embedded.url, demo: true, embedded, close: () => embedded.stop() };
}

export type MigrateResult = { prisma: "applied" | "up-to-date"; status: MigrationStatus };

/**
 * Prisma migrations (`prisma migrate deploy`, through the offline wasm schema engine), then graphile-worker's schema.
 * With skipIfCurrent the Prisma CLI (a few seconds) runs only when _prisma_migrations shows something pending.
 */
export async function migrateAll(url: string, opts: { singleSession: boolean; skipIfCurrent?: boolean; log?: (m: string) => void }): Promise<MigrateResult> {
  const log = opts.log ?? ((m: string) => console.error(m));
  const db = createDb(url, { max: 1 });
  try {
    let status = await migrationStatus(db);
    let prisma: MigrateResult["prisma"] = "up-to-date";
    if (!opts.skipIfCurrent || !status.ok) {
      if (status.failed.length) log(`migrations: ${status.reason}`);
      else if (status.pending.length) log(`migrations: applying ${status.pending.length} pending (${status.pending.join(", ")})`);
      await runPrisma(["migrate", "deploy"], url);
      status = await migrationStatus(db);
      if (!status.ok) throw new Error(`migrations did not apply: ${status.reason}`);
      prisma = "applied";
    }
    if (status.edited.length) log(`migrations: warning: ${status.edited.join(", ")} changed after being applied (checksum differs)`);
    await migrateJobs(url, opts.singleSession);
    return { prisma, status };
  } finally {
    await db.$disconnect();
  }
}

/** Runs the Prisma CLI from node_modules/.bin (not npx: no wrapper process, no registry lookups). */
export function runPrisma(args: string[], url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
    const child = spawn(path.join(repoRoot, "node_modules/.bin/prisma"), args, { cwd: repoRoot, env, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`prisma ${args.join(" ")} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

/** Runs a script body; configuration errors print their message (no stack) and exit 1. */
export function runMain(main: () => Promise<number | void>) {
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      if (err instanceof ConfigError) console.error(err.message);
      else console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
