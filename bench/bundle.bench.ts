// First-load JS per route, gzip, from Next's own build diagnostics (.next/diagnostics/route-bundle-stats.json).
// Budget (DESIGN.md): ≤ 250 kB gzip on dashboard routes. Run after `next build`: npm run bench:bundle
import { readFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";

const BUDGET_KB = 250;
const dist = process.env.NEXT_DIST_DIR ?? ".next";
const statsFile = path.join(dist, "diagnostics/route-bundle-stats.json");
if (!existsSync(statsFile)) {
  console.error(`${statsFile} not found: run \`npx next build\` first`);
  process.exit(1);
}
type RouteStats = { route: string; firstLoadUncompressedJsBytes: number; firstLoadChunkPaths: string[] };
const routes = JSON.parse(readFileSync(statsFile, "utf8")) as RouteStats[];
const gz = new Map<string, number>();
const gzipSize = (file: string) => {
  if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(file.replace(/^\.next(?=\/)/, dist)), { level: 9 }).length);
  return gz.get(file)!;
};

let over = 0;
console.log(`${"route".padEnd(40)} ${"raw kB".padStart(8)} ${"gzip kB".padStart(8)}  budget ${BUDGET_KB} kB`);
for (const r of routes.sort((a, b) => a.route.localeCompare(b.route))) {
  const gzip = r.firstLoadChunkPaths.reduce((n, f) => n + gzipSize(f), 0) / 1024;
  const ok = gzip <= BUDGET_KB;
  if (!ok) over++;
  console.log(`${r.route.padEnd(40)} ${(r.firstLoadUncompressedJsBytes / 1024).toFixed(1).padStart(8)} ${gzip.toFixed(1).padStart(8)}  ${ok ? "PASS" : "OVER"}`);
}
console.log(over ? `${over} route(s) over budget` : "every route within budget");
