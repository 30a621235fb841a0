"use client";
// Canary analysis chart: loaded lazily (next/dynamic) so only deploy pages with a canary carry recharts.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type AnalysisPoint = { interval: number; canaryErrorRate: number | null; stableErrorRate: number | null; canaryLatencyMs: number | null; stableLatencyMs: number | null; verdict: string };

const axis = { fontSize: 11, fill: "var(--muted)" };

/** Canary vs stable per interval: error rate (%) and p95 latency (ms), side by side. */
export default function AnalysisChart({ points }: { points: AnalysisPoint[] }) {
  const data = points.map((p) => ({
    name: `#${p.interval}`,
    canaryErr: p.canaryErrorRate === null ? null : +(p.canaryErrorRate * 100).toFixed(3),
    stableErr: p.stableErrorRate === null ? null : +(p.stableErrorRate * 100).toFixed(3),
    canaryLat: p.canaryLatencyMs === null ? null : Math.round(p.canaryLatencyMs),
    stableLat: p.stableLatencyMs === null ? null : Math.round(p.stableLatencyMs),
  }));
  return (
    <div className="grid gap-4 md:grid-cols-2" data-testid="analysis-chart">
      <Pair title="Error rate (%)" data={data} canary="canaryErr" stable="stableErr" />
      <Pair title="p95 latency (ms)" data={data} canary="canaryLat" stable="stableLat" />
    </div>
  );
}

const tooltip = { contentStyle: { background: "var(--card)", border: "1px solid var(--border)", fontSize: 12 }, labelStyle: { color: "var(--fg)" } };

/** Stable (grey) and canary (accent) bars side by side per interval. */
function Pair({ title, data, canary, stable }: { title: string; data: Record<string, unknown>[]; canary: string; stable: string }) {
  return (
    <figure>
      <figcaption className="mb-1 text-xs font-medium text-muted">{title}</figcaption>
      <ResponsiveContainer width="100%" height={180}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--border)" vertical={false} />
          <XAxis dataKey="name" tick={axis} stroke="var(--border)" />
          <YAxis tick={axis} stroke="var(--border)" width={44} />
          <Tooltip {...tooltip} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          <Bar dataKey={stable} name="stable" fill="var(--muted)" isAnimationActive={false} />
          <Bar dataKey={canary} name="canary" fill="var(--accent)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
