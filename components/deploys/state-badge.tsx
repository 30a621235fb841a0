import { LoaderCircle } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
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

/** What sets a deploy apart in lists: a rollback, a canary, a break-glass request. */
export function DeployKindBadges({ d, className }: { d: { kind: string; strategy: string; breakGlass: boolean }; className?: string }) {
  const cls = cn("ml-1.5", className);
  return (
    <>
      {d.kind === "rollback" ? <Badge className={cls}>rollback</Badge> : null}
      {d.strategy === "canary" ? <Badge className={cls}>canary</Badge> : null}
      {d.breakGlass ? <Badge tone="failing" className={cls}>break-glass</Badge> : null}
    </>
  );
}
