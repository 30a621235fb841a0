"use client";
import Link from "next/link";
import { Fragment, useState } from "react";
import { AlertTriangle } from "lucide-react";
import type { RouterOutputs } from "@/lib/trpc";
import { Badge } from "@/components/ui/badge";
import { DetailRow, RowToggle, Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { displayRef, entityHref } from "@/components/catalog/refs";
import { PROVIDER_LABEL, RISK_LABEL, stateTone, TYPE_LABEL } from "./format";
import { ResourceActions } from "./resource-actions";

export type Resource = RouterOutputs["cloud"]["resources"]["items"][number];

/** Resources with their state, risks and catalog link; a row opens its details and (where allowed) its actions. */
export function ResourceTable({ items, showEntity = true, canAct }: { items: Resource[]; showEntity?: boolean; canAct: boolean }) {
  const [open, setOpen] = useState<string | null>(null);
  const cols = showEntity ? 6 : 5;
  return (
    <Table aria-label="Cloud resources">
      <thead>
        <tr>
          <Th className="w-6" />
          <Th>Name</Th>
          <Th>Where</Th>
          <Th>State</Th>
          <Th>Risks</Th>
          {showEntity ? <Th>Service</Th> : null}
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <Fragment key={r.id}>
            <Tr data-resource={r.name} className={cn(open === r.id && "bg-subtle/60")}>
              <Td className="pr-0">
                <RowToggle open={open === r.id} onToggle={() => setOpen(open === r.id ? null : r.id)} what={`details of ${r.name}`} />
              </Td>
              <Td className="max-w-72">
                <div className="truncate font-medium" title={r.resourceId}>{r.name}</div>
                <div className="text-xs text-muted">{TYPE_LABEL[r.type] ?? r.type}{r.demo ? " · demo" : ""}</div>
              </Td>
              <Td className="max-w-56 text-xs text-muted">
                <div className="truncate" title={r.account}>{PROVIDER_LABEL[r.provider] ?? r.provider} · {r.account}</div>
                <div>{r.region}</div>
              </Td>
              <Td><Badge tone={stateTone(r.state, r.type)}>{r.state}</Badge></Td>
              <Td>
                <div className="flex flex-wrap gap-1">
                  {r.risks.map((k) => (
                    <Badge key={k} tone="failing" className="whitespace-nowrap"><AlertTriangle className="size-3" aria-hidden /> {RISK_LABEL[k] ?? k}</Badge>
                  ))}
                </div>
              </Td>
              {showEntity ? (
                <Td className="text-xs">
                  {r.entityRef ? <Link href={entityHref(r.entityRef)} className="text-accent hover:underline">{displayRef(r.entityRef)}</Link> : r.service ? <span className="text-muted" title="Tagged, but no catalog entity has this name">{r.service} (not in catalog)</span> : <span className="text-muted">—</span>}
                </Td>
              ) : null}
            </Tr>
            {open === r.id ? (
              <DetailRow colSpan={cols}>
                <ResourceDetails r={r} canAct={canAct} />
              </DetailRow>
            ) : null}
          </Fragment>
        ))}
      </tbody>
    </Table>
  );
}

function ResourceDetails({ r, canAct }: { r: Resource; canAct: boolean }) {
  const details = Object.entries(r.details as Record<string, unknown>).filter(([, v]) => v !== null && v !== "");
  const tags = Object.entries(r.tags as Record<string, string>);
  return (
    <div className="grid gap-4 text-xs min-[900px]:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_minmax(0,1fr)]">
      <dl className="grid grid-cols-[8rem_minmax(0,1fr)] gap-x-3 gap-y-1">
        <dt className="text-muted">Id</dt>
        <dd className="break-all font-mono">{r.resourceId}</dd>
        {details.map(([k, v]) => (
          <Fragment key={k}>
            <dt className="text-muted">{k}</dt>
            <dd className="break-all">{String(v)}</dd>
          </Fragment>
        ))}
        <dt className="text-muted">Refreshed</dt>
        <dd>{new Date(r.refreshedAt).toLocaleString()}</dd>
      </dl>
      <div>
        <h4 className="mb-1 font-semibold uppercase tracking-wide text-muted">Tags</h4>
        {tags.length ? (
          <ul className="space-y-0.5 font-mono">{tags.map(([k, v]) => <li key={k} className="break-all"><span className="text-muted">{k}</span>={v}</li>)}</ul>
        ) : (
          <p className="text-muted">none</p>
        )}
      </div>
      <ResourceActions r={r} canAct={canAct} />
    </div>
  );
}
