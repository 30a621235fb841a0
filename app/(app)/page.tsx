import { requireMe, serverCaller } from "@/server/http/caller";
import { HomeOverview } from "@/components/me/home-overview";

export const metadata = { title: "Home" };

export default async function HomePage() {
  const caller = await serverCaller();
  const me = await requireMe();
  const services = await caller.catalog.myServices({ limit: 12, onlyComponents: true });
  return <HomeOverview me={me} services={services.items} more={services.nextCursor !== null} />;
}
