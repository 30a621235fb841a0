/**
 * PROPOSED replacement for server/audit/verify.ts (measured by `npm run bench:audit -- --proposed`; not used by the
 * app). Same checks, same SQL per chunk, same result; the only change is that `parallel` chunks are verified at once,
 * each on its own pooled connection, so the hash recomputation — which is CPU-bound inside Postgres and runs on one
 * core per query — uses every core. The first broken row is still the lowest broken seq: a wave of chunks is awaited
 * whole and its lowest failure wins, and waves go in seq order.
 *
 * Pair it with the migration in bench/proposed/audit-perf.sql (functions STABLE so they are inlined); without that
 * each core still spends ~4x longer per row.
 */
import type { Db } from "@/server/db/client";
import type { VerifyProgress, VerifyResult } from "@/server/audit/verify";

type Broken = { seq: bigint; reason: string };

async function checkChunk(db: Db, lo: bigint, hi: bigint): Promise<Broken | undefined> {
  const broken = await db.$queryRaw<Broken[]>`
    WITH c AS (
      SELECT seq, "prevHash", hash, audit_hash("prevHash", e) AS computed,
             lag(hash) OVER (ORDER BY seq) AS prev_row_hash, lag(seq) OVER (ORDER BY seq) AS prev_row_seq
      FROM "AuditEvent" e WHERE seq >= ${lo} AND seq <= ${hi}
    )
    SELECT seq, CASE
        WHEN computed <> hash THEN 'content does not match its hash (row edited)'
        WHEN seq > 1 AND (prev_row_seq IS NULL OR prev_row_seq <> seq - 1) THEN 'the row before it is missing (row deleted)'
        WHEN seq > 1 AND prev_row_hash <> "prevHash" THEN 'prevHash does not match the previous row (chain re-linked)'
      END AS reason
    FROM c WHERE seq > ${lo}
      AND (computed <> hash OR (seq > 1 AND (prev_row_seq IS NULL OR prev_row_seq <> seq - 1 OR prev_row_hash <> "prevHash")))
    ORDER BY seq LIMIT 1`;
  return broken[0];
}

export async function verifyAuditChainParallel(
  db: Db,
  opts: { chunk?: number; parallel?: number; onProgress?: (p: VerifyProgress) => Promise<void> | void } = {},
): Promise<VerifyResult> {
  const chunk = BigInt(opts.chunk ?? 50_000);
  const parallel = Math.max(1, opts.parallel ?? 2);
  const [head] = await db.$queryRaw<{ lastSeq: bigint; lastHash: string }[]>`SELECT "lastSeq", "lastHash" FROM "AuditHead" WHERE id = 1`;
  const total = head?.lastSeq ?? 0n;
  const [first] = await db.$queryRaw<{ seq: bigint; prevHash: string }[]>`SELECT seq, "prevHash" FROM "AuditEvent" ORDER BY seq LIMIT 1`;
  if (first && (first.seq !== 1n || first.prevHash !== "")) {
    return { ok: false, checked: 0n, firstBadSeq: first.seq, reason: first.seq !== 1n ? "rows before this one are missing" : "first row does not start the chain" };
  }
  for (let lo = 0n; lo < total; ) {
    const wave: Promise<Broken | undefined>[] = [];
    let hi = lo;
    for (let i = 0; i < parallel && lo < total; i++) {
      hi = lo + chunk < total ? lo + chunk : total;
      wave.push(checkChunk(db, lo, hi));
      lo = hi;
    }
    const bad = (await Promise.all(wave)).find((b) => b !== undefined); // chunks are in seq order: the first is lowest
    if (bad) return { ok: false, checked: bad.seq - 1n, firstBadSeq: bad.seq, reason: bad.reason };
    await opts.onProgress?.({ checked: hi, total });
  }
  const [last] = await db.$queryRaw<{ seq: bigint; hash: string }[]>`SELECT seq, hash FROM "AuditEvent" ORDER BY seq DESC LIMIT 1`;
  if ((last?.seq ?? 0n) !== total || (last?.hash ?? "") !== (head?.lastHash ?? "")) {
    return { ok: false, checked: total, firstBadSeq: (last?.seq ?? 0n) + 1n, reason: "the chain head does not match the last row (rows removed from the end)" };
  }
  return { ok: true, checked: total, headHash: head?.lastHash ?? "" };
}
