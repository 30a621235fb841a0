"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { LayoutGrid, Link2, Pencil, Plus } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { EmptyState, ErrorNote, Skeleton, TableSkeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { formatAgo } from "@/components/metrics/format";
import { DashboardsTabs } from "./tabs";
import { DashboardEditor } from "./dashboard-editor";
import { GRID, PanelCard, SPAN, type RangeDef } from "./panel-card";

/** /dashboards/d: the saved dashboards, newest change first. */
export function DashboardList() {
  const trpc = useTRPC();
  const list = useQuery(trpc.dashboards.list.queryOptions({}));
  const data = list.data;
  return (
    <div>
      <PageHeader
        title="Dashboards"
        description="Saved boards of metric panels — PromQL queries or services' golden signals. Owned by a team: its engineers edit, everyone can open the link."
        actions={
          data?.editableTeams.length ? (
            <Link href="/dashboards/d/new" className="inline-flex h-8 items-center gap-1.5 rounded-md bg-accent px-3 text-sm font-medium text-accent-fg hover:opacity-90">
              <Plus className="size-4" aria-hidden /> New dashboard
            </Link>
          ) : null
        }
      />
      <DashboardsTabs />
      <ErrorNote error={list.error} />
      {list.isPending ? (
        <TableSkeleton rows={6} />
      ) : !data?.items.length ? (
        <EmptyState icon={<LayoutGrid className="size-6" />} title="No saved dashboards yet">
          {data?.editableTeams.length ? "Compose one from PromQL queries or golden signals and share its link." : "Engineers of a team can create one for their team."}
        </EmptyState>
      ) : (
        <ul className="grid gap-3 min-[700px]:grid-cols-2 min-[1200px]:grid-cols-3" data-testid="dashboard-list">
          {data.items.map((d) => (
            <li key={d.id}>
              <Link href={`/dashboards/d/${d.id}`} className="block h-full rounded-lg border border-border bg-card p-3 hover:border-accent">
                <div className="flex items-start justify-between gap-2">
                  <h2 className="text-sm font-semibold">{d.title}</h2>
                  <Badge>{d.team.name}</Badge>
                </div>
                {d.description ? <p className="mt-1 line-clamp-2 text-xs text-muted">{d.description}</p> : null}
                <p className="mt-2 text-xs text-muted">
                  {d.panelCount} panel{d.panelCount === 1 ? "" : "s"} · opens with {d.range} · changed {formatAgo(d.updatedAt)}
                  {d.createdBy ? ` · by ${d.createdBy}` : ""}
                </p>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** /dashboards/d/new */
export function NewDashboard() {
  const trpc = useTRPC();
  const list = useQuery(trpc.dashboards.list.queryOptions({ limit: 1 }));
  const teams = list.data?.editableTeams ?? [];
  return (
    <div>
      <PageHeader title="New dashboard" description="Add panels, preview them live, then save: the dashboard gets a link to share." />
      <ErrorNote error={list.error} />
      {list.isPending ? (
        <Skeleton className="h-24 w-full" />
      ) : teams.length === 0 ? (
        <EmptyState title="You cannot create dashboards">Engineers (and above) of a team create dashboards for it.</EmptyState>
      ) : (
        <DashboardEditor initial={{ title: "", description: "", range: "6h", ownerTeamId: teams[0]!.id, panels: [] }} teams={teams} sources={list.data?.sources ?? []} />
      )}
    </div>
  );
}

const PRESETS = ["1h", "6h", "24h", "7d"] as const;

/** /dashboards/d/<id>: the shared link. */
export function DashboardView({ id }: { id: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.dashboards.get.queryOptions({ id }, { retry: (n, err) => n < 2 && err.data?.code !== "NOT_FOUND" }));
  const [range, setRange] = useState<RangeDef | null>(null);
  const [editing, setEditing] = useState(false);
  const [copied, setCopied] = useState(false);
  const d = q.data;
  if (q.error) {
    return q.error.data?.code === "NOT_FOUND" ? (
      <EmptyState title="No such dashboard">It may have been deleted. <Link href="/dashboards/d" className="text-accent underline">All dashboards</Link></EmptyState>
    ) : (
      <ErrorNote error={q.error} />
    );
  }
  if (!d) return <TableSkeleton rows={6} />;
  const current: RangeDef = range ?? { preset: d.range };
  if (editing) {
    return (
      <div>
        <PageHeader title={`Edit: ${d.title}`} description={`Owned by ${d.team.name}. Saving asks the data source to parse every PromQL panel.`} />
        <DashboardEditor initial={{ id: d.id, version: d.version, title: d.title, description: d.description, range: d.range, ownerTeamId: d.team.id, panels: d.panels }} teams={[d.team]} sources={d.sources} onDone={() => setEditing(false)} />
      </div>
    );
  }
  return (
    <div>
      <PageHeader
        title={d.title}
        description={
          <>
            {d.description ? <>{d.description} · </> : null}
            {d.team.name} · changed {formatAgo(d.updatedAt)}
          </>
        }
        actions={
          <>
            <div role="group" aria-label="Time range" className="flex overflow-hidden rounded-md border border-border text-xs">
              {PRESETS.map((p) => {
                const on = "preset" in current && current.preset === p;
                return (
                  <button key={p} type="button" aria-pressed={on} onClick={() => setRange({ preset: p })} className={cn("px-2.5 py-1 hover:bg-subtle", on && "bg-accent text-accent-fg hover:bg-accent")}>
                    {p}
                  </button>
                );
              })}
            </div>
            <Button
              onClick={async () => {
                await navigator.clipboard?.writeText(window.location.href).catch(() => undefined);
                setCopied(true);
              }}
              title={`${typeof window === "undefined" ? "" : window.location.origin}/dashboards/d/${d.id}`}
            >
              <Link2 className="size-4" aria-hidden /> {copied ? "Link copied" : "Copy link"}
            </Button>
            {d.canEdit ? (
              <Button onClick={() => setEditing(true)}>
                <Pencil className="size-4" aria-hidden /> Edit
              </Button>
            ) : null}
          </>
        }
      />
      <DashboardsTabs />
      {d.panelsError ? <div className="mb-3"><ErrorNote error={{ message: d.panelsError }} /></div> : null}
      {d.panels.length === 0 ? (
        <Card className="p-6 text-center text-sm text-muted">This dashboard has no panels{d.canEdit ? ": edit it to add some." : "."}</Card>
      ) : (
        <div className={GRID} data-testid="dashboard-grid">
          {d.panels.map((p) => <PanelCard key={p.id} panel={p} range={current} className={SPAN[p.size ?? "m"]} />)}
        </div>
      )}
    </div>
  );
}
