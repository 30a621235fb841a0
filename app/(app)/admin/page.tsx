import { serverCaller } from "@/server/http/caller";
import { AdminOverview } from "@/components/admin/admin-overview";

export const metadata = { title: "Admin" };

export default async function AdminPage() {
  const me = await (await serverCaller()).me.whoami();
  return <AdminOverview canCreateTeam={me.permissions.includes("team.create")} />;
}
