import { requireMe } from "@/server/http/caller";
import { TeamPage } from "@/components/admin/team-page";

export const metadata = { title: "Team" };

export default async function Team({ params }: { params: Promise<{ slug: string }> }) {
  const [{ slug }, me] = await Promise.all([params, requireMe()]);
  const canManage = me.isGlobalAdmin || me.teams.some((t) => t.slug === slug && t.role === "admin");
  return <TeamPage slug={slug} canManage={canManage} canListUsers={me.permissions.includes("admin.read")} />;
}
