import { LoaderCircle } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { STATE_LABEL, stateTone } from "./format";

export function DeployStateBadge({ state }: { state: string }) {
  const moving = state === "rolling_out" || state === "verifying";
  return (
    <span data-testid="deploy-state" data-state={state}>
      <Badge tone={stateTone(state)} className="whitespace-nowrap">
        {moving ? <LoaderCircle className="size-3 animate-spin" aria-hidden /> : null}
        {STATE_LABEL[state] ?? state}
      </Badge>
    </span>
  );
}
