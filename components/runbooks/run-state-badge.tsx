import Link from "next/link";
import { LoaderCircle } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { RUN_STATE_LABEL, runTone, when } from "./format";

export function RunStateBadge({ state, className }: { state: string; className?: string }) {
  return (
    <span data-testid="run-state" data-state={state}>
      <Badge tone={runTone(state)} className={`whitespace-nowrap ${className ?? ""}`}>
        {state === "running" ? <LoaderCircle className="size-3 animate-spin" aria-hidden /> : null}
        {RUN_STATE_LABEL[state] ?? state}
      </Badge>
    </span>
  );
}

/** A runbook's last run: its state and time, linking to it; "never run" otherwise. */
export function LastRun({ r }: { r: { lastRunState: string | null; lastRunId: string | null; lastRunAt: Date | string | null } }) {
  if (!r.lastRunState || !r.lastRunId) return <span className="text-xs text-muted">never run</span>;
  return (
    <Link href={`/runbooks/runs/${r.lastRunId}`} className="flex items-center gap-2 text-xs text-muted hover:text-fg">
      <RunStateBadge state={r.lastRunState} /> {when(r.lastRunAt)}
    </Link>
  );
}
