"use client";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useMemo, useState } from "react";
import { toast } from "sonner";
import { Ban, Check, ChevronRight, CircleCheck, CircleDashed, CircleMinus, CircleX, Clock, Download, FileArchive, Hand, LoaderCircle, RotateCcw, X } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Input } from "@/components/ui/input";
import { EmptyState, ErrorNote, Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { LogViewer, toLines, type LogChunk } from "./log-viewer";
import { RunStateBadge } from "./run-state-badge";
import { RUN_STATE_LABEL, TERMINAL, elapsed, formatMs, when } from "./format";
import { displayValue } from "./param-schema";

type RunData = RouterOutputs["runbooks"]["run"];
type Snapshot = RunData["run"];
type StepRow = Snapshot["steps"][number];

const STEP_ICON: Record<string, { icon: typeof Check; tone: string; spin?: boolean }> = {
  pending: { icon: CircleDashed, tone: "text-muted" },
  running: { icon: LoaderCircle, tone: "text-accent", spin: true },
  awaiting_approval: { icon: Hand, tone: "text-degraded" },
  succeeded: { icon: CircleCheck, tone: "text-healthy" },
  failed: { icon: CircleX, tone: "text-failing" },
  timed_out: { icon: Clock, tone: "text-failing" },
  cancelled: { icon: Ban, tone: "text-muted" },
  interrupted: { icon: CircleX, tone: "text-failing" },
  skipped: { icon: CircleMinus, tone: "text-muted" },
};

/** A tick every second while something is moving, for live durations. */
function useNow(active: boolean) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** /runbooks/runs/<id>: the live run — steps with states and durations, streaming log, approve / cancel, downloads. */
export function RunView({ id }: { id: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const detail = useQuery(trpc.runbooks.run.queryOptions({ id }, { retry: (n, err) => n < 2 && err.data?.code !== "NOT_FOUND" }));
  const tail = useQuery(trpc.runbooks.log.queryOptions({ id, limit: 1000 }, { staleTime: Infinity, refetchOnWindowFocus: false }));
  const [live, setLive] = useState<Snapshot | null>(null);
  const [chunks, setChunks] = useState<LogChunk[]>([]);
  const [earlier, setEarlier] = useState<{ chunks: LogChunk[]; hasEarlier: boolean } | null>(null);
  const [stepFilter, setStepFilter] = useState<number | null>(null);

  const base = useMemo(() => tail.data?.chunks ?? [], [tail.data]);
  const run = live ?? detail.data?.run ?? null;
  const ended = run ? TERMINAL.has(run.state) : false;

  useSubscription(
    trpc.runbooks.watch.subscriptionOptions(
      { id, afterSeq: base[base.length - 1]?.seq ?? 0 },
      {
        enabled: tail.isSuccess && !(detail.data && TERMINAL.has(detail.data.run.state) && (detail.data.run.lastSeq ?? 0) <= (base[base.length - 1]?.seq ?? 0)),
        onData: (ev) => {
          if (ev.type === "run") {
            setLive((prev) => {
              if (prev?.state !== ev.run.state) void qc.invalidateQueries({ queryKey: trpc.runbooks.run.queryKey({ id }) });
              return ev.run;
            });
          } else {
            setChunks((prev) => {
              const last = prev.length ? prev[prev.length - 1]!.seq : 0;
              return [...prev, ...ev.chunks.filter((c) => c.seq > last)];
            });
          }
        },
      },
    ),
  );

  const loadEarlier = useMutation({
    mutationFn: async () => {
      const first = (earlier?.chunks[0] ?? base[0])?.seq;
      if (!first) return;
      const page = await qc.fetchQuery(trpc.runbooks.log.queryOptions({ id, before: first, limit: 1000 }));
      setEarlier((prev) => ({ chunks: [...page.chunks, ...(prev?.chunks ?? [])], hasEarlier: page.hasEarlier }));
    },
  });

  const all = useMemo(() => [...(earlier?.chunks ?? []), ...base, ...chunks.filter((c) => c.seq > (base[base.length - 1]?.seq ?? 0))], [earlier, base, chunks]);
  const lines = useMemo(() => toLines(stepFilter === null ? all : all.filter((c) => c.step === stepFilter)), [all, stepFilter]);
  const now = useNow(!ended);

  if (detail.error?.data?.code === "NOT_FOUND") return <EmptyState title="No such run">It may have been removed with its runbook. <Link href="/runbooks/runs" className="text-accent underline">Run history</Link></EmptyState>;
  if (detail.error) return <ErrorNote error={detail.error} />;
  if (!run || !detail.data) return <RunSkeleton />;
  const viewer = detail.data.viewer;
  const params = detail.data.params;
  const stepNames = Object.fromEntries(run.steps.map((s) => [s.index, s.name]));
  const duration = run.state === "queued" || run.state === "missed" || run.state === "skipped" ? null : elapsed(run.startedAt ?? run.createdAt, run.finishedAt, now);
  const hasEarlier = earlier ? earlier.hasEarlier : Boolean(tail.data?.hasEarlier);

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 flex items-center gap-1 text-xs text-muted">
        <Link href="/runbooks" className="hover:text-fg hover:underline">Runbooks</Link>
        <ChevronRight className="size-3" aria-hidden />
        <Link href={`/runbooks/${run.runbook.name}`} className="hover:text-fg hover:underline">{run.runbook.name}</Link>
        <ChevronRight className="size-3" aria-hidden />
        <span className="font-mono text-fg">run {id.slice(0, 8)}</span>
      </nav>
      <div className="mb-4 flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold tracking-tight">
            {run.runbook.title} <RunStateBadge state={run.state} className="text-sm" />
          </h1>
          <p className="mt-1 text-xs text-muted">
            {run.trigger === "schedule" ? `scheduled (${run.scheduleId})` : `started by ${run.requestedBy}`} · {when(run.createdAt)} · v{run.version}
            {duration !== null ? <> · <span data-testid="run-duration">{formatMs(duration)}</span></> : null}
          </p>
          {Object.keys(run.params as object).length ? (
            <dl className="mt-2 flex flex-wrap gap-1.5 text-xs" data-testid="run-params">
              {Object.entries(run.params as Record<string, unknown>).map(([k, v]) => (
                <div key={k} className="rounded border border-border bg-card px-1.5 py-0.5">
                  <dt className="inline text-muted">{params.find((p) => p.name === k)?.label ?? k}: </dt>
                  <dd className="inline font-mono">{displayValue(params.find((p) => p.name === k), v as never)}</dd>
                </div>
              ))}
            </dl>
          ) : null}
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <a href={`/api/runbooks/runs/${id}/log`} className="inline-flex h-8 items-center gap-1.5 rounded-md border border-border bg-card px-3 text-sm font-medium hover:bg-subtle" download>
            <Download className="size-4" /> Log
          </a>
          {run.artifacts.length ? (
            <a href={`/api/runbooks/runs/${id}/log?bundle=1`} className="inline-flex h-8 items-center gap-1.5 rounded-md border border-border bg-card px-3 text-sm font-medium hover:bg-subtle" download>
              <FileArchive className="size-4" /> Bundle ({run.artifacts.length + 1} files)
            </a>
          ) : null}
          {!ended ? <CancelButton id={id} can={viewer.canCancel} pending={Boolean(run.cancelRequestedAt)} /> : null}
          {ended ? (
            <Link href={`/runbooks/${run.runbook.name}`} className="inline-flex h-8 items-center gap-1.5 rounded-md border border-border bg-card px-3 text-sm font-medium hover:bg-subtle">
              <RotateCcw className="size-4" /> Run again
            </Link>
          ) : null}
        </div>
      </div>

      {run.message && ended ? (
        <p className={cn("mb-4 rounded-md border px-3 py-2 text-sm", run.state === "succeeded" ? "border-healthy/30 bg-healthy/5" : "border-failing/30 bg-failing/5")} data-testid="run-message">
          {RUN_STATE_LABEL[run.state]}: {run.message}
        </p>
      ) : null}
      {run.state === "awaiting_approval" ? <ApprovalPanel run={run} viewer={viewer} id={id} /> : null}

      <div className="grid gap-4 min-[1100px]:grid-cols-[20rem_minmax(0,1fr)]">
        <div className="min-w-0 space-y-4">
          <Card>
            <CardHeader title="Steps" description={stepFilter !== null ? <button type="button" className="text-accent hover:underline" onClick={() => setStepFilter(null)}>Show all output</button> : "Select a step to see only its output"} />
            <ol className="divide-y divide-border" data-testid="run-steps">
              {run.steps.map((s) => (
                <StepItem key={s.index} s={s} now={now} selected={stepFilter === s.index} onSelect={() => setStepFilter(stepFilter === s.index ? null : s.index)} />
              ))}
            </ol>
          </Card>
          {run.artifacts.length ? (
            <Card>
              <CardHeader title="Files" description="Stored with the run (redacted); all of them are in the bundle." />
              <ul className="divide-y divide-border text-sm">
                {run.artifacts.map((a) => (
                  <li key={a.name} className="flex justify-between px-4 py-1.5"><span className="font-mono text-xs">{a.name}</span><span className="text-xs text-muted">{(a.size / 1024).toFixed(1)} KiB</span></li>
                ))}
              </ul>
            </Card>
          ) : null}
        </div>
        <Card className="min-w-0">
          <CardHeader
            title={stepFilter !== null ? `Output of ${stepNames[stepFilter] ?? `step ${stepFilter + 1}`}` : "Output"}
            description={ended ? `${lines.length.toLocaleString()} lines` : <span className="flex items-center gap-1"><span className="size-1.5 animate-pulse rounded-full bg-healthy" /> live</span>}
          />
          {tail.isPending ? <Skeleton className="m-4 h-64" /> : null}
          <ErrorNote error={tail.error} />
          {tail.isSuccess ? (
            <LogViewer
              lines={lines}
              stepNames={stepNames}
              hasEarlier={stepFilter === null && hasEarlier}
              onLoadEarlier={() => loadEarlier.mutate()}
              loadingEarlier={loadEarlier.isPending}
              emptyText={run.state === "queued" ? "Waiting for a worker to pick the run up…" : run.state === "awaiting_approval" ? "Waiting for approval…" : "No output."}
            />
          ) : null}
        </Card>
      </div>
    </>
  );
}

function StepItem({ s, now, selected, onSelect }: { s: StepRow; now: number; selected: boolean; onSelect: () => void }) {
  const meta = STEP_ICON[s.state] ?? STEP_ICON.pending!;
  const Icon = meta.icon;
  const ms = s.durationMs ?? (s.state === "running" ? elapsed(s.startedAt, null, now) : null);
  return (
    <li data-step={s.stepId} data-state={s.state}>
      <button type="button" onClick={onSelect} className={cn("flex w-full items-start gap-2.5 px-4 py-2 text-left hover:bg-subtle/60", selected && "bg-subtle")} aria-pressed={selected}>
        <Icon className={cn("mt-0.5 size-4 shrink-0", meta.tone, meta.spin && "animate-spin")} aria-label={RUN_STATE_LABEL[s.state] ?? s.state} />
        <span className="min-w-0 flex-1">
          <span className="flex items-baseline justify-between gap-2">
            <span className="truncate text-sm font-medium">{s.name}</span>
            <span className="shrink-0 text-xs tabular-nums text-muted">{ms !== null ? formatMs(ms) : ""}</span>
          </span>
          <span className="flex flex-wrap items-center gap-1 text-xs text-muted">
            <span>{s.type}</span>
            {s.attempts > 1 ? <Badge>{s.attempts} attempts</Badge> : null}
            {s.exitCode !== null && s.exitCode !== 0 ? <Badge tone="failing">exit {s.exitCode}</Badge> : null}
          </span>
          {s.message && s.state !== "succeeded" ? <span className="mt-0.5 block text-xs text-muted">{s.message}</span> : null}
        </span>
      </button>
    </li>
  );
}

function CancelButton({ id, can, pending }: { id: string; can: boolean; pending: boolean }) {
  const trpc = useTRPC();
  const [confirming, setConfirming] = useState(false);
  const cancel = useMutation(trpc.runbooks.cancel.mutationOptions({ onSuccess: (r) => toast(r.pending ? "Cancelling: stopping the step's processes…" : "Run cancelled"), onError: (e) => toast.error(e.message) }));
  if (!can) return null;
  if (pending || cancel.data?.pending) return <Button disabled><LoaderCircle className="size-4 animate-spin" /> Cancelling…</Button>;
  if (!confirming) return <Button variant="danger" onClick={() => setConfirming(true)}><X className="size-4" /> Cancel run</Button>;
  return (
    <span className="flex items-center gap-1.5 text-sm">
      Stop it?
      <Button variant="danger" onClick={() => cancel.mutate({ id })} disabled={cancel.isPending}>Yes, cancel</Button>
      <Button variant="ghost" onClick={() => setConfirming(false)}>No</Button>
    </span>
  );
}

function ApprovalPanel({ run, viewer, id }: { run: Snapshot; viewer: RunData["viewer"]; id: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [comment, setComment] = useState("");
  const gate = run.approval as { gate: number; approvers: number; role: string; teams: string[]; message?: string } | null;
  const decide = useMutation(
    trpc.runbooks.decide.mutationOptions({
      onSuccess: (r) => {
        toast.success(r.state === "running" ? "Approved: the run continues" : r.state === "cancelled" ? "Rejected: the run is cancelled" : `Approved (${r.approvals} of ${r.needed})`);
        void qc.invalidateQueries({ queryKey: trpc.runbooks.run.queryKey({ id }) });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  if (!gate) return null;
  const given = run.approvals.filter((a) => a.gate === gate.gate);
  const approvals = given.filter((a) => a.decision === "approved").length;
  return (
    <div className="mb-4 rounded-lg border border-degraded/40 bg-degraded/5 p-4" data-testid="approval-panel">
      <p className="flex items-center gap-1.5 text-sm font-semibold"><Hand className="size-4 text-degraded" /> Waiting for approval: {approvals} of {gate.approvers} from {gate.role} in {gate.teams.includes("*") ? "any team" : gate.teams.join(" or ")}</p>
      {gate.message ? <p className="mt-1 text-sm">{gate.message}</p> : null}
      {given.length ? (
        <ul className="mt-2 space-y-0.5 text-xs text-muted">
          {given.map((a) => <li key={a.userLabel}>{a.decision === "approved" ? "✓" : "✗"} {a.userLabel} {a.comment ? `— “${a.comment}”` : ""} ({when(a.createdAt)})</li>)}
        </ul>
      ) : null}
      {run.approvalDeadline ? <p className="mt-1 text-xs text-muted">Times out {when(run.approvalDeadline)}.</p> : null}
      {viewer.canApprove ? (
        <div className="mt-3 flex flex-wrap items-center gap-2">
          <Input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="Comment (optional)" className="min-w-60 flex-1" aria-label="Approval comment" />
          <Button variant="primary" onClick={() => decide.mutate({ id, decision: "approved", comment })} disabled={decide.isPending}><Check className="size-4" /> Approve</Button>
          <Button variant="danger" onClick={() => decide.mutate({ id, decision: "rejected", comment })} disabled={decide.isPending}><X className="size-4" /> Reject</Button>
        </div>
      ) : viewer.approveRefusal ? (
        <p className="mt-2 text-xs text-muted" data-testid="approve-refusal">{viewer.approveRefusal}</p>
      ) : null}
    </div>
  );
}

function RunSkeleton() {
  return (
    <div className="space-y-4" aria-busy="true" aria-label="Loading">
      <Skeleton className="h-8 w-80" />
      <div className="grid gap-4 min-[1100px]:grid-cols-[20rem_minmax(0,1fr)]">
        <Skeleton className="h-64" />
        <Skeleton className="h-96" />
      </div>
    </div>
  );
}
