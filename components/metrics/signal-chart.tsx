"use client";
// The recharts part of the Health section: loaded lazily (next/dynamic) so pages without charts do not carry recharts.
import { useState } from "react";
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, type MouseHandlerDataParam } from "recharts";
import { formatTick, formatValue, mergeSeries, SERIES_PALETTE, type Point, type Unit } from "./format";

export type ChartSeries = { name: string; points: Point[] };
/** A vertical line at t (a deploy); hovering or focusing its flag shows `lines`. */
export type ChartMarker = { id: string; t: number; label: string; lines: string[]; bad: boolean };

// The plot area inside the chart: the y axis is Y_AXIS px wide on the left, the margin RIGHT px on the right.
const Y_AXIS = 88;
const RIGHT = 12;


type Props = {
  series: ChartSeries[];
  unit: Unit;
  start: number;
  end: number;
  colors?: string[];
  /** Indexes of series the user switched off (kept in the data so colours stay put). */
  hidden?: ReadonlySet<number>;
  /** Drag across the chart to zoom: called with the selected time span. */
  onZoom?: (from: number, to: number) => void;
  markers?: ChartMarker[];
};

const labelTime = (s: MouseHandlerDataParam): number | null => (s.activeLabel === undefined ? null : Number(s.activeLabel));

export default function SignalChart({ markers, ...props }: Props) {
  const visible = (markers ?? []).filter((m) => m.t >= props.start && m.t <= props.end);
  if (!visible.length) return <Lines {...props} />;
  return (
    <div className="relative">
      <Lines {...props} markers={visible} />
      <Markers markers={visible} start={props.start} end={props.end} />
    </div>
  );
}

/** Flags above the deploy lines: hover or focus one for its version, who and when. */
function Markers({ markers, start, end }: { markers: ChartMarker[]; start: number; end: number }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="pointer-events-none absolute inset-x-0 top-0 h-3">
      {markers.map((m) => {
        const frac = (m.t - start) / (end - start);
        const left = `calc(${Y_AXIS}px + (100% - ${Y_AXIS + RIGHT}px) * ${frac})`;
        return (
          <div key={m.id} className="absolute top-0" style={{ left }}>
            <button
              type="button"
              aria-label={m.label}
              data-testid="deploy-marker"
              onMouseEnter={() => setOpen(m.id)}
              onMouseLeave={() => setOpen(null)}
              onFocus={() => setOpen(m.id)}
              onBlur={() => setOpen(null)}
              className={`pointer-events-auto -ml-[5px] block size-[10px] rotate-45 rounded-[2px] border border-card ${m.bad ? "bg-failing" : "bg-accent"}`}
            />
            {open === m.id ? (
              <div role="tooltip" data-testid="deploy-tooltip" className={`absolute top-4 z-20 w-max max-w-64 rounded-md border border-border bg-card px-2.5 py-1.5 text-xs shadow-md ${frac > 0.6 ? "right-0" : "left-0"}`}>
                <div className="font-semibold">{m.label}</div>
                {m.lines.map((l) => <div key={l} className="text-muted">{l}</div>)}
              </div>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}

function Lines({ series, unit, start, end, colors, hidden, onZoom, markers }: Props) {
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const rows = mergeSeries(series.map((s) => s.points));
  const span = end - start;
  const palette = colors ?? SERIES_PALETTE;
  return (
    // the chart surface is focusable (keyboard tooltips); no focus ring for mouse users
    <ResponsiveContainer width="100%" height={180} className="[&_.recharts-surface:focus:not(:focus-visible)]:outline-none [&_.recharts-wrapper:focus:not(:focus-visible)]:outline-none">
      <LineChart
        data={rows}
        margin={{ top: 8, right: RIGHT, bottom: 0, left: 0 }}
        style={{ cursor: onZoom ? "crosshair" : undefined, userSelect: "none" }}
        onMouseDown={(s) => {
          const t = labelTime(s);
          if (onZoom && t !== null) setDrag({ a: t, b: t });
        }}
        onMouseMove={(s) => {
          const t = labelTime(s);
          if (drag && t !== null) setDrag({ ...drag, b: t });
        }}
        onMouseUp={() => {
          if (drag && onZoom && drag.a !== drag.b) onZoom(Math.min(drag.a, drag.b), Math.max(drag.a, drag.b));
          setDrag(null);
        }}
        onMouseLeave={() => setDrag(null)}
      >
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={[start, end]}
          tickFormatter={(t: number) => formatTick(t, span)}
          tick={{ fill: "var(--muted)", fontSize: 11 }}
          stroke="var(--border)"
          minTickGap={40}
        />
        <YAxis
          width={Y_AXIS}
          tickFormatter={(v: number) => formatValue(v, unit)}
          tick={{ fill: "var(--muted)", fontSize: 11 }}
          stroke="var(--border)"
          domain={[0, "auto"]}
        />
        <Tooltip
          isAnimationActive={false}
          cursor={{ stroke: "var(--muted)", strokeDasharray: "3 3" }}
          content={({ active, payload, label }) =>
            active && payload?.length ? (
              <div className="rounded-md border border-border bg-card px-2.5 py-1.5 text-xs shadow-md" data-testid="chart-tooltip">
                <div className="mb-1 text-muted">{new Date(Number(label)).toLocaleString()}</div>
                {payload.map((p) => (
                  <div key={String(p.dataKey)} className="flex items-center gap-2">
                    <span className="inline-block size-2 rounded-full" style={{ background: p.color }} />
                    <span className="text-muted">{p.name}</span>
                    <span className="ml-auto pl-3 font-mono tabular-nums">{formatValue(typeof p.value === "number" ? p.value : null, unit)}</span>
                  </div>
                ))}
              </div>
            ) : null
          }
        />
        {series.map((s, i) => (
          <Line key={i} hide={hidden?.has(i)} dataKey={`s${i}`} name={s.name} stroke={palette[i % palette.length]} dot={false} strokeWidth={1.5} isAnimationActive={false} connectNulls={false} />
        ))}
        {(markers ?? []).map((m) => (
          <ReferenceLine key={m.id} x={m.t} stroke={m.bad ? "var(--failing)" : "var(--accent)"} strokeOpacity={0.7} strokeDasharray="3 3" ifOverflow="hidden" />
        ))}
        {drag && drag.a !== drag.b ? <ReferenceArea x1={Math.min(drag.a, drag.b)} x2={Math.max(drag.a, drag.b)} fill="var(--accent)" fillOpacity={0.12} stroke="var(--accent)" strokeOpacity={0.4} /> : null}
      </LineChart>
    </ResponsiveContainer>
  );
}
