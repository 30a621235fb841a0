import { Cron } from "croner";
import type { Environment } from "./config";

export type ActiveFreeze = { cron: string; reason: string; startedAt: Date; endsAt: Date };

/**
 * The freeze window in force at `now`, if any: a window starts at each occurrence of its cron expression (in its
 * timezone, default the server's) and lasts `duration` seconds. The latest-ending active window is returned.
 */
export function activeFreeze(env: Environment, now = new Date()): ActiveFreeze | null {
  let found: ActiveFreeze | null = null;
  for (const w of env.freezeWindows) {
    const cron = new Cron(w.cron, { paused: true, timezone: w.timezone });
    // The latest start at or before now (croner's previousRuns excludes the reference second, so look from 1 s later).
    const start = cron.previousRuns(2, new Date(now.getTime() + 1000)).find((d) => d <= now);
    if (!start) continue;
    const endsAt = new Date(start.getTime() + w.duration * 1000);
    if (endsAt > now && (!found || endsAt > found.endsAt)) found = { cron: w.cron, reason: w.reason, startedAt: start, endsAt };
  }
  return found;
}

/** The next window start after `now` (for the UI: "next freeze Fri 18:00"). */
export function nextFreeze(env: Environment, now = new Date()): { cron: string; reason: string; startsAt: Date } | null {
  let next: { cron: string; reason: string; startsAt: Date } | null = null;
  for (const w of env.freezeWindows) {
    const at = new Cron(w.cron, { paused: true, timezone: w.timezone }).nextRun(now);
    if (at && (!next || at < next.startsAt)) next = { cron: w.cron, reason: w.reason, startsAt: at };
  }
  return next;
}
