import { beforeAll, describe, expect, it } from "vitest";
import type { Team } from "@/generated/prisma/client";
import type { Principal } from "@/server/auth/roles";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, makeTeam, makeUser, uniq } from "./helpers/fixtures";

describe("admin: team and membership changes", () => {
  const t = useTestDatabase();
  let admin: Principal;
  let team: Team;

  beforeAll(async () => {
    admin = (await makeUser(t.db, { isGlobalAdmin: true, email: "root-admin@example.test" })).principal;
    team = await makeTeam(t.db, uniq("payments"));
  });

  /** Runs `fn` and returns what it changed: new audit rows, memberships and teams before → after. */
  async function observe(fn: () => Promise<unknown>) {
    const seq = await lastSeq(t.db);
    const snapshot = async () => ({
      memberships: await t.db.membership.findMany({ orderBy: [{ teamId: "asc" }, { userId: "asc" }], select: { userId: true, teamId: true, role: true, source: true } }),
      teams: await t.db.team.findMany({ orderBy: { slug: "asc" }, select: { id: true, slug: true, name: true, description: true } }),
    });
    const before = await snapshot();
    let error: unknown = null;
    try {
      await fn();
    } catch (err) {
      error = err;
    }
    return { error: error as { code?: string; message: string } | null, audit: await auditSince(t.db, seq), before, after: await snapshot() };
  }

  it("setMembership adds a member with a before=null / after audit event", async () => {
    const { user } = await makeUser(t.db, { email: "dana@example.test" });
    const caller = callerFor(t.db, admin, { requestId: "req-set-1", ip: "192.0.2.44" });
    const r = await observe(() => caller.admin.setMembership({ teamId: team.id, userId: user.id, role: "engineer" }));
    expect(r.error).toBeNull();
    expect(await t.db.membership.findUnique({ where: { userId_teamId: { userId: user.id, teamId: team.id } } })).toMatchObject({ role: "engineer", source: "manual" });
    expect(r.audit).toHaveLength(1);
    expect(r.audit[0]).toMatchObject({
      action: "team.membership.set",
      outcome: "success",
      actorId: admin.id,
      actorLabel: "root-admin@example.test",
      requestId: "req-set-1",
      ip: "192.0.2.44",
      targetType: "membership",
      targetId: `${team.slug}/dana@example.test`,
      after: { role: "engineer", source: "manual" },
    });
    expect(r.audit[0]!.before).toBeNull();
  });

  it("setMembership changing a role records the old role, and takes an OIDC membership over as manual", async () => {
    const { user } = await makeUser(t.db, { email: "erin@example.test" });
    await t.db.membership.create({ data: { userId: user.id, teamId: team.id, role: "viewer", source: "oidc" } });
    const r = await observe(() => callerFor(t.db, admin).admin.setMembership({ teamId: team.id, userId: user.id, role: "oncall" }));
    expect(r.error).toBeNull();
    expect(r.audit).toMatchObject([{ action: "team.membership.set", before: { role: "viewer", source: "oidc" }, after: { role: "oncall", source: "manual" } }]);
    expect(await t.db.membership.findUnique({ where: { userId_teamId: { userId: user.id, teamId: team.id } } })).toMatchObject({ role: "oncall", source: "manual" });
  });

  it("removeMembership deletes it with a before / after=null audit event", async () => {
    const { user } = await makeUser(t.db, { email: "frank@example.test", teams: [[team.id, "admin"]] });
    const r = await observe(() => callerFor(t.db, admin).admin.removeMembership({ teamId: team.id, userId: user.id }));
    expect(r.error).toBeNull();
    expect(r.audit).toMatchObject([{ action: "team.membership.remove", outcome: "success", targetId: `${team.slug}/frank@example.test`, before: { role: "admin", source: "manual" } }]);
    expect(r.audit[0]!.after).toBeNull();
    expect(await t.db.membership.count({ where: { userId: user.id } })).toBe(0);
  });

  it("createTeam creates it with an audit event holding the new team", async () => {
    const slug = uniq("search");
    const r = await observe(() => callerFor(t.db, admin).admin.createTeam({ slug, name: "  Search  ", description: "Finds things" }));
    expect(r.error).toBeNull();
    expect(await t.db.team.findUnique({ where: { slug } })).toMatchObject({ name: "Search", description: "Finds things" });
    expect(r.audit).toMatchObject([{ action: "team.create", targetType: "team", targetId: slug, after: { slug, name: "Search", description: "Finds things" } }]);
    expect(r.audit[0]!.before).toBeNull();
  });

  describe("bad input gives a clear error and changes nothing", () => {
    const cases: [string, (ids: { userId: string }) => Promise<unknown>, string, RegExp][] = [
      ["an invalid role", ({ userId }) => callerFor(t.db, admin).admin.setMembership({ teamId: team.id, userId, role: "superuser" as "admin" }), "BAD_REQUEST", /role/i],
      ["an unknown team (set)", ({ userId }) => callerFor(t.db, admin).admin.setMembership({ teamId: "no-such-team", userId, role: "viewer" }), "NOT_FOUND", /No such team/],
      ["an unknown user (set)", () => callerFor(t.db, admin).admin.setMembership({ teamId: team.id, userId: "no-such-user", role: "viewer" }), "NOT_FOUND", /No such user/],
      ["an unknown team (remove)", ({ userId }) => callerFor(t.db, admin).admin.removeMembership({ teamId: "no-such-team", userId }), "NOT_FOUND", /No such team/],
      ["removing a non-member", ({ userId }) => callerFor(t.db, admin).admin.removeMembership({ teamId: team.id, userId }), "NOT_FOUND", /is not a member of/],
      ["an empty team id", ({ userId }) => callerFor(t.db, admin).admin.setMembership({ teamId: "", userId, role: "viewer" }), "BAD_REQUEST", /teamId|too small|at least/i],
      ["an upper-case slug", () => callerFor(t.db, admin).admin.createTeam({ slug: "Payments", name: "Payments" }), "BAD_REQUEST", /lowercase/],
      ["a slug with spaces", () => callerFor(t.db, admin).admin.createTeam({ slug: "my team", name: "My team" }), "BAD_REQUEST", /lowercase/],
      ["a one-letter slug", () => callerFor(t.db, admin).admin.createTeam({ slug: "a", name: "A team" }), "BAD_REQUEST", /2–40/],
      ["a slug starting with a dash", () => callerFor(t.db, admin).admin.createTeam({ slug: "-ops", name: "Ops" }), "BAD_REQUEST", /lowercase/],
      ["a too long slug", () => callerFor(t.db, admin).admin.createTeam({ slug: "x".repeat(41), name: "Long" }), "BAD_REQUEST", /2–40/],
      ["a missing name", () => callerFor(t.db, admin).admin.createTeam({ slug: "nameless", name: " " }), "BAD_REQUEST", /name|too small|at least/i],
      ["a duplicate slug", () => callerFor(t.db, admin).admin.createTeam({ slug: team.slug, name: "Again" }), "CONFLICT", /already exists/],
    ];
    it.each(cases)("%s", async (_name, act, code, message) => {
      const { user } = await makeUser(t.db);
      const r = await observe(() => act({ userId: user.id }));
      expect(r.error, "expected an error").not.toBeNull();
      expect(r.error!.code).toBe(code);
      const text = r.error!.message + JSON.stringify((r.error as { cause?: unknown }).cause ?? "");
      expect(text).toMatch(message);
      expect(r.after).toEqual(r.before);
      expect(r.audit).toEqual([]);
    });
  });
});
