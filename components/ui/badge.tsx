import type { ReactNode } from "react";
import { cn } from "./cn";

export type Status = "healthy" | "degraded" | "failing" | "unknown";

const tone: Record<Status | "neutral" | "accent", string> = {
  healthy: "text-healthy bg-healthy/10 border-healthy/30",
  degraded: "text-degraded bg-degraded/10 border-degraded/30",
  failing: "text-failing bg-failing/10 border-failing/30",
  unknown: "text-unknown bg-unknown/10 border-unknown/30",
  neutral: "text-muted bg-subtle border-border",
  accent: "text-accent bg-accent/10 border-accent/30",
};

export function Badge({ children, tone: t = "neutral", className }: { children: ReactNode; tone?: keyof typeof tone; className?: string }) {
  return <span className={cn("inline-flex items-center gap-1 rounded border px-1.5 py-px text-xs font-medium", tone[t], className)}>{children}</span>;
}

export function StatusDot({ status }: { status: Status }) {
  const color = { healthy: "bg-healthy", degraded: "bg-degraded", failing: "bg-failing", unknown: "bg-unknown" }[status];
  return <span aria-label={status} className={cn("inline-block size-2 rounded-full", color)} />;
}
