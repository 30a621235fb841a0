import type { Status } from "@/components/ui/badge";

/** Run and step states in words, in the one status palette: green done, amber waiting, red failed, accent moving, grey otherwise. */
export const RUN_STATE_LABEL: Record<string, string> = {
  queued: "Queued",
  awaiting_approval: "Awaiting approval",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
  interrupted: "Interrupted",
  missed: "Missed",
  skipped: "Skipped",
  pending: "Pending",
};

export const RUN_STATES = ["queued", "awaiting_approval", "running", "succeeded", "failed", "cancelled", "timed_out", "interrupted", "missed", "skipped"] as const;
export const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "interrupted", "missed", "skipped"]);

export function runTone(state: string | null | undefined): Status | "accent" | "neutral" {
  switch (state) {
    case "succeeded":
      return "healthy";
    case "failed":
    case "timed_out":
    case "interrupted":
      return "failing";
    case "awaiting_approval":
    case "missed":
      return "degraded";
    case "running":
    case "queued":
      return "accent";
    default:
      return "neutral";
  }
}

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s / 60} min`;
  const m = Math.floor((s % 3600) / 60);
  return m ? `${Math.floor(s / 3600)} h ${String(m).padStart(2, "0")} min` : `${Math.floor(s / 3600)} h`;
}

export function elapsed(from: Date | string | null | undefined, to: Date | string | null | undefined, now = Date.now()): number | null {
  if (!from) return null;
  return Math.max(0, (to ? new Date(to).getTime() : now) - new Date(from).getTime());
}

export function when(d: Date | string | null | undefined): string {
  return d ? new Date(d).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—";
}
