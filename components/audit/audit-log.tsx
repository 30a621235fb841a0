"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Fragment, useMemo, useState } from "react";
import { ChevronRight, Download, ScrollText } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { DetailRow, Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { AuditFilterBar } from "./audit-filter-bar";
import { AuditVerifyPanel } from "./audit-verify-panel";
import { filterFromParams, filterToParams, type UrlFilter } from "./filter";

type Row = RouterOutputs["audit"]["list"]["rows"][number];
const outcomeTone = { success: "healthy", denied: "failing", error: "degraded" } as const;

export function AuditLog({ canExport, canVerify }: { canExport: boolean; canVerify: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filter = useMemo(() => filterFromParams(new URLSearchParams(params.toString())), [params]);
  const actions = useQuery(trpc.audit.actions.queryOptions());
  const list = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { filter, limit: 50 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
  );
  const rows = list.data?.pages.flatMap((p) => p.rows) ?? [];
  const apply = (f: UrlFilter) => router.replace(`${pathname}?${filterToParams(f).toString()}`);
  const exportHref = (format: "csv" | "jsonl") => `/api/audit/export?${new URLSearchParams({ format, ...filter }).toString()}`;

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change, sign-in and denied action, hash-chained and append-only."
        actions={
          canExport ? (
            <>
              <a href={exportHref("csv")} download><Button size="sm"><Download className="size-3.5" /> CSV</Button></a>
              <a href={exportHref("jsonl")} download><Button size="sm"><Download className="size-3.5" /> JSONL</Button></a>
            </>
          ) : null
        }
      />
      {canVerify ? <AuditVerifyPanel /> : null}
      <AuditFilterBar value={filter} actions={actions.data ?? []} onApply={apply} />
      <ErrorNote error={list.error} />
      <Card className="mt-3">
        {list.isPending ? (
          <TableSkeleton />
        ) : rows.length === 0 ? (
          <div className="p-4">
            <EmptyState icon={<ScrollText className="size-6" />} title="No events match">
              {Object.keys(filter).length ? "Try a wider time range or fewer filters." : "Nothing has been recorded yet."}
            </EmptyState>
          </div>
        ) : (
          <AuditTable rows={rows} />
        )}
      </Card>
      <div className="mt-3 flex items-center justify-between text-xs text-muted">
        <span>{rows.length ? `${rows.length} events shown, newest first` : null}</span>
        {list.hasNextPage ? (
          <Button size="sm" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
            {list.isFetchingNextPage ? "Loading…" : "Load older events"}
          </Button>
        ) : rows.length ? <span>End of results</span> : null}
      </div>
    </>
  );
}

function AuditTable({ rows }: { rows: Row[] }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Table data-testid="audit-table">
      <thead>
        <tr><Th className="w-6" /><Th>Time</Th><Th>Actor</Th><Th>Action</Th><Th>Target</Th><Th>Outcome</Th><Th className="max-[1000px]:hidden">Source</Th></tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const id = r.seq.toString();
          const expanded = open === id;
          return (
            <Fragment key={id}>
              <Tr className="cursor-pointer" onClick={() => setOpen(expanded ? null : id)} aria-expanded={expanded} data-action={r.action} data-outcome={r.outcome}>
                <Td><ChevronRight className={cn("size-3.5 text-muted transition-transform", expanded && "rotate-90")} /></Td>
                <Td className="whitespace-nowrap font-mono text-xs" title={r.ts.toISOString()}>{r.ts.toLocaleString()}</Td>
                <Td className="max-w-44 truncate text-xs" title={r.actorLabel}>{r.actorLabel}</Td>
                <Td className="font-mono text-xs">{r.action}</Td>
                <Td className="max-w-52 truncate text-xs" title={`${r.targetType}: ${r.targetId}`}>{r.targetType ? `${r.targetType}: ${r.targetId}` : "—"}</Td>
                <Td><Badge tone={outcomeTone[r.outcome]}>{r.outcome}</Badge></Td>
                <Td className="font-mono text-xs text-muted max-[1000px]:hidden">{r.ip || "—"}</Td>
              </Tr>
              {expanded ? (
                <DetailRow colSpan={7}>
                  <AuditDetail row={r} />
                </DetailRow>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </Table>
  );
}

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="min-w-0">
      <div className="mb-1 text-xs font-medium text-muted">{label}</div>
      <pre className="max-h-48 overflow-auto rounded border border-border bg-card p-2 font-mono text-xs">{value === null || value === undefined ? "—" : JSON.stringify(value, null, 2)}</pre>
    </div>
  );
}

function AuditDetail({ row }: { row: Row }) {
  return (
    <div className="space-y-3">
      <div className="grid gap-3 min-[1000px]:grid-cols-3">
        <Json label="Before" value={row.before} />
        <Json label="After" value={row.after} />
        <Json label="Details" value={row.meta} />
      </div>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 font-mono text-xs text-muted">
        <dt>seq</dt><dd>{row.seq.toString()}</dd>
        <dt>request id</dt><dd>{row.requestId || "—"}</dd>
        <dt>source ip</dt><dd>{row.ip || "—"}</dd>
        <dt>hash</dt><dd className="break-all">{row.hash}</dd>
        <dt>prev hash</dt><dd className="break-all">{row.prevHash || "(start of chain)"}</dd>
      </dl>
    </div>
  );
}
