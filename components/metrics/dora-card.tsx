"use client";
import Link from "next/link";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { GitCommitHorizontal } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Select } from "@/components/ui/input";
import { ErrorNote, Skeleton } from "@/components/ui/states";
import { BandBadge, DoraTiles, DoraTrends } from "./dora-parts";

/** A service's DORA metrics over 12 weeks, with the weekly deploys and failure-rate trends. */
export function DoraCard({ entityRef }: { entityRef: string }) {
  const trpc = useTRPC();
  const [environment, setEnvironment] = useState<string | undefined>();
  const q = useQuery(trpc.metrics.dora.queryOptions({ ref: entityRef, environment, weeks: 12 }, { placeholderData: keepPreviousData, staleTime: 60_000 }));
  const d = q.data;
  return (
    <Card id="dora" data-testid="dora-card" aria-busy={q.isFetching}>
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <GitCommitHorizontal className="size-4 text-muted" aria-hidden /> Delivery (DORA) {d ? <BandBadge band={d.metrics.band} /> : null}
          </span>
        }
        description={d ? `Last 12 weeks${d.environment ? ` · ${d.environment}` : " · all environments"} · from Opsdeck's deploy records` : "From Opsdeck's deploy records"}
        actions={
          <>
            {d && d.environments.length > 1 ? (
              <Select aria-label="Environment" value={d.environment ?? ""} onChange={(e) => setEnvironment(e.target.value)} className="h-7 w-32 text-xs">
                {d.environments.map((env) => <option key={env} value={env}>{env}</option>)}
              </Select>
            ) : null}
            <Link href="/dashboards/dora" className="text-xs text-accent hover:underline">Teams &amp; org →</Link>
          </>
        }
      />
      <div className="space-y-3 p-4">
        {q.error ? (
          <ErrorNote error={q.error} />
        ) : !d ? (
          <Skeleton className="h-24 w-full" />
        ) : d.metrics.changes === 0 ? (
          <p className="text-sm text-muted">No deploys of this service{d.environment ? ` to ${d.environment}` : ""} in the last 12 weeks.</p>
        ) : (
          <>
            <DoraTiles m={d.metrics} compact />
            <DoraTrends weeks={d.weeks} only={["deploys", "cfr"]} />
          </>
        )}
      </div>
    </Card>
  );
}
