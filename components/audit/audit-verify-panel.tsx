"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useState } from "react";
import { toast } from "sonner";
import { CircleCheck, CircleX, LoaderCircle, ShieldCheck } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

type Run = RouterOutputs["audit"]["verifyRuns"][number];

/** Admins verify the whole hash chain; the job runs in the worker and its progress streams here. */
export function AuditVerifyPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const runs = useQuery(trpc.audit.verifyRuns.queryOptions());
  const [watching, setWatching] = useState<string | null>(null);
  const [live, setLive] = useState<Run | null>(null);
  const start = useMutation(
    trpc.audit.startVerify.mutationOptions({
      onSuccess: ({ id }) => setWatching(id),
      onError: (e) => toast.error(e.message),
    }),
  );
  useSubscription(
    trpc.audit.watchVerify.subscriptionOptions(
      { id: watching ?? "" },
      {
        enabled: Boolean(watching),
        onData: (run) => {
          setLive(run);
          if (["ok", "broken", "failed"].includes(run.state)) {
            setWatching(null);
            void qc.invalidateQueries({ queryKey: trpc.audit.verifyRuns.queryKey() });
          }
        },
      },
    ),
  );
  const latest = live ?? runs.data?.[0] ?? null;
  const busy = start.isPending || Boolean(watching);

  return (
    <Card className="mb-3 flex flex-wrap items-center gap-4 px-4 py-3" data-testid="verify-panel">
      <ShieldCheck className="size-5 text-accent" />
      <div className="min-w-0 flex-1 text-sm">
        <VerifyStatus run={latest} />
      </div>
      <Button onClick={() => start.mutate()} disabled={busy}>
        {busy ? <LoaderCircle className="size-4 animate-spin" /> : null} Verify chain
      </Button>
    </Card>
  );
}

function VerifyStatus({ run }: { run: Run | null }) {
  if (!run) return <span className="text-muted">The chain has not been verified from here yet.</span>;
  const total = Number(run.total);
  const pct = total ? Math.min(100, Math.round((Number(run.checked) / total) * 100)) : 0;
  if (run.state === "queued" || run.state === "running") {
    return (
      <div>
        <div className="mb-1">{run.state === "queued" ? "Waiting for a worker…" : `Verifying… ${Number(run.checked).toLocaleString()} of ${total.toLocaleString()} events`}</div>
        <div className="h-1.5 w-full max-w-md overflow-hidden rounded bg-subtle" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
          <div className="h-full bg-accent transition-all" style={{ width: `${pct}%` }} />
        </div>
      </div>
    );
  }
  const when = run.finishedAt ? new Date(run.finishedAt).toLocaleString() : "";
  if (run.state === "ok") {
    return (
      <div data-testid="verify-result">
        <span className="flex items-center gap-1.5 text-healthy"><CircleCheck className="size-4" /> Chain intact: {Number(run.checked).toLocaleString()} events verified {when && `(${when})`}</span>
        <code className="mt-0.5 block break-all text-xs text-muted" title="Record the head hash outside Opsdeck to detect a rewritten chain later">{run.message.replace("chain intact; ", "")}</code>
      </div>
    );
  }
  return (
    <span className="flex items-center gap-1.5 text-failing" data-testid="verify-result">
      <CircleX className="size-4" />
      {run.state === "broken" ? `Chain broken at event #${run.firstBadSeq?.toString()}: ${run.message}` : `Verification failed: ${run.message}`}
    </span>
  );
}
