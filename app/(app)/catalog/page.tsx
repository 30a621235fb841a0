import { Suspense } from "react";
import { requireMe } from "@/server/http/caller";
import { CatalogBrowser } from "@/components/catalog/catalog-browser";
import { TableSkeleton } from "@/components/ui/states";

export const metadata = { title: "Catalog" };

export default async function CatalogPage() {
  await requireMe();
  return (
    <Suspense fallback={<TableSkeleton />}>
      <CatalogBrowser />
    </Suspense>
  );
}
