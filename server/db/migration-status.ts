import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Db } from "@/server/db/client";

// Compares the migrations shipped in prisma/migrations with what Prisma recorded in `_prisma_migrations`.
// Used by /api/ready (is this database fit to serve this code?) and by the launcher (skip the Prisma CLI when
// nothing is pending: it costs seconds on every start).

export type LocalMigration = { name: string; checksum: string };

export type MigrationStatus = {
  ok: boolean;
  /** Why not ok, in a sentence; "" when ok. */
  reason: string;
  applied: number;
  pending: string[];
  /** Started but never finished (a failed `migrate deploy`): Prisma refuses to continue until resolved. */
  failed: string[];
  /** Applied, but the file changed since (checksum differs). Informational. */
  edited: string[];
  /** Recorded in the database but not in this code (a newer release migrated it). Informational. */
  unknown: string[];
};

export const defaultMigrationsDir = () => path.join(process.cwd(), "prisma", "migrations");

let cache: { dir: string; list: LocalMigration[] } | undefined;

/** Migration directories (each with a migration.sql), in the order Prisma applies them. Cached per directory. */
export function localMigrations(dir = defaultMigrationsDir()): LocalMigration[] {
  if (cache?.dir === dir) return cache.list;
  // turbopackIgnore: read at runtime from the checkout; without it Next's tracer would pull the whole project in.
  const list = readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(/*turbopackIgnore: true*/ path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      checksum: createHash("sha256").update(readFileSync(/*turbopackIgnore: true*/ path.join(dir, name, "migration.sql"))).digest("hex"),
    }));
  cache = { dir, list };
  return list;
}

type Row = { migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null };

export async function migrationStatus(db: Db, local: LocalMigration[] = localMigrations()): Promise<MigrationStatus> {
  const [table] = await db.$queryRaw<{ present: boolean }[]>`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`;
  const rows = table?.present
    ? await db.$queryRaw<Row[]>`SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations`
    : [];
  return compareMigrations(local, rows);
}

export function compareMigrations(local: LocalMigration[], rows: Row[]): MigrationStatus {
  const applied = new Map<string, string>();
  const failed = new Set<string>();
  for (const r of rows) {
    if (r.rolled_back_at) continue;
    if (r.finished_at) applied.set(r.migration_name, r.checksum);
    else failed.add(r.migration_name);
  }
  for (const name of applied.keys()) failed.delete(name); // re-applied after a rolled-back attempt
  const localNames = new Set(local.map((m) => m.name));
  const pending = local.filter((m) => !applied.has(m.name)).map((m) => m.name).filter((n) => !failed.has(n));
  const edited = local.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum).map((m) => m.name);
  const unknown = [...applied.keys()].filter((n) => !localNames.has(n)).sort();
  const failedList = [...failed].sort();
  const reasons: string[] = [];
  if (failedList.length) reasons.push(`migration ${failedList.join(", ")} failed or is still running (see \`prisma migrate resolve\`)`);
  if (pending.length) {
    const shown = pending.slice(0, 5).join(", ") + (pending.length > 5 ? ", …" : "");
    reasons.push(rows.length === 0 && applied.size === 0 && !failedList.length
      ? `database is not migrated (${pending.length} migrations pending: ${shown}); run \`npm run db:migrate\``
      : `${pending.length} migration${pending.length === 1 ? "" : "s"} pending: ${shown}; run \`npm run db:migrate\``);
  }
  return {
    ok: reasons.length === 0,
    reason: reasons.join("; "),
    applied: local.filter((m) => applied.has(m.name)).length,
    pending,
    failed: failedList,
    edited,
    unknown,
  };
}
