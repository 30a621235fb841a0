"use client";
import dynamic from "next/dynamic";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Target } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge, StatusDot } from "@/components/ui/badge";
import { ErrorNote, Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { budgetTone, formatBurn, formatPercent, formatWindow } from "./format";

const BudgetChart = dynamic(() => import("./budget-chart"), { ssr: false, loading: () => <Skeleton className="h-[140px] w-full" /> });

type Slo = RouterOutputs["metrics"]["slo"]["slos"][number];

const BURN_LABEL = { fast: "fast burn", slow: "slow burn" } as const;

/** The SLO card of a Component: per objective the SLI, budget left, the burn-rate alerts and the budget burn-down. */
export function SloSection({ entityRef, source }: { entityRef: string; source?: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.metrics.slo.queryOptions({ ref: entityRef, source }, { placeholderData: keepPreviousData, refetchInterval: 60_000, staleTime: 30_000 }));
  const data = q.data;
  return (
    <Card id="slo" data-testid="slo-section" aria-busy={q.isFetching}>
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <Target className="size-4 text-muted" aria-hidden /> Service-level objectives
          </span>
        }
        description="Error budget and multi-window burn rates (SRE workbook: page at 1h/5m and 6h/30m, ticket at 3d/6h)"
      />
      <div className="p-4">
        {q.error ? (
          <ErrorNote error={q.error} />
        ) : !data ? (
          <Skeleton className="h-40 w-full" />
        ) : (
          <>
            {data.errors.length ? (
              <div role="alert" className="mb-3 rounded-md border border-degraded/40 bg-degraded/10 px-3 py-2 text-xs text-degraded">
                {data.errors.map((e) => <p key={e} className="font-mono">{e}</p>)}
              </div>
            ) : null}
            {data.slos.length === 0 ? (
              <p className="text-sm text-muted">
                {data.source ? "No objectives defined." : "No metrics data source is configured."} Add annotations such as{" "}
                <code className="font-mono text-fg">opsdeck.dev/slo-availability: &quot;99.9&quot;</code> and{" "}
                <code className="font-mono text-fg">opsdeck.dev/slo-latency-p95-ms: &quot;300&quot;</code> (window{" "}
                <code className="font-mono text-fg">opsdeck.dev/slo-window</code>, default 28d) to the descriptor.
              </p>
            ) : (
              <div className="grid gap-4 min-[1100px]:grid-cols-2">
                {data.slos.map((s) => <SloPanel key={s.spec.id} slo={s} now={data.evaluatedAt.getTime()} />)}
              </div>
            )}
          </>
        )}
      </div>
    </Card>
  );
}

function SloPanel({ slo, now }: { slo: Slo; now: number }) {
  const e = slo.evaluation;
  const remaining = e.budgetRemaining;
  const bar = remaining === null ? 0 : Math.max(0, Math.min(1, remaining));
  const tone = budgetTone(remaining);
  return (
    <section className="min-w-0 rounded-md border border-border p-3" data-testid={`slo-${slo.spec.id}`} data-status={e.status}>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h3 className="inline-flex items-center gap-2 text-sm font-semibold">
          <StatusDot status={e.status} />
          {slo.spec.title}
          <span className="text-xs font-normal text-muted">over {slo.spec.window}</span>
        </h3>
        <Badge tone={e.status}>{e.burn ? BURN_LABEL[e.burn] : e.status === "failing" ? "budget exhausted" : e.status === "unknown" ? "no data" : "within budget"}</Badge>
      </div>
      <p className="mb-2 text-xs text-muted" data-testid="slo-reason">{slo.error ? <span className="text-failing">{slo.error}</span> : e.reason}</p>
      <dl className="mb-3 grid grid-cols-3 gap-2 text-xs">
        <div>
          <dt className="text-muted">SLI</dt>
          <dd className="font-mono text-base tabular-nums">{formatPercent(e.sli)}</dd>
        </div>
        <div>
          <dt className="text-muted">Objective</dt>
          <dd className="font-mono text-base tabular-nums">{formatPercent(slo.spec.objective)}</dd>
        </div>
        <div>
          <dt className="text-muted">Budget left</dt>
          <dd className="font-mono text-base tabular-nums" data-testid="slo-budget">{remaining === null ? "—" : `${Math.round(remaining * 100)} %`}</dd>
        </div>
      </dl>
      <div className="mb-3 h-1.5 overflow-hidden rounded bg-subtle" role="meter" aria-label="Error budget left" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(bar * 100)}>
        <div className={cn("h-full", tone)} style={{ width: `${bar * 100}%` }} />
      </div>
      <table className="mb-3 w-full text-xs" aria-label="Burn-rate alerts">
        <thead>
          <tr className="text-left text-muted">
            <th className="font-normal">Alert</th>
            <th className="text-right font-normal">Long window</th>
            <th className="text-right font-normal">Short window</th>
            <th className="text-right font-normal">Threshold</th>
          </tr>
        </thead>
        <tbody>
          {e.alerts.map((a) => (
            <tr key={a.id} className={cn(a.firing && (a.severity === "page" ? "text-failing" : "text-degraded"))} data-firing={a.firing}>
              <td className="py-0.5">
                {a.severity === "page" ? "Page" : "Ticket"}
                {a.firing ? <span className="ml-1 font-semibold">· firing</span> : null}
              </td>
              <td className="text-right font-mono tabular-nums">{formatWindow(a.longSeconds)} {formatBurn(a.longBurn)}</td>
              <td className="text-right font-mono tabular-nums">{formatWindow(a.shortSeconds)} {formatBurn(a.shortBurn)}</td>
              <td className="text-right font-mono tabular-nums">&gt; {formatBurn(a.threshold)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted">Budget burn-down · {formatWindow(slo.burnDown.stepSeconds)} steps</h4>
      {slo.burnDown.error ? (
        <p role="alert" className="rounded-md border border-failing/40 bg-failing/10 px-3 py-2 font-mono text-xs text-failing">{slo.burnDown.error}</p>
      ) : slo.burnDown.points.length === 0 ? (
        <p className="rounded-md border border-dashed border-border px-3 py-6 text-center text-xs text-muted">No traffic in the window yet.</p>
      ) : (
        <BudgetChart points={slo.burnDown.points} start={now - slo.spec.windowSeconds * 1000} end={now} />
      )}
    </section>
  );
}
