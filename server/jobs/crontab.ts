/**
 * A graphile-worker crontab line for a scheduled task ("" when the schedule is "off"): at most one such job at a time
 * (`max=1`), deduplicated by `jobKey` across workers. Keep a task's jobKey stable: queued jobs are matched by it.
 */
export function crontabLine(cron: string, task: string, jobKey: string): string {
  return cron === "off" ? "" : `${cron} ${task} ?max=1&jobKey=${jobKey}\n`;
}
