import { beforeAll, describe, expect, it } from "vitest";
import type { Team } from "@/generated/prisma/client";
import { parseEnv } from "@/server/env";
import { loadPrincipal } from "@/server/auth/principal";
import { mapGroups, oidcProfileSchema, syncOidcUser } from "@/server/auth/oidc-sync";
import { useTestDatabase } from "./helpers/db";
import { auditSince, lastSeq, makeTeam, uniq } from "./helpers/fixtures";

// The group map exactly as an operator writes it in OPSDECK_GROUP_MAP, parsed by the real env schema.
const groupMap = parseEnv({
  DATABASE_URL: "postgresql://x@127.0.0.1/x",
  OPSDECK_GROUP_MAP: JSON.stringify({
    "idp-admins": { globalAdmin: true },
    "pay-admins": { team: "payments", role: "admin" },
    "pay-devs": { team: "payments", role: "engineer" },
    "pay-oncall": { team: "payments", role: "oncall" },
    "search-viewers": { team: "search", role: "viewer" },
    "legacy": { team: "retired-team", role: "admin" },
  }),
}).OPSDECK_GROUP_MAP;

describe("mapGroups", () => {
  it("grants the highest role per team, whatever the group order", () => {
    for (const groups of [["pay-devs", "pay-admins", "pay-oncall"], ["pay-admins", "pay-oncall", "pay-devs"], ["pay-oncall", "pay-devs", "pay-admins"]]) {
      expect(mapGroups(groups, groupMap)).toEqual({ isGlobalAdmin: false, teams: new Map([["payments", "admin"]]) });
    }
    expect(mapGroups(["pay-devs", "pay-oncall"], groupMap).teams.get("payments")).toBe("oncall");
  });

  it("maps several teams, ignores unknown groups, flags global admins", () => {
    const r = mapGroups(["search-viewers", "pay-devs", "everyone", "idp-admins"], groupMap);
    expect(r.isGlobalAdmin).toBe(true);
    expect(Object.fromEntries(r.teams)).toEqual({ search: "viewer", payments: "engineer" });
    expect(mapGroups([], groupMap)).toEqual({ isGlobalAdmin: false, teams: new Map() });
    expect(mapGroups(["PAY-ADMINS", "pay-admins "], groupMap).teams.size).toBe(0); // group names match exactly
  });
});

describe("syncOidcUser", () => {
  const t = useTestDatabase();
  const meta = { ip: "203.0.113.9", requestId: "req-oidc" };
  let payments: Team;
  let search: Team;

  beforeAll(async () => {
    payments = await makeTeam(t.db, "payments");
    search = await makeTeam(t.db, "search");
  });

  const profile = (over: Partial<{ sub: string; email: string; name: string; groups: string[] }>) =>
    oidcProfileSchema.parse({ sub: uniq("sub"), email: `${uniq("person")}@example.test`, ...over });

  async function teamsOf(userId: string) {
    const ms = await t.db.membership.findMany({ where: { userId }, include: { team: true } });
    return Object.fromEntries(ms.map((m) => [m.team.slug, `${m.role}/${m.source}`]));
  }

  it("creates the user on first sign-in with the mapped teams and an auth.signin audit event", async () => {
    const p = profile({ name: "Gina", groups: ["pay-devs", "search-viewers", "legacy", "unmapped"] });
    const seq = await lastSeq(t.db);
    const user = await syncOidcUser(t.db, p, groupMap, meta);
    expect(user).toMatchObject({ email: p.email, name: "Gina", oidcSubject: p.sub, isGlobalAdmin: false });
    expect(user.lastSignInAt).toBeInstanceOf(Date);
    expect(await teamsOf(user.id)).toEqual({ payments: "engineer/oidc", search: "viewer/oidc" });

    const principal = await loadPrincipal(t.db, user.id);
    expect(principal?.teams.map((x) => [x.slug, x.role])).toEqual([["payments", "engineer"], ["search", "viewer"]]);

    const rows = await auditSince(t.db, seq);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "auth.signin",
      outcome: "success",
      actorLabel: p.email,
      targetType: "user",
      targetId: p.email,
      ip: meta.ip,
      requestId: meta.requestId,
      after: { teams: { payments: "engineer", search: "viewer" }, isGlobalAdmin: false },
      meta: { method: "oidc", groups: p.groups, unknownTeams: ["retired-team"] },
    });
    expect(rows[0]!.before).toBeNull();
  });

  it("replaces OIDC memberships on the next sign-in and records before → after", async () => {
    const p = profile({ groups: ["pay-admins"] });
    const first = await syncOidcUser(t.db, p, groupMap, meta);
    expect(await teamsOf(first.id)).toEqual({ payments: "admin/oidc" });

    const seq = await lastSeq(t.db);
    const again = await syncOidcUser(t.db, { ...p, groups: ["search-viewers"] }, groupMap, meta);
    expect(again.id).toBe(first.id);
    expect(await teamsOf(first.id)).toEqual({ search: "viewer/oidc" });
    expect(await auditSince(t.db, seq)).toMatchObject([
      { action: "auth.signin", actorId: first.id, before: { teams: { payments: "admin" } }, after: { teams: { search: "viewer" } } },
    ]);

    await syncOidcUser(t.db, { ...p, groups: [] }, groupMap, meta);
    expect(await teamsOf(first.id)).toEqual({});
  });

  it("keeps memberships an admin set by hand, even for a team the groups also grant", async () => {
    const p = profile({ groups: ["pay-devs"] });
    const user = await syncOidcUser(t.db, p, groupMap, meta);
    // An admin makes them oncall in payments (manual) and adds them to search by hand.
    await t.db.membership.update({ where: { userId_teamId: { userId: user.id, teamId: payments.id } }, data: { role: "oncall", source: "manual" } });
    await t.db.membership.create({ data: { userId: user.id, teamId: search.id, role: "engineer", source: "manual" } });

    await syncOidcUser(t.db, { ...p, groups: ["pay-admins", "search-viewers"] }, groupMap, meta);
    expect(await teamsOf(user.id)).toEqual({ payments: "oncall/manual", search: "engineer/manual" });
    await syncOidcUser(t.db, { ...p, groups: [] }, groupMap, meta);
    expect(await teamsOf(user.id)).toEqual({ payments: "oncall/manual", search: "engineer/manual" });
  });

  it("global admin follows the groups claim at every sign-in", async () => {
    const p = profile({ groups: ["idp-admins"] });
    const user = await syncOidcUser(t.db, p, groupMap, meta);
    expect(user.isGlobalAdmin).toBe(true);
    expect((await loadPrincipal(t.db, user.id))?.isGlobalAdmin).toBe(true);
    const seq = await lastSeq(t.db);
    const demoted = await syncOidcUser(t.db, { ...p, groups: ["search-viewers"] }, groupMap, meta);
    expect(demoted.isGlobalAdmin).toBe(false);
    expect(await auditSince(t.db, seq)).toMatchObject([{ after: { isGlobalAdmin: false, teams: { search: "viewer" } } }]);
  });

  it("recognises a returning user by subject when the email changed, and updates it", async () => {
    const p = profile({ groups: ["search-viewers"] });
    const user = await syncOidcUser(t.db, p, groupMap, meta);
    const renamed = await syncOidcUser(t.db, { ...p, email: "renamed@example.test", name: "Renamed" }, groupMap, meta);
    expect(renamed.id).toBe(user.id);
    expect(renamed).toMatchObject({ email: "renamed@example.test", name: "Renamed" });
    expect(await t.db.user.count({ where: { oidcSubject: p.sub } })).toBe(1);
  });

  it("a sign-in that fails part-way changes nothing and writes no audit event", async () => {
    const p = profile({ name: "Before", groups: ["pay-devs"] });
    const user = await syncOidcUser(t.db, p, groupMap, meta);
    const seq = await lastSeq(t.db);
    // A NUL in a group name cannot be stored in the audit event's jsonb: the audit insert, which comes last, fails
    // after the user row and the memberships (engineer → admin) were already changed inside the transaction.
    await expect(syncOidcUser(t.db, { ...p, name: "After", groups: ["pay-admins", "bad\u0000group"] }, groupMap, meta)).rejects.toThrow();
    expect(await t.db.user.findUnique({ where: { id: user.id } })).toMatchObject({ name: "Before" });
    expect(await teamsOf(user.id)).toEqual({ payments: "engineer/oidc" });
    expect(await lastSeq(t.db)).toBe(seq);
  });

  it("links a pre-provisioned account by email, but refuses an email already bound to another subject", async () => {
    const email = `${uniq("pre")}@example.test`;
    const pre = await t.db.user.create({ data: { email, name: "Pre-provisioned" } });
    const linked = await syncOidcUser(t.db, profile({ email, groups: [] }), groupMap, meta);
    expect(linked.id).toBe(pre.id);
    const seq = await lastSeq(t.db);
    await expect(syncOidcUser(t.db, profile({ email, groups: ["idp-admins"] }), groupMap, meta)).rejects.toThrow(/already linked/);
    expect(await t.db.user.findUniqueOrThrow({ where: { id: pre.id } })).toMatchObject({ isGlobalAdmin: false, oidcSubject: linked.oidcSubject });
    expect(await lastSeq(t.db)).toBe(seq);
  });

  it("the first sign-in's audit event names the new user as its actor", async () => {
    const seq = await lastSeq(t.db);
    const user = await syncOidcUser(t.db, profile({ groups: [] }), groupMap, meta);
    const [event] = await auditSince(t.db, seq);
    expect(event).toMatchObject({ action: "auth.signin", actorId: user.id, actorLabel: user.email });
  });
});
