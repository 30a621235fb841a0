/**
 * Shared pieces of the database benchmarks (bench:audit, bench:runbooks): command-line flags, percentiles and number
 * formats, progress lines, and the lifecycle of the throwaway bench database (migrated, with a bench_meta table so a
 * --keep run can reuse a completed load).
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import pg from "pg";

// ── flags ────────────────────────────────────────────────────────────────────────────────────────────────────────

export function intArg(flag: string, v: string | undefined, min: number): number {
  const n = Number((v ?? "").replaceAll("_", ""));
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}, got ${v ?? "nothing"}`);
  return n;
}

/**
 * Walks `--flag value` / `--flag=value` arguments. `handle` returns false for a flag it does not know; --help / -h
 * prints `usage` and exits.
 */
export function parseFlags(argv: string[], usage: string, handle: (flag: string, value: () => string | undefined) => boolean): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (flag === "--help" || flag === "-h") {
      console.log(usage);
      process.exit(0);
    }
    if (!handle(flag, () => inline ?? argv[++i])) throw new Error(`unknown option ${a} (try --help)`);
  }
}

// ── figures ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
export const fmtMs = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
/** A timestamped progress line. */
export const say = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
/** 1-minute load average: the figures are only comparable when nothing else was competing for the CPUs. */
export const loadAvg = () => os.loadavg()[0]!.toFixed(2);

// ── database lifecycle ───────────────────────────────────────────────────────────────────────────────────────────

export type BenchDb = { url: string; admin: string; name: string };

/** $envVar (default BENCH_DATABASE_URL) or the default database; refuses names without "bench" because the benchmark drops it. */
export function benchDbUrls(defaultName: string, envVar = "BENCH_DATABASE_URL"): BenchDb {
  const url = new URL(process.env[envVar] ?? `postgresql://root@127.0.0.1:5432/${defaultName}`);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_]+$/.test(name) || !name.includes("bench")) {
    throw new Error(`refusing to use database "${name}": the benchmark drops it, so its name must contain "bench" (letters, digits, _)`);
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  return { url: url.toString(), admin: admin.toString(), name };
}

export async function withClient<T>(connectionString: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function databaseExists(urls: BenchDb): Promise<boolean> {
  return withClient(urls.admin, async (c) => ((await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [urls.name])).rowCount ?? 0) > 0);
}

/** Drops and recreates the database, applies the app's migrations and adds the bench_meta bookkeeping table. */
export async function recreateDatabase(urls: BenchDb): Promise<void> {
  await dropDatabase(urls);
  await withClient(urls.admin, (c) => c.query(`CREATE DATABASE "${urls.name}"`));
  const root = path.resolve(import.meta.dirname, "..");
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: urls.url },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // Bench bookkeeping lives beside the app tables in the throwaway database, so --keep can report the load figures.
  await withClient(urls.url, (c) => c.query(`CREATE TABLE bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)`));
}

export async function dropDatabase(urls: BenchDb): Promise<void> {
  await withClient(urls.admin, (c) => c.query(`DROP DATABASE IF EXISTS "${urls.name}" WITH (FORCE)`));
}
