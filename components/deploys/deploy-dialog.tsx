"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { toast } from "sonner";
import { AlertTriangle, Lock, LoaderCircle, Rocket, ShieldAlert, Snowflake } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Field, Input, Select } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/states";
import { fieldErrors } from "@/components/ui/field-errors";
import { cn } from "@/components/ui/cn";
import { Modal } from "./dialog";
import { ago, serviceName } from "./format";

/**
 * The Deploy dialog: environment, version (recent tags from the rollout history, or any image reference), strategy,
 * reason. It says up front what would block the deploy — a freeze (admins may break glass), an active deploy, an
 * unreachable cluster — and whether it will wait for approval.
 */
export function DeployDialog({
  open,
  onOpenChange,
  entityRef,
  environments,
  environment: initialEnv,
  version: initialVersion,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  entityRef: string;
  environments: { name: string; protected: boolean }[];
  environment: string;
  version?: string;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [environment, setEnvironment] = useState(initialEnv);
  const [version, setVersion] = useState(initialVersion ?? "");
  const [strategy, setStrategy] = useState<"rolling" | "canary">("rolling");
  const [reason, setReason] = useState("");
  const [breakGlass, setBreakGlass] = useState(false);
  const opts = useQuery(trpc.deploys.options.queryOptions({ entityRef, environment }, { enabled: open, staleTime: 5_000 }));
  // "Deploy this build": successful CI builds that produced a version; their commit travels with the deploy (DORA lead time).
  const builds = useQuery(trpc.ci.recentBuilds.queryOptions({ entityRef, limit: 6 }, { enabled: open, staleTime: 10_000 }));
  const chosenBuild = builds.data?.find((b) => b.version === version.trim());
  const request = useMutation(
    trpc.deploys.request.mutationOptions({
      onSuccess: (r) => {
        toast.success(r.state === "awaiting_approval" ? "Deploy requested — waiting for approval" : "Deploy started");
        void qc.invalidateQueries({ queryKey: trpc.deploys.list.queryKey() });
        onOpenChange(false);
        router.push(`/deploys/${r.id}`);
      },
      onError: (e) => {
        if (!Object.keys(fieldErrors(e)).length) toast.error(e.message);
      },
    }),
  );
  const fe = fieldErrors(request.error);
  const o = opts.data;
  const frozen = Boolean(o?.freeze);
  const blocked = Boolean(o?.active) || Boolean(o?.clusterError) || (frozen && !(breakGlass && o?.canBreakGlass));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const commit = chosenBuild?.commitSha ? { commitSha: chosenBuild.commitSha.toLowerCase(), commitTime: chosenBuild.commitTime ?? undefined } : {};
    request.mutate({ entityRef, environment, version: version.trim(), strategy, reason: reason.trim(), breakGlass: frozen && breakGlass, ...commit });
  };

  return (
    <Modal open={open} onOpenChange={onOpenChange} title={`Deploy ${serviceName(entityRef)}`} description="Rolls the new version out on Kubernetes; progress streams live on the deploy page." wide>
      <form onSubmit={submit} className="space-y-4" data-testid="deploy-dialog">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Environment" error={fe.environment}>
            <Select value={environment} onChange={(e) => setEnvironment(e.target.value)} name="environment">
              {environments.map((env) => (
                <option key={env.name} value={env.name}>
                  {env.name}
                  {env.protected ? " (protected)" : ""}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Strategy" error={fe.strategy}>
            <div className="flex h-8 overflow-hidden rounded-md border border-border" role="radiogroup" aria-label="Strategy">
              {(["rolling", "canary"] as const).map((s) => (
                <button
                  key={s}
                  type="button"
                  role="radio"
                  aria-checked={strategy === s}
                  onClick={() => setStrategy(s)}
                  className={cn("flex-1 text-sm capitalize", strategy === s ? "bg-accent text-accent-fg" : "text-fg hover:bg-subtle")}
                >
                  {s}
                </button>
              ))}
            </div>
          </Field>
        </div>

        <div className="rounded-md border border-border bg-subtle/50 px-3 py-2 text-xs">
          {opts.isPending ? (
            <Skeleton className="h-4 w-2/3" />
          ) : o?.current ? (
            <span>
              Running now: <code className="font-mono text-fg">{o.current.version}</code> <span className="text-muted">({o.current.image}, revision {o.current.revision}, Deployment {o.workload})</span>
            </span>
          ) : (
            <span className="text-muted">Current version unknown.</span>
          )}
        </div>

        <Field label="Version (tag, or a full image reference)" error={fe.version}>
          <Input value={version} onChange={(e) => setVersion(e.target.value)} placeholder="e.g. 1.4.2" list="deploy-versions" name="version" autoFocus aria-invalid={Boolean(fe.version)} />
          <datalist id="deploy-versions">
            {o?.versions.map((v) => <option key={v.image} value={v.version} />)}
          </datalist>
        </Field>
        {o?.versions.length ? (
          <div className="-mt-2 flex flex-wrap items-center gap-1.5 text-xs">
            <span className="text-muted">Recent:</span>
            {o.versions.slice(0, 8).map((v) => (
              <button
                key={v.image}
                type="button"
                onClick={() => setVersion(v.version)}
                title={`${v.image} · revision ${v.revision}${v.createdAt ? ` · ${ago(v.createdAt)}` : ""}`}
                className={cn("rounded border px-1.5 py-px font-mono hover:border-accent", version === v.version ? "border-accent text-accent" : "border-border", v.current && "opacity-60")}
              >
                {v.version}
                {v.current ? " (running)" : ""}
              </button>
            ))}
          </div>
        ) : null}

        {builds.data?.length ? (
          <div className="-mt-2 flex flex-wrap items-center gap-1.5 text-xs" data-testid="deploy-builds">
            <span className="text-muted">Builds:</span>
            {builds.data.map((b) => (
              <button
                key={b.id}
                type="button"
                onClick={() => setVersion(b.version)}
                title={`${b.providerLabel} ${b.pipeline}${b.number ? ` #${b.number}` : ""}${b.commitSha ? ` · ${b.commitSha.slice(0, 7)}` : ""}${b.finishedAt ? ` · ${ago(b.finishedAt)}` : ""}${b.demo ? " · demo data" : ""}`}
                className={cn("rounded border px-1.5 py-px font-mono hover:border-accent", chosenBuild?.id === b.id ? "border-accent text-accent" : "border-border")}
              >
                {b.version}
                {b.commitSha && !b.version.startsWith(b.commitSha.slice(0, 7)) ? <span className="ml-1 text-muted">{b.commitSha.slice(0, 7)}</span> : null}
              </button>
            ))}
          </div>
        ) : null}

        <Field label="Reason" error={fe.reason}>
          <textarea
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={2}
            name="reason"
            placeholder="What changes, and why now"
            aria-invalid={Boolean(fe.reason)}
            className="rounded-md border border-border bg-card px-2.5 py-1.5 text-sm text-fg placeholder:text-muted aria-[invalid=true]:border-failing"
          />
        </Field>

        <div className="space-y-2" aria-live="polite">
          {o?.clusterError ? <Notice tone="failing" icon={<AlertTriangle className="size-4" />}>{o.clusterError}</Notice> : null}
          {o?.active ? (
            <Notice tone="degraded" icon={<LoaderCircle className="size-4" />}>
              {o.active.message}. <Link href={`/deploys/${o.active.id}`} className="underline">Open it</Link>
            </Notice>
          ) : null}
          {o?.freeze ? (
            <Notice tone="failing" icon={<Snowflake className="size-4" />}>
              <div>{o.freeze.message}. Deploys are blocked.</div>
              {o.canBreakGlass ? (
                <label className="mt-1.5 flex items-center gap-2 font-medium">
                  <input type="checkbox" checked={breakGlass} onChange={(e) => setBreakGlass(e.target.checked)} />
                  <ShieldAlert className="size-3.5" /> Break glass: deploy anyway (reason of 10+ characters, flagged in the audit log)
                </label>
              ) : (
                <div className="mt-1 text-muted">Only a global admin can break glass.</div>
              )}
            </Notice>
          ) : null}
          {o?.environment.protected ? (
            <Notice tone="accent" icon={<Lock className="size-4" />}>
              {environment} is protected: the deploy waits for approval by someone else with approver rights (on-call of the owning team). The approval window is {Math.round(o.environment.approvalTtlSeconds / 60)} min.
            </Notice>
          ) : null}
          {strategy === "canary" ? (
            <Notice tone="neutral" icon={<Rocket className="size-4" />}>Canary: one pod with the new version next to the stable ones; error rate and latency are compared before the rollout continues.</Notice>
          ) : null}
        </div>

        <div className="flex justify-end gap-2 border-t border-border pt-4">
          <Button type="button" variant="ghost" onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={request.isPending || blocked || !version.trim()}>
            {request.isPending ? <LoaderCircle className="size-4 animate-spin" /> : <Rocket className="size-4" />}
            {o?.environment.protected ? "Request deploy" : "Deploy"}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

function Notice({ tone, icon, children }: { tone: "failing" | "degraded" | "accent" | "neutral"; icon: ReactNode; children: ReactNode }) {
  const cls = { failing: "border-failing/40 bg-failing/10 text-failing", degraded: "border-degraded/40 bg-degraded/10 text-degraded", accent: "border-accent/30 bg-accent/10 text-fg", neutral: "border-border bg-subtle text-muted" }[tone];
  return (
    <div className={cn("flex gap-2 rounded-md border px-3 py-2 text-xs", cls)}>
      <span className="mt-px shrink-0">{icon}</span>
      <div className="min-w-0">{children}</div>
    </div>
  );
}
