/**
 * DORA metrics — pure arithmetic over Deploy records, no I/O (unit-tested against hand-worked examples in
 * tests/metrics-dora.test.ts; definitions in docs/metrics.md "DORA"):
 *
 *  deployment frequency   successful changes (kind deploy, state succeeded) per day, per service in scope
 *  lead time for changes  median of finishedAt − commitTime over successful changes whose commit time is known
 *  change failure rate    failed changes / finished changes. Finished: kind deploy ending succeeded, failed or
 *                         rolled_back. Failed: ended failed or rolled_back, or succeeded and was later undone by a
 *                         rollback deploy (rollbackOfId). Opsdeck has no incident model: "followed by an incident"
 *                         cannot be counted.
 *  time to restore        per failed change: until the service+environment ran a good version again — the failed
 *                         change's own finish when it rolled itself back (the bad version was live from its start),
 *                         else the finish of the next successful deploy or rollback of the same service+environment
 *                         after it. Median; failures not restored yet are counted separately.
 *
 * Bands: the DORA 2023 State of DevOps clusters (elite / high / medium / low) — see BANDS.
 */

export type DoraDeploy = {
  id: string;
  entityRef: string;
  environment: string;
  kind: "deploy" | "rollback";
  state: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  commitTime: Date | null;
  rollbackOfId: string | null;
};

export type Band = "elite" | "high" | "medium" | "low";
const BAND_ORDER: Band[] = ["elite", "high", "medium", "low"];

const HOUR = 3600;
const DAY = 86_400;

/**
 * Thresholds (DORA 2023): frequency elite on demand (≥ 1/day), high ≥ weekly, medium ≥ monthly; lead time elite
 * < 1 day, high < 1 week, medium < 1 month; change failure rate elite ≤ 5 %, high ≤ 10 %, medium ≤ 15 %; time to
 * restore elite < 1 hour, high < 1 day, medium < 1 week. Anything worse is low.
 */
export const BANDS = {
  deploysPerDay: { elite: 1, high: 1 / 7, medium: 1 / 30 },
  leadTimeSeconds: { elite: DAY, high: 7 * DAY, medium: 30 * DAY },
  changeFailureRate: { elite: 0.05, high: 0.1, medium: 0.15 },
  restoreSeconds: { elite: HOUR, high: DAY, medium: 7 * DAY },
} as const;

/** Higher is better (frequency): at least the threshold. */
function bandAtLeast(v: number | null, t: { elite: number; high: number; medium: number }): Band | null {
  if (v === null) return null;
  return v >= t.elite ? "elite" : v >= t.high ? "high" : v >= t.medium ? "medium" : "low";
}
/** Lower is better: below the threshold (rates: at most). */
function bandBelow(v: number | null, t: { elite: number; high: number; medium: number }, inclusive = false): Band | null {
  if (v === null) return null;
  const ok = (x: number) => (inclusive ? v <= x : v < x);
  return ok(t.elite) ? "elite" : ok(t.high) ? "high" : ok(t.medium) ? "medium" : "low";
}

export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export type DoraMetrics = {
  /** Successful changes in the period. */
  deploys: number;
  /** Services with at least one finished change in the period. */
  services: number;
  /** Successful changes per day per service. */
  deploysPerDay: number;
  leadTimeSeconds: number | null;
  leadTimeSamples: number;
  changes: number;
  failedChanges: number;
  changeFailureRate: number | null;
  restoreSeconds: number | null;
  restored: number;
  unrestored: number;
  bands: { frequency: Band | null; leadTime: Band | null; changeFailure: Band | null; restore: Band | null };
  /** The worst of the known bands; null when none is known. */
  band: Band | null;
};

const FINISHED = new Set(["succeeded", "failed", "rolled_back"]);
const secondsBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 1000;

/** Failed changes and their restore times, over ALL given deploys (a restore may come after the period). */
export function failures(all: readonly DoraDeploy[]): Map<string, { restoredAt: Date | null; seconds: number | null }> {
  const undoneBy = new Map<string, DoraDeploy>();
  for (const d of all) if (d.kind === "rollback" && d.rollbackOfId && d.state === "succeeded") undoneBy.set(d.rollbackOfId, d);
  const byTarget = new Map<string, DoraDeploy[]>();
  for (const d of all) {
    if (!d.finishedAt) continue;
    const k = `${d.entityRef}\n${d.environment}`;
    const list = byTarget.get(k);
    if (list) list.push(d);
    else byTarget.set(k, [d]);
  }
  for (const list of byTarget.values()) list.sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());

  const out = new Map<string, { restoredAt: Date | null; seconds: number | null }>();
  for (const d of all) {
    if (d.kind !== "deploy" || !d.finishedAt || !FINISHED.has(d.state)) continue;
    const undo = undoneBy.get(d.id);
    const failed = d.state === "failed" || d.state === "rolled_back" || Boolean(undo);
    if (!failed) continue;
    if (d.state === "rolled_back") {
      // It rolled itself back: the bad version ran from its start until it finished.
      out.set(d.id, { restoredAt: d.finishedAt, seconds: secondsBetween(d.startedAt ?? d.createdAt, d.finishedAt) });
      continue;
    }
    const next = (byTarget.get(`${d.entityRef}\n${d.environment}`) ?? []).find((x) => x.id !== d.id && x.state === "succeeded" && x.finishedAt!.getTime() > d.finishedAt!.getTime());
    out.set(d.id, next ? { restoredAt: next.finishedAt, seconds: secondsBetween(d.finishedAt, next.finishedAt!) } : { restoredAt: null, seconds: null });
  }
  return out;
}

/**
 * The four metrics for the deploys finished within [from, to). `all` may hold deploys outside the period: they
 * only serve as restores and rollbacks of changes inside it.
 */
export function doraMetrics(all: readonly DoraDeploy[], from: Date, to: Date, failed = failures(all)): DoraMetrics {
  const inPeriod = all.filter((d) => d.finishedAt && d.finishedAt >= from && d.finishedAt < to);
  const changes = inPeriod.filter((d) => d.kind === "deploy" && FINISHED.has(d.state));
  const good = changes.filter((d) => d.state === "succeeded");
  const days = Math.max(1 / 24, secondsBetween(from, to) / DAY);
  const services = new Set(changes.map((d) => d.entityRef)).size;
  const lead = good.filter((d) => d.commitTime && d.commitTime <= d.finishedAt!).map((d) => secondsBetween(d.commitTime!, d.finishedAt!));
  const failedHere = changes.filter((d) => failed.has(d.id));
  const restoreTimes = failedHere.map((d) => failed.get(d.id)!.seconds).filter((s): s is number => s !== null);
  const deploysPerDay = services ? good.length / days / services : 0;
  const leadTimeSeconds = median(lead);
  const changeFailureRate = changes.length ? failedHere.length / changes.length : null;
  const restoreSeconds = median(restoreTimes);
  const bands = {
    frequency: services ? bandAtLeast(deploysPerDay, BANDS.deploysPerDay) : null,
    leadTime: bandBelow(leadTimeSeconds, BANDS.leadTimeSeconds),
    changeFailure: bandBelow(changeFailureRate, BANDS.changeFailureRate, true),
    restore: bandBelow(restoreSeconds, BANDS.restoreSeconds),
  };
  const known = Object.values(bands).filter((b): b is Band => b !== null);
  return {
    deploys: good.length,
    services,
    deploysPerDay,
    leadTimeSeconds,
    leadTimeSamples: lead.length,
    changes: changes.length,
    failedChanges: failedHere.length,
    changeFailureRate,
    restoreSeconds,
    restored: restoreTimes.length,
    unrestored: failedHere.length - restoreTimes.length,
    bands,
    band: known.length ? known.reduce((a, b) => (BAND_ORDER.indexOf(b) > BAND_ORDER.indexOf(a) ? b : a)) : null,
  };
}

/** Monday 00:00 UTC of the week holding t. */
export function weekStart(t: Date): Date {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  return new Date(d.getTime() - dow * DAY * 1000);
}

export type WeekPoint = { week: Date; deploys: number; changeFailureRate: number | null; leadTimeSeconds: number | null; restoreSeconds: number | null };

/** Week by week (UTC, Monday first) from the week holding `from` up to `to`. */
export function weeklyTrend(all: readonly DoraDeploy[], from: Date, to: Date, failed = failures(all)): WeekPoint[] {
  const out: WeekPoint[] = [];
  for (let w = weekStart(from); w < to; w = new Date(w.getTime() + 7 * DAY * 1000)) {
    const end = new Date(Math.min(w.getTime() + 7 * DAY * 1000, to.getTime()));
    const m = doraMetrics(all, w < from ? from : w, end, failed);
    out.push({ week: w, deploys: m.deploys, changeFailureRate: m.changeFailureRate, leadTimeSeconds: m.leadTimeSeconds, restoreSeconds: m.restoreSeconds });
  }
  return out;
}
