"use client";
import dynamic from "next/dynamic";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { AlertTriangle } from "lucide-react";
import type { ReactNode } from "react";
import { useTRPC, type RouterInputs } from "@/lib/trpc";
import { Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { SERIES_PALETTE } from "@/components/metrics/format";

const SignalChart = dynamic(() => import("@/components/metrics/signal-chart"), { ssr: false, loading: () => <Skeleton className="h-[180px] w-full" /> });

export type PanelDef = RouterInputs["dashboards"]["panelData"]["panel"];
export type RangeDef = NonNullable<RouterInputs["dashboards"]["panelData"]["range"]>;

/** Grid columns a panel spans (of 4; fewer columns on narrow screens, see GRID). */
export const SPAN: Record<PanelDef["size"] & string, string> = {
  s: "min-[900px]:col-span-1",
  m: "min-[900px]:col-span-2",
  l: "min-[900px]:col-span-3",
  xl: "min-[900px]:col-span-4",
};
export const GRID = "grid grid-cols-1 gap-3 min-[900px]:grid-cols-4";

/**
 * One dashboard panel: its series from dashboards.panelData, drawn with the Health section's chart. A query error, a
 * missing Component or an empty answer is said in words on the panel, never shown as an empty chart.
 */
export function PanelCard({ panel, range, actions, className }: { panel: PanelDef; range: RangeDef; actions?: ReactNode; className?: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.dashboards.panelData.queryOptions({ panel, range }, { placeholderData: keepPreviousData, refetchInterval: "preset" in range ? 60_000 : false, staleTime: 15_000 }));
  const data = q.data;
  const failed = data?.queries.filter((x) => x.error) ?? [];
  const series = (data?.queries ?? []).flatMap((x) => x.series.map((s) => ({ name: s.name, points: s.points })));
  const message = q.error
    ? { tone: "error" as const, title: "Could not load", lines: [q.error.message] }
    : !data
      ? null
      : data.error
        ? { tone: "error" as const, title: "Nothing to chart", lines: [data.error] }
        : failed.length === data.queries.length
          ? { tone: "error" as const, title: "Query failed", lines: failed.map((x) => x.error ?? "") }
          : series.length === 0
            ? { tone: "empty" as const, title: "No data for this range", lines: ["The query returned no series."] }
            : null;
  return (
    <section className={cn("min-w-0 rounded-lg border border-border bg-card p-3", className)} data-testid="dashboard-panel" data-panel={panel.id} data-series={series.length} data-failed={failed.length + (data?.error ? 1 : 0)} aria-busy={q.isFetching}>
      <div className="mb-2 flex items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="truncate text-xs font-semibold uppercase tracking-wide text-muted" title={panel.title}>{panel.title}</h3>
          {data?.source ? <p className="text-[11px] text-muted">{data.source.label}{data.range ? ` · step ${data.range.stepSeconds}s` : ""}</p> : null}
        </div>
        {actions ? <div className="flex shrink-0 items-center gap-0.5">{actions}</div> : null}
      </div>
      {!data && !q.error ? (
        <Skeleton className="h-[180px] w-full" />
      ) : message ? (
        <div role={message.tone === "error" ? "alert" : "status"} className={cn("flex min-h-[180px] flex-col justify-center gap-1 rounded-md border px-3 py-2 text-xs", message.tone === "error" ? "border-failing/40 bg-failing/10 text-failing" : "border-dashed border-border text-muted")}>
          <p className="inline-flex items-center gap-1.5 font-semibold">{message.tone === "error" ? <AlertTriangle className="size-3.5" aria-hidden /> : null}{message.title}</p>
          {message.lines.map((l, i) => <p key={i} className="break-words font-mono">{l}</p>)}
        </div>
      ) : data?.range ? (
        <>
          <SignalChart series={series} unit={data.unit} start={data.range.start.getTime()} end={data.range.end.getTime()} />
          {series.length > 1 ? (
            <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-[11px] text-muted" aria-label={`${panel.title} series`}>
              {series.map((s, i) => (
                <li key={s.name} className="inline-flex items-center gap-1.5">
                  <span className="inline-block h-0.5 w-3 rounded" style={{ background: SERIES_PALETTE[i % SERIES_PALETTE.length] }} />
                  {s.name}
                </li>
              ))}
            </ul>
          ) : null}
          {failed.length ? <p role="alert" className="mt-1 text-xs text-failing">{failed.map((x) => `${x.label}: ${x.error}`).join(" · ")}</p> : null}
        </>
      ) : null}
    </section>
  );
}
