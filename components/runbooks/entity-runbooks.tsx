"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { BookOpen, ShieldAlert } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { LastRun } from "./run-state-badge";
import { summaryOf } from "./prose";

/** Runbooks attached to a catalog entity (metadata.service, or the opsdeck.dev/runbooks annotation); nothing when none. */
export function EntityRunbooks({ entityRef }: { entityRef: string }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.runbooks.forEntity.queryOptions({ ref: entityRef }));
  if (!list.data?.length) return null;
  return (
    <Card className="mt-4" data-testid="entity-runbooks">
      <CardHeader title={<span className="flex items-center gap-1.5"><BookOpen className="size-4" /> Runbooks</span>} description="Procedures for this service: open one to run it." />
      <ul className="divide-y divide-border">
        {list.data.map((r) => (
          <li key={r.name} className="flex flex-wrap items-center justify-between gap-2 px-4 py-2 text-sm">
            <span className="min-w-0">
              <Link href={`/runbooks/${r.name}`} className="font-medium text-accent hover:underline">{r.title}</Link>
              {r.dangerous ? <Badge tone="degraded" className="ml-1.5"><ShieldAlert className="size-3" aria-hidden /> dangerous</Badge> : null}
              {r.description ? <span className="block truncate text-xs text-muted">{summaryOf(r.description)}</span> : null}
            </span>
            <LastRun r={r} />
          </li>
        ))}
      </ul>
    </Card>
  );
}
