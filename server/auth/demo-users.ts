import type { Db } from "@/server/db/client";

/** The people the demo sign-in picker offers, with their teams so a visitor can choose a role to try. */
export async function listDemoUsers(db: Db) {
  const users = await db.user.findMany({
    orderBy: { email: "asc" },
    take: 50,
    include: { memberships: { include: { team: { select: { slug: true } } } } },
  });
  return users.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    isGlobalAdmin: u.isGlobalAdmin,
    teams: u.memberships.map((m) => `${m.team.slug}: ${m.role}`),
  }));
}
