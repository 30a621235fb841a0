import type { Tx } from "@/server/db/client";

/**
 * Adds a graphile-worker job through the caller's transaction: the job exists only if the change that asked for it
 * commits. graphile_worker.add_job is the queue's own SQL API.
 */
export async function enqueueJob(tx: Tx, task: string, payload: Record<string, unknown>, opts: { maxAttempts?: number } = {}) {
  await tx.$executeRaw`SELECT graphile_worker.add_job(${task}::text, ${JSON.stringify(payload)}::json, max_attempts => ${opts.maxAttempts ?? 1}::int)`;
}
