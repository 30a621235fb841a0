import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@/server/auth/roles";
import { expireApprovals } from "@/server/deploys/approvals";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, outcomeOf } from "./helpers/fixtures";
import { REGISTRY, deployWorld, imageOf, people, settled, type DeployWorld } from "./deploys-fixtures";

/** Protected environments: four-eyes approvals, expiry, rejection; freeze windows and break-glass. */
describe("deploy approvals and freezes", () => {
  const t = useTestDatabase();
  let w: DeployWorld;
  let who: Awaited<ReturnType<typeof people>>;

  beforeAll(async () => {
    w = await deployWorld(t.db, t.url, {
      services: ["payments", "refunds", "ledger", "fx"],
      namespaces: ["prod", "frozen"],
      envs: {
        prod: { namespace: "prod", protected: true, autoRollback: true, approvalTtl: "1h" },
        // Always frozen: a window that starts every minute and lasts an hour.
        frozen: { namespace: "frozen", freezeWindows: [{ cron: "* * * * *", duration: "1h", reason: "release freeze" }] },
        quick: { namespace: "prod", protected: true, approvalTtl: 1 },
      },
    });
    who = await people(t.db, w.team.id);
  });
  afterAll(async () => {
    await w?.close();
  });

  const caller = (p: Principal) => callerFor(t.db, p).deploys;

  it("a protected deploy waits for a second person with approver rights; the requester can never approve it", async () => {
    const { id, state } = await caller(who.engineer).request({ entityRef: "component:payments", environment: "prod", version: "1.4.0", reason: "new checkout flow" });
    expect(state).toBe("awaiting_approval");
    const d = await t.db.deploy.findUniqueOrThrow({ where: { id } });
    expect(d.approvalExpiresAt!.getTime() - d.createdAt.getTime()).toBeGreaterThan(3_500_000);

    // Four-eyes: the requester is refused (and the refusal audited) — even an on-call requester.
    const seq = await lastSeq(t.db);
    const self = await caller(who.engineer).approve({ id }).catch((e: unknown) => e);
    expect(self).toMatchObject({ code: "FORBIDDEN" });
    // (the engineer also lacks approver rights, so the permission check refuses first)
    const denied = await auditSince(t.db, seq);
    expect(denied).toMatchObject([{ action: "deploy.approve", outcome: "denied", actorId: who.engineer.id }]);
    // Another engineer lacks approver rights (on-call+ of the owning team).
    expect(await outcomeOf(caller(who.engineer2).approve({ id }))).toBe("FORBIDDEN");
    // The detail says why the buttons are disabled.
    const seen = await caller(who.engineer).get({ id });
    expect(seen.can.approve).toMatchObject({ allowed: false, why: expect.stringMatching(/someone else/) });
    expect((await caller(who.oncall).get({ id })).can.approve).toEqual({ allowed: true, why: null });
    expect((await caller(who.oncall).pendingApprovals()).map((p) => p.id)).toContain(id);
    expect((await caller(who.engineer).pendingApprovals()).map((p) => p.id)).not.toContain(id);

    const before = await lastSeq(t.db);
    await caller(who.oncall).approve({ id });
    const done = await settled(t.db, id);
    expect(done).toMatchObject({ state: "succeeded", approvedById: who.oncall.id });
    expect(done.steps.map((s) => s.name)).toEqual(["requested", "approval", "approved", "rollout", "verify", "succeeded"]);
    expect(await imageOf(w.kube, w.cluster.contextName, "prod", "payments")).toBe(`${REGISTRY}/payments:1.4.0`);
    const events = (await auditSince(t.db, before)).filter((e) => e.targetId === id);
    expect(events[0]).toMatchObject({ action: "deploy.approve", actorId: who.oncall.id, outcome: "success" });
    expect(await t.db.deployApproval.findMany({ where: { deployId: id } })).toMatchObject([{ userId: who.oncall.id, decision: "approved" }]);
  });

  it("an on-call requester cannot approve their own deploy either (four-eyes beats role)", async () => {
    const { id } = await caller(who.oncall).request({ entityRef: "component:refunds", environment: "prod", version: "1.1.0", reason: "refund fix" });
    const err = await caller(who.oncall).approve({ id }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "FORBIDDEN" });
    expect((err as Error).message).toMatch(/four-eyes/);
    // Rejection needs a reason; then the deploy ends, and the cluster is untouched.
    expect(await outcomeOf(caller(who.admin).reject({ id, reason: "" }))).toBe("BAD_REQUEST");
    await caller(who.admin).reject({ id, reason: "not during the incident" });
    const d = await t.db.deploy.findUniqueOrThrow({ where: { id } });
    expect(d).toMatchObject({ state: "rejected", message: expect.stringMatching(/not during the incident/) });
    expect(await imageOf(w.kube, w.cluster.contextName, "prod", "refunds")).toBe(`${REGISTRY}/refunds:1.0.0`);
    expect(await outcomeOf(caller(who.admin).approve({ id }))).toBe("CONFLICT");
  });

  it("approvals expire (the sweep expires them; a late approval is refused)", async () => {
    const { id } = await caller(who.engineer).request({ entityRef: "component:ledger", environment: "quick", version: "1.2.0", reason: "ledger fix" });
    await new Promise((r) => setTimeout(r, 1100));
    const late = await caller(who.oncall).approve({ id }).catch((e: unknown) => e);
    expect(late).toMatchObject({ code: "CONFLICT" });
    // Either the approve call noticed the deadline itself, or the worker's periodic sweep (running in this file) got there first.
    expect((late as Error).message).toMatch(/approval window .* ended|is expired, not awaiting approval/);
    expect((await t.db.deploy.findUniqueOrThrow({ where: { id } })).state).toBe("expired");
    // The periodic sweep does the same for deploys nobody looked at.
    const { id: id2 } = await caller(who.engineer).request({ entityRef: "component:ledger", environment: "quick", version: "1.2.0", reason: "again" });
    expect(await expireApprovals(t.db, new Date(Date.now() + 2000))).toBe(1);
    expect((await t.db.deploy.findUniqueOrThrow({ where: { id: id2 } })).state).toBe("expired");
    const audit = await t.db.auditEvent.findMany({ where: { action: "deploy.expire", targetId: { in: [id, id2] } } });
    expect(audit).toHaveLength(2);
    expect(audit.every((a) => a.actorLabel === "worker")).toBe(true);
  });

  it("a freeze window blocks deploys; a global admin may break glass with a reason, flagged in the audit", async () => {
    const blocked = await caller(who.engineer).request({ entityRef: "component:fx", environment: "frozen", version: "1.1.0", reason: "routine" }).catch((e: unknown) => e);
    expect(blocked).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect((blocked as Error).message).toMatch(/frozen is frozen until .*release freeze/);
    const opts = await caller(who.engineer).options({ entityRef: "component:fx", environment: "frozen" });
    expect(opts.freeze).toMatchObject({ reason: "release freeze" });
    expect(opts.canBreakGlass).toBe(false);
    // Engineers cannot break glass; admins need a real reason.
    expect(await outcomeOf(caller(who.engineer).request({ entityRef: "component:fx", environment: "frozen", version: "1.1.0", reason: "hotfix for payments outage", breakGlass: true }))).toBe("FORBIDDEN");
    expect(await outcomeOf(caller(who.admin).request({ entityRef: "component:fx", environment: "frozen", version: "1.1.0", reason: "hotfix", breakGlass: true }))).toBe("BAD_REQUEST");
    const seq = await lastSeq(t.db);
    const { id } = await caller(who.admin).request({ entityRef: "component:fx", environment: "frozen", version: "1.1.0", reason: "hotfix for the FX rate outage INC-42", breakGlass: true });
    const [event] = await auditSince(t.db, seq);
    expect(event).toMatchObject({ action: "deploy.request", actorId: who.admin.id, meta: { breakGlass: true, freeze: { reason: "release freeze" } } });
    const d = await settled(t.db, id);
    expect(d).toMatchObject({ state: "succeeded", breakGlass: true });
    expect(d.steps.some((s) => s.name === "break-glass")).toBe(true);
  });
});
