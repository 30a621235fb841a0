"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useRef, useState } from "react";
import { CircleCheck, CircleDashed, CircleX, LoaderCircle } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { RUN_LABEL, runTone } from "./format";

type Update = RouterOutputs["ci"]["watchRun"] extends AsyncIterable<infer U> ? U : never;
type Chunk = Update["chunks"][number];
type Job = Update["run"]["jobs"][number];

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "interrupted", "skipped"]);

/** A built-in run, live: stages/steps and the log as the worker writes it (tRPC subscription over SSE). */
export function RunLog({ runId, entityRef }: { runId: string; entityRef: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [chunks, setChunks] = useState<Chunk[]>([]);
  const [run, setRun] = useState<Update["run"] | null>(null);
  const [afterSeq, setAfterSeq] = useState(0);
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  const sub = useSubscription(
    trpc.ci.watchRun.subscriptionOptions(
      { id: runId, afterSeq },
      {
        onData: (v) => {
          setRun(v.run);
          // A resumed stream may repeat chunks: keep each sequence number once.
          setChunks((old) => {
            const last = old.at(-1)?.seq ?? 0;
            const fresh = v.chunks.filter((c) => c.seq > last);
            return fresh.length ? [...old, ...fresh] : old;
          });
          if (TERMINAL.has(v.run.status)) {
            void qc.invalidateQueries({ queryKey: trpc.ci.runs.queryKey({ entityRef }) });
            void qc.invalidateQueries({ queryKey: trpc.ci.recentBuilds.queryKey({ entityRef }) });
          }
        },
        // A dropped stream resumes after the last chunk it delivered.
        onError: () => setAfterSeq(chunks.at(-1)?.seq ?? 0),
      },
    ),
  );

  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [chunks]);

  const status = run?.status ?? "queued";
  return (
    <div className="space-y-3" data-testid="run-log" data-status={status}>
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <Badge tone={runTone(status)}>{RUN_LABEL[status] ?? status}</Badge>
        {run?.version ? <span>version <code className="font-mono">{run.version}</code></span> : null}
        {run?.message && status !== "succeeded" ? <span className="text-muted">{run.message}</span> : null}
        {run?.cancelRequestedAt && !TERMINAL.has(status) ? <span className="text-degraded">cancelling…</span> : null}
        {sub.status === "connecting" && !TERMINAL.has(status) ? <span className="text-muted">connecting…</span> : null}
      </div>
      {run?.jobs.length ? <Stages jobs={run.jobs} /> : null}
      <pre
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        aria-label="Run log"
        aria-live="polite"
        className="max-h-96 min-h-24 overflow-auto rounded-md border border-border bg-subtle/60 p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all"
      >
        {chunks.length ? (
          chunks.map((c) => (
            <span key={c.seq} className={cn(c.stream === "stderr" && "text-degraded", c.stream === "system" && "text-accent")}>
              {c.text}
            </span>
          ))
        ) : (
          <span className="text-muted">{TERMINAL.has(status) ? "No output." : "Waiting for the worker to start this run…"}</span>
        )}
      </pre>
    </div>
  );
}

function StepIcon({ status }: { status: string }) {
  if (status === "succeeded") return <CircleCheck className="size-3.5 text-healthy" aria-label="passed" />;
  if (status === "running") return <LoaderCircle className="size-3.5 animate-spin text-accent" aria-label="running" />;
  if (status === "failed" || status === "timed_out") return <CircleX className="size-3.5 text-failing" aria-label={status} />;
  return <CircleDashed className="size-3.5 text-muted" aria-label={status} />;
}

function Stages({ jobs }: { jobs: Job[] }) {
  return (
    <ol className="flex flex-wrap gap-2" aria-label="Stages">
      {jobs.map((j) => (
        <li key={j.id} className="min-w-40 rounded-md border border-border px-2.5 py-1.5">
          <div className="mb-1 flex items-center gap-1.5 text-xs font-semibold">
            <StepIcon status={j.status} /> {j.name}
          </div>
          <ul className="space-y-0.5">
            {j.steps.map((s) => (
              <li key={s.number} className="flex items-center gap-1.5 text-xs text-muted">
                <StepIcon status={s.status} /> <span className="text-fg">{s.name}</span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
