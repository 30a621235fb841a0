/**
 * Metrics benchmark: the overhead of Opsdeck's metrics path over querying Prometheus directly, for the same range queries.
 *
 *   npm run bench:metrics                 # 100 runs per query
 *   npm run bench:metrics -- --runs 300
 *
 * Starts a real Prometheus + Pushgateway from Debian on free loopback ports (tests/helpers/prometheus.ts; needs
 * `apt-get install prometheus prometheus-pushgateway`) scraping a node target with known series, then times, interleaved:
 *   direct — POST /api/v1/query_range with fetch, JSON.parse of the body;
 *   opsdeck — PrometheusProvider.rangeQuery (the same request, parsed into series) + LTTB to ≤ 1000 points per series,
 *             the work metrics.health does per query on a cache miss (the cache is off here; a hit costs ~nothing).
 * Not included: the tRPC/HTTP hop to the browser (superjson + the response), which exists for any portal endpoint.
 * Target (issue 5): opsdeck/direct ≤ 1.2×.
 *
 * Then the managers' overview (metrics.overview's server work, server/metrics/overview.ts) for 200 services in a bench
 * database (BENCH_METRICS_DATABASE_URL, default postgresql://root@127.0.0.1:5432/opsdeck_bench_metrics; its name must
 * contain "bench": it is dropped and re-created), half of them with an availability and a p95 latency SLO, against the
 * same Prometheus scraping 200 services:
 *   batched     — the templates allow one query per (signal, window) for all services;
 *   per service — the same services with a `prometheus-selector` annotation (the same series, but not batchable), as
 *                 the overview ran before batching (and as it still runs for annotated services);
 * each cold (query caches cleared: every query goes to Prometheus) and warm (within the 15 s / 60 s cache lifetime).
 * Target (issue 5): ≤ 500 ms warm for 200 services.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { createDb } from "@/server/db/client";
import { benchDbUrls, recreateDatabase } from "./lib";
import { PrometheusProvider } from "@/server/providers/metrics";
import { lttb } from "@/server/metrics/lttb";
import { instantCache, longWindowCache } from "@/server/metrics/instant";
import { metricsOverview } from "@/server/metrics/overview";
import { MetricsSources } from "@/server/metrics/source";
import { planSignals } from "@/server/metrics/templates";
import { benchServiceName, startPrometheus } from "@/tests/helpers/prometheus";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 100;
const TARGET_RATIO = 1.2;
const SERVICES = 200;
const OVERVIEW_TARGET_MS = 500;

const prom = await startPrometheus({ services: SERVICES });
try {
  const provider = new PrometheusProvider({ url: prom.url });
  // let the target be scraped for a while so the golden-signal queries have data
  for (let i = 0; i < 200; i++) {
    const r = await provider.instantQuery('count_over_time(up{job="itest"}[1m]) >= 10');
    if (r.length) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  const now = Math.floor(Date.now() / 1000) * 1000;
  const recent = { start: new Date(now - 60_000), end: new Date(now), stepSeconds: 1 };
  const hour = { start: new Date(now - 3_600_000), end: new Date(now), stepSeconds: 2 };
  const cases = [
    ...planSignals({ name: "itest", annotations: {} }, "5s").flatMap((p) => p.queries.map((q) => ({ name: `${p.id} ${q.label}`, query: q.promql!, range: recent }))),
    { name: "1h synthetic (1801 pts → LTTB 1000)", query: "sin(vector(time()) / 100)", range: hour },
    { name: "1h 5 series (1801 pts each → 1000)", query: 'sin(vector(time()) / 100) * on() group_left label_replace(vector(1), "x", "a", "", "") or label_replace(sin(vector(time()) / 50), "s", "2", "", "") or label_replace(sin(vector(time()) / 30), "s", "3", "", "") or label_replace(sin(vector(time()) / 20), "s", "4", "", "") or label_replace(sin(vector(time()) / 10), "s", "5", "", "")', range: hour },
  ];

  const direct = async (query: string, range: typeof hour) => {
    const body = new URLSearchParams({ query, start: String(range.start.getTime() / 1000), end: String(range.end.getTime() / 1000), step: String(range.stepSeconds) });
    const res = await fetch(`${prom.url}/api/v1/query_range`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    const json = (await res.json()) as { status: string; data: { result: unknown[] } };
    if (json.status !== "success") throw new Error(`direct query failed: ${query}`);
    return json.data.result.length;
  };
  const viaOpsdeck = async (query: string, range: typeof hour) => {
    const series = await provider.rangeQuery(query, range);
    return series.map((s) => lttb(s.points, 1000)).length;
  };

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
  console.log(`Prometheus ${prom.url} · ${RUNS} runs per query, interleaved · node ${process.version}\n`);
  console.log(`${"query".padEnd(40)} ${"series".padStart(6)} ${"direct p50".padStart(11)} ${"opsdeck p50".padStart(12)} ${"direct p95".padStart(11)} ${"opsdeck p95".padStart(12)} ${"ratio".padStart(6)}`);
  let sumDirect = 0;
  let sumOps = 0;
  for (const c of cases) {
    const n = await direct(c.query, c.range);
    await viaOpsdeck(c.query, c.range);
    const d: number[] = [];
    const o: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? [direct, viaOpsdeck] : [viaOpsdeck, direct];
      for (const fn of order) {
        const t0 = performance.now();
        await fn(c.query, c.range);
        (fn === direct ? d : o).push(performance.now() - t0);
      }
    }
    sumDirect += median(d);
    sumOps += median(o);
    console.log(
      `${c.name.slice(0, 40).padEnd(40)} ${String(n).padStart(6)} ${median(d).toFixed(2).padStart(9)}ms ${median(o).toFixed(2).padStart(10)}ms ${p95(d).toFixed(2).padStart(9)}ms ${p95(o).toFixed(2).padStart(10)}ms ${(median(o) / median(d)).toFixed(2).padStart(5)}×`,
    );
  }
  const ratio = sumOps / sumDirect;
  console.log(`\noverall (sum of medians): opsdeck/direct = ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×) ${ratio <= TARGET_RATIO ? "PASS" : "OVER"}`);

  await overviewBench(provider, median, p95);
} finally {
  await prom.stop();
}

async function overviewBench(provider: PrometheusProvider, median: (xs: number[]) => number, p95: (xs: number[]) => number) {
  const bench = benchDbUrls("opsdeck_bench_metrics", "BENCH_METRICS_DATABASE_URL");
  await recreateDatabase(bench);
  const url = bench.url;
  const db = createDb(url, { max: 10 });
  try {
    const annotations = (i: number, perService: boolean) => ({
      ...(i % 2 === 0 ? { "opsdeck.dev/slo-availability": "99", "opsdeck.dev/slo-latency-p95-ms": "300" } : {}),
      ...(perService ? { "opsdeck.dev/prometheus-selector": `service="${benchServiceName(i)}"` } : {}),
    });
    const rows = (perService: boolean) =>
      Array.from({ length: SERVICES }, (_, i) => ({
        kind: "Component",
        name: benchServiceName(i),
        ref: `component:default/${benchServiceName(i)}`,
        ownerRef: `group:default/team-${String(i % 20).padStart(2, "0")}`,
        metadata: { annotations: annotations(i, perService) },
      }));
    await db.entity.createMany({ data: rows(false) });
    // 5m rates need a few scrapes of every service
    for (let i = 0; i < 200; i++) {
      if ((await provider.instantQuery(`count(count_over_time(http_requests_total{service=~"svc-.*",code="200"}[1m]) >= 10)`))[0]?.points[0]?.[1] === SERVICES) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const sources = new MetricsSources([{ name: "bench", label: "bench", environment: null, provider, scrapeIntervalSeconds: 1 }]);
    const run = async (cold: boolean) => {
      if (cold) {
        instantCache.clear();
        longWindowCache.clear();
      }
      const t0 = performance.now();
      const o = await metricsOverview(db, sources, {});
      const ms = performance.now() - t0;
      if (o.rows.length !== SERVICES) throw new Error(`overview answered ${o.rows.length} rows`);
      const missing = o.rows.filter((r) => r.errorRatio === null || r.p95Seconds === null).length;
      if (missing) throw new Error(`${missing} services without values: ${o.rows.find((r) => r.error)?.error ?? "no data"}`);
      return { ms, queries: o.queries, failing: o.rows.filter((r) => r.status === "failing").length };
    };
    const measure = async (label: string, cold: boolean, runs: number) => {
      await run(cold);
      const times: number[] = [];
      let last = await run(cold);
      for (let i = 0; i < runs; i++) {
        last = await run(cold);
        times.push(last.ms);
      }
      const target = cold ? "" : ` (target ≤ ${OVERVIEW_TARGET_MS} ms) ${median(times) <= OVERVIEW_TARGET_MS ? "PASS" : "OVER"}`;
      console.log(`${label.padEnd(28)} ${String(last.queries).padStart(7)} ${median(times).toFixed(1).padStart(9)}ms ${p95(times).toFixed(1).padStart(9)}ms${target}`);
    };
    console.log(`\noverview: ${SERVICES} services in 20 teams, ${SERVICES / 2} with availability + p95 SLOs · load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(`${"".padEnd(28)} ${"queries".padStart(7)} ${"p50".padStart(11)} ${"p95".padStart(11)}`);
    await measure("batched, cold cache", true, 10);
    await measure("batched, warm", false, 30);
    await db.entity.deleteMany({});
    await db.entity.createMany({ data: rows(true) });
    await measure("per service, cold cache", true, 5);
    await measure("per service, warm", false, 30);
  } finally {
    await db.$disconnect();
  }
}
