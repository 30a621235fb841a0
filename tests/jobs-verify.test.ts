import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runner } from "graphile-worker";
import type { Principal } from "@/server/auth/roles";
import { startWorker } from "@/server/jobs/runner";
import { VERIFY_STALE_MS, executeVerifyRun, settleAbandonedVerifyRuns } from "@/server/audit/verify-runs";
import { asSuperuserWithoutAuditTriggers, useTestDatabase } from "./helpers/db";
import { callerFor, lastSeq, makeUser, seedAudit } from "./helpers/fixtures";

/** A real graphile-worker against this file's database; verification is requested through the tRPC mutation. */
describe("audit verification job (graphile-worker)", () => {
  const t = useTestDatabase();
  let runner: Runner;
  let admin: Principal;

  beforeAll(async () => {
    runner = await startWorker(t.db, { connectionString: t.url, singleSession: false, concurrency: 2 });
    admin = (await makeUser(t.db, { isGlobalAdmin: true, email: "verifier@example.test" })).principal;
    await seedAudit(t.db, 40);
  });

  afterAll(async () => {
    await runner?.stop();
  });

  async function settled(id: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await t.db.auditVerifyRun.findUniqueOrThrow({ where: { id } });
      if (["ok", "broken", "failed"].includes(run.state)) return run;
      if (Date.now() > deadline) throw new Error(`verify run ${id} still ${run.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("audit.startVerify queues a run (audited) that the worker settles as ok", async () => {
    const seq = await lastSeq(t.db);
    const caller = callerFor(t.db, admin);
    const { id } = await caller.audit.startVerify();
    const start = await t.db.auditEvent.findFirstOrThrow({ where: { seq: seq + 1n } });
    expect(start).toMatchObject({ action: "audit.verify.start", outcome: "success", actorId: admin.id, targetType: "audit-verify", targetId: id });

    const run = await settled(id);
    expect(run).toMatchObject({ state: "ok", requestedBy: "verifier@example.test", firstBadSeq: null });
    expect(run.checked).toBe(seq + 1n); // every row, including the audit event of the request itself
    expect(run.total).toBe(run.checked);
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());
    expect(run.message).toMatch(/chain intact/);

    // The subscription the browser uses sees the finished run, and verifyRuns lists it.
    const seen = [];
    for await (const r of await caller.audit.watchVerify({ id })) seen.push(r);
    expect(seen.at(-1)).toMatchObject({ id, state: "ok" });
    expect((await caller.audit.verifyRuns()).map((r) => r.id)).toContain(id);
  });

  it("a second request while one is active is refused", async () => {
    const caller = callerFor(t.db, admin);
    await runner.stop(); // nobody picks the job up, so the first request stays queued
    try {
      const { id } = await caller.audit.startVerify();
      await expect(caller.audit.startVerify()).rejects.toMatchObject({ code: "CONFLICT" });
      await t.db.auditVerifyRun.update({ where: { id }, data: { state: "failed", message: "cancelled by test" } });
      await t.db.$executeRaw`DELETE FROM graphile_worker._private_jobs`;
    } finally {
      runner = await startWorker(t.db, { connectionString: t.url, singleSession: false, concurrency: 2 });
    }
  });

  it("a tampered chain ends in state broken naming the first bad row", async () => {
    await asSuperuserWithoutAuditTriggers(t, async (c) => {
      await c.query(`UPDATE "AuditEvent" SET "targetId" = 'nothing-to-see' WHERE seq = 23`);
    });
    const { id } = await callerFor(t.db, admin).audit.startVerify();
    const run = await settled(id);
    expect(run).toMatchObject({ state: "broken", firstBadSeq: 23n, checked: 22n });
    expect(run.message).toMatch(/edited/);
  });

  it("a run whose worker died is settled as failed, unblocking new requests; its late job does nothing", async () => {
    const stale = new Date(Date.now() - VERIFY_STALE_MS - 1000);
    const dead = await t.db.auditVerifyRun.create({ data: { requestedBy: "x", state: "running", heartbeatAt: stale } });
    expect(await settleAbandonedVerifyRuns(t.db)).toBe(1);
    expect(await t.db.auditVerifyRun.findUniqueOrThrow({ where: { id: dead.id } })).toMatchObject({ state: "failed", message: expect.stringMatching(/abandoned/) });
    await executeVerifyRun(t.db, dead.id);
    expect(await t.db.auditVerifyRun.findUniqueOrThrow({ where: { id: dead.id } })).toMatchObject({ state: "failed" });
    const { id } = await callerFor(t.db, admin).audit.startVerify();
    expect((await settled(id)).state).toBe("broken"); // the chain was tampered with in the previous test
  });
});
