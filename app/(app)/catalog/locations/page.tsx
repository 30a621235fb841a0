import { requireMe } from "@/server/http/caller";
import { LocationsAdmin } from "@/components/catalog/locations-admin";

export const metadata = { title: "Catalog locations" };

export default async function CatalogLocationsPage() {
  const me = await requireMe();
  return <LocationsAdmin canManage={me.permissions.includes("catalog.locations.manage")} />;
}
