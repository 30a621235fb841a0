import { z } from "zod";
import type { Db } from "@/server/db/client";
import type { Env } from "@/server/env";
import { appendAudit, type AuditActor } from "@/server/audit/append";
import { atLeast, type Role } from "./roles";

export const oidcProfileSchema = z.object({
  sub: z.string().min(1),
  email: z.email(),
  name: z.string().optional(),
  groups: z.array(z.string()).default([]),
});
export type OidcProfile = z.infer<typeof oidcProfileSchema>;

export class OidcAccountConflict extends Error {
  constructor(email: string) {
    super(`${email} is already linked to a different identity at the provider`);
  }
}

/** Which teams/roles and global-admin flag a set of OIDC groups grants, by OPSDECK_GROUP_MAP. */
export function mapGroups(groups: string[], groupMap: Env["OPSDECK_GROUP_MAP"]) {
  let isGlobalAdmin = false;
  const teams = new Map<string, Role>();
  for (const g of groups) {
    const rule = groupMap[g];
    if (!rule) continue;
    if ("globalAdmin" in rule) isGlobalAdmin = true;
    else if (!atLeast(teams.get(rule.team), rule.role)) teams.set(rule.team, rule.role);
  }
  return { isGlobalAdmin, teams };
}

/**
 * Creates or updates the user for an OIDC sign-in and replaces their OIDC-sourced memberships with what the groups
 * claim grants now (memberships an admin set by hand are kept). Audited as auth.signin in the same transaction.
 */
export async function syncOidcUser(db: Db, profile: OidcProfile, groupMap: Env["OPSDECK_GROUP_MAP"], actor: Omit<AuditActor, "actorId" | "actorLabel">) {
  const granted = mapGroups(profile.groups, groupMap);
  // Match by subject; fall back to email only to link a pre-provisioned account that has no subject yet. An email
  // already bound to another subject is refused, so a second identity with the same address cannot take it over.
  const bySubject = await db.user.findUnique({ where: { oidcSubject: profile.sub }, select: { id: true } });
  const byEmail = bySubject ? null : await db.user.findUnique({ where: { email: profile.email }, select: { id: true, oidcSubject: true } });
  if (byEmail?.oidcSubject) throw new OidcAccountConflict(profile.email);
  const userId = bySubject?.id ?? byEmail?.id ?? null;
  // The user may be created here, so the audit row is appended once its id exists (same transaction).
  return db.$transaction(async (tx) => {
    const before = userId
      ? await tx.membership.findMany({ where: { userId }, include: { team: { select: { slug: true } } } })
      : [];
    const data = { email: profile.email, name: profile.name ?? profile.email, oidcSubject: profile.sub, isGlobalAdmin: granted.isGlobalAdmin, lastSignInAt: new Date() };
    const user = userId ? await tx.user.update({ where: { id: userId }, data }) : await tx.user.create({ data });
    const teams = await tx.team.findMany({ where: { slug: { in: [...granted.teams.keys()] } }, select: { id: true, slug: true } });
    await tx.membership.deleteMany({ where: { userId: user.id, source: "oidc" } });
    const manual = new Set(before.filter((m) => m.source !== "oidc").map((m) => m.teamId));
    await tx.membership.createMany({
      data: teams.filter((t) => !manual.has(t.id)).map((t) => ({ userId: user.id, teamId: t.id, role: granted.teams.get(t.slug)!, source: "oidc" as const })),
    });
    const after = await tx.membership.findMany({ where: { userId: user.id }, include: { team: { select: { slug: true } } } });
    const summary = (ms: typeof after) => Object.fromEntries(ms.map((m) => [m.team.slug, m.role]));
    await appendAudit(tx, { ...actor, actorId: user.id, actorLabel: user.email }, {
      action: "auth.signin",
      targetType: "user",
      targetId: user.email,
      before: userId ? { teams: summary(before) } : null,
      after: { teams: summary(after), isGlobalAdmin: user.isGlobalAdmin },
      meta: { method: "oidc", groups: profile.groups, unknownTeams: [...granted.teams.keys()].filter((s) => !teams.some((t) => t.slug === s)) },
    });
    return user;
  });
}
