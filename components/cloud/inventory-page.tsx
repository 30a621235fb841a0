"use client";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { AlertTriangle, Cloud, RefreshCw } from "lucide-react";
import { useTRPC, type RouterInputs } from "@/lib/trpc";
import { PageHeader } from "@/components/ui/card";
import { Card } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { ago } from "@/components/ui/time";
import { PROVIDER_LABEL, RISK_LABEL, TYPE_LABEL } from "./format";
import { ResourceTable, type Resource } from "./resource-table";

type Filters = Omit<RouterInputs["cloud"]["resources"], "cursor" | "limit">;
const KEYS = ["provider", "type", "risk", "linked", "account", "q"] as const;

/** /cloud: every cached resource with filters (kept in the URL), risk counts, refresh status and a refresh button. */
export function InventoryPage({ canRefresh, canAct }: { canRefresh: boolean; canAct: boolean }) {
  const trpc = useTRPC();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters = Object.fromEntries(KEYS.map((k) => [k, params.get(k) || undefined]).filter(([, v]) => v)) as Filters;
  const set = (k: (typeof KEYS)[number], v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    router.replace(`${pathname}?${next.toString()}`);
  };
  const [q, setQ] = useState(filters.q ?? "");
  useEffect(() => {
    const id = setTimeout(() => (q !== (params.get("q") ?? "") ? set("q", q) : undefined), 300);
    return () => clearTimeout(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the typed text schedules a URL update
  }, [q]);
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const summary = useQuery(trpc.cloud.summary.queryOptions(undefined, { refetchInterval: 60_000 }));
  const list = useQuery(trpc.cloud.resources.queryOptions({ ...filters, limit: 100, cursor: pages.at(-1) }, { placeholderData: keepPreviousData }));
  const refresh = useMutation(trpc.cloud.refresh.mutationOptions({ onSuccess: () => toast.success("Refresh queued; the worker updates the inventory shortly"), onError: (e) => toast.error(e.message) }));
  const s = summary.data;
  const failing = s?.sources.filter((x) => !x.ok) ?? [];

  return (
    <>
      <PageHeader
        title={
          <span className="inline-flex items-center gap-2">
            Cloud inventory {s?.demo ? <Badge tone="degraded" className="font-normal">demo: recorded API responses</Badge> : null}
          </span>
        }
        description={s ? `${s.total} resources · refreshed ${ago(s.lastRefreshAt)} by the scheduled job (pages never wait on cloud APIs)` : "Resources across AWS, Google Cloud and Azure"}
        actions={canRefresh ? <Button onClick={() => refresh.mutate()} disabled={refresh.isPending}><RefreshCw className={cn("size-4", refresh.isPending && "animate-spin")} /> Refresh now</Button> : null}
      />
      {s ? (
        <div className="mb-4 grid gap-3 min-[800px]:grid-cols-4" aria-label="Risk counts">
          {s.risks.map((r) => (
            <button
              key={r.risk}
              type="button"
              onClick={() => set("risk", filters.risk === r.risk ? "" : r.risk)}
              aria-pressed={filters.risk === r.risk}
              title={r.describe}
              className={cn("rounded-lg border bg-card px-3 py-2 text-left hover:border-accent", filters.risk === r.risk ? "border-accent" : "border-border")}
            >
              <div className="flex items-center gap-1.5 text-xs text-muted"><AlertTriangle className={cn("size-3.5", r.count ? "text-failing" : "text-muted")} /> {RISK_LABEL[r.risk]}</div>
              <div className={cn("text-xl font-semibold", r.count ? "text-failing" : "text-fg")}>{r.count}</div>
            </button>
          ))}
        </div>
      ) : null}
      {failing.length ? (
        <div className="mb-3 space-y-1" role="alert">
          {failing.map((f) => <ErrorNote key={`${f.provider}${f.account}${f.region}`} error={{ message: `${PROVIDER_LABEL[f.provider] ?? f.provider} ${f.account} ${f.region}: ${f.message}` }} />)}
        </div>
      ) : null}
      <Card>
        <div className="flex flex-wrap items-center gap-2 border-b border-border px-3 py-2" role="group" aria-label="Filters">
          <Input value={q} onChange={(e) => setQ(e.target.value)} placeholder="Search name, id, service…" aria-label="Search resources" className="w-56" />
          <Select value={filters.provider ?? ""} onChange={(e) => set("provider", e.target.value)} aria-label="Provider">
            <option value="">All clouds</option>
            {Object.entries(PROVIDER_LABEL).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
          </Select>
          <Select value={filters.type ?? ""} onChange={(e) => set("type", e.target.value)} aria-label="Type">
            <option value="">All types</option>
            {(s?.types ?? []).map((t) => <option key={t.type} value={t.type}>{TYPE_LABEL[t.type] ?? t.type} ({t.count})</option>)}
          </Select>
          <Select value={filters.risk ?? ""} onChange={(e) => set("risk", e.target.value)} aria-label="Risk">
            <option value="">Any risk or none</option>
            <option value="any">Flagged only</option>
            {Object.entries(RISK_LABEL).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
          </Select>
          <Select value={filters.linked ?? ""} onChange={(e) => set("linked", e.target.value)} aria-label="Catalog link">
            <option value="">Linked or not</option>
            <option value="linked">Linked to a service</option>
            <option value="unlinked">Not linked</option>
          </Select>
          {KEYS.some((k) => params.get(k)) ? <Button size="sm" variant="ghost" onClick={() => { setQ(""); router.replace(pathname); }}>Clear</Button> : null}
        </div>
        {list.error ? (
          <div className="p-4"><ErrorNote error={list.error} /></div>
        ) : list.isPending ? (
          <TableSkeleton />
        ) : list.data.items.length ? (
          <>
            <ResourceTable items={list.data.items as Resource[]} canAct={canAct} />
            <div className="flex items-center gap-2 px-3 py-2 text-xs text-muted">
              {pages.length > 1 ? <Button size="sm" variant="ghost" onClick={() => setPages((p) => p.slice(0, -1))}>Previous</Button> : null}
              {list.data.nextCursor ? <Button size="sm" variant="ghost" onClick={() => setPages((p) => [...p, list.data.nextCursor])}>Next</Button> : null}
            </div>
          </>
        ) : (
          <div className="p-4">
            <EmptyState icon={<Cloud className="size-6" />} title={s?.total ? "Nothing matches these filters" : "No cloud resources yet"}>
              {s?.total ? "Clear a filter to see more." : "Configure OPSDECK_AWS_ACCOUNTS, OPSDECK_GCP_PROJECTS or OPSDECK_AZURE_SUBSCRIPTIONS (docs/ci-cloud.md); the refresh job fills this page."}
            </EmptyState>
          </div>
        )}
      </Card>
    </>
  );
}
