import type { Db } from "@/server/db/client";

export type VerifyProgress = { checked: bigint; total: bigint };
export type VerifyResult =
  | { ok: true; checked: bigint; headHash: string }
  | { ok: false; checked: bigint; firstBadSeq: bigint; reason: string };

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

/**
 * Recomputes the chain in Postgres, a chunk of seq values at a time, with the row before each chunk included so the
 * link across chunk borders is checked too. Reports the first broken row: a row whose hash does not match its content
 * (edited), whose prevHash does not match the previous row's hash (re-linked), or a missing seq (deleted).
 * Hashing is CPU-bound inside Postgres, one core per query: `parallel` chunks run at once on separate pooled
 * connections; each wave is awaited whole and its lowest failure wins, so the answer is the same as sequential.
 */
export async function verifyAuditChain(
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
