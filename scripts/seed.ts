// `npm run db:seed` (and `prisma db seed`): creates whatever demo data is missing. Safe to run any number of times.
// Tests import seedDemo from server/demo/seed-data (re-exported here).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "@/server/db/client";
import { seedDemo } from "@/server/demo/seed-data";
import { ingestConfiguredCatalog } from "@/server/catalog/demo";
import { openTarget, runMain } from "./lib/database";

export { seedDemo };

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runMain(async () => {
    const target = await openTarget();
    const db = createDb(target.url, { max: 1 });
    try {
      const s = await seedDemo(db);
      console.log(`demo data: created ${s.teams} teams, ${s.users} users, ${s.memberships} memberships, ${s.entities} catalog entities (existing rows left as they are)`);
      const c = await ingestConfiguredCatalog(db, target.env);
      console.log(`catalog: ${c.entities} entities from ${c.locations} location(s) (${c.added} added, ${c.updated} updated, ${c.removed} removed, ${c.errors} errors)`);
    } finally {
      await db.$disconnect();
      await target.close();
    }
  });
}
