import pg from "pg";

/**
 * Database administration shared by the global setup (template) and the per-file helpers (clones).
 * Everything here talks to the maintenance database `postgres` of the server named by TEST_DATABASE_URL.
 */

export const TEMPLATE_DB = "opsdeck_test_template";
/** Per-run databases are `${DB_PREFIX}<vitest main pid>_<random>`; a dead pid marks a leftover the next run drops. */
export const DB_PREFIX = "opsdeck_test_";
/** Advisory lock (in the `postgres` database): exclusive while the template is swapped, shared while cloning it. */
export const TEMPLATE_LOCK = 7_165_432_001;

export type TestDbInfo = { baseUrl: string; template: string; prefix: string };

declare module "vitest" {
  export interface ProvidedContext {
    opsdeckTestDb: TestDbInfo;
  }
}

export function baseUrl(): string {
  return process.env.TEST_DATABASE_URL || "postgresql://root@127.0.0.1:5432";
}

/** The URL of database `name` on the server of `base` (user, host, port and query parameters kept). */
export function dbUrl(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

export function quoteIdent(name: string): string {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`refusing unusual database name ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export async function withAdmin<T>(base: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: dbUrl(base, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  // WITH (FORCE) (PostgreSQL 13+) ends leftover sessions, e.g. a worker pool a failed test did not stop.
  await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
