import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db, Tx } from "@/server/db/client";
import type { AuditedChange } from "@/server/audit/append";
import { ROLES } from "@/server/auth/roles";

export const setMembershipInput = z.object({
  teamId: z.string().min(1),
  userId: z.string().min(1),
  role: z.enum(ROLES),
});
export const removeMembershipInput = z.object({ teamId: z.string().min(1), userId: z.string().min(1) });
export const createTeamInput = z.object({
  slug: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, "2–40 lowercase letters, digits or dashes"),
  name: z.string().trim().min(2).max(80),
  description: z.string().trim().max(500).default(""),
});
export const teamSlugInput = z.object({ slug: z.string().trim().min(1).max(40) });

export async function listTeams(db: Db) {
  const teams = await db.team.findMany({ orderBy: { slug: "asc" }, include: { _count: { select: { memberships: true, entities: true } } } });
  return teams.map((t) => ({ id: t.id, slug: t.slug, name: t.name, description: t.description, members: t._count.memberships, entities: t._count.entities }));
}

export async function teamDetail(db: Db, slug: string) {
  const team = await db.team.findUnique({
    where: { slug },
    include: { memberships: { include: { user: true }, orderBy: { user: { email: "asc" } } } },
  });
  if (!team) throw new TRPCError({ code: "NOT_FOUND", message: "No such team" });
  return {
    id: team.id,
    slug: team.slug,
    name: team.name,
    description: team.description,
    members: team.memberships.map((m) => ({ userId: m.userId, email: m.user.email, name: m.user.name, role: m.role, source: m.source })),
  };
}

export async function listUsers(db: Db) {
  // Bounded: an internal portal has hundreds to a few thousand people; the admin page searches client-side.
  const users = await db.user.findMany({
    orderBy: { email: "asc" },
    take: 5000,
    include: { memberships: { include: { team: { select: { slug: true } } } } },
  });
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    isGlobalAdmin: u.isGlobalAdmin,
    lastSignInAt: u.lastSignInAt,
    teams: u.memberships.map((m) => ({ slug: m.team.slug, role: m.role })),
  }));
}

async function membershipOf(tx: Tx, teamId: string, userId: string) {
  return tx.membership.findUnique({ where: { userId_teamId: { userId, teamId } }, select: { role: true, source: true } });
}

async function requireTeamAndUser(tx: Tx, teamId: string, userId: string) {
  const [team, user] = await Promise.all([
    tx.team.findUnique({ where: { id: teamId }, select: { slug: true } }),
    tx.user.findUnique({ where: { id: userId }, select: { email: true } }),
  ]);
  if (!team) throw new TRPCError({ code: "NOT_FOUND", message: "No such team" });
  if (!user) throw new TRPCError({ code: "NOT_FOUND", message: "No such user" });
  return { team, user };
}

export async function setMembership(tx: Tx, input: z.infer<typeof setMembershipInput>): Promise<AuditedChange<{ role: string }>> {
  const { team, user } = await requireTeamAndUser(tx, input.teamId, input.userId);
  const before = await membershipOf(tx, input.teamId, input.userId);
  await tx.membership.upsert({
    where: { userId_teamId: { userId: input.userId, teamId: input.teamId } },
    create: { userId: input.userId, teamId: input.teamId, role: input.role, source: "manual" },
    // A manual change takes the membership over from OIDC sync, so the next sign-in does not silently revert it.
    update: { role: input.role, source: "manual" },
  });
  return {
    result: { role: input.role },
    targetType: "membership",
    targetId: `${team.slug}/${user.email}`,
    before: before ? { role: before.role, source: before.source } : null,
    after: { role: input.role, source: "manual" },
  };
}

export async function removeMembership(tx: Tx, input: z.infer<typeof removeMembershipInput>): Promise<AuditedChange<{ removed: true }>> {
  const { team, user } = await requireTeamAndUser(tx, input.teamId, input.userId);
  const before = await membershipOf(tx, input.teamId, input.userId);
  if (!before) throw new TRPCError({ code: "NOT_FOUND", message: `${user.email} is not a member of ${team.slug}` });
  await tx.membership.delete({ where: { userId_teamId: { userId: input.userId, teamId: input.teamId } } });
  return { result: { removed: true }, targetType: "membership", targetId: `${team.slug}/${user.email}`, before: { role: before.role, source: before.source }, after: null };
}

export async function createTeam(tx: Tx, input: z.infer<typeof createTeamInput>): Promise<AuditedChange<{ id: string }>> {
  if (await tx.team.findUnique({ where: { slug: input.slug } })) {
    throw new TRPCError({ code: "CONFLICT", message: `A team with slug "${input.slug}" already exists` });
  }
  const team = await tx.team.create({ data: input });
  return { result: { id: team.id }, targetType: "team", targetId: team.slug, before: null, after: input };
}
