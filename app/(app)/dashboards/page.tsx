import { Activity } from "lucide-react";
import { NotYetAvailable } from "@/components/ui/coming";

export const metadata = { title: "Dashboards" };

export default function DashboardsPage() {
  return (
    <NotYetAvailable
      title="Dashboards"
      icon={<Activity className="size-6" />}
      description="Service health at a glance for managers and engineers."
      points={["Every service by team with SLO state", "Golden-signal charts with deploy markers", "Error budgets and burn rates", "DORA metrics"]}
    />
  );
}
