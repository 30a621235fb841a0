import type { Db } from "@/server/db/client";
import { localMigrations, migrationStatus, type LocalMigration } from "@/server/db/migration-status";
import { metrics } from "@/server/http/metrics";

// Logic behind /api/health, /api/ready and /api/metrics (the route files only turn these into Responses).

export type CheckResponse = { status: number; body: unknown };

/** Liveness: the process is up and serving requests. Never touches the database (a DB outage must not restart us). */
export function liveness(): CheckResponse {
  return { status: 200, body: { status: "ok" } };
}

export type ReadinessBody =
  | { status: "ready"; database: "ok"; migrations: { applied: number; total: number } }
  | { status: "not_ready"; reason: string; database: "ok" | "unreachable" | "not checked"; migrations?: { applied: number; total: number; pending: string[]; failed: string[] } };

/**
 * Readiness: the database answers within timeoutMs AND every migration shipped in prisma/migrations is recorded as
 * applied in _prisma_migrations. 503 with the reason otherwise, so a load balancer keeps traffic away.
 */
export async function readiness(getDb: () => Db, opts: { timeoutMs?: number } = {}): Promise<CheckResponse> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  let local: LocalMigration[];
  try {
    local = localMigrations();
  } catch (err) {
    const body: ReadinessBody = { status: "not_ready", reason: `cannot read the migrations shipped with the app: ${describe(err)}`, database: "not checked" };
    return { status: 503, body };
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const status = await Promise.race([
      migrationStatus(getDb(), local),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const total = status.applied + status.pending.length + status.failed.length;
    if (status.ok) {
      const body: ReadinessBody = { status: "ready", database: "ok", migrations: { applied: status.applied, total } };
      return { status: 200, body };
    }
    const body: ReadinessBody = {
      status: "not_ready",
      reason: status.reason,
      database: "ok",
      migrations: { applied: status.applied, total, pending: status.pending, failed: status.failed },
    };
    return { status: 503, body };
  } catch (err) {
    const body: ReadinessBody = { status: "not_ready", reason: `database unreachable: ${describe(err)}`, database: "unreachable" };
    return { status: 503, body };
  } finally {
    clearTimeout(timer);
  }
}

/** Prometheus text exposition of this process's registry. */
export async function metricsExposition(): Promise<{ contentType: string; body: string }> {
  const { registry } = metrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}

function describe(err: unknown): string {
  // Prisma wraps driver errors as "Invalid `prisma.$queryRaw()` invocation: … Message: `<the real message>`".
  const message = err instanceof Error ? err.message : String(err);
  const inner = /Message: `([^`]+)`/.exec(message)?.[1];
  const line = inner ?? message.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("Invalid `")).at(-1) ?? "unknown error";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
