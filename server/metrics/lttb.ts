import type { Sample } from "@/server/providers/metrics";

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps `threshold` points that preserve the visual shape of a
 * series — first and last point always, then per bucket the point forming the largest triangle with the previously
 * kept point and the average of the next bucket. Gaps (null values) are kept: the series is split at them, each
 * segment gets a share of the budget proportional to its length, and one null marks each gap in the output.
 */
export function lttb(points: Sample[], threshold: number): Sample[] {
  if (threshold < 3) throw new RangeError("threshold must be at least 3");
  if (points.length <= threshold) return points;

  const segments: [number, number][][] = [];
  let current: [number, number][] = [];
  for (const [t, v] of points) {
    if (v === null) {
      if (current.length) segments.push(current);
      current = [];
    } else current.push([t, v]);
  }
  if (current.length) segments.push(current);
  if (segments.length === 0) return [points[0]!, points[points.length - 1]!];

  const gaps = segments.length - 1;
  const budget = Math.max(segments.length * 2, threshold - gaps);
  const total = segments.reduce((n, s) => n + s.length, 0);
  const out: Sample[] = [];
  segments.forEach((seg, i) => {
    if (i > 0) out.push([seg[0]![0] - 1, null]);
    const share = Math.max(Math.min(seg.length, 2), Math.floor((seg.length / total) * budget));
    out.push(...lttbDense(seg, share));
  });
  return out;
}

function lttbDense(data: [number, number][], threshold: number): Sample[] {
  const n = data.length;
  if (threshold >= n || threshold < 3) return threshold < 3 && n > 2 ? [data[0]!, data[n - 1]!] : data;
  const sampled: Sample[] = [data[0]!];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // Average of the next bucket.
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgT = 0;
    let avgV = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgT += data[j]![0];
      avgV += data[j]![1];
    }
    const len = nextEnd - nextStart || 1;
    avgT /= len;
    avgV /= len;
    // The point of this bucket with the largest triangle (a, point, average).
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const [at, av] = data[a]!;
    let maxArea = -1;
    let chosen = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((at - avgT) * (data[j]![1] - av) - (at - data[j]![0]) * (avgV - av));
      if (area > maxArea) {
        maxArea = area;
        chosen = j;
      }
    }
    sampled.push(data[chosen]!);
    a = chosen;
  }
  sampled.push(data[n - 1]!);
  return sampled;
}
