import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { appendAudit, runAudited, type AuditActor } from "@/server/audit/append";
import { verifyAuditChain } from "@/server/audit/verify";
import { asSuperuserWithoutAuditTriggers, freshDatabase, useTestDatabase, type TestDatabase } from "./helpers/db";
import { lastSeq, seedAudit, uniq } from "./helpers/fixtures";

const actor: AuditActor = { actorId: null, actorLabel: "chain-test@example.test", ip: "203.0.113.5", requestId: "req-chain" };

async function pgError(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error("expected the statement to be rejected");
}

async function head(t: TestDatabase) {
  const r = await t.pg.query<{ lastSeq: string; lastHash: string }>(`SELECT "lastSeq", "lastHash" FROM "AuditHead" WHERE id = 1`);
  return { lastSeq: BigInt(r.rows[0]!.lastSeq), lastHash: r.rows[0]!.lastHash };
}

type ChainRow = { seq: string; prevHash: string; hash: string; ts: Date; canon: string; action: string };
async function chain(t: TestDatabase): Promise<ChainRow[]> {
  const r = await t.pg.query<ChainRow>(`SELECT seq, "prevHash", hash, ts, audit_canonical(e) AS canon, action FROM "AuditEvent" e ORDER BY seq`);
  return r.rows;
}

/** The chain invariants, checked independently of verifyAuditChain (hashes recomputed in Node). */
function expectIntactChain(rows: ChainRow[]) {
  rows.forEach((r, i) => {
    expect(BigInt(r.seq)).toBe(BigInt(i + 1));
    expect(r.prevHash).toBe(i === 0 ? "" : rows[i - 1]!.hash);
    expect(r.hash).toBe(createHash("sha256").update(r.prevHash + r.canon, "utf8").digest("hex"));
    if (i > 0) expect(r.ts.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.ts.getTime());
  });
  expect(new Set(rows.map((r) => r.prevHash)).size).toBe(rows.length); // no fork: no two rows share a parent
}

describe("AuditEvent is append-only (database triggers)", () => {
  const t = useTestDatabase();
  beforeAll(async () => {
    await seedAudit(t.db, 5);
  });

  it("rejects UPDATE, even from a superuser", async () => {
    const err = await pgError(t.pg.query(`UPDATE "AuditEvent" SET action = 'forged' WHERE seq = 2`));
    expect(err.code).toBe("42501");
    expect(err.message).toMatch(/append-only: UPDATE is not allowed/);
    await expect(t.db.auditEvent.update({ where: { seq: 2n }, data: { outcome: "success" } })).rejects.toThrow(/append-only/);
    await expect(t.db.auditEvent.updateMany({ data: { actorLabel: "x" } })).rejects.toThrow(/append-only/);
  });

  it("rejects DELETE", async () => {
    const err = await pgError(t.pg.query(`DELETE FROM "AuditEvent" WHERE seq = 3`));
    expect(err.code).toBe("42501");
    expect(err.message).toMatch(/append-only: DELETE is not allowed/);
    await expect(t.db.auditEvent.delete({ where: { seq: 3n } })).rejects.toThrow(/append-only/);
    await expect(t.db.auditEvent.deleteMany({})).rejects.toThrow(/append-only/);
  });

  it("rejects TRUNCATE", async () => {
    const err = await pgError(t.pg.query(`TRUNCATE "AuditEvent"`));
    expect(err.code).toBe("42501");
    expect(err.message).toMatch(/append-only: TRUNCATE is not allowed/);
  });

  it("overwrites seq, ts, prevHash and hash a client sends", async () => {
    const before = await head(t);
    const r = await t.pg.query<{ seq: string; ts: Date; prevHash: string; hash: string }>(
      `INSERT INTO "AuditEvent" (seq, ts, action, "prevHash", hash) VALUES (999, '2000-01-01', 'forged.insert', 'fake', 'fake')
       RETURNING seq, ts, "prevHash", hash`,
    );
    const row = r.rows[0]!;
    expect(BigInt(row.seq)).toBe(before.lastSeq + 1n);
    expect(row.prevHash).toBe(before.lastHash);
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.now() - row.ts.getTime()).toBeLessThan(60_000);
    expect(await head(t)).toEqual({ lastSeq: before.lastSeq + 1n, lastHash: row.hash });
  });

  it("still verifies after all those attempts", async () => {
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checked: 6n });
    expectIntactChain(await chain(t));
  });
});

describe("concurrent appends", () => {
  it("200 appends from parallel transactions on separate connections give a gap-free, unforked chain", async () => {
    const t = await freshDatabase({ poolMax: 10 });
    let open = 0;
    let maxOpen = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    // 170 raw transactions over 20 connections: hold the transaction open a moment before and after the insert (the
    // chain lock is held from the insert to COMMIT); every 10th inserts and then rolls back, which must leave no gap.
    const raw = Array.from({ length: 170 }, async (_, i) => {
      const c = await t.pg.connect();
      try {
        await c.query("BEGIN");
        open += 1;
        maxOpen = Math.max(maxOpen, open);
        await sleep(Math.random() * 15);
        const rollback = i % 10 === 9;
        await c.query(`INSERT INTO "AuditEvent" (action, "actorLabel", "targetId", meta) VALUES ($1, $2, $3, $4)`, [
          rollback ? "test.rolledback" : "test.concurrent",
          `worker-${i % 20}@example.test`,
          String(i),
          JSON.stringify({ i, via: "pg" }),
        ]);
        await sleep(Math.random() * 3);
        await c.query(rollback ? "ROLLBACK" : "COMMIT");
        open -= 1;
      } finally {
        c.release();
      }
    });
    // 47 more through the app's own path (Prisma interactive transactions on their own pool), interleaved.
    const viaApp = Array.from({ length: 47 }, (_, i) =>
      i % 2
        ? appendAudit(t.db, actor, { action: "test.concurrent", targetId: `app-${i}`, meta: { i, via: "appendAudit" } })
        : runAudited(t.db, actor, "test.concurrent", async () => ({ result: i, targetId: `audited-${i}`, meta: { via: "runAudited" } })),
    );
    await Promise.all([...raw, ...viaApp]);
    expect(maxOpen).toBeGreaterThan(5); // the transactions really overlapped

    const rows = await chain(t);
    expect(rows).toHaveLength(153 + 47);
    expect(rows.filter((r) => r.action === "test.rolledback")).toEqual([]);
    expectIntactChain(rows);
    expect(await head(t)).toEqual({ lastSeq: 200n, lastHash: rows[199]!.hash });
    expect(await verifyAuditChain(t.db)).toEqual({ ok: true, checked: 200n, headHash: rows[199]!.hash });
  });
});

describe("audited mutations are atomic", () => {
  const t = useTestDatabase();

  it("a change that fails leaves neither the change nor the audit row", async () => {
    const seq = await lastSeq(t.db);
    const headBefore = await head(t);
    const slug = uniq("atomic");
    await expect(
      runAudited(t.db, actor, "team.create", async (tx) => {
        await tx.team.create({ data: { slug, name: "Half done" } });
        throw new Error("change failed after writing");
      }),
    ).rejects.toThrow("change failed after writing");
    expect(await t.db.team.findUnique({ where: { slug } })).toBeNull();
    expect(await lastSeq(t.db)).toBe(seq);
    expect(await head(t)).toEqual(headBefore);
  });

  it("an audit insert that fails leaves no change", async () => {
    const seq = await lastSeq(t.db);
    const slug = uniq("atomic");
    // PostgreSQL text cannot hold NUL, so this audit row is refused after the team row was written.
    await expect(
      runAudited(t.db, actor, "team.create", async (tx) => {
        const team = await tx.team.create({ data: { slug, name: "Unaudited" } });
        return { result: team, targetType: "team", targetId: `bad\u0000id` };
      }),
    ).rejects.toThrow();
    expect(await t.db.team.findUnique({ where: { slug } })).toBeNull();
    expect(await lastSeq(t.db)).toBe(seq);
  });

  it("a successful change commits with exactly one audit row, and the chain lock is free again", async () => {
    const seq = await lastSeq(t.db);
    const slug = uniq("atomic");
    const team = await runAudited(t.db, actor, "team.create", async (tx) => {
      const created = await tx.team.create({ data: { slug, name: "Audited" } });
      return { result: created, targetType: "team", targetId: slug, after: { slug } };
    });
    expect(await t.db.team.findUnique({ where: { id: team.id } })).not.toBeNull();
    const rows = await t.db.auditEvent.findMany({ where: { seq: { gt: seq } } });
    expect(rows).toMatchObject([{ seq: seq + 1n, action: "team.create", outcome: "success", targetId: slug, after: { slug } }]);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});

describe("verifyAuditChain", () => {
  const N = 30;
  async function seeded() {
    const t = await freshDatabase({ poolMax: 2 });
    await seedAudit(t.db, N);
    return t;
  }
  const CHUNKS = [1, 2, 3, 4, 7, 15, 16, 17, 29, 30, 31, 1000, undefined];

  it("reports OK on an empty and on an intact chain, with progress", async () => {
    const t = await freshDatabase({ poolMax: 2 });
    expect(await verifyAuditChain(t.db)).toEqual({ ok: true, checked: 0n, headHash: "" });
    await seedAudit(t.db, N);
    const { lastHash } = await head(t);
    const progress: bigint[] = [];
    const result = await verifyAuditChain(t.db, { chunk: 7, parallel: 1, onProgress: (p) => void progress.push(p.checked) });
    expect(result).toEqual({ ok: true, checked: BigInt(N), headHash: lastHash });
    expect(progress).toEqual([7n, 14n, 21n, 28n, 30n]);
    // Chunks verified two at a time report progress once per wave.
    const waves: bigint[] = [];
    await verifyAuditChain(t.db, { chunk: 7, parallel: 2, onProgress: (p) => void waves.push(p.checked) });
    expect(waves).toEqual([14n, 28n, 30n]);
    for (const chunk of CHUNKS) for (const parallel of [1, 3]) expect(await verifyAuditChain(t.db, { chunk, parallel })).toMatchObject({ ok: true });
  });

  it("names an edited row (triggers disabled by a superuser)", async () => {
    const t = await seeded();
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`UPDATE "AuditEvent" SET outcome = 'success', "actorLabel" = 'someone-else' WHERE seq = 17`);
    });
    for (const chunk of CHUNKS) for (const parallel of [1, 4]) {
      expect(await verifyAuditChain(t.db, { chunk, parallel })).toEqual({ ok: false, checked: 16n, firstBadSeq: 17n, reason: expect.stringMatching(/edited/) });
    }
  });

  it("names the first of several edited rows, including the first row of the chain", async () => {
    const t = await seeded();
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`UPDATE "AuditEvent" SET meta = '{"i": -1}' WHERE seq IN (1, 9, 22)`);
    });
    // with several chunks in flight at once, the lowest broken row still wins
    for (const chunk of CHUNKS) for (const parallel of [1, 2, 5]) expect(await verifyAuditChain(t.db, { chunk, parallel })).toMatchObject({ ok: false, firstBadSeq: 1n });
  });

  it("names the row after a deleted one", async () => {
    const t = await seeded();
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`DELETE FROM "AuditEvent" WHERE seq = 15`);
    });
    for (const chunk of CHUNKS) {
      expect(await verifyAuditChain(t.db, { chunk })).toEqual({ ok: false, checked: 15n, firstBadSeq: 16n, reason: expect.stringMatching(/deleted/) });
    }
  });

  it("detects deleted rows at the start and at the end of the chain", async () => {
    const t = await seeded();
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`DELETE FROM "AuditEvent" WHERE seq IN (29, 30)`);
    });
    for (const chunk of CHUNKS) {
      expect(await verifyAuditChain(t.db, { chunk })).toMatchObject({ ok: false, firstBadSeq: 29n, reason: expect.stringMatching(/head/) });
    }
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`DELETE FROM "AuditEvent" WHERE seq = 1`);
    });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, firstBadSeq: 2n, reason: expect.stringMatching(/missing/) });
  });

  it("detects a row edited and re-hashed: the chain is re-linked at the next row", async () => {
    const t = await seeded();
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`UPDATE "AuditEvent" SET "actorLabel" = 'innocent@example.test' WHERE seq = 12`);
      await c.query(`UPDATE "AuditEvent" e SET hash = audit_hash(e."prevHash", e) WHERE seq = 12`);
    });
    for (const chunk of CHUNKS) {
      expect(await verifyAuditChain(t.db, { chunk })).toEqual({ ok: false, checked: 12n, firstBadSeq: 13n, reason: expect.stringMatching(/re-linked/) });
    }
  });

  it("detects a row whose prevHash was rewritten and re-hashed", async () => {
    const t = await seeded();
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`UPDATE "AuditEvent" SET "prevHash" = repeat('0', 64) WHERE seq = 20`);
      await c.query(`UPDATE "AuditEvent" e SET hash = audit_hash(e."prevHash", e) WHERE seq = 20`);
    });
    for (const chunk of CHUNKS) {
      expect(await verifyAuditChain(t.db, { chunk })).toEqual({ ok: false, checked: 19n, firstBadSeq: 20n, reason: expect.stringMatching(/re-linked/) });
    }
  });

  it("detects a row deleted and the chain re-linked over the gap", async () => {
    const t = await seeded();
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`DELETE FROM "AuditEvent" WHERE seq = 8`);
      await c.query(`UPDATE "AuditEvent" SET "prevHash" = (SELECT hash FROM "AuditEvent" WHERE seq = 7) WHERE seq = 9`);
      await c.query(`UPDATE "AuditEvent" e SET hash = audit_hash(e."prevHash", e) WHERE seq = 9`);
    });
    for (const chunk of CHUNKS) expect(await verifyAuditChain(t.db, { chunk })).toMatchObject({ ok: false, firstBadSeq: 9n });
  });
});
