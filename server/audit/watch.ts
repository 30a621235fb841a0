import type { Db } from "@/server/db/client";

const TERMINAL = new Set(["ok", "broken", "failed"]);

/**
 * Streams a verification run's progress to the browser (tRPC subscription over SSE). The row is the source of
 * truth, so any replica can serve the stream whichever worker runs the job.
 */
export async function* watchVerifyRun(db: Db, id: string, signal: AbortSignal | undefined) {
  let last = "";
  while (!signal?.aborted) {
    const run = await db.auditVerifyRun.findUnique({ where: { id } });
    if (!run) return;
    const key = `${run.state}:${run.checked}`;
    if (key !== last) {
      last = key;
      yield run;
    }
    if (TERMINAL.has(run.state)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
}
