import { Suspense } from "react";
import { requireMe } from "@/server/http/caller";
import { DashboardsOverview } from "@/components/metrics/overview-page";
import { TableSkeleton } from "@/components/ui/states";

export const metadata = { title: "Dashboards" };

export default async function DashboardsPage() {
  await requireMe();
  return (
    <Suspense fallback={<TableSkeleton />}>
      <DashboardsOverview />
    </Suspense>
  );
}
