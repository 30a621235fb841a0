import { requireMe } from "@/server/http/caller";
import { DashboardView } from "@/components/dashboards/dashboard-pages";

export const metadata = { title: "Dashboard" };

/** /dashboards/d/<id>: a saved dashboard's shared link. */
export default async function DashboardPage({ params }: { params: Promise<{ id: string }> }) {
  const [{ id }] = await Promise.all([params, requireMe()]);
  return <DashboardView key={id} id={id} />;
}
