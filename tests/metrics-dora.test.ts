import { describe, expect, it } from "vitest";
import { doraMetrics, failures, median, weekStart, weeklyTrend, type DoraDeploy } from "@/server/metrics/dora";

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
