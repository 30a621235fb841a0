"use client";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { Network } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorNote, Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { entityHref, kindLabel } from "./refs";
import { layoutGraph } from "./graph-layout";

type Graph = RouterOutputs["catalog"]["graph"];
type Depth = 1 | 2;

const EDGE_STYLE: Record<Graph["edges"][number]["type"], { dash?: string; label: string }> = {
  dependsOn: { label: "depends on" },
  consumesApi: { dash: "5 4", label: "consumes API" },
  apiProvidedBy: { dash: "1.5 3", label: "API provided by" },
};

/** Upstream (what needs this) on the left, downstream (what this needs) on the right, 1 or 2 levels; click a node to open it. */
export function EntityGraph({ entityRef }: { entityRef: string }) {
  const trpc = useTRPC();
  const [depth, setDepth] = useState<Depth>(2);
  const graph = useQuery(trpc.catalog.graph.queryOptions({ ref: entityRef, depth, direction: "both", maxNodes: 150 }));
  return (
    <Card data-testid="dependency-graph">
      <CardHeader
        title="Dependencies"
        description="Left: what needs this entity (upstream). Right: what it needs (downstream). Click a node to open it."
        actions={
          <div role="group" aria-label="Graph depth" className="flex overflow-hidden rounded-md border border-border">
            {([1, 2] as const).map((d) => (
              <button
                key={d}
                type="button"
                aria-pressed={depth === d}
                onClick={() => setDepth(d)}
                className={cn("px-2.5 py-1 text-xs", depth === d ? "bg-accent text-accent-fg" : "bg-card text-muted hover:bg-subtle")}
              >
                {d} level{d > 1 ? "s" : ""}
              </button>
            ))}
          </div>
        }
      />
      <div className="p-3">
        {graph.error ? (
          <ErrorNote error={graph.error} />
        ) : graph.isPending ? (
          <Skeleton className="h-40 w-full" />
        ) : graph.data.nodes.length <= 1 ? (
          <EmptyState icon={<Network className="size-6" />} title="No dependencies recorded">
            Nothing depends on this entity and it declares no dependsOn, consumed or provided APIs.
          </EmptyState>
        ) : (
          <GraphSvg graph={graph.data} />
        )}
      </div>
    </Card>
  );
}

function GraphSvg({ graph }: { graph: Graph }) {
  const router = useRouter();
  const byId = useMemo(() => new Map(graph.nodes.map((n) => [n.id, n])), [graph.nodes]);
  const layout = useMemo(
    () => layoutGraph(graph.nodes.map((n) => ({ id: n.id, side: n.side, depth: n.depth, label: n.title ?? n.name })), graph.edges),
    [graph.nodes, graph.edges],
  );
  const [hover, setHover] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  // Wide graphs scroll sideways: start with this entity in the middle.
  useEffect(() => {
    const el = scroller.current;
    const p = layout.nodes.get(graph.root);
    if (!el || !p || el.scrollWidth <= el.clientWidth) return;
    const scale = el.scrollWidth / layout.width;
    el.scrollLeft = (p.x + layout.nodeWidth / 2) * scale - el.clientWidth / 2;
  }, [layout, graph.root]);
  const edgeType = new Map(graph.edges.map((e) => [`${e.from}>${e.to}`, e.type]));
  const up = graph.nodes.filter((n) => n.side === "upstream").length;
  const down = graph.nodes.filter((n) => n.side === "downstream").length;
  const open = (id: string) => {
    const n = byId.get(id);
    if (n && n.id !== graph.root) router.push(entityHref(n.ref));
  };

  return (
    <div>
      <div className="mb-2 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-muted">
        <span>{up} upstream · {down} downstream</span>
        {Object.entries(EDGE_STYLE).map(([k, s]) => (
          <span key={k} className="inline-flex items-center gap-1.5">
            <svg width="28" height="6" aria-hidden><line x1="0" y1="3" x2="28" y2="3" stroke="currentColor" strokeWidth="1.5" strokeDasharray={s.dash} /></svg>
            {s.label}
          </span>
        ))}
        {graph.truncated ? <span className="text-degraded">Truncated at 150 nodes</span> : null}
      </div>
      <div ref={scroller} className="overflow-auto rounded-md border border-border bg-bg">
        <svg
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          // Shrinks to fit down to 80% (text stays readable), scrolls below that.
          style={{ width: "100%", maxWidth: layout.width, minWidth: Math.round(layout.width * 0.8), height: "auto" }}
          role="group"
          aria-label="Dependency graph"
          className="mx-auto block text-muted"
        >
          <defs>
            <marker id="dep-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
            </marker>
          </defs>
          {layout.edges.map((e) => {
            const t = edgeType.get(`${e.from}>${e.to}`) ?? "dependsOn";
            const lit = hover !== null && (hover === e.from || hover === e.to);
            return (
              <path
                key={`${e.from}>${e.to}`}
                d={e.path}
                fill="none"
                stroke="currentColor"
                strokeWidth={lit ? 2 : 1.25}
                strokeDasharray={EDGE_STYLE[t].dash}
                markerEnd="url(#dep-arrow)"
                className={cn(lit ? "text-accent" : "text-muted/70")}
              >
                <title>{`${byId.get(e.from)?.name} ${EDGE_STYLE[t].label} ${byId.get(e.to)?.name}`}</title>
              </path>
            );
          })}
          {graph.nodes.map((n) => {
            const p = layout.nodes.get(n.id);
            if (!p) return null;
            const root = n.id === graph.root;
            const label = n.title ?? n.name;
            return (
              <g
                key={n.id}
                transform={`translate(${p.x},${p.y})`}
                role={root ? "img" : "link"}
                tabIndex={root ? -1 : 0}
                aria-label={`${kindLabel(n.kind)} ${label}${root ? " (this entity)" : `, ${n.side} level ${n.depth}`}`}
                data-node={n.ref}
                className={cn("group outline-none", !root && "cursor-pointer")}
                onClick={() => open(n.id)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" || e.key === " ") {
                    e.preventDefault();
                    open(n.id);
                  }
                }}
                onMouseEnter={() => setHover(n.id)}
                onMouseLeave={() => setHover(null)}
                onFocus={() => setHover(n.id)}
                onBlur={() => setHover(null)}
              >
                <rect
                  width={layout.nodeWidth}
                  height={layout.nodeHeight}
                  rx="6"
                  className={cn(
                    "stroke-border group-hover:stroke-accent group-focus-visible:stroke-accent group-focus-visible:[stroke-width:3px]",
                    root ? "fill-accent stroke-accent" : "fill-card",
                  )}
                  strokeWidth="1"
                />
                <text x="10" y="18" className={cn("text-[12px] font-medium", root ? "fill-accent-fg" : "fill-fg")}>
                  {truncate(label, 21)}
                </text>
                <text x="10" y="34" className={cn("text-[10px]", root ? "fill-accent-fg/80" : "fill-muted")}>
                  {truncate(`${kindLabel(n.kind)}${n.lifecycle ? ` · ${n.lifecycle}` : ""}`, 27)}
                </text>
                <title>{n.ref}</title>
              </g>
            );
          })}
        </svg>
      </div>
    </div>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
