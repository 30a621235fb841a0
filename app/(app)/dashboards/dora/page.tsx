import { Suspense } from "react";
import { requireMe } from "@/server/http/caller";
import { DoraPage } from "@/components/dashboards/dora-page";
import { TableSkeleton } from "@/components/ui/states";

export const metadata = { title: "DORA metrics" };

export default async function DoraMetricsPage() {
  await requireMe();
  return (
    <Suspense fallback={<TableSkeleton />}>
      <DoraPage />
    </Suspense>
  );
}
