import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { DB_PREFIX, TEMPLATE_DB, TEMPLATE_LOCK, baseUrl, dbUrl, dropDatabase, isAlive, quoteIdent, withAdmin } from "../helpers/pg-admin";

/**
 * vitest globalSetup: makes sure `opsdeck_test_template` holds the current Prisma migrations and graphile-worker's
 * schema, then tells the test files where it is. Each test file clones its own database from it (tests/helpers/db.ts).
 *
 * The template is rebuilt only when its fingerprint (migration files + graphile-worker version) changes, so parallel
 * runs in the same checkout (several people, Node 20 and Node 24) share it. A rebuild happens in a scratch database
 * and is swapped in under an exclusive advisory lock that clones take shared. OPSDECK_TEST_REBUILD=1 forces it.
 */

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

function fingerprint(): string {
  const h = createHash("sha256");
  h.update("opsdeck-test-template v1\n");
  const migrations = path.join(root, "prisma/migrations");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]))
      .sort();
  for (const file of walk(migrations)) {
    h.update(path.relative(migrations, file) + "\0");
    h.update(readFileSync(file));
  }
  const gw = JSON.parse(readFileSync(path.join(root, "node_modules/graphile-worker/package.json"), "utf8")) as { version: string };
  h.update(`graphile-worker ${gw.version}`);
  return `opsdeck-test:${h.digest("hex").slice(0, 32)}`;
}

async function currentFingerprint(base: string): Promise<string | null> {
  return withAdmin(base, async (c) => {
    const r = await c.query<{ fp: string | null }>(
      "SELECT shobj_description(oid, 'pg_database') AS fp FROM pg_database WHERE datname = $1",
      [TEMPLATE_DB],
    );
    return r.rows[0]?.fp ?? null;
  });
}

async function migrate(url: string): Promise<void> {
  try {
    await run(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      timeout: 120_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`prisma migrate deploy failed for the test template:\n${e.stdout ?? ""}\n${e.stderr ?? e.message}`);
  }
  process.env.LOG_LEVEL ??= "silent";
  const { migrateJobs } = await import("@/server/jobs/runner");
  await migrateJobs(url, false);
}

async function buildTemplate(base: string, fp: string): Promise<void> {
  const scratch = `${DB_PREFIX}template_build_${process.pid}`;
  await withAdmin(base, async (c) => {
    await dropDatabase(c, scratch);
    await c.query(`CREATE DATABASE ${quoteIdent(scratch)}`);
  });
  try {
    await migrate(dbUrl(base, scratch));
    await withAdmin(base, async (c) => {
      await c.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
      try {
        const exists = await c.query<{ fp: string | null }>(
          "SELECT shobj_description(oid, 'pg_database') AS fp FROM pg_database WHERE datname = $1",
          [TEMPLATE_DB],
        );
        // Another run built the same template meanwhile: keep it (our scratch copy is dropped below).
        if (exists.rows[0]?.fp === fp && process.env.OPSDECK_TEST_REBUILD !== "1") return;
        if (exists.rowCount) {
          await c.query(`ALTER DATABASE ${quoteIdent(TEMPLATE_DB)} IS_TEMPLATE false`);
          await dropDatabase(c, TEMPLATE_DB);
        }
        await c.query(`ALTER DATABASE ${quoteIdent(scratch)} RENAME TO ${quoteIdent(TEMPLATE_DB)}`);
        await c.query(`ALTER DATABASE ${quoteIdent(TEMPLATE_DB)} IS_TEMPLATE true`);
        await c.query(`COMMENT ON DATABASE ${quoteIdent(TEMPLATE_DB)} IS '${fp}'`);
      } finally {
        await c.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
      }
    });
  } finally {
    await withAdmin(base, (c) => dropDatabase(c, scratch));
  }
}

/** Drops databases left behind by test runs whose vitest process is gone (crashes, killed runs). */
async function dropLeftovers(base: string): Promise<void> {
  await withAdmin(base, async (c) => {
    const r = await c.query<{ datname: string }>("SELECT datname FROM pg_database");
    for (const { datname } of r.rows) {
      const m = /^opsdeck_test_(?:template_build_)?(\d+)(?:_|$)/.exec(datname);
      if (m && !isAlive(Number(m[1]))) await dropDatabase(c, datname);
    }
  });
}

export default async function setup(project: TestProject) {
  const base = baseUrl();
  const fp = fingerprint();
  const started = Date.now();
  try {
    await dropLeftovers(base);
    if (process.env.OPSDECK_TEST_REBUILD === "1" || (await currentFingerprint(base)) !== fp) {
      await buildTemplate(base, fp);
      console.log(`[test-db] template ${TEMPLATE_DB} rebuilt in ${Date.now() - started} ms`);
    }
  } catch (err) {
    throw new Error(`test database setup failed on ${base} (set TEST_DATABASE_URL to another server): ${(err as Error).message}`, { cause: err });
  }
  const prefix = `${DB_PREFIX}${process.pid}_`;
  project.provide("opsdeckTestDb", { baseUrl: base, template: TEMPLATE_DB, prefix });

  return async () => {
    // Every test file drops its own database; this catches the ones a crashed worker left.
    await withAdmin(base, async (c) => {
      const r = await c.query<{ datname: string }>("SELECT datname FROM pg_database");
      for (const { datname } of r.rows) if (datname.startsWith(prefix)) await dropDatabase(c, datname);
    });
  };
}
