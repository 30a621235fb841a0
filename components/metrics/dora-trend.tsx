"use client";
// One weekly DORA trend (recharts, loaded lazily).
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDuration, formatPercent } from "./format";

type Kind = "bar" | "duration" | "ratio";
const fmt = (v: number | null, kind: Kind) => (kind === "bar" ? String(v ?? 0) : kind === "ratio" ? formatPercent(v, 1) : formatDuration(v));
const day = (t: number) => new Date(t).toLocaleDateString([], { month: "short", day: "numeric" });

export default function DoraTrend({ points, kind }: { points: { t: number; v: number | null }[]; kind: Kind }) {
  const axis = { tick: { fill: "var(--muted)", fontSize: 10 }, stroke: "var(--border)" };
  const tooltip = (
    <Tooltip
      isAnimationActive={false}
      cursor={{ fill: "var(--subtle)" }}
      content={({ active, payload, label }) =>
        active && payload?.length ? (
          <div className="rounded-md border border-border bg-card px-2 py-1 text-xs shadow-md">
            <div className="text-muted">week of {day(Number(label))}</div>
            <div className="font-mono tabular-nums">{fmt(payload[0]!.value as number | null, kind)}</div>
          </div>
        ) : null
      }
    />
  );
  const common = { data: points, margin: { top: 4, right: 4, bottom: 0, left: 0 } };
  return (
    <ResponsiveContainer width="100%" height={120}>
      {kind === "bar" ? (
        <BarChart {...common}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="t" tickFormatter={day} {...axis} minTickGap={24} />
          <YAxis width={32} allowDecimals={false} {...axis} />
          {tooltip}
          <Bar dataKey="v" fill="var(--accent)" isAnimationActive={false} radius={[2, 2, 0, 0]} />
        </BarChart>
      ) : (
        <LineChart {...common}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="t" tickFormatter={day} {...axis} minTickGap={24} />
          <YAxis width={52} tickFormatter={(v: number) => fmt(v, kind)} {...axis} />
          {tooltip}
          <Line dataKey="v" stroke={kind === "ratio" ? "var(--failing)" : "var(--accent)"} strokeWidth={1.5} dot={{ r: 2 }} connectNulls={false} isAnimationActive={false} />
        </LineChart>
      )}
    </ResponsiveContainer>
  );
}
