"use client";
// The error-budget burn-down of one SLO (recharts; loaded lazily with the rest of the charts).
import { Area, AreaChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatTick } from "./format";

export default function BudgetChart({ points, start, end }: { points: { t: number; remaining: number }[]; start: number; end: number }) {
  const min = Math.min(0, ...points.map((p) => p.remaining));
  const last = points.at(-1)?.remaining ?? 1;
  const color = last <= 0 ? "var(--failing)" : last < 0.25 ? "var(--degraded)" : "var(--healthy)";
  return (
    <ResponsiveContainer width="100%" height={140}>
      <AreaChart data={points} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="t" type="number" scale="time" domain={[start, end]} tickFormatter={(t: number) => formatTick(t, end - start)} tick={{ fill: "var(--muted)", fontSize: 11 }} stroke="var(--border)" minTickGap={40} />
        <YAxis width={48} domain={[Math.floor(min * 4) / 4, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} tick={{ fill: "var(--muted)", fontSize: 11 }} stroke="var(--border)" />
        <ReferenceLine y={0} stroke="var(--failing)" strokeDasharray="4 3" />
        <Tooltip
          isAnimationActive={false}
          content={({ active, payload, label }) =>
            active && payload?.length ? (
              <div className="rounded-md border border-border bg-card px-2.5 py-1.5 text-xs shadow-md" data-testid="budget-tooltip">
                <div className="text-muted">{new Date(Number(label)).toLocaleString()}</div>
                <div className="font-mono tabular-nums">{Math.round(Number(payload[0]!.value) * 1000) / 10} % budget left</div>
              </div>
            ) : null
          }
        />
        <Area type="stepAfter" dataKey="remaining" stroke={color} fill={color} fillOpacity={0.12} strokeWidth={1.5} isAnimationActive={false} dot={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}
