import { requireMe, serverCaller } from "@/server/http/caller";
import { HomeOverview } from "@/components/me/home-overview";

export const metadata = { title: "Home" };

export default async function HomePage() {
  const caller = await serverCaller();
  const me = await requireMe();
  const services = await caller.catalog.services({});
  const mine = new Set(me.teams.map((t) => t.teamId));
  return <HomeOverview me={me} services={services.filter((s) => s.ownerTeam && mine.has(s.ownerTeam.id))} />;
}
