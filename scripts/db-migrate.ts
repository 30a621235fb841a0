// `npm run db:migrate`: Prisma migrations then graphile-worker's schema, against DATABASE_URL or, when none is set,
// the embedded database (started for the duration if it is not running).
import { migrateAll, openTarget, runMain } from "./lib/database";

runMain(async () => {
  const target = await openTarget();
  try {
    const t0 = performance.now();
    const { status } = await migrateAll(target.url, { singleSession: target.demo });
    const where = target.demo ? "embedded database" : redact(target.url);
    console.log(`migrations: ${status.applied} Prisma migrations applied, graphile-worker schema current (${where}, ${Math.round(performance.now() - t0)} ms)`);
  } finally {
    await target.close();
  }
});

function redact(url: string) {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
