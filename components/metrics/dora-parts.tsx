"use client";
import dynamic from "next/dynamic";
import { Badge } from "@/components/ui/badge";
import { Skeleton } from "@/components/ui/states";
import type { RouterOutputs } from "@/lib/trpc";
import { formatDuration, formatFrequency, formatPercent } from "./format";

export type DoraReport = RouterOutputs["metrics"]["dora"];
export type DoraMetrics = DoraReport["metrics"];
export type DoraBand = NonNullable<DoraMetrics["band"]>;

const DoraTrend = dynamic(() => import("./dora-trend"), { ssr: false, loading: () => <Skeleton className="h-[120px] w-full" /> });

/** Bands in the one status palette: elite/high healthy shades, medium degraded, low failing. */
const BAND_TONE = { elite: "healthy", high: "accent", medium: "degraded", low: "failing" } as const;

export function BandBadge({ band }: { band: DoraBand | null }) {
  if (!band) return <Badge tone="unknown">no data</Badge>;
  return <Badge tone={BAND_TONE[band]}>{band}</Badge>;
}

/** The four DORA metrics as tiles, each with its band and what it is based on. */
export function DoraTiles({ m, compact = false }: { m: DoraMetrics; compact?: boolean }) {
  const tiles = [
    { id: "frequency", label: "Deployment frequency", value: m.services ? formatFrequency(m.deploysPerDay) : "—", band: m.bands.frequency, note: `${m.deploys} deploys${m.services > 1 ? ` · per service (${m.services})` : ""}` },
    { id: "lead", label: "Lead time for changes", value: formatDuration(m.leadTimeSeconds), band: m.bands.leadTime, note: `median of ${m.leadTimeSamples} with a commit time` },
    { id: "cfr", label: "Change failure rate", value: formatPercent(m.changeFailureRate, 1), band: m.bands.changeFailure, note: `${m.failedChanges} of ${m.changes} changes` },
    { id: "restore", label: "Time to restore", value: formatDuration(m.restoreSeconds), band: m.bands.restore, note: `median of ${m.restored}${m.unrestored ? ` · ${m.unrestored} not restored` : ""}` },
  ];
  return (
    <dl className={compact ? "grid grid-cols-2 gap-2 min-[900px]:grid-cols-4" : "grid grid-cols-2 gap-3 min-[900px]:grid-cols-4"}>
      {tiles.map((t) => (
        <div key={t.id} className="rounded-md border border-border p-2.5" data-testid={`dora-${t.id}`} data-band={t.band ?? "none"}>
          <dt className="flex items-center justify-between gap-2 text-xs text-muted">
            {t.label} <BandBadge band={t.band} />
          </dt>
          <dd className={compact ? "mt-1 font-mono text-base tabular-nums" : "mt-1 font-mono text-xl tabular-nums"}>{t.value}</dd>
          <dd className="text-[11px] text-muted">{t.note}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Weekly trends: deploys per week (bars) and the three other metrics (lines), one small chart each. */
export function DoraTrends({ weeks, only }: { weeks: DoraReport["weeks"]; only?: ("deploys" | "lead" | "cfr" | "restore")[] }) {
  const charts = [
    { id: "deploys" as const, title: "Deploys per week", key: "deploys" as const, kind: "bar" as const },
    { id: "lead" as const, title: "Lead time (median)", key: "leadTimeSeconds" as const, kind: "duration" as const },
    { id: "cfr" as const, title: "Change failure rate", key: "changeFailureRate" as const, kind: "ratio" as const },
    { id: "restore" as const, title: "Time to restore (median)", key: "restoreSeconds" as const, kind: "duration" as const },
  ].filter((c) => !only || only.includes(c.id));
  return (
    <div className={`grid gap-3 ${charts.length > 2 ? "min-[900px]:grid-cols-2 min-[1300px]:grid-cols-4" : "min-[900px]:grid-cols-2"}`}>
      {charts.map((c) => (
        <section key={c.id} className="min-w-0 rounded-md border border-border p-2.5" data-testid={`dora-trend-${c.id}`}>
          <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted">{c.title}</h3>
          <DoraTrend points={weeks.map((w) => ({ t: w.week.getTime(), v: w[c.key] }))} kind={c.kind} />
        </section>
      ))}
    </div>
  );
}
