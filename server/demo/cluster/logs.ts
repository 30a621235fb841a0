import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest } from "./errors";
import type { Store } from "./store";
import type { Pod } from "./types";
import { fnv32a, imageTag, isCrashImage } from "./workloads";

// GET /api/v1/namespaces/<ns>/pods/<name>/log: plausible application output, generated from the pod's start time so
// the same request gives the same lines (request logs every few seconds, a crash report for crash-looping images).
// Supports container, tailLines, sinceSeconds, timestamps, limitBytes, previous and follow.

export type LogQuery = { container?: string | null; tailLines?: number; sinceSeconds?: number; timestamps: boolean; limitBytes?: number; previous: boolean; follow: boolean };

const MAX_LINES = 10_000;
const FOLLOW_EVERY_MS = 2000;

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0xffffffff;
  };
}

const hash = fnv32a;

const ROUTES = ["GET /healthz 200", "GET /readyz 200", "GET /v1/items 200", "POST /v1/items 201", "GET /v1/items/{id} 200", "GET /v1/items/{id} 404", "PUT /v1/items/{id} 200", "GET /metrics 200"];

const BUCKET_MS = 60_000;
const WINDOW_MS = 2 * 3600_000;

/**
 * Log lines of one container run that started at `startMs`, up to `untilMs`: [timeMs, text][]. Start-up lines, then
 * request lines generated per minute from a seed of (run, minute), so any time window gives the same lines; runs older
 * than two hours show only their last two hours after the start-up lines.
 */
export function logLines(app: string, image: string, seed: string, startMs: number, untilMs: number): [number, string][] {
  const starting = [`level=info msg="starting ${app}" version=${imageTag(image)} pid=1`, `level=info msg="loaded configuration" env=demo features=12`];
  if (isCrashImage(image)) {
    // A crash-looping run is short: its whole output comes at once (also when the timestamps, which have second
    // precision, make the run look shorter than it was).
    return [
      ...starting,
      `level=error msg="migration check failed" err="relation \\"schema_version\\" does not exist"`,
      `panic: startup: database schema is behind the code (want 42, have 41)`,
      ``,
      `goroutine 1 [running]:`,
      `main.main()`,
      `\t/src/cmd/${app}/main.go:57 +0x1d4`,
    ].map((text, i) => [startMs + i, text]);
  }
  const out: [number, string][] = [];
  let t = startMs;
  const at = (dt: number, text: string) => {
    t += dt;
    if (t <= untilMs) out.push([t, text]);
  };
  at(5, starting[0]!);
  at(40, starting[1]!);
  at(80, `level=info msg="connected to database" pool=10`);
  at(20, `level=info msg="listening" addr=:8080`);
  const readyAt = t;
  const first = Math.floor(Math.max(readyAt, untilMs - WINDOW_MS) / BUCKET_MS);
  for (let b = first; b * BUCKET_MS <= untilMs; b++) {
    const r = rng(hash(`${seed}:${b}`));
    const n = 8 + Math.floor(r() * 24);
    const offsets = Array.from({ length: n }, () => Math.floor(r() * BUCKET_MS)).sort((x, y) => x - y);
    for (const off of offsets) {
      const when = b * BUCKET_MS + off;
      const route = ROUTES[Math.floor(r() * ROUTES.length)]!.replace("{id}", String(1000 + Math.floor(r() * 9000)));
      const [method, path, status] = route.split(" ");
      const text = r() < 0.03 ? `level=warn msg="slow query" duration_ms=${400 + Math.floor(r() * 800)} table=items` : `level=info msg="request" method=${method} path=${path} status=${status} duration_ms=${Math.round(2 + r() * r() * 240)}`;
      if (when > readyAt && when <= untilMs) out.push([when, text]);
    }
  }
  return out;
}

function containerStart(pod: Pod, container: string, previous: boolean): { startMs: number; untilMs: number } | string {
  const cs = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (!cs) return `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ContainerCreating`;
  const state = previous ? cs.lastState : cs.state;
  if (previous && (!state || !("terminated" in state))) return `previous terminated container "${container}" in pod "${pod.metadata.name}" not found`;
  if ("waiting" in state && !previous) {
    const last = cs.lastState;
    if (last && "terminated" in last) return { startMs: Date.parse(last.terminated.startedAt ?? last.terminated.finishedAt), untilMs: Date.parse(last.terminated.finishedAt) };
    return `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${state.waiting.reason}`;
  }
  if ("running" in state) return { startMs: Date.parse(state.running.startedAt), untilMs: Date.now() };
  if ("terminated" in state) return { startMs: Date.parse(state.terminated.startedAt ?? state.terminated.finishedAt), untilMs: Date.parse(state.terminated.finishedAt) };
  return `container "${container}" in pod "${pod.metadata.name}" is not running`;
}

export function serveLogs(req: IncomingMessage, res: ServerResponse, store: Store, pod: Pod, q: LogQuery): void {
  const names = pod.spec.containers.map((c) => c.name);
  const container = q.container || (names.length === 1 ? names[0]! : null);
  if (!container) throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(" ")}]`);
  const spec = pod.spec.containers.find((c) => c.name === container);
  if (!spec) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  const run = containerStart(pod, container, q.previous);
  if (typeof run === "string") throw badRequest(run);

  const app = pod.metadata.labels?.["app.kubernetes.io/name"] ?? pod.metadata.labels?.app ?? container;
  const restarts = pod.status.containerStatuses?.find((c) => c.name === container)?.restartCount ?? 0;
  const seed = `${pod.metadata.uid}/${container}/${q.previous ? restarts - 1 : restarts}`;
  const format = ([t, text]: [number, string]) => (q.timestamps ? `${new Date(t).toISOString().replace("Z", "000000Z")} ${text}` : text);
  let lines = logLines(app, spec.image, seed, run.startMs, run.untilMs);
  if (q.sinceSeconds) lines = lines.filter(([t]) => t >= Date.now() - q.sinceSeconds! * 1000);
  if (q.tailLines !== undefined) lines = q.tailLines > 0 ? lines.slice(-q.tailLines) : [];
  else if (lines.length > MAX_LINES) lines = lines.slice(-MAX_LINES);
  let text = lines.map((l) => `${format(l)}\n`).join("");
  if (q.limitBytes) text = text.slice(0, q.limitBytes);

  res.writeHead(200, { "Content-Type": "text/plain", ...(q.follow ? { "Transfer-Encoding": "chunked" } : {}) });
  res.write(text);
  if (!q.follow || q.previous || !("running" in (pod.status.containerStatuses?.find((c) => c.name === container)?.state ?? {}))) {
    res.end();
    return;
  }
  // Follow: keep appending the lines that come due until the pod goes away or the client hangs up.
  let sentUntil = Math.max(run.untilMs, lines.length ? lines[lines.length - 1]![0] : run.startMs);
  const timer = setInterval(() => {
    const current = store.get<Pod>("pods", pod.metadata.namespace, pod.metadata.name);
    if (!current || current.metadata.uid !== pod.metadata.uid || current.metadata.deletionTimestamp) {
      clearInterval(timer);
      res.end();
      return;
    }
    const now = Date.now();
    const fresh = logLines(app, spec.image, seed, run.startMs, now).filter(([t]) => t > sentUntil);
    sentUntil = now;
    if (fresh.length) res.write(fresh.map((l) => `${format(l)}\n`).join(""));
  }, FOLLOW_EVERY_MS);
  timer.unref?.();
  const stop = () => clearInterval(timer);
  req.on("close", stop);
  res.on("close", stop);
}
