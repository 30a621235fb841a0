/**
 * Runbooks benchmark: run history pages and log tails at scale, and output-to-browser latency of a live step.
 *
 *   npm run bench:runbooks                         # 1,000,000 runs + 50,000,000 log lines into `opsdeck_bench_runbooks`
 *   npm run bench:runbooks -- --lines 10000000     # smaller log volume
 *   npm run bench:runbooks -- --keep               # keep the database; a later --keep run reuses a complete load
 *
 * Options: --runs N (1,000,000)  --lines N (50,000,000)  --lines-per-chunk N (25)  --seed-budget S (seconds for loading
 * log lines, 600: loading stops at the largest size that fits and the figures say so)  --samples N (200)
 * --latency-seconds N (10)  --keep  --fresh  --json FILE
 * BENCH_DATABASE_URL overrides postgresql://root@127.0.0.1:5432/opsdeck_bench_runbooks (name must contain "bench").
 *
 * Seeding is SQL (generate_series, INSERT … SELECT), not row by row. Measurements go through the application code:
 * history pages through listRuns, log tails through logPage (what runbooks.runs / runbooks.log run), and the live
 * latency through a real graphile-worker executing a real child process, the event bus, and the runbooks.watch
 * subscription served over HTTP as Server-Sent Events by tRPC's fetch adapter (the browser's transport), parsed here.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import superjson from "superjson";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import pino from "pino";
import { createDb, type Db } from "@/server/db/client";
import { listRuns, logPage } from "@/server/runbooks/queries";
import { saveVersion } from "@/server/runbooks/store";
import { loadPrincipal } from "@/server/auth/principal";
import { appRouter } from "@/server/routers/_app";
import { createCallerFactory } from "@/server/trpc";
import { migrateJobs, startWorker } from "@/server/jobs/runner";
import { log } from "@/server/log";
import { benchDbUrls, databaseExists, dropDatabase, fmtInt, fmtMs, intArg, loadAvg, parseFlags, percentile, recreateDatabase, say, withClient, type BenchDb } from "./lib";

const TARGETS = { pageP95Ms: 100, tailP95Ms: 100, liveP95Ms: 500 } as const;

function parseArgs(argv: string[]) {
  const o = { runs: 1_000_000, lines: 50_000_000, linesPerChunk: 25, seedBudget: 600, samples: 200, latencySeconds: 10, keep: false, fresh: false, json: undefined as string | undefined };
  const usage = "usage: npm run bench:runbooks -- [--runs N] [--lines N] [--lines-per-chunk N] [--seed-budget S] [--samples N] [--latency-seconds N] [--keep] [--fresh] [--json FILE]";
  parseFlags(argv, usage, (flag, value) => {
    switch (flag) {
      case "--runs": o.runs = intArg(flag, value(), 1000); break;
      case "--lines": o.lines = intArg(flag, value(), 1000); break;
      case "--lines-per-chunk": o.linesPerChunk = intArg(flag, value(), 1); break;
      case "--seed-budget": o.seedBudget = intArg(flag, value(), 10); break;
      case "--samples": o.samples = intArg(flag, value(), 50); break;
      case "--latency-seconds": o.latencySeconds = intArg(flag, value(), 2); break;
      case "--json": o.json = value(); break;
      case "--keep": o.keep = true; break;
      case "--fresh": o.fresh = true; break;
      default: return false;
    }
    return true;
  });
  return o;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] ?? NaN };
}

// ── database lifecycle ───────────────────────────────────────────────────────────────────────────────────────────────

type Load = { runs: number; lines: number; chunks: number; bigRunLines: number; runsMs: number; linesMs: number; complete: boolean; loadAvg: string };

async function existingLoad(urls: BenchDb, o: ReturnType<typeof parseArgs>): Promise<Load | null> {
  if (!(await databaseExists(urls))) return null;
  return withClient(urls.url, async (c) => {
    if (!(await c.query(`SELECT to_regclass('bench_meta') AS m`)).rows[0].m) return null;
    const load = (await c.query(`SELECT value FROM bench_meta WHERE key = 'load'`)).rows[0]?.value as Load | undefined;
    return load && load.runs === o.runs && (load.lines >= o.lines || !load.complete) ? load : null;
  });
}

// ── seeding (SQL) ────────────────────────────────────────────────────────────────────────────────────────────────────

const RUNBOOKS = 200;
const USERS = 200;

async function seed(db: Db, urls: BenchDb, o: ReturnType<typeof parseArgs>): Promise<Load> {
  // Teams, people and runbooks through the app (a valid definition each), then runs and log lines in SQL.
  const teams = await Promise.all(Array.from({ length: 8 }, (_, i) => db.team.create({ data: { slug: `team-${i}`, name: `Team ${i}` } })));
  for (let i = 0; i < USERS; i++) {
    await db.user.create({ data: { email: `user${i}@bench.test`, name: `User ${i}`, memberships: { create: [{ teamId: teams[i % teams.length]!.id, role: i % 5 === 0 ? "oncall" : "engineer" }] } } });
  }
  for (let i = 0; i < RUNBOOKS; i++) {
    const yaml = `apiVersion: opsdeck.dev/v1\nkind: Runbook\nmetadata:\n  name: rb-${i}\n  title: Runbook ${i}\n  owner: team-${i % teams.length}\nspec:\n  concurrency: 0\n  steps:\n    - id: one\n      type: shell\n      run: echo ${i}\n`;
    await db.$transaction((tx) => saveVersion(tx, { yaml, source: "ui", createdBy: "bench" }));
  }
  return withClient(urls.url, async (c) => {
    await c.query(`SET synchronous_commit = off`);
    await c.query(`CREATE TEMP TABLE rb AS SELECT row_number() OVER (ORDER BY name) - 1 AS n, id FROM "Runbook"`);
    await c.query(`CREATE TEMP TABLE us AS SELECT row_number() OVER (ORDER BY email) - 1 AS n, id, email FROM "User"`);
    // Terminal states are never inserted by the app (runs are born queued): the bench loads history directly, with the
    // state-machine trigger off for this bulk insert only.
    await c.query(`ALTER TABLE "RunbookRun" DISABLE TRIGGER runbook_run_guard`);
    const t0 = performance.now();
    const batch = 100_000;
    for (let from = 0; from < o.runs; from += batch) {
      const to = Math.min(o.runs, from + batch) - 1;
      // Popular runbooks run far more often (power law); 20% are scheduled; a year of history; realistic state mix.
      await c.query(
        `INSERT INTO "RunbookRun" (id, "runbookId", version, state, trigger, "scheduleId", params, "requestedById", "requestedBy", "timeoutMs", "activeMs", message,
                                   "createdAt", "startedAt", "finishedAt")
         SELECT md5('run' || g)::uuid::text,
                b.id,
                1,
                (CASE WHEN r < 0.85 THEN 'succeeded' WHEN r < 0.93 THEN 'failed' WHEN r < 0.955 THEN 'cancelled' WHEN r < 0.965 THEN 'timed_out'
                      WHEN r < 0.97 THEN 'interrupted' WHEN r < 0.99 THEN 'missed' ELSE 'skipped' END)::"RunbookRunState",
                CASE WHEN sched THEN 'schedule' ELSE 'manual' END,
                CASE WHEN sched THEN 'nightly' END,
                jsonb_build_object('service', 'svc-' || (g % 50), 'environment', (ARRAY['dev','staging','prod'])[1 + g % 3]),
                CASE WHEN sched THEN NULL ELSE u.id END,
                CASE WHEN sched THEN 'schedule:bench/nightly' ELSE u.email END,
                3600000, (random() * 120000)::int, CASE WHEN r >= 0.85 AND r < 0.93 THEN 'a step failed' ELSE 'all steps done' END,
                at, at + interval '1 second', at + interval '1 second' + (random() * 120) * interval '1 second'
         FROM (SELECT g, random() AS r, random() < 0.2 AS sched, now() - (random() * 365) * interval '1 day' AS at,
                      floor(power(random(), 2) * ${USERS})::int AS un, floor(power(random(), 3) * ${RUNBOOKS})::int AS bn
               FROM generate_series(${from}, ${to}) g) s
         JOIN us u ON u.n = s.un
         JOIN rb b ON b.n = s.bn`,
      );
      if ((to + 1) % 200_000 === 0 || to + 1 === o.runs) say(`  runs: ${fmtInt(to + 1)} (load ${loadAvg()})`);
    }
    // A few active runs, as production has.
    await c.query(`UPDATE "RunbookRun" SET state = 'running', "finishedAt" = NULL WHERE id IN (SELECT id FROM "RunbookRun" ORDER BY "createdAt" DESC LIMIT 5)`);
    await c.query(`ALTER TABLE "RunbookRun" ENABLE TRIGGER runbook_run_guard`);
    const runsMs = performance.now() - t0;
    say(`runs loaded in ${(runsMs / 1000).toFixed(0)} s; analyzing`);
    await c.query(`ANALYZE "RunbookRun"`);

    // Log lines: chunks of `linesPerChunk` lines (~64 bytes each, below the TOAST threshold like real chunks), spread over
    // runs (a long tail of small logs), plus one huge run (1M lines) for the worst-case tail.
    const t1 = performance.now();
    const perChunk = o.linesPerChunk;
    await c.query(`CREATE TEMP TABLE pool AS
      SELECT p, string_agg(to_char(timestamp '2026-11-26 03:00:00' + (p * 25 + l) * interval '37 ms', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' INFO  ' ||
             (ARRAY['reconciling','waiting for rollout','pod ready','GET /healthz 200','scaled replica set','syncing config'])[1 + (p + l) % 6] ||
             ' id=' || substr(md5((p * 100 + l)::text), 1, 16) || E'\\n', '' ORDER BY l) AS text
      FROM generate_series(0, 999) p, generate_series(1, ${perChunk}) l GROUP BY p`);
    const bigRun = (await c.query(`SELECT id FROM "RunbookRun" WHERE state = 'succeeded' ORDER BY "createdAt" DESC LIMIT 1`)).rows[0].id as string;
    const bigLines = Math.min(1_000_000, Math.floor(o.lines / 10));
    await c.query(`INSERT INTO "RunbookLogChunk" ("runId", seq, step, stream, text, lines, at)
      SELECT $1, g, (g / 5000)::int, 'out', (SELECT text FROM pool WHERE p = g % 1000), ${perChunk}, now() FROM generate_series(1, $2::int) g`, [bigRun, Math.ceil(bigLines / perChunk)]);
    let lines = Math.ceil(bigLines / perChunk) * perChunk;
    let chunks = Math.ceil(bigLines / perChunk);
    // The rest: runs in creation order get 1..40 chunks each (avg ~10 → ~250 lines) until the line budget is spent.
    let offset = 0;
    let complete = true;
    while (lines < o.lines) {
      if ((performance.now() - t1) / 1000 > o.seedBudget) {
        complete = false;
        say(`  seed budget of ${o.seedBudget} s reached at ${fmtInt(lines)} lines: measuring at this size`);
        break;
      }
      // ~10 chunks per run on average: size the batch so the last one does not overshoot the line budget by much.
      const runsPerBatch = Math.max(100, Math.min(20_000, Math.ceil((o.lines - lines) / (10 * perChunk))));
      const r = await c.query(
        `WITH runs AS (SELECT id, 1 + (abs(hashtext(id)) % 19) AS n FROM "RunbookRun" WHERE id <> $3 ORDER BY "createdAt" DESC OFFSET $1 LIMIT $2)
         INSERT INTO "RunbookLogChunk" ("runId", seq, step, stream, text, lines, at)
         SELECT runs.id, g, (g - 1) / 4, CASE WHEN g % 17 = 0 THEN 'err' WHEN g = 1 THEN 'sys' ELSE 'out' END, (SELECT text FROM pool WHERE p = (g + abs(hashtext(runs.id))) % 1000), ${perChunk}, now()
         FROM runs, generate_series(1, runs.n) g`,
        [offset, runsPerBatch, bigRun],
      );
      offset += runsPerBatch;
      chunks += r.rowCount ?? 0;
      lines += (r.rowCount ?? 0) * perChunk;
      say(`  log lines: ${fmtInt(lines)} in ${fmtInt(chunks)} chunks (${((performance.now() - t1) / 1000).toFixed(0)} s, load ${loadAvg()})`);
      if (offset >= o.runs) break;
    }
    const linesMs = performance.now() - t1;
    await c.query(`ANALYZE "RunbookLogChunk"`);
    const load: Load = { runs: o.runs, lines, chunks, bigRunLines: bigLines, runsMs, linesMs, complete, loadAvg: loadAvg() };
    await c.query(`INSERT INTO bench_meta VALUES ('load', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [JSON.stringify({ ...load, bigRun })]);
    return load;
  });
}

// ── measurements ─────────────────────────────────────────────────────────────────────────────────────────────────────

type Scenario = { name: string; p50: number; p95: number; max: number; n: number; rows: number };

async function timed(samples: number, fn: (i: number) => Promise<number>): Promise<{ ms: number[]; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < 5; i++) await fn(i); // warm the plan cache and buffers
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    rows += await fn(i);
    ms.push(performance.now() - t);
  }
  return { ms, rows: Math.round(rows / samples) };
}

async function measureHistory(db: Db, o: ReturnType<typeof parseArgs>): Promise<Scenario[]> {
  const users = (await db.user.findMany({ select: { email: true }, orderBy: { email: "asc" } })).map((u) => u.email);
  const out: Scenario[] = [];
  const run = async (name: string, input: (i: number) => Parameters<typeof listRuns>[1]) => {
    const r = await timed(o.samples, async (i) => (await listRuns(db, input(i))).items.length);
    out.push({ name, ...stats(r.ms), rows: r.rows });
    say(`  ${name}: p50 ${fmtMs(out[out.length - 1]!.p50)} ms, p95 ${fmtMs(out[out.length - 1]!.p95)} ms (load ${loadAvg()})`);
  };
  const base = { limit: 50 } as const;
  await run("unfiltered, first page", () => ({ ...base }));
  // Deep pages: a cursor somewhere in the year (keyset: the cost does not grow with depth).
  const cursors = await db.$queryRaw<{ at: Date; id: string }[]>`SELECT "createdAt" AS at, id FROM "RunbookRun" TABLESAMPLE SYSTEM (0.5) LIMIT ${o.samples + 5}`;
  await run("unfiltered, deep page (random cursor)", (i) => ({ ...base, cursor: cursors[i % cursors.length]! }));
  await run("by runbook (popular + rare)", (i) => ({ ...base, runbook: `rb-${i % 2 ? i % 10 : 100 + (i % 100)}` }));
  await run("by status: failed", () => ({ ...base, state: ["failed"] }));
  await run("by status: interrupted (rare)", () => ({ ...base, state: ["interrupted"] }));
  await run("by status: problems (4 states)", () => ({ ...base, state: ["failed", "timed_out", "interrupted", "missed"] }));
  await run("by user", (i) => ({ ...base, who: users[(i * 7) % users.length]! }));
  await run("by runbook + status + last 30 days", (i) => ({ ...base, runbook: `rb-${i % 20}`, state: ["failed"], from: new Date(Date.now() - 30 * 86_400_000) }));
  await run("by user, deep page", (i) => ({ ...base, who: users[(i * 7) % users.length]!, cursor: cursors[i % cursors.length]! }));
  return out;
}

async function measureTail(db: Db, o: ReturnType<typeof parseArgs>, bigRun: string): Promise<Scenario[]> {
  const runs = (await db.$queryRaw<{ id: string }[]>`SELECT DISTINCT "runId" AS id FROM "RunbookLogChunk" TABLESAMPLE SYSTEM (0.2) LIMIT ${o.samples}`).map((r) => r.id);
  const out: Scenario[] = [];
  const run = async (name: string, fn: (i: number) => Promise<number>) => {
    const r = await timed(o.samples, fn);
    out.push({ name, ...stats(r.ms), rows: r.rows });
    say(`  ${name}: p50 ${fmtMs(out[out.length - 1]!.p50)} ms, p95 ${fmtMs(out[out.length - 1]!.p95)} ms`);
  };
  const lines = (p: Awaited<ReturnType<typeof logPage>>) => p.chunks.reduce((n, c) => n + c.lines, 0);
  await run("tail of a random run (UI: last 1000 chunks)", async (i) => lines(await logPage(db, { id: runs[i % runs.length]!, limit: 1000 })));
  await run("tail of the 1M-line run (last 200 chunks)", async () => lines(await logPage(db, { id: bigRun, limit: 200 })));
  await run("tail of the 1M-line run (UI: last 1000 chunks, ≤ 2 MB)", async () => lines(await logPage(db, { id: bigRun, limit: 1000 })));
  const maxSeq = (await db.runbookLogChunk.findFirstOrThrow({ where: { runId: bigRun }, orderBy: { seq: "desc" }, select: { seq: true } })).seq;
  await run("scroll up in the 1M-line run (page before a random seq)", async (i) => lines(await logPage(db, { id: bigRun, before: 1 + ((i * 7919) % maxSeq), limit: 200 })));
  return out;
}

/** A real step printing 1000 lines/s; each line carries its print time; received through HTTP SSE as the browser would. */
async function measureLive(db: Db, urls: BenchDb, o: ReturnType<typeof parseArgs>) {
  const user = await db.user.findFirstOrThrow({ where: { email: "user0@bench.test" } });
  const principal = (await loadPrincipal(db, user.id))!;
  const rb = "live-latency";
  const yaml = `apiVersion: opsdeck.dev/v1\nkind: Runbook\nmetadata:\n  name: ${rb}\n  owner: team-0\nspec:\n  concurrency: 0\n  steps:\n    - id: print\n      type: script\n      lang: node\n      script: |\n        let n = 0; const start = Date.now(), total = ${o.latencySeconds * 1000};\n        const t = setInterval(() => { const due = Math.min(total, Date.now() - start); while (n < due) console.log("line " + (++n) + " at " + Date.now()); if (n >= total) clearInterval(t); }, 10);\n`;
  if (!(await db.runbook.findUnique({ where: { name: rb } }))) await db.$transaction((tx) => saveVersion(tx, { yaml, source: "ui", createdBy: "bench" }));
  const caller = createCallerFactory(appRouter)({ db, principal, requestId: "bench", ip: "127.0.0.1", log: pino({ level: "silent" }) });

  // tRPC over HTTP: the same fetch adapter as app/api/trpc, with the bench user as the principal.
  const server = createServer(async (req, res) => {
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string> });
    const response = await fetchRequestHandler({ endpoint: "/api/trpc", req: request, router: appRouter, createContext: () => ({ db, principal, requestId: "bench-sse", ip: "127.0.0.1", log: pino({ level: "silent" }) }) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return res.end();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const runner = await startWorker(db, { connectionString: urls.url, singleSession: false, concurrency: 2 });
  try {
    const { id } = await caller.runbooks.start({ name: rb, params: {} });
    const input = encodeURIComponent(JSON.stringify(superjson.serialize({ id, afterSeq: 0 })));
    const res = await fetch(`http://127.0.0.1:${port}/api/trpc/runbooks.watch?input=${input}`, { headers: { accept: "text/event-stream" } });
    const latencies: number[] = [];
    let buffered = "";
    let done = false;
    const decoder = new TextDecoder();
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      const now = Date.now();
      buffered += decoder.decode(part, { stream: true });
      let idx: number;
      while ((idx = buffered.indexOf("\n\n")) >= 0) {
        const event = buffered.slice(0, idx);
        buffered = buffered.slice(idx + 2);
        const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("");
        if (!data) continue;
        let payload: unknown;
        try {
          payload = superjson.deserialize(JSON.parse(data) as never);
        } catch {
          continue;
        }
        const ev = payload as { type?: string; run?: { state: string }; chunks?: { text: string }[] } | undefined;
        if (!ev) continue; // "connected" / ping events carry no value
        if (ev.type === "log") {
          for (const c of ev.chunks ?? []) for (const m of c.text.matchAll(/line \d+ at (\d+)/g)) latencies.push(now - Number(m[1]));
        } else if (ev.type === "run" && ["succeeded", "failed", "cancelled", "timed_out", "interrupted"].includes(ev.run!.state)) done = true;
      }
      if (done) break;
    }
    return { lines: latencies.length, ...stats(latencies) };
  } finally {
    await runner.stop();
    server.close();
  }
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const urls = benchDbUrls("opsdeck_bench_runbooks");
  process.env.DATABASE_URL = urls.url; // the worker (live latency) reads its configuration like the app does
  process.env.OPSDECK_RUNBOOK_PATHS = "off";
  log.level = process.env.LOG_LEVEL ?? "warn"; // the in-bench worker would otherwise log every job
  say(`runbooks benchmark: ${fmtInt(o.runs)} runs, ${fmtInt(o.lines)} log lines (${o.linesPerChunk}/chunk) into ${urls.name}; ${os.cpus().length} CPUs, load ${loadAvg()}`);
  let load = o.keep && !o.fresh ? await existingLoad(urls, o) : null;
  if (load) say(`reusing the loaded database (${fmtInt(load.runs)} runs, ${fmtInt(load.lines)} lines)`);
  else {
    await recreateDatabase(urls);
    await migrateJobs(urls.url, false);
    const db = createDb(urls.url, { max: 4 });
    try {
      load = await seed(db, urls, o);
    } finally {
      await db.$disconnect();
    }
  }
  const db = createDb(urls.url, { max: 10 });
  try {
    const meta = await withClient(urls.url, async (c) => (await c.query(`SELECT value FROM bench_meta WHERE key = 'load'`)).rows[0].value as Load & { bigRun: string });
    const sizes = await withClient(urls.url, async (c) => (await c.query(`SELECT pg_size_pretty(pg_total_relation_size('"RunbookRun"')) AS runs, pg_size_pretty(pg_total_relation_size('"RunbookLogChunk"')) AS logs`)).rows[0] as { runs: string; logs: string });
    say(`history pages (${o.samples} samples each, 50 rows per page):`);
    const history = await measureHistory(db, o);
    say(`log tails:`);
    const tail = await measureTail(db, o, meta.bigRun);
    say(`live output (${o.latencySeconds} s at 1000 lines/s, worker → Postgres → bus → SSE):`);
    const live = await measureLive(db, urls, o);
    say(`  ${fmtInt(live.lines)} lines received: p50 ${fmtMs(live.p50)} ms, p95 ${fmtMs(live.p95)} ms, max ${fmtMs(live.max)} ms`);

    const line = (s: Scenario, target: number) => `| ${s.name} | ${fmtMs(s.p50)} | ${fmtMs(s.p95)} | ${fmtMs(s.max)} | ${s.rows} | ${s.p95 <= target ? "✓" : "✗"} |`;
    console.log(`\n## bench:runbooks — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs, load ${loadAvg()} at the end`);
    console.log(`${fmtInt(load.runs)} runs (${sizes.runs}), ${fmtInt(load.lines)} log lines in ${fmtInt(load.chunks)} chunks (${sizes.logs})${load.complete ? "" : ` — the log load stopped at the seed budget (${o.seedBudget} s)`}; runs loaded in ${(load.runsMs / 1000).toFixed(0)} s, lines in ${(load.linesMs / 1000).toFixed(0)} s.\n`);
    console.log(`| history page | p50 ms | p95 ms | max ms | rows | p95 ≤ ${TARGETS.pageP95Ms} ms |\n| --- | --- | --- | --- | --- | --- |`);
    for (const s of history) console.log(line(s, TARGETS.pageP95Ms));
    console.log(`\n| log | p50 ms | p95 ms | max ms | lines | p95 ≤ ${TARGETS.tailP95Ms} ms |\n| --- | --- | --- | --- | --- | --- |`);
    for (const s of tail) console.log(line(s, TARGETS.tailP95Ms));
    console.log(`\n| live output at 1000 lines/s | p50 ms | p95 ms | max ms | lines | p95 ≤ ${TARGETS.liveP95Ms} ms |\n| --- | --- | --- | --- | --- | --- |`);
    console.log(`| print → received over SSE | ${fmtMs(live.p50)} | ${fmtMs(live.p95)} | ${fmtMs(live.max)} | ${fmtInt(live.lines)} | ${live.p95 <= TARGETS.liveP95Ms ? "✓" : "✗"} |`);
    if (o.json) writeFileSync(o.json, JSON.stringify({ load, sizes, history, tail, live, loadAvg: loadAvg() }, null, 2));
  } finally {
    await db.$disconnect();
    if (!o.keep) await dropDatabase(urls);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
