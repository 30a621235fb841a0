"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { Cloud } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { ErrorNote, TableSkeleton } from "@/components/ui/states";
import { displayRef } from "@/components/catalog/refs";
import { ago } from "@/components/ui/time";
import { ResourceTable, type Resource } from "./resource-table";

/** What a service runs on: cloud resources tagged with it, or linked to the Resource entities it depends on. */
export function CloudResourcesSection({ entityRef }: { entityRef: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.cloud.forEntity.queryOptions({ entityRef }));
  const me = useQuery(trpc.me.current.queryOptions());
  const data = q.data;
  return (
    <Card id="cloud" data-testid="cloud-section">
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <Cloud className="size-4 text-muted" aria-hidden /> Cloud resources
            {data?.demo ? <Badge tone="degraded" className="font-normal">demo: recorded</Badge> : null}
          </span>
        }
        description={data ? `${data.items.length} resource${data.items.length === 1 ? "" : "s"}${data.via.length ? ` (incl. via ${data.via.map(displayRef).join(", ")})` : ""} · inventory refreshed ${ago(data.lastRefreshAt)}` : "From the cached cloud inventory"}
        actions={<Link href="/cloud" className="text-xs text-accent hover:underline">Inventory</Link>}
      />
      {q.error ? (
        <div className="p-4"><ErrorNote error={q.error} /></div>
      ) : !data ? (
        <TableSkeleton rows={3} />
      ) : data.items.length ? (
        <ResourceTable items={data.items as Resource[]} showEntity={data.via.length > 0} canAct={Boolean(me.data?.permissions.includes("cloud.act"))} />
      ) : (
        <p className="px-4 py-4 text-sm text-muted">No cloud resources carry this service&apos;s <code>opsdeck.dev/service</code> tag (GCP label / Azure tag: <code>opsdeck-service</code>).</p>
      )}
    </Card>
  );
}
