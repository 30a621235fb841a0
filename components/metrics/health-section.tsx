"use client";
import dynamic from "next/dynamic";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Activity, AlertTriangle } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { ErrorNote, Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { clampRange, SERIES_PALETTE } from "./format";
import type { ChartMarker } from "./signal-chart";
import { SourcePicker } from "./source-picker";

// Below the charts: their code loads with them, not with the entity page.
const SloSection = dynamic(() => import("./slo-section").then((m) => m.SloSection), { ssr: false, loading: () => <Skeleton className="h-40 w-full" /> });
const DoraCard = dynamic(() => import("./dora-card").then((m) => m.DoraCard), { ssr: false, loading: () => <Skeleton className="h-32 w-full" /> });
// recharts only loads with this chunk, when a Health section renders.
const SignalChart = dynamic(() => import("./signal-chart"), { ssr: false, loading: () => <ChartSkeleton /> });

const PRESETS = ["1h", "6h", "24h", "7d"] as const;
type Preset = (typeof PRESETS)[number];
type Range = { preset: Preset } | { from: Date; to: Date };
/** "2026-11-24T13:05" for a datetime-local input, in local time. */
function localInput(d: Date): string {
  const off = d.getTimezoneOffset() * 60_000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}
type Health = RouterOutputs["metrics"]["health"];
type Panel = Extract<Health, { configured: true }>["panels"][number];
type Deploy = Extract<Health, { configured: true }>["deploys"][number];

/** Chart markers for deploys: failed, rolled back and rollbacks in the failing colour. */
function markersOf(deploys: Deploy[]): ChartMarker[] {
  return deploys.map((d) => ({
    id: d.id,
    t: d.at.getTime(),
    label: `${d.kind === "rollback" ? "Rollback to" : "Deploy"} ${d.version}`,
    lines: [`${d.fromVersion ?? "?"} → ${d.version} · ${d.state.replace("_", " ")}`, `by ${d.by ?? "unknown"} · ${d.environment}`, d.at.toLocaleString()],
    bad: d.kind === "rollback" || d.state === "failed" || d.state === "rolled_back",
  }));
}

const LATENCY_COLORS = ["var(--accent)", "var(--degraded)", "var(--failing)"];
/** The colour the chart gives series i of a panel. */
const legendColor = (panel: string, i: number) => {
  const colors = panel === "latency" ? LATENCY_COLORS : SERIES_PALETTE;
  return colors[i % colors.length];
};

/** The entity page's metrics: golden-signal charts, SLOs (and DORA), for one data source the user can switch. */
export function HealthSection({ entityRef }: { entityRef: string }) {
  const [source, setSource] = useState<string | undefined>();
  return (
    <div className="space-y-4">
      <HealthCharts entityRef={entityRef} source={source} onSource={setSource} />
      <SloSection entityRef={entityRef} source={source} />
      <DoraCard entityRef={entityRef} />
    </div>
  );
}

function HealthCharts({ entityRef, source, onSource }: { entityRef: string; source?: string; onSource: (s: string) => void }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<Range>({ preset: "6h" });
  const [editing, setEditing] = useState(false);
  const custom = "from" in range;
  const q = useQuery(
    trpc.metrics.health.queryOptions(
      { ref: entityRef, range, source },
      // a preset follows the clock; a custom range is fixed
      { placeholderData: keepPreviousData, refetchInterval: custom ? false : 60_000, staleTime: 15_000 },
    ),
  );
  const zoom = (from: number, to: number) => setRange(clampRange(from, to));
  const data = q.data;
  const markers = data?.configured ? markersOf(data.deploys) : [];
  const demo = data?.configured && data.provider.demo;
  return (
    <Card id="health" data-testid="health-section" aria-busy={q.isFetching}>
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <Activity className="size-4 text-muted" aria-hidden /> Health
            {demo ? <Badge tone="degraded" className="font-normal" >demo data</Badge> : null}
          </span>
        }
        description={
          data?.configured
            ? `Golden signals · ${data.source.label} · step ${data.range.stepSeconds}s · rate window ${data.range.rateWindow}${markers.length ? ` · ◆ ${markers.length} deploy${markers.length === 1 ? "" : "s"}${data.source.environment ? ` to ${data.source.environment}` : ""} (hover a marker)` : ""}`
            : "Golden signals from the metrics data source"
        }
        actions={
          <>
          {data?.configured && data.sources.length > 1 ? <SourcePicker sources={data.sources} value={data.source.name} onChange={onSource} /> : null}
          <div role="group" aria-label="Time range" className="flex overflow-hidden rounded-md border border-border text-xs">
            {PRESETS.map((p) => {
              const on = !custom && range.preset === p;
              return (
                <button
                  key={p}
                  type="button"
                  aria-pressed={on}
                  onClick={() => {
                    setRange({ preset: p });
                    setEditing(false);
                  }}
                  className={cn("px-2.5 py-1 hover:bg-subtle", on && "bg-accent text-accent-fg hover:bg-accent")}
                >
                  {p}
                </button>
              );
            })}
            <button
              type="button"
              aria-pressed={custom}
              aria-expanded={editing}
              onClick={() => setEditing(!editing)}
              className={cn("border-l border-border px-2.5 py-1 hover:bg-subtle", custom && "bg-accent text-accent-fg hover:bg-accent")}
            >
              Custom
            </button>
          </div>
          </>
        }
      />
      {editing || custom ? (
        <CustomRange
          key={custom ? `${range.from.getTime()}-${range.to.getTime()}` : "new"}
          range={custom ? range : null}
          editing={editing}
          onApply={(from, to) => {
            setRange(clampRange(from, to));
            setEditing(false);
          }}
          onEdit={() => setEditing(true)}
          onReset={() => {
            setRange({ preset: "6h" });
            setEditing(false);
          }}
        />
      ) : null}
      <div className="p-4">
        {q.error ? (
          <ErrorNote error={q.error} />
        ) : !data ? (
          <div className="grid gap-4 min-[900px]:grid-cols-2" aria-label="Loading charts">
            {Array.from({ length: 4 }, (_, i) => <PanelSkeleton key={i} />)}
          </div>
        ) : !data.configured ? (
          <p className="text-sm text-muted">
            No metrics data source is configured. Set <code className="font-mono text-fg">OPSDECK_PROMETHEUS_URL</code> (see the README) to see request rate, errors, latency and saturation here.
          </p>
        ) : (
          <div className="grid gap-4 min-[900px]:grid-cols-2">
            {data.panels.map((p) => (
              <SignalPanel key={p.id} panel={p} start={data.range.start.getTime()} end={data.range.end.getTime()} onZoom={zoom} markers={markers} />
            ))}
          </div>
        )}
      </div>
    </Card>
  );
}

function SignalPanel({ panel, start, end, onZoom, markers }: { panel: Panel; start: number; end: number; onZoom: (from: number, to: number) => void; markers: ChartMarker[] }) {
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const toggle = (i: number) => setHidden((h) => {
    const next = new Set(h);
    if (next.has(i)) next.delete(i);
    else next.add(i);
    return next;
  });
  const failed = panel.queries.filter((q) => q.error);
  const series = panel.queries.flatMap((q) => q.series.map((s) => ({ name: s.name, points: s.points })));
  const allFailed = failed.length === panel.queries.length;
  return (
    <section className="min-w-0 rounded-md border border-border p-3" data-testid={`health-panel-${panel.id}`} data-series={series.length} data-failed={failed.length}>
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="text-xs font-semibold uppercase tracking-wide text-muted">{panel.title}</h3>
        {panel.source !== "default" ? <Badge className="font-normal">{panel.source === "selector" ? "custom selector" : "custom query"}</Badge> : null}
      </div>
      {allFailed ? (
        <ChartMessage tone="error" title="Query failed" lines={failed.map((q) => q.error ?? "")} queries={panel.queries.map((q) => q.promql)} />
      ) : series.length === 0 ? (
        <ChartMessage tone="empty" title="No data for this range" lines={["The data source returned no series: check the selector or the annotations."]} queries={panel.queries.map((q) => q.promql)} />
      ) : (
        <>
          <SignalChart series={series} unit={panel.unit} start={start} end={end} hidden={hidden} onZoom={onZoom} markers={markers} colors={panel.id === "latency" ? LATENCY_COLORS : panel.id === "errorRatio" ? ["var(--failing)"] : undefined} />
          {series.length > 1 ? (
            <ul className="mt-1 flex flex-wrap gap-1 text-xs text-muted" aria-label={`${panel.title} series`}>
              {series.map((s, i) => (
                <li key={s.name}>
                  <button
                    type="button"
                    aria-pressed={!hidden.has(i)}
                    title={hidden.has(i) ? `Show ${s.name}` : `Hide ${s.name}`}
                    onClick={() => toggle(i)}
                    className={cn("inline-flex items-center gap-1.5 rounded px-1.5 py-0.5 hover:bg-subtle", hidden.has(i) && "line-through opacity-50")}
                  >
                    <span className="inline-block h-0.5 w-3 rounded" style={{ background: legendColor(panel.id, i) }} />
                    {s.name}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          {failed.length ? <ChartMessage tone="error" title="Some queries failed" lines={failed.map((q) => `${q.label}: ${q.error}`)} /> : null}
        </>
      )}
    </section>
  );
}

function CustomRange({ range, editing, onApply, onEdit, onReset }: { range: { from: Date; to: Date } | null; editing: boolean; onApply: (from: number, to: number) => void; onEdit: () => void; onReset: () => void }) {
  const [from, setFrom] = useState(() => localInput(range?.from ?? new Date(Date.now() - 3_600_000)));
  const [to, setTo] = useState(() => localInput(range?.to ?? new Date()));
  const a = new Date(from).getTime();
  const b = new Date(to).getTime();
  const invalid = !Number.isFinite(a) || !Number.isFinite(b) || b <= a ? "The end must be after the start." : b - a > 31 * 86_400_000 ? "At most 31 days." : null;
  if (!editing && range) {
    return (
      <div className="flex flex-wrap items-center gap-2 border-b border-border px-4 py-2 text-xs" data-testid="health-custom-range">
        <span className="text-muted">Showing</span>
        <span className="font-mono">{range.from.toLocaleString()} – {range.to.toLocaleString()}</span>
        <button type="button" onClick={onEdit} className="rounded px-1.5 py-0.5 text-accent hover:bg-subtle">Edit</button>
        <button type="button" onClick={onReset} className="rounded px-1.5 py-0.5 text-accent hover:bg-subtle">Reset zoom</button>
      </div>
    );
  }
  return (
    <form
      className="flex flex-wrap items-end gap-3 border-b border-border px-4 py-2 text-xs"
      onSubmit={(e) => {
        e.preventDefault();
        if (!invalid) onApply(a, b);
      }}
    >
      <label className="flex flex-col gap-0.5">
        <span className="text-muted">From</span>
        <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} className="rounded border border-border bg-card px-1.5 py-0.5" />
      </label>
      <label className="flex flex-col gap-0.5">
        <span className="text-muted">To</span>
        <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} className="rounded border border-border bg-card px-1.5 py-0.5" />
      </label>
      <button type="submit" disabled={Boolean(invalid)} className="rounded-md bg-accent px-2.5 py-1 text-accent-fg disabled:opacity-50">Apply</button>
      {invalid ? <span className="text-failing">{invalid}</span> : <span className="text-muted">Tip: drag across a chart to zoom.</span>}
    </form>
  );
}

function ChartMessage({ tone, title, lines, queries }: { tone: "error" | "empty"; title: string; lines: string[]; queries?: (string | null)[] }) {
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      className={cn("flex min-h-[180px] flex-col justify-center gap-1 rounded-md border px-3 py-2 text-xs", tone === "error" ? "border-failing/40 bg-failing/10 text-failing" : "border-dashed border-border text-muted")}
    >
      <p className="inline-flex items-center gap-1.5 font-semibold">{tone === "error" ? <AlertTriangle className="size-3.5" aria-hidden /> : null}{title}</p>
      {lines.map((l, i) => <p key={i} className="break-words font-mono">{l}</p>)}
      {queries?.filter(Boolean).length ? (
        <details className="mt-1 text-muted">
          <summary className="cursor-pointer">PromQL</summary>
          {queries.filter(Boolean).map((pq, i) => <pre key={i} className="mt-1 whitespace-pre-wrap break-all font-mono">{pq}</pre>)}
        </details>
      ) : null}
    </div>
  );
}

function ChartSkeleton() {
  return <Skeleton className="h-[180px] w-full" />;
}

function PanelSkeleton() {
  return (
    <div className="rounded-md border border-border p-3">
      <Skeleton className="mb-3 h-3 w-32" />
      <ChartSkeleton />
    </div>
  );
}
