/**
 * Layered left-to-right layout for the dependency graph, as a pure function (no graph library).
 * Columns: upstream depth 2 | upstream depth 1 | root | downstream depth 1 | downstream depth 2. An edge A → B means
 * "A needs B", so arrows flow from left to right. Within a column, nodes are ordered by the barycentre of their
 * neighbours in the column nearer the root (one sweep outwards), which removes most crossings for 2-level graphs.
 */

export type LayoutNode = { id: string; side: "root" | "upstream" | "downstream"; depth: number; label: string };
export type LayoutEdge = { from: string; to: string };
export type Positioned = { id: string; x: number; y: number; column: number };
export type RoutedEdge = { from: string; to: string; path: string };
export type Layout = { width: number; height: number; nodes: Map<string, Positioned>; edges: RoutedEdge[]; nodeWidth: number; nodeHeight: number };

export const NODE_W = 168;
export const NODE_H = 44;
const GAP_X = 56;
const GAP_Y = 14;
const PAD = 16;

export function columnOf(n: Pick<LayoutNode, "side" | "depth">): number {
  return n.side === "root" ? 0 : n.side === "upstream" ? -Math.max(1, n.depth) : Math.max(1, n.depth);
}

export function layoutGraph(nodes: LayoutNode[], edges: LayoutEdge[], opts: { nodeWidth?: number; nodeHeight?: number } = {}): Layout {
  const nodeWidth = opts.nodeWidth ?? NODE_W;
  const nodeHeight = opts.nodeHeight ?? NODE_H;
  const ids = new Set(nodes.map((n) => n.id));
  const usable = edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to);

  const columns = new Map<number, LayoutNode[]>();
  for (const n of nodes) {
    const c = columnOf(n);
    columns.set(c, [...(columns.get(c) ?? []), n]);
  }
  const colKeys = [...columns.keys()].sort((a, b) => a - b);
  if (!colKeys.length) return { width: 0, height: 0, nodes: new Map(), edges: [], nodeWidth, nodeHeight };

  const neighbours = new Map<string, string[]>();
  for (const e of usable) {
    neighbours.set(e.from, [...(neighbours.get(e.from) ?? []), e.to]);
    neighbours.set(e.to, [...(neighbours.get(e.to) ?? []), e.from]);
  }

  // Order: root column as is; then sweep outwards, each column by the mean index of its neighbours one step inwards.
  const index = new Map<string, number>();
  const place = (c: number, list: LayoutNode[]) => list.forEach((n, i) => index.set(n.id, i));
  const byLabel = (a: LayoutNode, b: LayoutNode) => a.label.localeCompare(b.label);
  place(0, [...(columns.get(0) ?? [])].sort(byLabel));
  for (const dir of [1, -1]) {
    for (let c = dir; columns.has(c); c += dir) {
      const inner = new Set((columns.get(c - dir) ?? []).map((n) => n.id));
      const bary = (n: LayoutNode) => {
        const ns = (neighbours.get(n.id) ?? []).filter((x) => inner.has(x)).map((x) => index.get(x) ?? 0);
        return ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : Number.POSITIVE_INFINITY;
      };
      const sorted = [...columns.get(c)!].sort((a, b) => bary(a) - bary(b) || byLabel(a, b));
      columns.set(c, sorted);
      place(c, sorted);
    }
  }

  const tallest = Math.max(...colKeys.map((c) => columns.get(c)!.length));
  const height = PAD * 2 + tallest * nodeHeight + (tallest - 1) * GAP_Y;
  const positioned = new Map<string, Positioned>();
  colKeys.forEach((c, ci) => {
    const list = columns.get(c)!;
    const colHeight = list.length * nodeHeight + (list.length - 1) * GAP_Y;
    const top = (height - colHeight) / 2;
    list.forEach((n, i) => positioned.set(n.id, { id: n.id, column: c, x: PAD + ci * (nodeWidth + GAP_X), y: top + i * (nodeHeight + GAP_Y) }));
  });
  const width = PAD * 2 + colKeys.length * nodeWidth + (colKeys.length - 1) * GAP_X;

  const routed = usable.map((e) => {
    const a = positioned.get(e.from)!;
    const b = positioned.get(e.to)!;
    const y1 = a.y + nodeHeight / 2;
    const y2 = b.y + nodeHeight / 2;
    if (b.column > a.column) {
      const x1 = a.x + nodeWidth;
      const x2 = b.x;
      const mid = (x1 + x2) / 2;
      return { from: e.from, to: e.to, path: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` };
    }
    // Same column or backwards (cycles, shared dependencies): loop around the right-hand side.
    const x1 = a.x + nodeWidth;
    const x2 = b.x + nodeWidth;
    const bulge = Math.max(x1, x2) + GAP_X / 2;
    return { from: e.from, to: e.to, path: `M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2},${y2}` };
  });
  return { width, height, nodes: positioned, edges: routed, nodeWidth, nodeHeight };
}
