import type { Db } from "@/server/db/client";
import { listUsers } from "@/server/admin/teams";

/** The people the demo sign-in picker offers, with their teams so a visitor can choose a role to try. */
export async function listDemoUsers(db: Db) {
  const users = await listUsers(db);
  return users.slice(0, 50).map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    isGlobalAdmin: u.isGlobalAdmin,
    teams: u.teams.map((t) => `${t.slug}: ${t.role}`),
  }));
}
