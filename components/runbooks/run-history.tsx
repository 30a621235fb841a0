"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { History } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { RunStateBadge } from "./run-state-badge";
import { RUN_STATES, RUN_STATE_LABEL, formatMs, when } from "./format";

type State = (typeof RUN_STATES)[number];

/** /runbooks/runs: every run, newest first, filtered by runbook, status, who and when; keyset pages of 50. */
export function RunHistory({ myEmail }: { myEmail: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const sp = useSearchParams();
  const runbook = sp.get("runbook") ?? "";
  const states = (sp.get("state") ?? "").split(",").filter((s): s is State => (RUN_STATES as readonly string[]).includes(s));
  const who = sp.get("who") ?? "";
  const from = sp.get("from") ?? "";
  const to = sp.get("to") ?? "";
  const [whoText, setWhoText] = useState(who === "me" ? "" : who);
  const set = (patch: Record<string, string>) => {
    const next = new URLSearchParams(sp);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    router.replace(`/runbooks/runs${next.size ? `?${next}` : ""}`, { scroll: false });
  };
  const runbooks = useQuery(trpc.runbooks.list.queryOptions({ limit: 200, includeArchived: true }));
  const input = {
    runbook: runbook || undefined,
    state: states.length ? states : undefined,
    who: who === "me" ? myEmail : who || undefined,
    from: from ? new Date(`${from}T00:00:00`) : undefined,
    to: to ? new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000) : undefined,
    limit: 50,
  };
  const runs = useInfiniteQuery(trpc.runbooks.runs.infiniteQueryOptions(input, { getNextPageParam: (p) => p.nextCursor ?? undefined, placeholderData: keepPreviousData }));
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(runbook || states.length || who || from || to);

  return (
    <>
      <PageHeader title="Run history" description="Every runbook run, scheduled ones and missed schedules included. Newest first." />
      <Card>
        <div className="flex flex-wrap items-end gap-3 border-b border-border px-4 py-3 text-xs text-muted" role="search" aria-label="Filter runs">
          <label className="flex flex-col gap-1">
            Runbook
            <Select value={runbook} onChange={(e) => set({ runbook: e.target.value })} aria-label="Runbook">
              <option value="">All runbooks</option>
              {(runbooks.data?.items ?? []).map((r) => <option key={r.name} value={r.name}>{r.name}</option>)}
            </Select>
          </label>
          <label className="flex flex-col gap-1">
            Status
            <Select value={states.length === 1 ? states[0] : states.length ? "__many" : ""} onChange={(e) => set({ state: e.target.value === "__active" ? "queued,awaiting_approval,running" : e.target.value === "__problems" ? "failed,timed_out,interrupted,missed" : e.target.value })} aria-label="Status" className="w-56">
              <option value="">Any status</option>
              <option value="__active">Active (queued, waiting, running)</option>
              <option value="__problems">Problems (failed, timed out, interrupted, missed)</option>
              {states.length > 1 ? <option value="__many" disabled>{states.map((s) => RUN_STATE_LABEL[s]).join(", ")}</option> : null}
              {RUN_STATES.map((s) => <option key={s} value={s}>{RUN_STATE_LABEL[s]}</option>)}
            </Select>
          </label>
          <div className="flex flex-col gap-1">
            <span>Started by</span>
            <div className="flex gap-1">
              <Select value={who === "me" || who === "schedule" ? who : who ? "email" : ""} onChange={(e) => set({ who: e.target.value === "email" ? whoText : e.target.value })} aria-label="Started by">
                <option value="">Anyone</option>
                <option value="me">Me</option>
                <option value="schedule">A schedule</option>
                <option value="email">Email…</option>
              </Select>
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  set({ who: whoText.trim() });
                }}
              >
                <Input value={whoText} onChange={(e) => setWhoText(e.target.value)} placeholder="name@example.com" type="email" aria-label="Email of the person" className="w-48" />
              </form>
            </div>
          </div>
          <label className="flex flex-col gap-1">
            From
            <Input type="date" value={from} onChange={(e) => set({ from: e.target.value })} aria-label="From date" />
          </label>
          <label className="flex flex-col gap-1">
            To
            <Input type="date" value={to} onChange={(e) => set({ to: e.target.value })} aria-label="To date" />
          </label>
          {filtered ? <Button variant="ghost" size="sm" onClick={() => { setWhoText(""); router.replace("/runbooks/runs"); }}>Clear filters</Button> : null}
        </div>
        <ErrorNote error={runs.error} />
        {runs.isPending ? (
          <TableSkeleton rows={8} />
        ) : items.length === 0 ? (
          <div className="p-4">
            <EmptyState icon={<History className="size-6" />} title={filtered ? "No runs match these filters" : "No runs yet"}>
              {filtered ? "Widen the filters or clear them." : <>Start one from a <Link href="/runbooks" className="text-accent underline">runbook</Link>.</>}
            </EmptyState>
          </div>
        ) : (
          <Table data-testid="run-history" aria-busy={runs.isFetching}>
            <thead>
              <tr>
                <Th className="w-40">Status</Th>
                <Th>Runbook</Th>
                <Th>Started by</Th>
                <Th className="w-44">When</Th>
                <Th className="w-24 text-right">Took</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <Tr key={r.id} data-run={r.id}>
                  <Td><Link href={`/runbooks/runs/${r.id}`}><RunStateBadge state={r.state} /></Link></Td>
                  <Td>
                    <Link href={`/runbooks/runs/${r.id}`} className="font-medium text-accent hover:underline">{r.title}</Link>
                    <span className="ml-1.5 font-mono text-xs text-muted">v{r.version}</span>
                    {r.message && r.state !== "succeeded" ? <div className="line-clamp-1 text-xs text-muted">{r.message}</div> : null}
                  </Td>
                  <Td className="text-xs">{r.trigger === "schedule" ? <span className="text-muted">schedule</span> : r.requestedBy}</Td>
                  <Td className="text-xs">{when(r.createdAt)}</Td>
                  <Td className="text-right text-xs tabular-nums text-muted">{r.activeMs ? formatMs(r.activeMs) : "—"}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
        {runs.hasNextPage ? (
          <div className="border-t border-border p-3 text-center">
            <Button onClick={() => runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>Older runs</Button>
          </div>
        ) : items.length ? (
          <p className="border-t border-border p-3 text-center text-xs text-muted">That is all ({items.length.toLocaleString()} run{items.length === 1 ? "" : "s"}).</p>
        ) : null}
      </Card>
    </>
  );
}
