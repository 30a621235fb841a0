"use client";
import Link from "next/link";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useState } from "react";
import { toast } from "sonner";
import { AlertTriangle, CloudOff, Lock, LoaderCircle, Rocket, RotateCw, Scaling, Snowflake } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge, StatusDot } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorNote, Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { DeployDialog } from "./deploy-dialog";
import { RollbackDialog, ScaleDialog } from "./action-dialogs";
import { EventsList, HistoryTable, PodsTable, ReplicaMeters, type WorkloadView } from "./workload-parts";
import { DeployStateBadge } from "./state-badge";
import { serviceName } from "./format";

/**
 * The Deploys section of a Component's page: one tab per environment with the live Deployment (version, replicas,
 * pods, events — streamed from Kubernetes watches) and its deploy history; Deploy, Restart and Scale actions.
 */
export function DeploysSection({ entityRef }: { entityRef: string }) {
  const trpc = useTRPC();
  const envs = useQuery(trpc.deploys.environments.queryOptions(undefined, { staleTime: 60_000 }));
  const [selected, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ environment: string; version?: string } | null>(null);
  const list = envs.data?.environments ?? [];
  const current = selected ?? list[0]?.name ?? null;

  return (
    <Card id="deploys" data-testid="deploys-section">
      <CardHeader
        title="Deploys"
        description="Live from Kubernetes: what runs in each environment, its pods and events, and the deploy history."
      />
      {envs.isPending ? (
        <div className="space-y-2 p-4"><Skeleton className="h-8 w-1/2" /><Skeleton className="h-24 w-full" /></div>
      ) : envs.error ? (
        <div className="p-4"><ErrorNote error={envs.error} /></div>
      ) : !list.length ? (
        <div className="p-4">
          <EmptyState icon={<CloudOff className="size-6" />} title="No environments configured">
            Set <code>OPSDECK_KUBECONFIG</code> and <code>OPSDECK_ENVIRONMENTS</code> to deploy from here (docs/deploys.md).
          </EmptyState>
        </div>
      ) : (
        <>
          <div role="tablist" aria-label="Environments" className="flex gap-1 border-b border-border px-3 pt-2">
            {list.map((e) => (
              <button
                key={e.name}
                role="tab"
                aria-selected={e.name === current}
                onClick={() => setSelected(e.name)}
                data-testid={`env-tab-${e.name}`}
                className={cn(
                  "-mb-px flex items-center gap-1.5 rounded-t-md border border-b-0 px-3 py-1.5 text-sm",
                  e.name === current ? "border-border bg-card font-medium" : "border-transparent text-muted hover:text-fg",
                )}
              >
                {e.name}
                {e.protected ? <Lock className="size-3" aria-label="protected" /> : null}
                {e.freeze ? <Snowflake className="size-3 text-failing" aria-label="frozen" /> : null}
              </button>
            ))}
          </div>
          {current ? (
            <EnvironmentPanel
              key={current}
              entityRef={entityRef}
              env={list.find((e) => e.name === current)!}
              onDeploy={(version) => setDialog({ environment: current, version })}
            />
          ) : null}
        </>
      )}
      {dialog ? (
        <DeployDialog
          key={`${dialog.environment}-${dialog.version ?? ""}`}
          open
          onOpenChange={(o) => !o && setDialog(null)}
          entityRef={entityRef}
          environments={list}
          environment={dialog.environment}
          version={dialog.version}
        />
      ) : null}
    </Card>
  );
}

type Env = { name: string; protected: boolean; autoRollback: boolean; namespace: string; context: string; freeze: { reason: string; endsAt: Date } | null };

function EnvironmentPanel({ entityRef, env, onDeploy }: { entityRef: string; env: Env; onDeploy: (version?: string) => void }) {
  const trpc = useTRPC();
  const [view, setView] = useState<WorkloadView | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  const [rollback, setRollback] = useState<WorkloadView["history"][number] | null>(null);
  const [scaling, setScaling] = useState(false);
  useSubscription(
    trpc.deploys.watchWorkload.subscriptionOptions(
      { entityRef, environment: env.name },
      {
        onData: (v) => {
          setView(v);
          setStreamError(null);
        },
        onError: (e) => setStreamError(e.message),
      },
    ),
  );
  const restart = useMutation(
    trpc.deploys.restart.mutationOptions({
      onSuccess: (r) => toast.success(`Restarting ${r.workload}`),
      onError: (e) => toast.error(e.message),
    }),
  );

  if (streamError && !view) return <div className="p-4"><ErrorNote error={{ message: streamError }} /></div>;
  if (!view) {
    return (
      <div className="space-y-3 p-4" aria-busy="true" aria-label="Loading workload">
        <Skeleton className="h-10 w-1/3" />
        <Skeleton className="h-4 w-full" />
        <Skeleton className="h-24 w-full" />
      </div>
    );
  }
  const w = view.workload;
  return (
    <div data-testid={`env-panel-${env.name}`} data-status={view.status}>
      <div className="flex flex-wrap items-start justify-between gap-4 px-4 py-3">
        <div className="min-w-0 space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            {w ? (
              <>
                <StatusDot status={view.status === "error" ? "unknown" : w.rolloutState === "complete" ? "healthy" : w.rolloutState === "failed" ? "failing" : "degraded"} />
                <span className="font-mono text-lg font-semibold" data-testid="current-version">{w.version ?? "?"}</span>
                <span className="truncate text-xs text-muted" title={w.image ?? undefined}>{w.image}</span>
              </>
            ) : null}
            {view.active ? (
              <Link href={`/deploys/${view.active.id}`} className="flex items-center gap-1.5 text-xs" data-testid="active-deploy">
                <DeployStateBadge state={view.active.state} /> <span className="text-accent hover:underline">{view.active.kind === "rollback" ? "rollback" : "deploy"} of {view.active.toVersion}</span>
              </Link>
            ) : null}
          </div>
          <div className="text-xs text-muted">
            {env.context} / {env.namespace}
            {w ? ` · Deployment ${w.name} · revision ${w.revision}` : ""}
            {env.protected ? " · protected" : ""}
            {env.autoRollback ? " · auto-rollback" : ""}
          </div>
          {env.freeze ? (
            <div className="flex items-center gap-1 text-xs text-failing"><Snowflake className="size-3" /> Frozen until {new Date(env.freeze.endsAt).toLocaleString()}{env.freeze.reason ? ` (${env.freeze.reason})` : ""}</div>
          ) : null}
        </div>
        {w ? (
          <div className="flex items-center gap-2">
            <Button size="sm" onClick={() => restart.mutate({ entityRef, environment: env.name })} disabled={restart.isPending} title="kubectl rollout restart (on-call)">
              {restart.isPending ? <LoaderCircle className="size-3.5 animate-spin" /> : <RotateCw className="size-3.5" />} Restart
            </Button>
            <Button size="sm" onClick={() => setScaling(true)} title="Set replicas (on-call)">
              <Scaling className="size-3.5" /> Scale
            </Button>
            <Button size="sm" variant="primary" onClick={() => onDeploy()} data-testid={`deploy-${env.name}`}>
              <Rocket className="size-3.5" /> Deploy to {env.name}
            </Button>
          </div>
        ) : null}
      </div>

      {view.status === "error" ? (
        <div className="px-4 pb-3">
          <div role="alert" className="flex items-start gap-2 rounded-md border border-failing/40 bg-failing/10 px-3 py-2 text-sm text-failing" data-testid="cluster-error">
            <AlertTriangle className="mt-0.5 size-4 shrink-0" /> {view.error}
          </div>
        </div>
      ) : null}
      {view.status === "missing" ? (
        <div className="px-4 pb-3">
          <EmptyState icon={<CloudOff className="size-6" />} title={`No Deployment for ${serviceName(entityRef)} in ${env.name}`}>
            Opsdeck looks for Deployments labelled <code>app.kubernetes.io/name</code> or <code>app</code> = the entity&apos;s <code>backstage.io/kubernetes-id</code> (or its name), or the one named by <code>opsdeck.dev/deployment</code>.
          </EmptyState>
        </div>
      ) : null}

      {w ? (
        <div className="space-y-2 border-t border-border px-4 py-3">
          <ReplicaMeters replicas={w.replicas} />
          <p className="text-xs text-muted" data-testid="rollout-message">{w.rollout}</p>
          {view.canary ? (
            <p className="text-xs">
              <Badge tone="accent">canary</Badge> <span className="font-mono">{view.canary.name}</span> runs <span className="font-mono">{view.canary.version}</span> ({view.canary.replicas.ready}/{view.canary.replicas.desired} ready)
            </p>
          ) : null}
        </div>
      ) : null}

      {view.pods.length || w ? (
        <section className="border-t border-border">
          <h3 className="px-4 pt-3 text-xs font-semibold uppercase tracking-wide text-muted">Pods ({view.pods.length})</h3>
          <PodsTable pods={view.pods} image={w?.image} />
        </section>
      ) : null}

      <div className="grid border-t border-border min-[1100px]:grid-cols-2">
        <section className="min-w-0 min-[1100px]:border-r min-[1100px]:border-border">
          <h3 className="px-4 pt-3 pb-1 text-xs font-semibold uppercase tracking-wide text-muted">Deploy history</h3>
          <HistoryTable history={view.history} onRollback={setRollback} />
        </section>
        <section className="min-w-0">
          <h3 className="px-4 pt-3 pb-1 text-xs font-semibold uppercase tracking-wide text-muted">Recent events</h3>
          <EventsList events={view.events} />
        </section>
      </div>
      <RollbackDialog deploy={rollback} onClose={() => setRollback(null)} />
      {w ? <ScaleDialog key={String(scaling)} open={scaling} onOpenChange={setScaling} entityRef={entityRef} environment={env.name} current={w.replicas.desired} /> : null}
    </div>
  );
}
