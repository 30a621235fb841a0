import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A real Prometheus and Pushgateway from Debian (`apt-get install prometheus prometheus-pushgateway`; .ci/run does it),
 * started as plain processes on free loopback ports with a temporary data dir and a 1 s scrape interval, plus a tiny
 * node /metrics target whose counters grow with wall-clock time (so rates are known):
 *   http_requests_total{service="itest",code="200"}   10/s     http_requests_total{service="itest",code="500"}  1/s
 *   http_request_duration_seconds_bucket{service="itest"}: of 11 requests/s, 6 ≤ 50 ms, 9 ≤ 100 ms, 11 ≤ 500 ms
 *   container_cpu_usage_seconds_total{container="itest"}   0.25 cores
 *   container_memory_working_set_bytes{container="itest"} 100 MiB
 */
export type TestPrometheus = { url: string; pushgatewayUrl: string; stop(): Promise<void> };

export const PROMETHEUS_BIN = "/usr/bin/prometheus";
export const PUSHGATEWAY_BIN = "/usr/bin/prometheus-pushgateway";

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Extra services `svc-000`… (bench:metrics' overview): each 2–12 req/s, 0.5–2.5 % 5xx, buckets 50/100/300/500 ms. */
export function benchServiceName(i: number): string {
  return `svc-${String(i).padStart(3, "0")}`;
}

/** The extra services' samples, per metric family (the text format wants each family in one block). */
function extraServiceLines(count: number, s: number): { requests: string[]; durations: string[] } {
  const requests: string[] = [];
  const durations: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = benchServiceName(i);
    const rate = 2 + (i % 11);
    const all = Math.floor(s * rate);
    const err = Math.floor(s * rate * (0.005 + (i % 5) * 0.005));
    requests.push(`http_requests_total{service="${name}",code="200"} ${all - err}`, `http_requests_total{service="${name}",code="500"} ${err}`);
    durations.push(
      `http_request_duration_seconds_bucket{service="${name}",le="0.05"} ${Math.floor(all * 0.5)}`,
      `http_request_duration_seconds_bucket{service="${name}",le="0.1"} ${Math.floor(all * 0.8)}`,
      `http_request_duration_seconds_bucket{service="${name}",le="0.3"} ${Math.floor(all * (0.93 + (i % 7) * 0.01))}`,
      `http_request_duration_seconds_bucket{service="${name}",le="0.5"} ${all}`,
      `http_request_duration_seconds_bucket{service="${name}",le="+Inf"} ${all}`,
      `http_request_duration_seconds_count{service="${name}"} ${all}`,
    );
  }
  return { requests, durations };
}

function metricsTarget(extraServices = 0): Server {
  const started = Date.now();
  return createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end("not found");
      return;
    }
    const s = (Date.now() - started) / 1000;
    const ok = Math.floor(s * 10);
    const err = Math.floor(s);
    const all = ok + err;
    const extra = extraServiceLines(extraServices, s);
    const lines = [
      "# TYPE http_requests_total counter",
      `http_requests_total{service="itest",code="200"} ${ok}`,
      `http_requests_total{service="itest",code="500"} ${err}`,
      ...extra.requests,
      "# TYPE http_request_duration_seconds histogram",
      `http_request_duration_seconds_bucket{service="itest",le="0.05"} ${Math.floor(s * 6)}`,
      `http_request_duration_seconds_bucket{service="itest",le="0.1"} ${Math.floor(s * 9)}`,
      `http_request_duration_seconds_bucket{service="itest",le="0.5"} ${all}`,
      `http_request_duration_seconds_bucket{service="itest",le="+Inf"} ${all}`,
      `http_request_duration_seconds_count{service="itest"} ${all}`,
      `http_request_duration_seconds_sum{service="itest"} ${(all * 0.06).toFixed(3)}`,
      ...extra.durations,
      "# TYPE container_cpu_usage_seconds_total counter",
      `container_cpu_usage_seconds_total{container="itest"} ${(s * 0.25).toFixed(3)}`,
      "# TYPE container_memory_working_set_bytes gauge",
      `container_memory_working_set_bytes{container="itest"} ${100 * 1024 * 1024}`,
    ];
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(`${lines.join("\n")}\n`);
  });
}

async function waitFor(what: string, url: string, child: ChildProcess, log: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready at ${url} within ${timeoutMs} ms:\n${log()}`);
}

export async function startPrometheus(opts: { services?: number } = {}): Promise<TestPrometheus> {
  for (const bin of [PROMETHEUS_BIN, PUSHGATEWAY_BIN]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: apt-get install -y prometheus prometheus-pushgateway (.ci/run installs them)`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), "opsdeck-prom-"));
  const target = metricsTarget(opts.services ?? 0);
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  const targetPort = (target.address() as { port: number }).port;
  let [promPort, pgwPort] = [await freePort(), await freePort()];
  while (pgwPort === promPort || pgwPort === targetPort || promPort === targetPort) [promPort, pgwPort] = [await freePort(), await freePort()];
  await writeFile(
    path.join(dir, "prometheus.yml"),
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      "scrape_configs:",
      `  - job_name: itest\n    static_configs: [ { targets: ['127.0.0.1:${targetPort}'] } ]`,
      `  - job_name: pushgateway\n    honor_labels: true\n    static_configs: [ { targets: ['127.0.0.1:${pgwPort}'] } ]`,
      "",
    ].join("\n"),
  );
  const logs: Record<string, string> = { prometheus: "", pushgateway: "" };
  const run = (name: string, bin: string, args: string[]) => {
    const c = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    const keep = (b: Buffer) => (logs[name] = (logs[name] + b.toString()).slice(-4000));
    c.stdout!.on("data", keep);
    c.stderr!.on("data", keep);
    return c;
  };
  const pgw = run("pushgateway", PUSHGATEWAY_BIN, [`--web.listen-address=127.0.0.1:${pgwPort}`, `--persistence.file=${path.join(dir, "pgw.data")}`]);
  const prom = run("prometheus", PROMETHEUS_BIN, [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    "--web.max-connections=64",
  ]);
  const stop = async () => {
    for (const c of [prom, pgw]) if (c.exitCode === null) c.kill("SIGTERM");
    const kill = setTimeout(() => [prom, pgw].forEach((c) => c.exitCode === null && c.kill("SIGKILL")), 5_000);
    await Promise.all([prom, pgw].map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once("exit", r)) : null)));
    clearTimeout(kill);
    await new Promise((r) => target.close(r));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor("pushgateway", `http://127.0.0.1:${pgwPort}/-/ready`, pgw, () => logs.pushgateway!);
    await waitFor("prometheus", `http://127.0.0.1:${promPort}/-/ready`, prom, () => logs.prometheus!);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${promPort}`, pushgatewayUrl: `http://127.0.0.1:${pgwPort}`, stop };
}
