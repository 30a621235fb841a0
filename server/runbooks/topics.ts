/**
 * Bus topics (server/events/bus.ts) for runbooks; payloads are ids only, readers fetch rows.
 *   runbook-run:<id>   a run's state, steps or approvals changed
 *   runbook-log:<id>   new log chunks (payload: last seq)
 *   runbooks           some run started or ended, or a definition changed (lists, history)
 */
export const runTopic = (runId: string) => `runbook-run:${runId}`;
export const logTopic = (runId: string) => `runbook-log:${runId}`;
export const RUNBOOKS_TOPIC = "runbooks";
