import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { createDb, type Db } from "@/server/db/client";
import { TEMPLATE_LOCK, dbUrl, dropDatabase, quoteIdent, withAdmin } from "./pg-admin";

/**
 * One real PostgreSQL database per test file, cloned from the migrated template (tests/setup/global.ts), dropped
 * afterwards. `db` is the app's Prisma client (adapter-pg); `pg` is a plain pool for SQL the app never runs
 * (tampering, counting, concurrency from separate connections). The connecting role is a superuser.
 */
export type TestDatabase = {
  name: string;
  url: string;
  db: Db;
  pg: pg.Pool;
  /** Drops the database (called automatically for databases made by useTestDatabase/freshDatabase). */
  close(): Promise<void>;
};

export async function createTestDatabase(opts: { poolMax?: number } = {}): Promise<TestDatabase> {
  const info = inject("opsdeckTestDb");
  const name = `${info.prefix}${randomBytes(5).toString("hex")}`;
  await withAdmin(info.baseUrl, async (c) => {
    await c.query("SELECT pg_advisory_lock_shared($1)", [TEMPLATE_LOCK]);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(info.template)}`);
          break;
        } catch (err) {
          // 55006: someone is connected to the template (e.g. a psql session); wait a little and retry.
          if ((err as { code?: string }).code !== "55006" || attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await c.query("SELECT pg_advisory_unlock_shared($1)", [TEMPLATE_LOCK]);
    }
  });
  const url = dbUrl(info.baseUrl, name);
  const db = createDb(url, { max: opts.poolMax ?? 10 });
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  pool.on("error", () => undefined); // an idle connection ended by the server is simply dropped from the pool
  let closed = false;
  return {
    name,
    url,
    db,
    pg: pool,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([db.$disconnect(), pool.end()]);
      await withAdmin(info.baseUrl, async (c) => {
        // Pools that were told to end may still be closing (graphile-worker does not await its pool.end()). Give them
        // a moment: a session killed by DROP … WITH (FORCE) raises an error event nobody listens to any more.
        for (let i = 0; i < 50; i++) {
          const r = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [name]);
          if (r.rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await dropDatabase(c, name);
      });
    },
  };
}

const opened: TestDatabase[] = [];

/** A database for a single test (e.g. one that gets tampered with); dropped when the file ends. */
export async function freshDatabase(opts: { poolMax?: number } = {}): Promise<TestDatabase> {
  const t = await createTestDatabase(opts);
  opened.push(t);
  return t;
}

afterAll(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

/**
 * The file's database: `const t = useTestDatabase();` then use `t.db` inside tests and hooks.
 * Also points DATABASE_URL at it, so code that reads env() (system.info…) sees a configured, non-demo deployment.
 */
export function useTestDatabase(opts: { poolMax?: number } = {}): TestDatabase {
  const holder = {} as TestDatabase;
  beforeAll(async () => {
    const t = await freshDatabase(opts);
    process.env.DATABASE_URL ??= t.url;
    Object.assign(holder, t);
  });
  return holder;
}

/**
 * Runs `fn` with the AuditEvent triggers switched off, as an attacker with superuser rights would, in one transaction
 * so no concurrent append ever sees the table unprotected.
 */
export async function asSuperuserWithoutAuditTriggers(t: TestDatabase, fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await t.pg.connect();
  try {
    await c.query("BEGIN");
    await c.query(`ALTER TABLE "AuditEvent" DISABLE TRIGGER USER`);
    await fn(c);
    await c.query(`ALTER TABLE "AuditEvent" ENABLE TRIGGER USER`);
    await c.query("COMMIT");
  } catch (err) {
    await c.query("ROLLBACK");
    throw err;
  } finally {
    c.release();
  }
}
