import type { Status } from "@/components/ui/badge";

/** CI statuses on the one status palette (running is the accent: in progress, not a health verdict). */
export function runTone(status: string): Status | "accent" | "neutral" {
  switch (status) {
    case "succeeded":
      return "healthy";
    case "failed":
    case "timed_out":
      return "failing";
    case "running":
      return "accent";
    case "queued":
      return "degraded";
    default:
      return "neutral"; // cancelled, skipped, interrupted
  }
}

export const RUN_LABEL: Record<string, string> = {
  succeeded: "passed",
  failed: "failed",
  timed_out: "timed out",
  running: "running",
  queued: "queued",
  cancelled: "cancelled",
  skipped: "skipped",
  interrupted: "interrupted",
};

/** 75 → "1m 15s", 3720 → "1h 2m". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

export const PROVIDER_SHORT: Record<string, string> = { github: "GitHub", gitlab: "GitLab", jenkins: "Jenkins", builtin: "Built-in" };
