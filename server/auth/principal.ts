import type { Db } from "@/server/db/client";
import type { Principal } from "./roles";

export async function loadPrincipal(db: Db, userId: string): Promise<Principal | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    include: { memberships: { include: { team: true }, orderBy: { team: { slug: "asc" } } } },
  });
  if (!user) return null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isGlobalAdmin: user.isGlobalAdmin,
    teams: user.memberships.map((m) => ({ teamId: m.teamId, slug: m.team.slug, name: m.team.name, role: m.role })),
  };
}
