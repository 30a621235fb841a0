"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { toast } from "sonner";
import { AlertTriangle, BookOpen, History, Plus, RefreshCw, Search, ShieldAlert } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { Badge } from "@/components/ui/badge";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { LastRun } from "./run-state-badge";
import { summaryOf } from "./prose";

/** /runbooks: every runbook, searchable, by owner, with how its last run went. */
export function RunbookList({ canCreate, canReload }: { canCreate: boolean; canReload: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const sp = useSearchParams();
  const [q, setQ] = useState(sp.get("q") ?? "");
  const owner = sp.get("owner") ?? "";
  const deferred = useDeferredValue(q.trim());
  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(sp);
    if (v) next.set(k, v);
    else next.delete(k);
    router.replace(`/runbooks${next.size ? `?${next}` : ""}`, { scroll: false });
  };
  const list = useInfiniteQuery(
    trpc.runbooks.list.infiniteQueryOptions(
      { q: deferred || undefined, owner: owner || undefined, limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined, placeholderData: (prev) => prev },
    ),
  );
  const reload = useMutation(trpc.runbooks.reload.mutationOptions({ onSuccess: () => toast.success("Reload requested: the worker re-reads runbook files now"), onError: (e) => toast.error(e.message) }));
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const owners = list.data?.pages[0]?.owners ?? [];

  return (
    <>
      <PageHeader
        title="Runbooks"
        description="Operational procedures with typed parameters, approvals and live logs. Pick one to see what it does, then run it."
        actions={
          <>
            <Link href="/runbooks/runs" className="inline-flex h-8 items-center gap-1.5 rounded-md border border-border bg-card px-3 text-sm font-medium hover:bg-subtle">
              <History className="size-4" /> Run history
            </Link>
            {canReload ? (
              <Button onClick={() => reload.mutate()} disabled={reload.isPending} title="Re-read runbook directories and catalog annotations">
                <RefreshCw className={`size-4 ${reload.isPending ? "animate-spin" : ""}`} /> Reload
              </Button>
            ) : null}
            {canCreate ? (
              <Link href="/runbooks/new" className="inline-flex h-8 items-center gap-1.5 rounded-md bg-accent px-3 text-sm font-medium text-accent-fg hover:opacity-90">
                <Plus className="size-4" /> New runbook
              </Link>
            ) : null}
          </>
        }
      />
      <Card>
        <div className="flex flex-wrap items-center gap-2 border-b border-border px-4 py-3">
          <label className="relative min-w-60 flex-1">
            <span className="sr-only">Search runbooks</span>
            <Search className="pointer-events-none absolute left-2.5 top-2 size-4 text-muted" aria-hidden />
            <Input value={q} onChange={(e) => { setQ(e.target.value); setParam("q", e.target.value.trim()); }} placeholder="Search by name, title, description or tag" className="w-full pl-8" />
          </label>
          <label className="flex items-center gap-2 text-xs text-muted">
            Owner
            <Select value={owner} onChange={(e) => setParam("owner", e.target.value)} aria-label="Owner">
              <option value="">All teams</option>
              {owners.map((o) => <option key={o.slug} value={o.slug}>{o.slug} ({o.count})</option>)}
            </Select>
          </label>
        </div>
        <ErrorNote error={list.error} />
        {list.isPending ? (
          <TableSkeleton rows={6} />
        ) : items.length === 0 ? (
          <div className="p-4">
            <EmptyState icon={<BookOpen className="size-6" />} title={q || owner ? "No runbook matches" : "No runbooks yet"}>
              {q || owner ? "Try another search or owner." : "Runbooks come from YAML files (OPSDECK_RUNBOOK_PATHS), catalog annotations, or are written here."}
            </EmptyState>
          </div>
        ) : (
          <Table data-testid="runbook-table">
            <thead>
              <tr>
                <Th>Runbook</Th>
                <Th className="w-36">Owner</Th>
                <Th className="w-56">Last run</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <Tr key={r.name} data-runbook={r.name}>
                  <Td className="max-w-0">
                    <div className="flex flex-wrap items-center gap-1.5">
                      <Link href={`/runbooks/${r.name}`} className="font-medium text-accent hover:underline">{r.title}</Link>
                      {r.dangerous ? <Badge tone="degraded"><ShieldAlert className="size-3" aria-hidden /> dangerous</Badge> : null}
                      {!r.valid ? <Badge tone="failing"><AlertTriangle className="size-3" aria-hidden /> invalid</Badge> : null}
                      {r.tags.slice(0, 4).map((t) => <Badge key={t}>{t}</Badge>)}
                    </div>
                    <div className="mt-0.5 flex min-w-0 items-baseline gap-2 text-xs text-muted">
                      <span className="shrink-0 whitespace-nowrap font-mono">{r.name}</span>
                      {r.description ? <span className="min-w-0 truncate">{summaryOf(r.description)}</span> : null}
                    </div>
                  </Td>
                  <Td className="text-sm">{r.ownerTeam ? <Link href={`/teams/${r.ownerTeam.slug}`} className="hover:underline">{r.ownerTeam.name}</Link> : <span className="text-muted">{r.ownerSlug || "—"}</span>}</Td>
                  <Td>
                    <LastRun r={r} />
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
        {list.hasNextPage ? (
          <div className="border-t border-border p-3 text-center">
            <Button onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>Show more</Button>
          </div>
        ) : null}
      </Card>
    </>
  );
}
