"use client";
import dynamic from "next/dynamic";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { Fragment, useState } from "react";
import { toast } from "sonner";
import { AlertTriangle, ExternalLink, GitBranch, Play, RotateCcw, Square, Workflow } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, Skeleton, TableSkeleton } from "@/components/ui/states";
import { DetailRow, RowToggle, Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { ago } from "@/components/ui/time";
import { formatDuration, PROVIDER_SHORT, RUN_LABEL, runTone } from "./format";
import { RunLog } from "./run-log";
import { TriggerForm } from "./trigger-form";

// recharts only loads with this chunk, when a CI section with finished runs renders.
const DurationsChart = dynamic(() => import("./durations-chart"), { ssr: false, loading: () => <Skeleton className="h-[140px] w-full" /> });

type Overview = RouterOutputs["ci"]["runs"];
type Run = Overview["runs"][number];
type Binding = Overview["bindings"][number];

/** The CI tab of a service: how it builds, recent runs across providers, durations, trigger / re-run / cancel. */
export function CiSection({ entityRef }: { entityRef: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [provider, setProvider] = useState<"" | Run["provider"]>("");
  const [limit, setLimit] = useState(15);
  const [open, setOpen] = useState<string | null>(null);
  const [triggering, setTriggering] = useState(false);
  const input = { entityRef, limit, ...(provider ? { provider: provider as "github" } : {}) };
  const q = useQuery(trpc.ci.runs.queryOptions(input, { placeholderData: keepPreviousData }));
  const me = useQuery(trpc.me.current.queryOptions());
  const canTrigger = Boolean(me.data?.permissions.includes("ci.trigger"));

  // Webhooks, polls and the runner announce changes; the list refetches (no polling loop in the browser).
  useSubscription(
    trpc.ci.watchEntity.subscriptionOptions(
      { entityRef },
      { onData: () => void qc.invalidateQueries({ queryKey: trpc.ci.runs.queryKey() }) },
    ),
  );
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.ci.runs.queryKey() });
  const rerun = useMutation(trpc.ci.rerun.mutationOptions({ onSuccess: (r) => { toast.success(r.message); if (r.runId) setOpen(r.runId); refresh(); }, onError: (e) => toast.error(e.message) }));
  const cancel = useMutation(trpc.ci.cancel.mutationOptions({ onSuccess: () => { toast.success("Cancel requested"); refresh(); }, onError: (e) => toast.error(e.message) }));

  const data = q.data;
  const demo = data?.bindings.some((b) => b.demo) || data?.runs.some((r) => r.demo);
  return (
    <Card id="ci" data-testid="ci-section" aria-busy={q.isFetching}>
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <Workflow className="size-4 text-muted" aria-hidden /> CI / CD
            {demo ? <Badge tone="degraded" className="font-normal">demo: recorded runs</Badge> : null}
          </span>
        }
        description="Recent runs across GitHub Actions, GitLab CI, Jenkins and the built-in runner"
        actions={
          canTrigger && data?.bindings.length ? (
            <Button size="sm" variant="primary" onClick={() => setTriggering((v) => !v)} aria-expanded={triggering}>
              <Play className="size-3.5" /> Run pipeline
            </Button>
          ) : null
        }
      />
      {q.error ? (
        <div className="p-4"><ErrorNote error={q.error} /></div>
      ) : !data ? (
        <TableSkeleton rows={5} />
      ) : !data.bindings.length ? (
        <div className="p-4">
          <EmptyState icon={<GitBranch className="size-6" />} title="No CI configured for this service">
            Add <code>github.com/project-slug</code>, <code>gitlab.com/project-slug</code>, <code>jenkins.io/job-full-name</code> or <code>opsdeck.dev/workdir</code> to its descriptor&apos;s annotations.
          </EmptyState>
        </div>
      ) : (
        <>
          <Bindings bindings={data.bindings} />
          {triggering ? (
            <div className="border-b border-border px-4 py-3">
              <TriggerForm
                entityRef={entityRef}
                onCancel={() => setTriggering(false)}
                onStarted={(runId, message) => {
                  toast.success(message);
                  setTriggering(false);
                  if (runId) setOpen(runId);
                  refresh();
                }}
              />
            </div>
          ) : null}
          {data.durations.length > 1 ? (
            <div className="border-b border-border px-4 py-3">
              <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted">Duration of the last {data.durations.length} finished runs</h3>
              <DurationsChart points={data.durations} />
            </div>
          ) : null}
          <div className="flex items-center justify-between gap-2 px-4 pt-3">
            <h3 className="text-xs font-semibold uppercase tracking-wide text-muted">Runs</h3>
            <label className="flex items-center gap-2 text-xs text-muted">
              Provider
              <Select value={provider} onChange={(e) => setProvider(e.target.value as Run["provider"])} aria-label="Filter runs by provider" className="h-7 text-xs">
                <option value="">all</option>
                {data.bindings.map((b) => <option key={b.provider} value={b.provider}>{b.label}</option>)}
              </Select>
            </label>
          </div>
          {data.runs.length ? (
            <Table aria-label="CI runs">
              <thead>
                <tr>
                  <Th className="w-6" />
                  <Th>Status</Th>
                  <Th>Pipeline</Th>
                  <Th>Commit</Th>
                  <Th>Started</Th>
                  <Th className="text-right">Duration</Th>
                  <Th>Version</Th>
                  <Th className="text-right">Actions</Th>
                </tr>
              </thead>
              <tbody>
                {data.runs.map((r) => (
                  <Fragment key={r.id}>
                    <RunRow run={r} open={open === r.id} onToggle={() => setOpen(open === r.id ? null : r.id)} canTrigger={canTrigger} onRerun={() => rerun.mutate({ id: r.id })} onCancel={() => cancel.mutate({ id: r.id })} busy={rerun.isPending || cancel.isPending} />
                    {open === r.id ? (
                      <DetailRow colSpan={8}>
                        {r.provider === "builtin" ? <RunLog runId={r.id} entityRef={entityRef} /> : <ExternalRun id={r.id} />}
                      </DetailRow>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </Table>
          ) : (
            <p className="px-4 py-6 text-sm text-muted">No runs yet{provider ? " for this provider" : ""}.</p>
          )}
          {data.nextCursor ? (
            <div className="px-4 py-2">
              <Button size="sm" variant="ghost" onClick={() => setLimit((l) => Math.min(100, l + 25))}>Show more</Button>
            </div>
          ) : null}
        </>
      )}
    </Card>
  );
}

function Bindings({ bindings }: { bindings: Binding[] }) {
  return (
    <ul className="flex flex-wrap gap-2 border-b border-border px-4 py-3" aria-label="CI providers">
      {bindings.map((b) => (
        <li key={b.provider} className="min-w-0 rounded-md border border-border px-2.5 py-1.5 text-xs" data-provider={b.provider}>
          <div className="flex items-center gap-1.5">
            <span className="font-semibold">{b.label}</span>
            <code className="truncate font-mono text-muted">{b.provider === "builtin" ? b.target.split("/").slice(-2).join("/") : b.target}</code>
            {b.demo ? <Badge tone="degraded">demo</Badge> : null}
            {b.webhook ? <Badge tone="healthy">webhook</Badge> : null}
          </div>
          {b.lastError || b.problem ? (
            <p role="alert" className="mt-1 flex max-w-xl items-start gap-1 text-failing">
              <AlertTriangle className="mt-px size-3.5 shrink-0" /> {b.lastError ?? b.problem}
            </p>
          ) : b.lastPolledAt ? (
            <p className="mt-0.5 text-muted">polled {ago(b.lastPolledAt)}{b.nextPollAt ? ` · next ${new Date(b.nextPollAt).toLocaleTimeString()}` : ""}</p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function RunRow({ run: r, open, onToggle, canTrigger, onRerun, onCancel, busy }: { run: Run; open: boolean; onToggle: () => void; canTrigger: boolean; onRerun: () => void; onCancel: () => void; busy: boolean }) {
  const active = r.status === "queued" || r.status === "running";
  return (
    <Tr data-run={r.id} data-status={r.status} className={cn(open && "bg-subtle/60")}>
      <Td className="pr-0">
        <RowToggle open={open} onToggle={onToggle} what={`details of ${r.pipeline} ${r.number ? `#${r.number}` : ""}`} />
      </Td>
      <Td><Badge tone={runTone(r.status)}>{RUN_LABEL[r.status] ?? r.status}</Badge></Td>
      <Td className="min-w-40">
        <div className="font-medium">{r.pipeline}{r.number ? <span className="text-muted"> #{r.number}</span> : null}{r.attempt > 1 ? <span className="text-muted"> (attempt {r.attempt})</span> : null}</div>
        <div className="text-xs text-muted">{PROVIDER_SHORT[r.provider] ?? r.provider}{r.event ? ` · ${r.event}` : ""}{r.actor ? ` · ${r.actor}` : ""}{r.demo ? " · demo" : ""}</div>
      </Td>
      <Td className="max-w-72">
        {r.commitSha ? <code className="font-mono text-xs">{r.commitSha.slice(0, 7)}</code> : <span className="text-muted">—</span>}
        {r.branch ? <span className="ml-1.5 text-xs text-muted">{r.branch}</span> : null}
        {r.commitMessage ? <div className="truncate text-xs text-muted" title={r.commitMessage}>{r.commitMessage}</div> : null}
      </Td>
      <Td className="whitespace-nowrap text-xs" title={r.startedAt ? new Date(r.startedAt).toLocaleString() : undefined}>{ago(r.startedAt ?? r.createdAt)}</Td>
      <Td className="whitespace-nowrap text-right font-mono text-xs">{formatDuration(r.durationSeconds)}</Td>
      <Td>{r.version ? <code className="font-mono text-xs">{r.version}</code> : <span className="text-muted">—</span>}</Td>
      <Td className="whitespace-nowrap text-right">
        <div className="inline-flex gap-1">
          {r.url ? (
            <a href={r.url} target="_blank" rel="noreferrer noopener" className="inline-flex h-7 items-center gap-1 rounded-md px-2 text-xs hover:bg-subtle" aria-label="Open in the CI provider">
              <ExternalLink className="size-3.5" />
            </a>
          ) : null}
          {canTrigger && r.provider === "builtin" && active ? (
            <Button size="sm" variant="ghost" onClick={onCancel} disabled={busy || Boolean(r.cancelRequestedAt)} aria-label={`Cancel run ${r.number ?? ""}`}>
              <Square className="size-3.5" /> Cancel
            </Button>
          ) : null}
          {canTrigger && !active && !r.demo ? (
            <Button size="sm" variant="ghost" onClick={onRerun} disabled={busy} aria-label={`Re-run ${r.pipeline} ${r.number ?? ""}`}>
              <RotateCcw className="size-3.5" /> Re-run
            </Button>
          ) : null}
        </div>
      </Td>
    </Tr>
  );
}

/** An external run: its jobs and steps as the vendor reports them (asked when opened). */
function ExternalRun({ id }: { id: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.ci.run.queryOptions({ id }, { staleTime: 15_000 }));
  if (q.error) return <ErrorNote error={q.error} />;
  if (q.isPending) return <Skeleton className="h-16 w-full" />;
  const { run, jobs, jobsError, logUrl } = q.data;
  return (
    <div className="space-y-2 text-sm">
      {run.message ? <p className="text-muted">{run.message}</p> : null}
      {jobsError ? <p className="text-xs text-muted">{jobsError}</p> : null}
      {jobs.length ? (
        <ul className="flex flex-wrap gap-2">
          {jobs.map((j) => (
            <li key={j.id} className="rounded-md border border-border px-2.5 py-1.5 text-xs">
              <div className="flex items-center gap-1.5 font-semibold"><Badge tone={runTone(j.status)}>{RUN_LABEL[j.status]}</Badge> {j.stage ? <span className="text-muted">{j.stage} ›</span> : null} {j.name}</div>
              {j.steps.length ? <div className="mt-1 text-muted">{j.steps.length} steps</div> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {logUrl ? <a className="inline-flex items-center gap-1 text-xs text-accent hover:underline" href={logUrl} target="_blank" rel="noreferrer noopener"><ExternalLink className="size-3" /> Logs in the provider</a> : null}
    </div>
  );
}
