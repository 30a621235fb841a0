// Pure helpers of the health charts (unit-tested in tests/metrics-ui.test.ts).

/** Series colours in order (charts and their legends): the accent, then the status palette. */
export const SERIES_PALETTE = ["var(--accent)", "var(--degraded)", "var(--failing)", "var(--healthy)", "var(--muted)"];

export type Unit = "none" | "req/s" | "ratio" | "seconds" | "cores" | "bytes";
export type Point = [t: number, v: number | null];

const trim = (n: number, digits = 3) => Number(n.toPrecision(digits)).toString();

/** A value with its unit, compactly: "12.3 req/s", "0.42 %", "215 ms", "0.35 cores", "312 MiB". */
export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  switch (unit) {
    case "none":
      return Math.abs(v) >= 1e6 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : trim(v, 4);
    case "req/s":
      return v >= 1000 ? `${trim(v / 1000)}k req/s` : `${trim(v)} req/s`;
    case "ratio":
      return `${trim(v * 100)} %`;
    case "seconds":
      if (v === 0) return "0 ms";
      return v >= 1 ? `${trim(v)} s` : v >= 0.001 ? `${trim(v * 1000)} ms` : `${trim(v * 1e6)} µs`;
    case "cores":
      return `${trim(v)} cores`;
    case "bytes": {
      const units = ["B", "KiB", "MiB", "GiB", "TiB"];
      let i = 0;
      let x = Math.abs(v);
      while (x >= 1024 && i < units.length - 1) {
        x /= 1024;
        i++;
      }
      return `${v < 0 ? "-" : ""}${trim(x)} ${units[i]}`;
    }
  }
}

/** Axis tick times: clock time for ranges up to a day, day + time beyond. */
export function formatTick(t: number, spanMs: number): string {
  const d = new Date(t);
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return spanMs > 86_400_000 ? `${d.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}` : time;
}

export type Row = { t: number } & Record<string, number | null>;

/**
 * Rows for a chart with one column per series (`s0`, `s1`, …) over the union of the series' timestamps. Downsampled
 * series keep different timestamps, so a series without a point at a row's time gets the value interpolated between its
 * neighbours (the line it would draw anyway); a real gap (null) stays null on both sides.
 */
export function mergeSeries(series: Point[][]): Row[] {
  const times = [...new Set(series.flatMap((s) => s.map((p) => p[0])))].sort((a, b) => a - b);
  const rows: Row[] = times.map((t) => ({ t }) as Row);
  series.forEach((points, k) => {
    const key = `s${k}`;
    let j = 0; // index of the first point with time >= row time
    for (const row of rows) {
      while (j < points.length && points[j]![0] < row.t) j++;
      const at = points[j];
      if (at && at[0] === row.t) row[key] = at[1];
      else {
        const before = points[j - 1];
        row[key] = before && at && before[1] !== null && at[1] !== null ? before[1] + ((at[1] - before[1]) * (row.t - before[0])) / (at[0] - before[0]) : null;
      }
    }
  });
  return rows;
}

const MIN_SPAN = 5 * 60_000;

/** A zoom or custom range the API accepts: at least 5 minutes (widened around its middle), not in the future. */
export function clampRange(from: number, to: number, now = Date.now()): { from: Date; to: Date } {
  let a = Math.min(from, to);
  let b = Math.min(Math.max(from, to), now);
  if (b - a < MIN_SPAN) {
    const mid = (a + b) / 2;
    b = Math.min(now, mid + MIN_SPAN / 2);
    a = b - MIN_SPAN;
  }
  return { from: new Date(a), to: new Date(b) };
}

/** An SLI or objective as a percentage with the digits that matter: 0.99934 → "99.934 %", 0.95 → "95 %". */
export function formatPercent(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${Number((v * 100).toFixed(digits))} %`;
}

/** A burn rate: "0.42×", "14.4×". */
export function formatBurn(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${Number(v.toPrecision(v >= 100 ? 4 : 3))}×`;
}

/** Seconds as a short window label: 300 → "5m", 21600 → "6h", 259200 → "3d". */
export function formatWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${Math.round(seconds / 60)}m`;
}

/** "3 min ago", "5 h ago", "2 d ago". */
export function formatAgo(t: Date | number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - (typeof t === "number" ? t : t.getTime())) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** A duration in seconds, coarse: "45 s", "12 min", "3.5 h", "2.1 d". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${trim(seconds / 3600, 2)} h`;
  return `${trim(seconds / 86_400, 2)} d`;
}

/** Deploys per day as people say it: "3.1 / day", "2.4 / week", "0.8 / month". */
export function formatFrequency(perDay: number): string {
  if (perDay >= 1) return `${trim(perDay, 2)} / day`;
  if (perDay * 7 >= 1) return `${trim(perDay * 7, 2)} / week`;
  return `${trim(perDay * 30, 2)} / month`;
}

/** Palette class of an error budget's fill: spent (failing), under a quarter left (degraded), else healthy. */
export function budgetTone(remaining: number | null): string {
  return remaining === null ? "bg-unknown" : remaining <= 0 ? "bg-failing" : remaining < 0.25 ? "bg-degraded" : "bg-healthy";
}
