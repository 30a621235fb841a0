import { requireMe, serverCaller } from "@/server/http/caller";
import { ServiceList } from "@/components/catalog/service-list";

export const metadata = { title: "Catalog" };

export default async function CatalogPage({ searchParams }: { searchParams: Promise<{ service?: string }> }) {
  await requireMe();
  const [services, { service }] = await Promise.all([(await serverCaller()).catalog.services({}), searchParams]);
  return <ServiceList services={services} highlight={service ?? null} />;
}
