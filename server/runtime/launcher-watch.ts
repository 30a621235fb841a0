import { log } from "@/server/log";

// Under `npm start` the Next server is a child of the launcher (scripts/start.ts), which also owns the embedded
// database. If the launcher is killed outright (SIGKILL, OOM killer) the database stops itself; this makes the app
// follow instead of lingering as an orphan without a database.

const g = globalThis as unknown as { opsdeckLauncherWatch?: NodeJS.Timeout };

export function watchLauncher(intervalMs = 2000) {
  const pid = Number(process.env.OPSDECK_LAUNCHER_PID);
  if (!pid || g.opsdeckLauncherWatch) return;
  g.opsdeckLauncherWatch = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") return;
      clearInterval(g.opsdeckLauncherWatch);
      log.error({ launcherPid: pid }, "the launcher (npm start) is gone; shutting down");
      process.kill(process.pid, "SIGTERM");
    }
  }, intervalMs);
  g.opsdeckLauncherWatch.unref();
}
