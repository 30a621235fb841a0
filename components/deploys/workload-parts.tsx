"use client";
import Link from "next/link";
import type { RouterOutputs } from "@/lib/trpc";
import { Badge, StatusDot } from "@/components/ui/badge";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { useNow } from "@/components/ui/use-now";
import { age, ago, podTone } from "./format";
import { DeployKindBadges, DeployStateBadge } from "./state-badge";

export type WorkloadView = RouterOutputs["deploys"]["watchWorkload"] extends AsyncIterable<infer T> ? T : never;
type Pod = WorkloadView["pods"][number];

/** desired / updated / ready / available as four small meters. */
export function ReplicaMeters({ replicas }: { replicas: { desired: number; updated: number; ready: number; available: number } }) {
  const items = [
    ["Desired", replicas.desired],
    ["Updated", replicas.updated],
    ["Ready", replicas.ready],
    ["Available", replicas.available],
  ] as const;
  return (
    <div className="grid grid-cols-4 gap-2" data-testid="replicas">
      {items.map(([label, n]) => {
        const pct = replicas.desired ? Math.min(100, (n / replicas.desired) * 100) : 0;
        const full = n >= replicas.desired;
        return (
          <div key={label} className="min-w-0">
            <div className="flex items-baseline justify-between text-xs text-muted">
              <span>{label}</span>
              <span className={cn("font-mono text-sm", label !== "Desired" && !full ? "text-degraded" : "text-fg")} data-testid={`replicas-${label.toLowerCase()}`}>{n}</span>
            </div>
            <div className="mt-1 h-1.5 overflow-hidden rounded bg-subtle">
              <div className={cn("h-full transition-all duration-300", full ? "bg-healthy" : "bg-degraded")} style={{ width: `${label === "Desired" ? 100 : pct}%` }} />
            </div>
          </div>
        );
      })}
    </div>
  );
}

export function PodsTable({ pods, image }: { pods: Pod[]; image?: string | null }) {
  const now = useNow();
  if (!pods.length) return <p className="px-4 py-3 text-sm text-muted">No pods.</p>;
  return (
    <Table data-testid="pods-table">
      <thead>
        <tr>
          <Th>Pod</Th>
          <Th>Status</Th>
          <Th className="text-right">Restarts</Th>
          <Th>Age</Th>
          <Th>Node</Th>
          <Th>Version</Th>
        </tr>
      </thead>
      <tbody>
        {pods.map((p) => (
          <Tr key={p.uid || p.name} data-testid="pod-row" data-pod={p.name} data-status={p.status} className={cn(p.terminating && "opacity-60")}>
            <Td className="font-mono text-xs">
              <span className="flex items-center gap-2 whitespace-nowrap">
                <StatusDot status={podTone(p)} />
                {p.name}
                {p.track === "canary" ? <Badge tone="accent">canary</Badge> : null}
              </span>
            </Td>
            <Td>
              <span className={cn("text-xs", podTone(p) === "failing" && "font-medium text-failing")} title={p.problem?.message ?? undefined}>
                {p.status}
              </span>
              <span className="ml-1.5 text-xs text-muted">{p.readyContainers}/{p.totalContainers}</span>
            </Td>
            <Td className={cn("text-right font-mono text-xs", p.restarts > 0 && "text-degraded")}>{p.restarts}</Td>
            <Td className="whitespace-nowrap text-xs text-muted" title={p.createdAt ?? undefined}>{age(p.createdAt, now)}</Td>
            <Td className="whitespace-nowrap text-xs text-muted">{p.node ?? "—"}</Td>
            <Td className="font-mono text-xs">
              {p.images.map((i) => (
                <span key={i} className={cn(image && i !== image && "text-muted")} title={i}>
                  {i.slice(i.lastIndexOf(":") + 1)}
                </span>
              ))}
            </Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}

export function EventsList({ events }: { events: WorkloadView["events"] }) {
  const now = useNow(10_000);
  if (!events.length) return <p className="px-4 py-3 text-sm text-muted">No recent events.</p>;
  return (
    <ul className="divide-y divide-border text-xs" data-testid="events">
      {events.slice(0, 10).map((e) => (
        <li key={`${e.uid}-${e.count}`} className="flex gap-3 px-4 py-1.5">
          <span className="w-9 shrink-0 text-muted" title={e.lastTimestamp ?? undefined}>{age(e.lastTimestamp, now)}</span>
          <div className="min-w-0 flex-1">
            <div className="flex items-baseline gap-2">
              <span className={cn("shrink-0 font-medium", e.type === "Warning" ? "text-degraded" : "text-fg")}>{e.reason}</span>
              <span className="truncate font-mono text-[11px] text-muted" title={`${e.object.kind}/${e.object.name}`}>{e.object.kind.toLowerCase()}/{e.object.name}</span>
              {e.count > 1 ? <span className="shrink-0 text-muted">×{e.count}</span> : null}
            </div>
            <div className="truncate text-muted" title={e.message}>{e.message}</div>
          </div>
        </li>
      ))}
    </ul>
  );
}

export function HistoryTable({ history, onRollback }: { history: WorkloadView["history"]; onRollback?: (d: WorkloadView["history"][number]) => void }) {
  const now = useNow(30_000);
  if (!history.length) return <p className="px-4 py-3 text-sm text-muted">No deploys through Opsdeck yet.</p>;
  return (
    <Table data-testid="deploy-history">
      <thead>
        <tr>
          <Th>Version</Th>
          <Th>State</Th>
          <Th>By</Th>
          <Th>When</Th>
          <Th><span className="sr-only">Actions</span></Th>
        </tr>
      </thead>
      <tbody>
        {history.map((d) => (
          <Tr key={d.id}>
            <Td className="text-xs">
              <Link href={`/deploys/${d.id}`} className="font-mono text-accent hover:underline">
                {d.fromVersion ? `${d.fromVersion} → ` : ""}
                {d.toVersion}
              </Link>
              <DeployKindBadges d={d} />
            </Td>
            <Td><DeployStateBadge state={d.state} /></Td>
            <Td className="text-xs">{d.requestedBy.name}</Td>
            <Td className="text-xs text-muted" title={new Date(d.createdAt).toLocaleString()}>{ago(d.createdAt, now)}</Td>
            <Td className="text-right">
              {onRollback && (d.state === "succeeded" || d.state === "failed") ? (
                <button type="button" className="text-xs text-accent hover:underline" onClick={() => onRollback(d)}>
                  Roll back
                </button>
              ) : null}
            </Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
