import { LoaderCircle } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { RUN_STATE_LABEL, runTone } from "./format";

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
