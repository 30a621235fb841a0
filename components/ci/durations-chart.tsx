"use client";
// The recharts part of the CI section: loaded lazily (next/dynamic), like the health charts.
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDuration, PROVIDER_SHORT } from "./format";

/** Axis ticks in whole minutes (or seconds for short runs): "0", "5m", "10m". */
const tick = (v: number) => (v === 0 ? "0" : v >= 60 ? `${Math.round(v / 60)}m` : `${v}s`);

export type DurationPoint = { id: string; provider: string; pipeline: string; number: number | null; status: string; finishedAt: Date; seconds: number };

const COLOR: Record<string, string> = { succeeded: "var(--healthy)", failed: "var(--failing)", timed_out: "var(--failing)" };

export default function DurationsChart({ points }: { points: DurationPoint[] }) {
  const data = points.map((p) => ({ ...p, label: new Date(p.finishedAt).toLocaleDateString(undefined, { month: "short", day: "numeric" }) }));
  return (
    <ResponsiveContainer width="100%" height={140}>
      <BarChart data={data} margin={{ top: 10, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 10, fill: "var(--muted)" }} tickLine={false} axisLine={false} interval="preserveStartEnd" minTickGap={24} />
        <YAxis tickFormatter={tick} tickCount={4} allowDecimals={false} tick={{ fontSize: 10, fill: "var(--muted)" }} tickLine={false} axisLine={false} width={36} />
        <Tooltip
          cursor={{ fill: "var(--subtle)" }}
          contentStyle={{ background: "var(--card)", border: "1px solid var(--border)", borderRadius: 6, fontSize: 12 }}
          labelStyle={{ color: "var(--muted)" }}
          formatter={(v, _n, item) => {
            const p = (item as { payload: DurationPoint }).payload;
            return [`${formatDuration(Number(v))} · ${p.status}`, `${PROVIDER_SHORT[p.provider] ?? p.provider} ${p.pipeline}${p.number ? ` #${p.number}` : ""}`];
          }}
        />
        <Bar dataKey="seconds" radius={[2, 2, 0, 0]} isAnimationActive={false}>
          {data.map((p) => (
            <Cell key={p.id} fill={COLOR[p.status] ?? "var(--muted)"} />
          ))}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}
