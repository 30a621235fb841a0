import type { TaskList } from "graphile-worker";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { AUDIT_VERIFY_TASK, executeVerifyRun } from "@/server/audit/verify-runs";

const verifyPayload = z.object({ runId: z.string().min(1) });

/** Every task the worker knows; payloads are validated because anything could have been queued. */
export function taskList(db: Db): TaskList {
  return {
    [AUDIT_VERIFY_TASK]: async (payload) => {
      await executeVerifyRun(db, verifyPayload.parse(payload).runId);
    },
  };
}
