import { describe, expect, it } from "vitest";
import { doraMetrics, failures, median, weekStart, weeklyTrend, type DoraDeploy } from "@/server/metrics/dora";
import { deployMarkers, doraReport, lastDeploys } from "@/server/metrics/deploy-history";
import { seedDemo } from "@/server/demo/seed-data";
import { seedDemoDeployHistory } from "@/server/demo/deploy-history";
import { DEMO_REGISTRY, demoSeed } from "@/server/demo/cluster/seed";
import { useTestDatabase } from "./helpers/db";

// DORA arithmetic against examples worked by hand.

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse("2026-11-02T00:00:00Z"); // a Monday
const at = (days: number, hours = 0) => new Date(T0 + days * D + hours * H);

let n = 0;
function deploy(over: Partial<DoraDeploy> & { finishedAt: Date | null }): DoraDeploy {
  n += 1;
  const finished = over.finishedAt;
  return {
    id: `d${n}`,
    entityRef: "component:default/api",
    environment: "prod",
    kind: "deploy",
    state: "succeeded",
    createdAt: finished ? new Date(finished.getTime() - 10 * 60_000) : at(0),
    startedAt: finished ? new Date(finished.getTime() - 5 * 60_000) : null,
    commitTime: null,
    rollbackOfId: null,
    ...over,
  };
}

describe("DORA metrics", () => {
  it("median", () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("one service, one week: frequency, lead time, failure rate and restore worked by hand", () => {
    const fail = deploy({ finishedAt: at(2, 10), state: "failed", commitTime: at(2, 6) });
    const all = [
      // 4 successful changes; lead times 2 h, 4 h, 26 h (commit a day earlier), unknown
      deploy({ finishedAt: at(0, 10), commitTime: at(0, 8) }),
      deploy({ finishedAt: at(1, 10), commitTime: at(1, 6) }),
      fail,
      // the fix-forward 3 h after the failure: restore 3 h, lead time 26 h
      deploy({ finishedAt: at(2, 13), commitTime: at(1, 11) }),
      deploy({ finishedAt: at(4, 10) }),
      // outside the period (next week): neither counted nor a restore of anything
      deploy({ finishedAt: at(8, 10), commitTime: at(8, 9) }),
    ];
    const m = doraMetrics(all, at(0), at(7));
    expect(m.deploys).toBe(4);
    expect(m.services).toBe(1);
    expect(m.deploysPerDay).toBeCloseTo(4 / 7, 9); // weekly+ but not daily → high
    expect(m.leadTimeSamples).toBe(3);
    expect(m.leadTimeSeconds).toBe(4 * 3600); // median of 2 h, 4 h, 26 h
    expect(m.changes).toBe(5);
    expect(m.failedChanges).toBe(1);
    expect(m.changeFailureRate).toBeCloseTo(0.2, 9);
    expect(m.restoreSeconds).toBe(3 * 3600);
    expect(m).toMatchObject({ restored: 1, unrestored: 0 });
    expect(m.bands).toEqual({ frequency: "high", leadTime: "elite", changeFailure: "low", restore: "high" });
    expect(m.band).toBe("low"); // the worst of the four
  });

  it("rolled-back changes: self rollback restores at its own finish; a later rollback deploy marks a success as failed", () => {
    const auto = deploy({ finishedAt: at(1, 12), state: "rolled_back", startedAt: at(1, 11.5) }); // bad for 30 min
    const bad = deploy({ finishedAt: at(2, 10) }); // looked fine, undone 45 min later
    const undo = deploy({ finishedAt: at(2, 10.75), kind: "rollback", rollbackOfId: bad.id });
    const ok = deploy({ finishedAt: at(3, 10) });
    const m = doraMetrics([auto, bad, undo, ok], at(0), at(7));
    expect(m.changes).toBe(3); // the rollback is not a change
    expect(m.deploys).toBe(2); // bad + ok succeeded
    expect(m.failedChanges).toBe(2);
    expect(m.changeFailureRate).toBeCloseTo(2 / 3, 9);
    expect(failures([auto, bad, undo, ok]).get(auto.id)!.seconds).toBe(1800);
    expect(failures([auto, bad, undo, ok]).get(bad.id)!.seconds).toBe(2700);
    expect(m.restoreSeconds).toBe((1800 + 2700) / 2);
    expect(m.bands.restore).toBe("elite"); // 37.5 min < 1 h
  });

  it("unrestored failures, other environments and services do not restore each other", () => {
    const f = deploy({ finishedAt: at(1, 10), state: "failed" });
    const otherEnv = deploy({ finishedAt: at(1, 11), environment: "staging" });
    const otherSvc = deploy({ finishedAt: at(1, 12), entityRef: "component:default/web" });
    const m = doraMetrics([f, otherEnv, otherSvc], at(0), at(7));
    expect(m).toMatchObject({ failedChanges: 1, restored: 0, unrestored: 1, restoreSeconds: null, services: 2 });
    // a restore after the period still counts for a failure inside it
    const later = deploy({ finishedAt: at(9, 10) });
    expect(doraMetrics([f, later], at(0), at(7)).restoreSeconds).toBe(8 * 86_400);
  });

  it("bands at their edges (DORA 2023 thresholds)", () => {
    const daily = Array.from({ length: 7 }, (_, i) => deploy({ finishedAt: at(i, 12), commitTime: at(i, 12 - 23.99) }));
    const m = doraMetrics(daily, at(0), at(7));
    expect(m.deploysPerDay).toBe(1);
    expect(m.bands).toMatchObject({ frequency: "elite", leadTime: "elite", changeFailure: "elite", restore: null });
    expect(m.band).toBe("elite");
    // one deploy in 30 days: monthly → medium; lead time of exactly a week → medium (high is "less than a week")
    const monthly = doraMetrics([deploy({ finishedAt: at(10), commitTime: at(3) })], at(0), at(30));
    expect(monthly.bands).toMatchObject({ frequency: "medium", leadTime: "medium" });
    // 10 % failures is high (≤ 10 %), restore of exactly a day is medium
    const ten = [deploy({ finishedAt: at(0, 1), state: "failed" }), deploy({ finishedAt: at(1, 1) }), ...Array.from({ length: 8 }, (_, i) => deploy({ finishedAt: at(2 + i * 0.1) }))];
    const t = doraMetrics(ten, at(0), at(7));
    expect(t.changeFailureRate).toBeCloseTo(0.1, 9);
    expect(t.bands).toMatchObject({ changeFailure: "high", restore: "medium" });
    expect(doraMetrics([], at(0), at(7))).toMatchObject({ deploys: 0, services: 0, changeFailureRate: null, band: null });
  });

  it("weekly trend: Monday-based UTC weeks", () => {
    expect(weekStart(new Date("2026-11-08T23:59:00Z")).toISOString()).toBe("2026-11-02T00:00:00.000Z"); // Sunday → its Monday
    expect(weekStart(new Date("2026-11-09T00:00:00Z")).toISOString()).toBe("2026-11-09T00:00:00.000Z");
    const all = [deploy({ finishedAt: at(1) }), deploy({ finishedAt: at(2), state: "failed" }), deploy({ finishedAt: at(3) }), deploy({ finishedAt: at(9) })];
    const weeks = weeklyTrend(all, at(0), at(14));
    expect(weeks.map((w) => [w.week.toISOString().slice(0, 10), w.deploys, w.changeFailureRate])).toEqual([
      ["2026-11-02", 2, 1 / 3],
      ["2026-11-09", 1, 0],
    ]);
    expect(weeks[0]!.restoreSeconds).toBe(86_400); // failed on day 2, good deploy on day 3
  });
});

describe("DORA report, deploy markers and last deploys over the database (demo history)", () => {
  const t = useTestDatabase();

  it("the demo history spans the bands; the report filters by team and service; markers and last deploys follow the cluster's versions", async () => {
    const now = Date.parse("2026-11-20T12:00:00Z");
    await seedDemo(t.db); // teams, users, a few Components, and (once) the deploy history
    const rows = await t.db.deploy.count();
    expect(rows).toBeGreaterThan(500);
    expect(await seedDemoDeployHistory(t.db, now)).toBe(0); // idempotent: never a second history

    const at = new Date(Math.max(...(await t.db.deploy.findMany({ select: { finishedAt: true } })).map((d) => d.finishedAt!.getTime())) + 60_000);
    const org = await doraReport(t.db, { weeks: 12 }, { now: at });
    expect(org.environment).toBe("prod");
    expect(org.environments).toEqual(["prod", "staging"]);
    expect(org.weeks).toHaveLength(13); // 12 weeks starting mid-week: 13 calendar weeks
    expect(org.metrics.deploys).toBeGreaterThan(20);
    expect(org.metrics.changeFailureRate).toBeGreaterThan(0);
    expect(org.metrics.changeFailureRate).toBeLessThan(0.3);
    expect(org.metrics.leadTimeSeconds).toBeGreaterThan(0);
    expect(org.metrics.restoreSeconds).toBeGreaterThan(0);
    // services differ: more than one frequency band and more than one overall band
    expect(new Set(org.byService.map((s) => s.metrics.bands.frequency)).size).toBeGreaterThanOrEqual(2);
    expect(new Set(org.byService.map((s) => s.metrics.band)).size).toBeGreaterThanOrEqual(2);
    expect(org.byTeam.map((r) => r.key)).toContain("payments");
    expect(org.teams).toContain("payments");

    const payments = await doraReport(t.db, { team: "payments", weeks: 12 }, { now: at });
    expect(payments.byTeam).toEqual([]);
    expect(payments.byService.length).toBeGreaterThan(0);
    expect(payments.metrics.deploys).toBe(payments.byService.reduce((n, s) => n + s.metrics.deploys, 0));

    const one = await doraReport(t.db, { ref: "component:payments-api", weeks: 12, environment: "staging" }, { now: at });
    expect(one.environment).toBe("staging");
    expect(one.byService).toEqual([]);
    expect(one.metrics.services).toBe(1);

    // the newest prod deploy of payments-api runs the cluster's prod image
    const cluster = demoSeed().namespaces.find((n) => n.name === "prod")!.deployments.find((d) => d.name === "payments-api")!;
    const last = (await lastDeploys(t.db, ["component:default/payments-api", "component:default/nope"], "prod")).get("component:default/payments-api")!;
    expect(`${DEMO_REGISTRY}/payments-api:${last.version}`).toBe(cluster.image);
    expect(last).toMatchObject({ state: "succeeded", kind: "deploy", environment: "prod" });
    expect(last.by).toMatch(/^(Alice|Bob|Carol|Erin)/);

    const markers = await deployMarkers(t.db, "component:default/payments-api", "prod", new Date(at.getTime() - 28 * 86_400_000), at);
    expect(markers.length).toBeGreaterThan(0);
    expect(markers.at(-1)).toMatchObject({ version: last.version, environment: "prod" });
    expect(markers.every((m, i) => i === 0 || m.at >= markers[i - 1]!.at)).toBe(true);
    expect(await deployMarkers(t.db, "component:default/payments-api", "nowhere", new Date(0), at)).toEqual([]);
  });
});
