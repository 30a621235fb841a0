import Link from "next/link";
import { Boxes } from "lucide-react";
import { Card, PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import type { RouterOutputs } from "@/lib/trpc";

export function ServiceList({ services, highlight }: { services: RouterOutputs["catalog"]["services"]; highlight: string | null }) {
  return (
    <>
      <PageHeader title="Catalog" description="Services and who owns them. Descriptor import (catalog-info.yaml), search, facets, relations and scorecards come with the catalog capability." />
      {services.length ? (
        <Card>
          <Table>
            <thead>
              <tr><Th>Service</Th><Th>Owner</Th><Th>Type</Th><Th>Lifecycle</Th><Th>Tags</Th></tr>
            </thead>
            <tbody>
              {services.map((s) => (
                <Tr key={s.id} id={s.name} className={cn(highlight === s.name && "bg-accent/10")}>
                  <Td>
                    <div className="font-medium">{s.title ?? s.name}</div>
                    <div className="text-xs text-muted">{s.description}</div>
                  </Td>
                  <Td>{s.ownerTeam ? <Link className="hover:underline" href={`/teams/${s.ownerTeam.slug}`}>{s.ownerTeam.name}</Link> : <span className="text-muted">unowned</span>}</Td>
                  <Td>{s.type ?? "—"}</Td>
                  <Td>{s.lifecycle ? <Badge>{s.lifecycle}</Badge> : "—"}</Td>
                  <Td><div className="flex flex-wrap gap-1">{s.tags.map((t) => <Badge key={t}>{t}</Badge>)}</div></Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        </Card>
      ) : (
        <EmptyState icon={<Boxes className="size-6" />} title="The catalog is empty">Entities appear here once descriptor locations are configured.</EmptyState>
      )}
    </>
  );
}
