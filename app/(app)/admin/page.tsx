import { requireMe } from "@/server/http/caller";
import { AdminOverview } from "@/components/admin/admin-overview";

export const metadata = { title: "Admin" };

export default async function AdminPage() {
  const me = await requireMe();
  return <AdminOverview canCreateTeam={me.permissions.includes("team.create")} />;
}
