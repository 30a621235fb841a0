import type { Db } from "@/server/db/client";
import { liveQuery } from "@/server/events/bus";
import { verifyTopic } from "./verify-runs";

const TERMINAL = new Set(["ok", "broken", "failed"]);

/**
 * Streams a verification run's progress to the browser (tRPC subscription over SSE). The row is the source of
 * truth and the worker announces each change on the event bus, so any replica can serve the stream whichever
 * worker runs the job.
 */
export async function* watchVerifyRun(db: Db, id: string, signal: AbortSignal | undefined) {
  const runs = liveQuery(db, verifyTopic(id), signal, () => db.auditVerifyRun.findUnique({ where: { id } }), {
    key: (run) => (run ? `${run.state}:${run.checked}` : "gone"),
    until: (run) => !run || TERMINAL.has(run.state),
    pollMs: 2_000,
  });
  for await (const run of runs) {
    if (!run) return;
    yield run;
  }
}
