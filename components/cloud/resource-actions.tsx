"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { LoaderCircle, Play, Power, RotateCw, Zap } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import type { Resource } from "./resource-table";

/** The few safe actions: EC2 start/stop/reboot and a Lambda invocation (permission-gated and audited on the server). */
export function ResourceActions({ r, canAct }: { r: Resource; canAct: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [payload, setPayload] = useState("{}");
  const [result, setResult] = useState<string | null>(null);
  const done = () => void qc.invalidateQueries({ queryKey: trpc.cloud.resources.queryKey() });
  const act = useMutation(trpc.cloud.instanceAction.mutationOptions({ onSuccess: (o) => { toast.success(`${r.name}: ${o.state}`); done(); }, onError: (e) => toast.error(e.message) }));
  const invoke = useMutation(
    trpc.cloud.invokeLambda.mutationOptions({
      onSuccess: (o) => setResult(`${o.statusCode}${o.functionError ? ` ${o.functionError}` : ""}\n${o.payload}${o.logTail ? `\n--- log ---\n${o.logTail}` : ""}`),
      onError: (e) => toast.error(e.message),
    }),
  );
  if (r.type !== "ec2.instance" && r.type !== "lambda.function") return null;
  if (!canAct) return <p className="text-muted">Actions need the on-call role in the owning team.</p>;
  if (r.demo) return <p className="text-muted">Recorded demo data: actions are available for configured AWS accounts.</p>;
  if (r.type === "ec2.instance") {
    const busy = act.isPending;
    return (
      <div>
        <h4 className="mb-1 font-semibold uppercase tracking-wide text-muted">Actions</h4>
        <div className="flex flex-wrap gap-2">
          <Button size="sm" disabled={busy || r.state === "running"} onClick={() => act.mutate({ id: r.id, action: "start" })}><Play className="size-3.5" /> Start</Button>
          <Button size="sm" variant="danger" disabled={busy || r.state !== "running"} onClick={() => window.confirm(`Stop ${r.name}?`) && act.mutate({ id: r.id, action: "stop" })}><Power className="size-3.5" /> Stop</Button>
          <Button size="sm" disabled={busy || r.state !== "running"} onClick={() => window.confirm(`Reboot ${r.name}?`) && act.mutate({ id: r.id, action: "reboot" })}><RotateCw className="size-3.5" /> Reboot</Button>
          {busy ? <LoaderCircle className="size-4 animate-spin text-muted" /> : null}
        </div>
      </div>
    );
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setResult(null);
        invoke.mutate({ id: r.id, payload });
      }}
    >
      <h4 className="mb-1 font-semibold uppercase tracking-wide text-muted">Invoke</h4>
      <label className="sr-only" htmlFor={`payload-${r.id}`}>JSON payload</label>
      <textarea id={`payload-${r.id}`} value={payload} onChange={(e) => setPayload(e.target.value)} rows={3} className="w-full rounded-md border border-border bg-card p-2 font-mono text-xs" spellCheck={false} />
      <Button size="sm" type="submit" disabled={invoke.isPending} className="mt-1"><Zap className="size-3.5" /> Invoke</Button>
      {result ? <pre className="mt-2 max-h-48 overflow-auto rounded-md border border-border bg-card p-2 font-mono">{result}</pre> : null}
    </form>
  );
}
