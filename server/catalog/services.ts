import type { Db } from "@/server/db/client";

/** The foundation's view of the catalog: services with owners. The catalog issue replaces this with search and facets. */
export async function listServices(db: Db, ownerTeamId?: string) {
  return db.entity.findMany({
    where: { kind: "Component", ...(ownerTeamId ? { ownerTeamId } : {}) },
    orderBy: { name: "asc" },
    take: 200,
    select: { id: true, name: true, title: true, description: true, lifecycle: true, type: true, tags: true, ownerTeam: { select: { id: true, slug: true, name: true } } },
  });
}
