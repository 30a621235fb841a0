import { Award } from "lucide-react";
import { Badge } from "@/components/ui/badge";

/** Scorecard level: gold/silver/bronze/none, always with its text (colour is never the only signal). */
const tone = { gold: "healthy", silver: "accent", bronze: "degraded", none: "neutral" } as const;

export function levelTone(level: string): (typeof tone)[keyof typeof tone] {
  return tone[level as keyof typeof tone] ?? "neutral";
}

export function ScoreBadge({ score, level, compact = false }: { score: number | null | undefined; level: string | null | undefined; compact?: boolean }) {
  if (level === null || level === undefined) return <span className="text-xs text-muted" title="No scorecard rule applies">—</span>;
  return (
    <Badge tone={levelTone(level)} className="whitespace-nowrap tabular-nums">
      <Award className="size-3" aria-hidden />
      {level}
      {!compact && score !== null && score !== undefined ? <span className="opacity-80">· {Math.round(score)}</span> : null}
    </Badge>
  );
}

const lifecycleTone: Record<string, "healthy" | "degraded" | "unknown" | "neutral"> = { production: "healthy", experimental: "degraded", deprecated: "unknown" };

export function LifecycleBadge({ lifecycle }: { lifecycle: string | null | undefined }) {
  if (!lifecycle) return <span className="text-muted">—</span>;
  return <Badge tone={lifecycleTone[lifecycle] ?? "neutral"}>{lifecycle}</Badge>;
}
