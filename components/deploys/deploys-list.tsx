"use client";
import Link from "next/link";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useState } from "react";
import { CheckCircle2, Rocket } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { Field, Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { useNow } from "@/components/ui/use-now";
import { DeployKindBadges, DeployStateBadge } from "./state-badge";
import { ago, duration, serviceName } from "./format";

type Item = RouterOutputs["deploys"]["list"]["items"][number];
type Board = RouterOutputs["deploys"]["watchBoard"] extends AsyncIterable<infer T> ? T : never;

/** /deploys: approvals waiting for me, active rollouts (live), and the history with filters and keyset pages. */
export function DeploysList() {
  const trpc = useTRPC();
  const envs = useQuery(trpc.deploys.environments.queryOptions(undefined, { staleTime: 60_000 }));
  const [board, setBoard] = useState<Board | null>(null);
  const sub = useSubscription(trpc.deploys.watchBoard.subscriptionOptions({ seconds: 900 }, { onData: setBoard }));
  // The board stream ends after a while (server side); subscribe again when it does.
  const { status, reset } = sub;
  useEffect(() => {
    if (status === "idle" && board) reset();
  }, [status, board, reset]);
  const [filters, setFilters] = useState<{ environment?: string; status: "all" | "active" | "finished"; kind?: "deploy" | "rollback"; mine: boolean }>({ status: "all", mine: false });
  const history = useInfiniteQuery(
    trpc.deploys.list.infiniteQueryOptions({ ...filters, limit: 25 }, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  const items = history.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader title="Deploys" description="Rollouts to Kubernetes across environments: what waits for approval, what is rolling out now, and what happened." />
      <div className="grid gap-4 min-[1100px]:grid-cols-2">
        <Card data-testid="pending-approvals">
          <CardHeader title="Waiting for your approval" description="Deploys to protected environments of your teams' services, requested by someone else." />
          {!board ? <TableSkeleton rows={2} /> : board.pending.length ? <Compact items={board.pending} approval /> : <p className="px-4 py-4 text-sm text-muted"><CheckCircle2 className="mr-1 inline size-4 text-healthy" /> Nothing waits for you.</p>}
        </Card>
        <Card data-testid="active-deploys">
          <CardHeader title="Active" description="Queued, awaiting approval, rolling out or verifying — updates live." />
          {!board ? <TableSkeleton rows={2} /> : board.active.length ? <Compact items={board.active} /> : <p className="px-4 py-4 text-sm text-muted">No deploy is running.</p>}
        </Card>
      </div>

      <Card className="mt-4" data-testid="deploy-history-all">
        <CardHeader title="History" />
        <div className="flex flex-wrap items-end gap-3 border-b border-border px-4 py-3">
          <Field label="Environment">
            <Select value={filters.environment ?? ""} onChange={(e) => setFilters((f) => ({ ...f, environment: e.target.value || undefined }))}>
              <option value="">All</option>
              {envs.data?.environments.map((e) => <option key={e.name} value={e.name}>{e.name}</option>)}
            </Select>
          </Field>
          <Field label="Status">
            <Select value={filters.status} onChange={(e) => setFilters((f) => ({ ...f, status: e.target.value as typeof f.status }))}>
              <option value="all">All</option>
              <option value="active">Active</option>
              <option value="finished">Finished</option>
            </Select>
          </Field>
          <Field label="Kind">
            <Select value={filters.kind ?? ""} onChange={(e) => setFilters((f) => ({ ...f, kind: (e.target.value || undefined) as typeof f.kind }))}>
              <option value="">Deploys and rollbacks</option>
              <option value="deploy">Deploys</option>
              <option value="rollback">Rollbacks</option>
            </Select>
          </Field>
          <label className="flex h-8 items-center gap-2 text-sm">
            <input type="checkbox" checked={filters.mine} onChange={(e) => setFilters((f) => ({ ...f, mine: e.target.checked }))} /> Requested by me
          </label>
        </div>
        {history.error ? (
          <div className="p-4"><ErrorNote error={history.error} /></div>
        ) : history.isPending ? (
          <TableSkeleton rows={6} />
        ) : !items.length ? (
          <div className="p-4">
            <EmptyState icon={<Rocket className="size-6" />} title="No deploys match">
              Deploy a service from its catalog page (Deploys section).
            </EmptyState>
          </div>
        ) : (
          <>
            <Full items={items} />
            {history.hasNextPage ? (
              <div className="flex justify-center p-3">
                <Button size="sm" onClick={() => history.fetchNextPage()} disabled={history.isFetchingNextPage}>
                  {history.isFetchingNextPage ? "Loading…" : "Load more"}
                </Button>
              </div>
            ) : null}
          </>
        )}
      </Card>
    </>
  );
}

function Compact({ items, approval }: { items: Item[]; approval?: boolean }) {
  const now = useNow(10_000);
  return (
    <ul className="divide-y divide-border">
      {items.map((d) => (
        <li key={d.id} className="flex items-center justify-between gap-3 px-4 py-2" data-testid={approval ? "pending-row" : "active-row"}>
          <div className="min-w-0">
            <Link href={`/deploys/${d.id}`} className="text-sm font-medium text-accent hover:underline">
              {serviceName(d.entityRef)} → {d.environment}
            </Link>
            <div className="truncate text-xs text-muted">
              <span className="font-mono">{d.fromVersion ?? "?"} → {d.toVersion}</span> · {d.requestedBy.name} · {ago(d.createdAt, now)}
              {d.reason ? ` · ${d.reason}` : ""}
            </div>
          </div>
          <DeployStateBadge state={d.state} />
        </li>
      ))}
    </ul>
  );
}

function Full({ items }: { items: Item[] }) {
  const now = useNow(30_000);
  return (
    <Table>
      <thead>
        <tr>
          <Th>Service</Th>
          <Th>Env</Th>
          <Th>Version</Th>
          <Th>State</Th>
          <Th>Requested by</Th>
          <Th>Approved by</Th>
          <Th>When</Th>
          <Th>Took</Th>
        </tr>
      </thead>
      <tbody>
        {items.map((d) => (
          <Tr key={d.id} data-testid="history-row">
            <Td className="text-sm"><Link href={`/deploys/${d.id}`} className="text-accent hover:underline">{serviceName(d.entityRef)}</Link></Td>
            <Td className="text-xs">{d.environment}</Td>
            <Td className="font-mono text-xs">
              {d.fromVersion ?? "?"} → {d.toVersion}
              <DeployKindBadges d={d} className="font-sans" />
            </Td>
            <Td><DeployStateBadge state={d.state} /></Td>
            <Td className="text-xs">{d.requestedBy.name}</Td>
            <Td className="text-xs text-muted">{d.approvedBy?.name ?? "—"}</Td>
            <Td className="text-xs text-muted" title={new Date(d.createdAt).toLocaleString()}>{ago(d.createdAt, now)}</Td>
            <Td className="text-xs text-muted">{d.startedAt ? duration(d.startedAt, d.finishedAt) : "—"}</Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
