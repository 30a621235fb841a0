import { requireMe } from "@/server/http/caller";
import { NewDashboard } from "@/components/dashboards/dashboard-pages";

export const metadata = { title: "New dashboard" };

export default async function NewDashboardPage() {
  await requireMe();
  return <NewDashboard />;
}
