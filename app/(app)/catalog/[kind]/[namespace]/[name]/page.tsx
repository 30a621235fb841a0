import type { Metadata } from "next";
import { requireMe } from "@/server/http/caller";
import { EntityPage } from "@/components/catalog/entity-page";
import { refFromSegments } from "@/components/catalog/refs";

type Params = { params: Promise<{ kind: string; namespace: string; name: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { name } = await params;
  return { title: refFromSegments("x", "x", name).split("/")[1] };
}

/** /catalog/<kind>/<namespace>/<name>: the entity page (the ref is kind:namespace/name, lowercase). */
export default async function CatalogEntityPage({ params }: Params) {
  const [{ kind, namespace, name }] = await Promise.all([params, requireMe()]);
  const ref = refFromSegments(kind, namespace, name);
  return <EntityPage key={ref} entityRef={ref} />;
}
