import { requireMe } from "@/server/http/caller";
import { DashboardList } from "@/components/dashboards/dashboard-pages";

export const metadata = { title: "Saved dashboards" };

export default async function SavedDashboardsPage() {
  await requireMe();
  return <DashboardList />;
}
