/**
 * SLO arithmetic — pure functions, no I/O (unit-tested against hand-worked examples in tests/metrics-slo.test.ts).
 * Vocabulary of the Google SRE workbook, chapter 5 ("Alerting on SLOs"):
 *   bad ratio r(w)     share of bad events over the window w (5xx answers; requests slower than the threshold)
 *   SLI                1 − r(SLO window)
 *   error budget       1 − objective (the bad ratio the objective allows)
 *   budget remaining   1 − r(SLO window) / (1 − objective)   (≤ 0: the objective is missed for this window)
 *   burn rate b(w)     r(w) / (1 − objective)                  (1 = spending exactly the budget over the SLO window)
 * Multi-window, multi-burn-rate alerts (workbook table 5-8): an alert fires when BOTH its long and its short window
 * burn faster than its threshold — the long window proves it is significant, the short one that it is still going on.
 * The threshold spends a fixed share of the budget within the long window: threshold = share × SLO window / long window,
 * i.e. 14.4 / 6 / 1 for a 30-day window (2 % in 1 h, 5 % in 6 h, 10 % in 3 d), 13.44 / 5.6 / 0.933 for 28 days.
 */
import type { HealthStatus } from "./status";

export type BurnAlert = { id: string; severity: "page" | "ticket"; longSeconds: number; shortSeconds: number; budgetShare: number };

export const BURN_ALERTS: readonly BurnAlert[] = [
  { id: "fast-1h", severity: "page", longSeconds: 3600, shortSeconds: 300, budgetShare: 0.02 },
  { id: "fast-6h", severity: "page", longSeconds: 6 * 3600, shortSeconds: 1800, budgetShare: 0.05 },
  { id: "slow-3d", severity: "ticket", longSeconds: 3 * 86_400, shortSeconds: 6 * 3600, budgetShare: 0.1 },
];

/** Every window an evaluation needs besides the SLO window itself, in seconds: 5m, 30m, 1h, 6h, 3d. */
export const ALERT_WINDOWS: readonly number[] = [...new Set(BURN_ALERTS.flatMap((a) => [a.shortSeconds, a.longSeconds]))].sort((a, b) => a - b);

export function errorBudget(objective: number): number {
  if (!(objective > 0 && objective < 1)) throw new RangeError(`objective must be in (0, 1): ${objective}`);
  return 1 - objective;
}

export function burnRate(badRatio: number, objective: number): number {
  return badRatio / errorBudget(objective);
}

export function burnThreshold(alert: BurnAlert, sloWindowSeconds: number): number {
  return (alert.budgetShare * sloWindowSeconds) / alert.longSeconds;
}

export function budgetRemaining(badRatioOverWindow: number, objective: number): number {
  return 1 - badRatioOverWindow / errorBudget(objective);
}

export type AlertState = BurnAlert & { threshold: number; longBurn: number | null; shortBurn: number | null; firing: boolean };

export type SloEvaluation = {
  /** 1 − bad ratio over the SLO window; null without data. */
  sli: number | null;
  badRatio: number | null;
  budgetRemaining: number | null;
  alerts: AlertState[];
  /** "fast" when a page alert fires, "slow" when only the ticket alert does. */
  burn: "fast" | "slow" | null;
  status: HealthStatus;
  /** One line saying why the status is what it is. */
  reason: string;
};

const valid = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
const pct = (v: number) => `${Number((v * 100).toPrecision(3))} %`;
const times = (v: number) => `${Number(v.toPrecision(3))}×`;

/**
 * Status of one SLO from bad ratios per window (seconds → ratio; missing or null = no data):
 * failing on a fast burn (a page alert) or an exhausted budget, degraded on a slow burn (the ticket alert), unknown
 * without the SLO window's ratio (unless an alert already fires), healthy otherwise.
 */
export function evaluateSlo(spec: { objective: number; windowSeconds: number }, ratios: ReadonlyMap<number, number | null>): SloEvaluation {
  const bad = ratios.get(spec.windowSeconds);
  const badRatio = valid(bad) ? Math.max(0, bad) : null;
  const burnOf = (w: number) => {
    const r = ratios.get(w);
    return valid(r) ? burnRate(Math.max(0, r), spec.objective) : null;
  };
  const alerts = BURN_ALERTS.map((a): AlertState => {
    const threshold = burnThreshold(a, spec.windowSeconds);
    const longBurn = burnOf(a.longSeconds);
    const shortBurn = burnOf(a.shortSeconds);
    return { ...a, threshold, longBurn, shortBurn, firing: longBurn !== null && shortBurn !== null && longBurn > threshold && shortBurn > threshold };
  });
  const remaining = badRatio === null ? null : budgetRemaining(badRatio, spec.objective);
  const page = alerts.find((a) => a.firing && a.severity === "page");
  const ticket = alerts.find((a) => a.firing && a.severity === "ticket");
  const burn = page ? "fast" : ticket ? "slow" : null;
  const base = { sli: badRatio === null ? null : 1 - badRatio, badRatio, budgetRemaining: remaining, alerts, burn } as const;
  const window = (s: number) => (s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`);
  if (page) return { ...base, status: "failing", reason: `fast burn: ${times(page.longBurn!)} over ${window(page.longSeconds)} and ${times(page.shortBurn!)} over ${window(page.shortSeconds)} (threshold ${times(page.threshold)})` };
  if (remaining !== null && remaining <= 0) return { ...base, status: "failing", reason: `error budget exhausted: ${pct(badRatio!)} bad over the window, ${pct(errorBudget(spec.objective))} allowed` };
  if (ticket) return { ...base, status: "degraded", reason: `slow burn: ${times(ticket.longBurn!)} over ${window(ticket.longSeconds)} and ${times(ticket.shortBurn!)} over ${window(ticket.shortSeconds)} (threshold ${times(ticket.threshold)})` };
  if (remaining === null) return { ...base, status: "unknown", reason: "no data for the SLO window" };
  return { ...base, status: "healthy", reason: `${pct(remaining)} of the error budget left` };
}

export type BurnDownStep = { t: number; badRatio: number | null; weight: number | null };

/**
 * Error-budget burn-down over the SLO window: per step the bad ratio and the traffic (any unit proportional to the
 * number of events, e.g. requests/s averaged over the step). The budget is (1 − objective) × all events of the window;
 * remaining(t) = 1 − bad events up to t / budget. Steps without data count as no events (the line stays flat).
 * Empty when the window saw no events.
 */
export function burnDown(steps: readonly BurnDownStep[], objective: number): { t: number; remaining: number }[] {
  const known = (s: BurnDownStep) => valid(s.badRatio) && valid(s.weight) && s.weight > 0;
  const total = steps.reduce((n, s) => n + (known(s) ? s.weight! : 0), 0);
  if (!(total > 0)) return [];
  const budget = errorBudget(objective) * total;
  let spent = 0;
  return steps.map((s) => {
    if (known(s)) spent += Math.max(0, s.badRatio!) * s.weight!;
    return { t: s.t, remaining: 1 - spent / budget };
  });
}
