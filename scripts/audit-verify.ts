// `npm run audit:verify`: recomputes the audit hash chain in the configured database (DATABASE_URL, or the embedded
// one) and reports the first broken row. Exit 0 = intact, 2 = broken, 1 = could not check.
import { verifyAuditChain } from "@/server/audit/verify";
import { createDb } from "@/server/db/client";
import { openTarget, runMain } from "./lib/database";

runMain(async () => {
  const target = await openTarget();
  const db = createDb(target.url, { max: 1 });
  try {
    const t0 = performance.now();
    let lastPrint = 0;
    const result = await verifyAuditChain(db, {
      onProgress: ({ checked, total }) => {
        const now = performance.now();
        if (now - lastPrint < 1000 && checked !== total) return;
        lastPrint = now;
        const pct = total > 0n ? Number((checked * 1000n) / total) / 10 : 100;
        console.error(`audit verify: ${checked} / ${total} events checked (${pct.toFixed(1)}%)`);
      },
    });
    const ms = Math.round(performance.now() - t0);
    if (result.ok) {
      console.log(`audit chain OK: ${result.checked} events, head ${result.headHash || "(empty chain)"} (${ms} ms)`);
      return 0;
    }
    console.log(`audit chain BROKEN at seq ${result.firstBadSeq}: ${result.reason} (${result.checked} events verified before it)`);
    return 2;
  } finally {
    await db.$disconnect();
    await target.close();
  }
});
