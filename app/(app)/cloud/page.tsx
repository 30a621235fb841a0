import { Suspense } from "react";
import { requireMe } from "@/server/http/caller";
import { InventoryPage } from "@/components/cloud/inventory-page";
import { TableSkeleton } from "@/components/ui/states";

export const metadata = { title: "Cloud inventory" };

export default async function CloudPage() {
  const me = await requireMe();
  return (
    <Suspense fallback={<TableSkeleton />}>
      <InventoryPage canRefresh={me.permissions.includes("cloud.refresh")} canAct={me.permissions.includes("cloud.act")} />
    </Suspense>
  );
}
