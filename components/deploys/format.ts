import { splitRef } from "@/components/catalog/refs";
import type { Status } from "@/components/ui/badge";

/** Deploy states in words, and the one status palette: green done, amber in motion/waiting, red failed, grey ended otherwise. */
export const STATE_LABEL: Record<string, string> = {
  requested: "Queued",
  awaiting_approval: "Awaiting approval",
  approved: "Approved",
  rejected: "Rejected",
  expired: "Expired",
  rolling_out: "Rolling out",
  verifying: "Verifying",
  succeeded: "Succeeded",
  failed: "Failed",
  rolled_back: "Rolled back",
  cancelled: "Cancelled",
};

export function stateTone(state: string): Status | "accent" | "neutral" {
  switch (state) {
    case "succeeded":
      return "healthy";
    case "failed":
    case "rejected":
      return "failing";
    case "awaiting_approval":
    case "expired":
      return "degraded";
    case "rolling_out":
    case "verifying":
    case "requested":
    case "approved":
      return "accent";
    default:
      return "neutral";
  }
}

export const ACTIVE = new Set(["requested", "awaiting_approval", "approved", "rolling_out", "verifying"]);

/** "3 s", "4 min", "2 h", "5 d" since `from` (kubectl's AGE column, roughly). */
export function age(from: Date | string | null | undefined, now = Date.now()): string {
  if (!from) return "—";
  const s = Math.max(0, Math.round((now - new Date(from).getTime()) / 1000));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

export function ago(from: Date | string | null | undefined, now = Date.now()): string {
  return from ? `${age(from, now)} ago` : "—";
}

export function duration(from: Date | string | null | undefined, to: Date | string | null | undefined): string {
  if (!from) return "—";
  const ms = (to ? new Date(to).getTime() : Date.now()) - new Date(from).getTime();
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}

/** Pod status → palette. */
export function podTone(p: { ready: boolean; status: string; terminating: boolean; problem: unknown }): Status {
  if (p.problem || /Error|BackOff|Failed|Err/.test(p.status)) return "failing";
  if (p.terminating) return "unknown";
  if (p.ready) return "healthy";
  return "degraded";
}

/** The service's name from its entity ref (`component:default/payments` → `payments`). */
export const serviceName = (ref: string) => splitRef(ref).name;
