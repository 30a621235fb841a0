"use client";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import { toast } from "sonner";
import { Ban, Check, ChevronRight, CircleAlert, CircleCheck, CircleDot, CircleX, LoaderCircle, RotateCcw, ShieldAlert, X } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { EmptyState, ErrorNote, Skeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { useNow } from "@/components/ui/use-now";
import { entityHref } from "@/components/catalog/refs";
import { fieldErrors } from "@/components/ui/field-errors";
import { DeployStateBadge } from "./state-badge";
import { RollbackDialog } from "./action-dialogs";
import { PodsTable, ReplicaMeters, type WorkloadView } from "./workload-parts";
import { ACTIVE, ago, duration, serviceName } from "./format";

const AnalysisChart = dynamic(() => import("./analysis-chart"), { ssr: false, loading: () => <Skeleton className="h-44 w-full" /> });

type Detail = RouterOutputs["deploys"]["get"];

/** /deploys/[id]: the deploy's timeline step by step, live pods, approvals, canary analysis, rollback. */
export function DeployDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const initial = useQuery(trpc.deploys.get.queryOptions({ id }, { retry: (n, err) => n < 2 && err.data?.code !== "NOT_FOUND" }));
  const [live, setLive] = useState<Detail | null>(null);
  useSubscription(trpc.deploys.watch.subscriptionOptions({ id }, { enabled: Boolean(initial.data), onData: (d) => setLive(d) }));
  const d = live ?? initial.data;
  if (initial.error) {
    return initial.error.data?.code === "NOT_FOUND" ? (
      <EmptyState title="No such deploy">It does not exist. <Link href="/deploys" className="text-accent underline">All deploys</Link></EmptyState>
    ) : (
      <ErrorNote error={initial.error} />
    );
  }
  if (!d) return <DetailSkeleton />;
  return (
    <div className="space-y-4" data-testid="deploy-detail" data-state={d.state}>
      <nav aria-label="Breadcrumb" className="flex items-center gap-1 text-xs text-muted">
        <Link href="/deploys" className="hover:text-fg hover:underline">Deploys</Link>
        <ChevronRight className="size-3" aria-hidden />
        <Link href={`${entityHref(d.entityRef)}#deploys`} className="hover:text-fg hover:underline">{serviceName(d.entityRef)}</Link>
        <ChevronRight className="size-3" aria-hidden />
        <span className="text-fg">{d.environment}</span>
      </nav>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold tracking-tight">
            {d.kind === "rollback" ? "Rollback of" : "Deploy"} {serviceName(d.entityRef)} to {d.environment}
            <DeployStateBadge state={d.state} />
          </h1>
          <p className="mt-1 text-sm">
            <span className="font-mono">{d.fromVersion ?? "?"}</span> → <span className="font-mono font-semibold">{d.toVersion}</span>
            <span className="ml-2 text-xs text-muted">{d.image}</span>
          </p>
          <div className="mt-1 flex flex-wrap items-center gap-1.5 text-xs">
            <Badge>{d.strategy}</Badge>
            {d.kind === "rollback" ? <Badge>rollback</Badge> : null}
            {d.breakGlass ? <Badge tone="failing"><ShieldAlert className="size-3" /> break-glass</Badge> : null}
            <span className="text-muted">requested by {d.requestedBy.name} {ago(d.createdAt)}</span>
            {d.approvedBy ? <span className="text-muted">· approved by {d.approvedBy.name}</span> : null}
            {d.startedAt ? <span className="text-muted">· {ACTIVE.has(d.state) ? "running for" : "took"} {duration(d.startedAt, d.finishedAt)}</span> : null}
          </div>
        </div>
        <Actions d={d} />
      </div>

      {d.reason ? <p className="rounded-md border border-border bg-card px-3 py-2 text-sm"><span className="text-xs text-muted">Reason: </span>{d.reason}</p> : null}
      {d.message && (d.state === "failed" || d.state === "rejected" || d.state === "expired") ? (
        <div role="alert" className="flex items-start gap-2 rounded-md border border-failing/40 bg-failing/10 px-3 py-2 text-sm text-failing" data-testid="deploy-message">
          <CircleAlert className="mt-0.5 size-4 shrink-0" /> {d.message}
        </div>
      ) : null}
      {d.rollbackOf || d.rollbacks.length ? (
        <p className="text-xs text-muted">
          {d.rollbackOf ? <>Rolls back <Link className="text-accent hover:underline" href={`/deploys/${d.rollbackOf.id}`}>deploy of {d.rollbackOf.toVersion}</Link>. </> : null}
          {d.rollbacks.map((r) => (
            <span key={r.id}>Rolled back by <Link className="text-accent hover:underline" href={`/deploys/${r.id}`}>rollback to {r.toVersion}</Link> ({r.state.replace("_", " ")}). </span>
          ))}
        </p>
      ) : null}

      <div className="grid items-start gap-4 min-[1100px]:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
        <Card>
          <CardHeader title="Timeline" description={`${d.cluster} / ${d.namespace} · Deployment ${d.workload} · container ${d.container}`} />
          <Timeline steps={d.steps} />
        </Card>
        <div className="min-w-0 space-y-4">
          {d.strategy === "canary" ? <Analysis d={d} /> : null}
          <LivePods entityRef={d.entityRef} environment={d.environment} image={d.image} />
        </div>
      </div>
    </div>
  );
}

function Actions({ d }: { d: Detail }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [rollback, setRollback] = useState(false);
  const done = () => void qc.invalidateQueries({ queryKey: trpc.deploys.pendingApprovals.queryKey() });
  const approve = useMutation(trpc.deploys.approve.mutationOptions({ onSuccess: () => (toast.success("Approved — rolling out"), done()), onError: (e) => toast.error(e.message) }));
  const reject = useMutation(
    trpc.deploys.reject.mutationOptions({
      onSuccess: () => (toast.success("Rejected"), setRejecting(false), done()),
      onError: (e) => !Object.keys(fieldErrors(e)).length && toast.error(e.message),
    }),
  );
  const cancel = useMutation(trpc.deploys.cancel.mutationOptions({ onSuccess: () => toast.success("Cancelled"), onError: (e) => toast.error(e.message) }));
  const can = d.can;
  return (
    <div className="flex max-w-md flex-col items-end gap-2">
      <div className="flex flex-wrap justify-end gap-2">
        {d.state === "awaiting_approval" ? (
          <>
            <Button variant="primary" onClick={() => approve.mutate({ id: d.id })} disabled={!can.approve.allowed || approve.isPending} data-testid="approve">
              {approve.isPending ? <LoaderCircle className="size-4 animate-spin" /> : <Check className="size-4" />} Approve
            </Button>
            <Button variant="secondary" onClick={() => setRejecting((r) => !r)} disabled={!can.approve.allowed} data-testid="reject">
              <X className="size-4" /> Reject
            </Button>
          </>
        ) : null}
        {can.cancel.allowed ? (
          <Button variant="ghost" onClick={() => cancel.mutate({ id: d.id })} disabled={cancel.isPending}>
            <Ban className="size-4" /> Cancel
          </Button>
        ) : null}
        {d.state === "succeeded" || d.state === "failed" ? (
          <Button variant="danger" onClick={() => setRollback(true)} disabled={!can.rollback.allowed} title={can.rollback.why ?? undefined} data-testid="rollback">
            <RotateCcw className="size-4" /> Roll back
          </Button>
        ) : null}
      </div>
      {d.state === "awaiting_approval" && !can.approve.allowed && can.approve.why ? (
        <p className="text-right text-xs text-muted" data-testid="approve-why">{can.approve.why}</p>
      ) : null}
      {d.state === "awaiting_approval" && d.approvalExpiresAt ? <p className="text-xs text-muted">Approval window ends {new Date(d.approvalExpiresAt).toLocaleTimeString()}.</p> : null}
      {(d.state === "succeeded" || d.state === "failed") && !can.rollback.allowed && can.rollback.why ? <p className="text-xs text-muted">{can.rollback.why}</p> : null}
      {rejecting ? (
        <form
          className="flex w-full gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            reject.mutate({ id: d.id, reason: reason.trim() });
          }}
        >
          <Input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why reject? (required)" className="flex-1" autoFocus aria-invalid={Boolean(fieldErrors(reject.error).reason)} />
          <Button type="submit" variant="danger" disabled={reject.isPending}>Reject</Button>
        </form>
      ) : null}
      {rejecting && fieldErrors(reject.error).reason ? <p role="alert" className="text-xs text-failing">{fieldErrors(reject.error).reason}</p> : null}
      <RollbackDialog deploy={rollback ? d : null} onClose={() => setRollback(false)} />
    </div>
  );
}

const STEP_LABEL: Record<string, string> = {
  requested: "Requested",
  approval: "Approval",
  approved: "Approved",
  rejected: "Rejected",
  expired: "Approval expired",
  cancelled: "Cancelled",
  "break-glass": "Freeze broken",
  start: "Start",
  rollout: "Rollout",
  canary: "Canary",
  analysis: "Canary analysis",
  promote: "Promotion",
  verify: "Verification",
  succeeded: "Succeeded",
  failed: "Failed",
  "auto-rollback": "Automatic rollback",
  rolled_back: "Rolled back",
  resumed: "Worker resumed",
};

function Timeline({ steps }: { steps: Detail["steps"] }) {
  useNow(1000);
  return (
    <ol className="space-y-0 px-4 py-3" data-testid="timeline">
      {steps.map((s, i) => {
        const icon =
          s.status === "running" ? <LoaderCircle className="size-4 animate-spin text-accent" /> : s.status === "succeeded" ? <CircleCheck className="size-4 text-healthy" /> : s.status === "failed" ? <CircleX className="size-4 text-failing" /> : <CircleDot className="size-4 text-muted" />;
        const replicas = (s.data as { replicas?: { desired: number; updated: number; ready: number; available: number } } | null)?.replicas;
        return (
          <li key={s.id} className="relative flex gap-3 pb-4" data-testid="timeline-step" data-step={s.name} data-status={s.status}>
            {i < steps.length - 1 ? <span className="absolute left-[7px] top-5 h-[calc(100%-1rem)] w-px bg-border" aria-hidden /> : null}
            <span className="relative mt-0.5 shrink-0">{icon}</span>
            <div className="min-w-0 flex-1">
              <div className="flex items-baseline justify-between gap-2">
                <span className="text-sm font-medium">{STEP_LABEL[s.name] ?? s.name}</span>
                <span className="shrink-0 text-xs text-muted" title={new Date(s.startedAt).toLocaleString()}>
                  {s.status === "running" ? duration(s.startedAt, null) : s.finishedAt && s.finishedAt > s.startedAt ? duration(s.startedAt, s.finishedAt) : new Date(s.startedAt).toLocaleTimeString()}
                </span>
              </div>
              {s.message ? <p className="break-words text-xs text-muted">{s.message}</p> : null}
              {replicas && s.status === "running" ? (
                <p className="mt-0.5 font-mono text-xs">{replicas.updated}/{replicas.desired} updated · {replicas.ready} ready · {replicas.available} available</p>
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function Analysis({ d }: { d: Detail }) {
  const c = d.canary;
  return (
    <Card data-testid="canary-analysis">
      <CardHeader
        title="Canary analysis"
        description={c ? `${c.intervals} intervals of ${c.intervalSeconds} s · fails when the canary's error rate exceeds stable's by more than ${(c.maxErrorRateIncrease * 100).toFixed(1)} points or its p95 latency is over ×${c.maxLatencyRatio}` : undefined}
      />
      <div className="space-y-3 p-4">
        {d.analysis.length ? <AnalysisChart points={d.analysis} /> : <p className="text-sm text-muted">{ACTIVE.has(d.state) ? "The first interval has not finished yet." : "No analysis ran."}</p>}
        {d.analysis.length ? (
          <Table>
            <thead>
              <tr>
                <Th>#</Th>
                <Th>Verdict</Th>
                <Th>Detail</Th>
              </tr>
            </thead>
            <tbody>
              {d.analysis.map((a) => (
                <Tr key={a.id} data-testid="analysis-row" data-verdict={a.verdict}>
                  <Td className="font-mono text-xs">{a.interval}</Td>
                  <Td><Badge tone={a.verdict === "pass" ? "healthy" : "failing"}>{a.verdict === "error" ? "no verdict" : a.verdict}</Badge></Td>
                  <Td className="text-xs text-muted">{a.message}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        ) : null}
      </div>
    </Card>
  );
}

function LivePods({ entityRef, environment, image }: { entityRef: string; environment: string; image: string }) {
  const trpc = useTRPC();
  const [view, setView] = useState<WorkloadView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useSubscription(trpc.deploys.watchWorkload.subscriptionOptions({ entityRef, environment }, { onData: (v) => (setView(v), setError(null)), onError: (e) => setError(e.message) }));
  let body: ReactNode;
  if (!view) body = error ? <div className="p-4"><ErrorNote error={{ message: error }} /></div> : <div className="space-y-2 p-4"><Skeleton className="h-6 w-full" /><Skeleton className="h-20 w-full" /></div>;
  else {
    body = (
      <>
        {view.status === "error" ? <div className="px-4 pt-3"><ErrorNote error={{ message: view.error ?? "cluster error" }} /></div> : null}
        {view.workload ? (
          <div className="space-y-2 px-4 py-3">
            <ReplicaMeters replicas={view.workload.replicas} />
            <p className="text-xs text-muted">{view.workload.rollout}</p>
          </div>
        ) : null}
        <PodsTable pods={view.pods} image={image} />
      </>
    );
  }
  return (
    <Card data-testid="live-pods">
      <CardHeader title="Pods (live)" description={view?.workload ? `Running now: ${view.workload.version} · revision ${view.workload.revision}` : undefined} />
      {body}
    </Card>
  );
}

function DetailSkeleton() {
  return (
    <div className="space-y-4" aria-busy="true" aria-label="Loading deploy">
      <Skeleton className="h-4 w-48" />
      <Skeleton className="h-8 w-96" />
      <div className="grid gap-4 min-[1100px]:grid-cols-[22rem_1fr]">
        <Skeleton className="h-72 w-full" />
        <Skeleton className="h-72 w-full" />
      </div>
    </div>
  );
}
