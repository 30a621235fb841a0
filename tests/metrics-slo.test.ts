import { describe, expect, it } from "vitest";
import { ALERT_WINDOWS, budgetRemaining, burnDown, burnRate, burnThreshold, BURN_ALERTS, errorBudget, evaluateSlo } from "@/server/metrics/slo";
import { parseSlos, slosOf } from "@/server/metrics/slo-spec";
import { worstStatus } from "@/server/metrics/status";

// SLO arithmetic against examples worked by hand (SRE workbook ch. 5 numbers where it gives them).

const H = 3600;
const D = 86_400;
const ratios = (m: Record<number, number | null>) => new Map(Object.entries(m).map(([k, v]) => [Number(k), v]));

describe("error budget, burn rate, thresholds", () => {
  it("budget and burn rate", () => {
    expect(errorBudget(0.999)).toBeCloseTo(0.001, 12);
    // 0.5 % errors against a 99.9 % objective burn the budget 5× as fast as allowed
    expect(burnRate(0.005, 0.999)).toBeCloseTo(5, 9);
    expect(burnRate(0.001, 0.999)).toBeCloseTo(1, 9);
    expect(burnRate(0, 0.99)).toBe(0);
    expect(() => errorBudget(1)).toThrow(RangeError);
    expect(() => errorBudget(0)).toThrow(RangeError);
  });

  it("thresholds are the workbook's 14.4 / 6 / 1 for a 30-day window and scale with the window", () => {
    const [fast1h, fast6h, slow3d] = BURN_ALERTS;
    // 2 % of a 30-day budget in 1 h: 0.02 × 720 h / 1 h = 14.4
    expect(burnThreshold(fast1h!, 30 * D)).toBeCloseTo(14.4, 9);
    // 5 % in 6 h: 0.05 × 720 / 6 = 6;  10 % in 3 d: 0.1 × 720 / 72 = 1
    expect(burnThreshold(fast6h!, 30 * D)).toBeCloseTo(6, 9);
    expect(burnThreshold(slow3d!, 30 * D)).toBeCloseTo(1, 9);
    // 28 days = 672 h: 13.44, 5.6, 0.9333…
    expect(burnThreshold(fast1h!, 28 * D)).toBeCloseTo(13.44, 9);
    expect(burnThreshold(fast6h!, 28 * D)).toBeCloseTo(5.6, 9);
    expect(burnThreshold(slow3d!, 28 * D)).toBeCloseTo(0.93333, 4);
    expect(ALERT_WINDOWS).toEqual([300, 1800, H, 6 * H, 3 * D]);
  });

  it("budget remaining", () => {
    // 99.9 % over the window allows 0.1 % bad; 0.05 % bad used half of it
    expect(budgetRemaining(0.0005, 0.999)).toBeCloseTo(0.5, 9);
    expect(budgetRemaining(0, 0.999)).toBe(1);
    // 0.3 % bad against 0.1 % allowed: 200 % overspent
    expect(budgetRemaining(0.003, 0.999)).toBeCloseTo(-2, 9);
  });
});

describe("evaluateSlo: multi-window, multi-burn-rate", () => {
  const spec = { objective: 0.999, windowSeconds: 30 * D };

  it("healthy: everything under its threshold, budget left", () => {
    const e = evaluateSlo(spec, ratios({ 300: 0.002, 1800: 0.001, [H]: 0.001, [6 * H]: 0.0008, [3 * D]: 0.0005, [30 * D]: 0.0004 }));
    expect(e.status).toBe("healthy");
    expect(e.burn).toBeNull();
    expect(e.sli).toBeCloseTo(0.9996, 9);
    expect(e.budgetRemaining).toBeCloseTo(0.6, 9);
    expect(e.alerts.map((a) => a.firing)).toEqual([false, false, false]);
    expect(e.alerts[0]).toMatchObject({ longBurn: expect.closeTo(1, 9), shortBurn: expect.closeTo(2, 9), threshold: expect.closeTo(14.4, 9) });
    expect(e.reason).toBe("60 % of the error budget left");
  });

  it("fast burn: 1h at 20× and 5m at 30× (both > 14.4) pages → failing", () => {
    const e = evaluateSlo(spec, ratios({ 300: 0.03, 1800: 0.02, [H]: 0.02, [6 * H]: 0.004, [3 * D]: 0.0006, [30 * D]: 0.0003 }));
    expect(e.alerts[0]).toMatchObject({ id: "fast-1h", firing: true, longBurn: expect.closeTo(20, 9), shortBurn: expect.closeTo(30, 9) });
    expect(e.alerts[1]!.firing).toBe(false); // 6h burn 4 < 6
    expect(e.burn).toBe("fast");
    expect(e.status).toBe("failing");
    expect(e.reason).toBe("fast burn: 20× over 1h and 30× over 5m (threshold 14.4×)");
  });

  it("the short window resets a fast burn that has stopped: 1h still at 20×, 5m back at 0.5×", () => {
    const e = evaluateSlo(spec, ratios({ 300: 0.0005, 1800: 0.003, [H]: 0.02, [6 * H]: 0.004, [3 * D]: 0.0006, [30 * D]: 0.0003 }));
    expect(e.alerts[0]!.firing).toBe(false);
    expect(e.status).toBe("healthy");
  });

  it("6h/30m at 6×: 0.7 % and 0.8 % errors (7× and 8×) page", () => {
    const e = evaluateSlo(spec, ratios({ 300: 0.001, 1800: 0.008, [H]: 0.001, [6 * H]: 0.007, [3 * D]: 0.002, [30 * D]: 0.0005 }));
    expect(e.alerts.map((a) => a.firing)).toEqual([false, true, true]);
    expect(e.burn).toBe("fast");
    expect(e.status).toBe("failing");
  });

  it("slow burn: 3d at 1.5× and 6h at 1.2× (> 1) opens a ticket → degraded", () => {
    const e = evaluateSlo(spec, ratios({ 300: 0.001, 1800: 0.001, [H]: 0.001, [6 * H]: 0.0012, [3 * D]: 0.0015, [30 * D]: 0.0006 }));
    expect(e.alerts.map((a) => a.firing)).toEqual([false, false, true]);
    expect(e.burn).toBe("slow");
    expect(e.status).toBe("degraded");
    expect(e.reason).toBe("slow burn: 1.5× over 3d and 1.2× over 6h (threshold 1×)");
  });

  it("an exhausted budget fails even without a burn alert; no window data is unknown", () => {
    const exhausted = evaluateSlo(spec, ratios({ 300: 0, 1800: 0, [H]: 0, [6 * H]: 0, [3 * D]: 0, [30 * D]: 0.0012 }));
    expect(exhausted.budgetRemaining).toBeCloseTo(-0.2, 9);
    expect(exhausted.status).toBe("failing");
    expect(exhausted.reason).toBe("error budget exhausted: 0.12 % bad over the window, 0.1 % allowed");
    const none = evaluateSlo(spec, ratios({ 300: 0.0001 }));
    expect(none).toMatchObject({ status: "unknown", sli: null, budgetRemaining: null, burn: null });
    // a firing alert still says so without the window's ratio
    expect(evaluateSlo(spec, ratios({ 300: 0.05, [H]: 0.05 })).status).toBe("failing");
  });

  it("the worst status wins", () => {
    expect(worstStatus(["healthy", "degraded"])).toBe("degraded");
    expect(worstStatus(["unknown", "failing", "healthy"])).toBe("failing");
    expect(worstStatus(["healthy", "unknown"])).toBe("unknown");
    expect(worstStatus([])).toBe("healthy");
  });
});

describe("burnDown", () => {
  it("spends the budget step by step, weighted by traffic", () => {
    // objective 99 % → budget 1 % of 500 events = 5 bad events; bad per step 0, 0.2, 0, 0.1
    const points = burnDown(
      [
        { t: 1, badRatio: 0, weight: 100 },
        { t: 2, badRatio: 0.002, weight: 100 },
        { t: 3, badRatio: 0, weight: 200 },
        { t: 4, badRatio: 0.001, weight: 100 },
      ],
      0.99,
    );
    expect(points.map((p) => p.t)).toEqual([1, 2, 3, 4]);
    expect(points.map((p) => p.remaining)).toEqual([1, expect.closeTo(0.96, 9), expect.closeTo(0.96, 9), expect.closeTo(0.94, 9)]);
  });

  it("gaps keep the line flat; no traffic means no chart; overspending goes below zero", () => {
    const points = burnDown(
      [
        { t: 1, badRatio: 0.02, weight: 50 },
        { t: 2, badRatio: null, weight: 50 },
        { t: 3, badRatio: 0.04, weight: 50 },
      ],
      0.99,
    );
    // budget = 1 % of 100 known events = 1; bad 1 then 2 → 0, 0, -2
    expect(points.map((p) => p.remaining)).toEqual([expect.closeTo(0, 9), expect.closeTo(0, 9), expect.closeTo(-2, 9)]);
    expect(burnDown([{ t: 1, badRatio: 0, weight: 0 }], 0.99)).toEqual([]);
    expect(burnDown([], 0.99)).toEqual([]);
  });
});

describe("SLO definitions", () => {
  it("parses availability, latency percentiles and the window from annotations", () => {
    const { specs, errors } = parseSlos({
      "opsdeck.dev/slo-availability": "99.9",
      "opsdeck.dev/slo-latency-p95-ms": "300",
      "opsdeck.dev/slo-latency-p99.9-ms": "1500",
      "opsdeck.dev/slo-window": "30d",
      "opsdeck.dev/slo": "99.9% of requests succeed within 300 ms", // free text: not an objective, not an error
    });
    expect(errors).toEqual([]);
    expect(specs).toEqual([
      { id: "availability", kind: "availability", title: "Availability 99.9 %", objective: 0.999, windowSeconds: 30 * D, window: "30d" },
      { id: "latency-p95", kind: "latency", title: "p95 ≤ 300 ms", objective: 0.95, windowSeconds: 30 * D, window: "30d", latency: { percentile: 95, thresholdSeconds: 0.3, le: "0.3" } },
      { id: "latency-p99.9", kind: "latency", title: "p99.9 ≤ 1500 ms", objective: 0.999, windowSeconds: 30 * D, window: "30d", latency: { percentile: 99.9, thresholdSeconds: 1.5, le: "1.5" } },
    ]);
  });

  it("defaults to 28 days, accepts '99.5 %', reports bad values without dropping the good ones", () => {
    const { specs, errors } = parseSlos({
      "opsdeck.dev/slo-availability": "99.5 %",
      "opsdeck.dev/slo-latency-p95-ms": "fast",
      "opsdeck.dev/slo-window": "2y",
      "opsdeck.dev/slo-latencyp95": "1",
    });
    expect(specs).toHaveLength(1);
    expect(specs[0]).toMatchObject({ objective: 0.995, window: "28d", windowSeconds: 28 * D });
    expect(errors).toEqual([
      'opsdeck.dev/slo-window: window must look like 28d, 30d, 4w or 72h: got "2y"',
      'opsdeck.dev/slo-latency-p95-ms: must be a positive number of milliseconds (at most 600000): got "fast"',
      "opsdeck.dev/slo-latencyp95: unknown SLO key (known: availability, latency-p<N>-ms, window)",
    ]);
    expect(parseSlos({ "opsdeck.dev/slo-availability": "100" }).errors[0]).toMatch(/between 0 and 100/);
    expect(parseSlos({ "opsdeck.dev/slo-window": "12h" }).errors[0]).toMatch(/between 1d and 90d/);
  });

  it("OPSDECK_SLOS supplies objectives by ref; annotations win key by key", () => {
    const config = { "component:default/ledger": { availability: 99, "latency-p95-ms": 250, window: "7d" } };
    const fromConfig = slosOf({ ref: "component:default/ledger", annotations: {} }, config);
    expect(fromConfig.specs.map((s) => [s.id, s.objective, s.window])).toEqual([["availability", 0.99, "7d"], ["latency-p95", 0.95, "7d"]]);
    const mixed = slosOf({ ref: "component:default/ledger", annotations: { "opsdeck.dev/slo-availability": "99.95" } }, config);
    expect(mixed.specs.map((s) => [s.id, s.objective])).toEqual([["availability", 0.9995], ["latency-p95", 0.95]]);
    expect(slosOf({ ref: "component:default/other", annotations: {} }, config).specs).toEqual([]);
  });
});
