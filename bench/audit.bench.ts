/**
 * Audit log benchmark: append rate, filtered-page latency and full-chain verify rate on a real Postgres.
 *
 *   npm run bench:audit                      # 1,000,000 events into a fresh `opsdeck_bench_audit`, dropped afterwards
 *   npm run bench:audit -- --events 100000   # smaller run
 *   npm run bench:audit -- --keep            # keep the database; a later --keep run reuses it if already loaded
 *
 * Options: --events N (1,000,000)  --batch N (rows per multi-row INSERT, 1000)  --samples N (page samples per
 * scenario, 300, at least 200)  --chunks a,b,c (verify chunk sizes to try)  --json FILE (write the figures as JSON)
 * --keep  --fresh (with --keep: drop and reload even if loaded)
 * BENCH_DATABASE_URL overrides postgresql://root@127.0.0.1:5432/opsdeck_bench_audit (its name must contain "bench":
 * the database is dropped and recreated).
 *
 * Everything is measured through the application code: rows go through Prisma's createMany (one multi-row INSERT
 * per batch, every row through the chain trigger) and appendAudit; pages through auditPage; verification through
 * verifyAuditChain — all on a PrismaClient from createDb.
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { Prisma } from "@/generated/prisma/client";
import type { AuditOutcome } from "@/generated/prisma/enums";
import { createDb, type Db } from "@/server/db/client";
import { appendAudit, type AuditActor, type AuditRecord } from "@/server/audit/append";
import { auditPage, type AuditFilter } from "@/server/audit/query";
import { verifyAuditChain } from "@/server/audit/verify";
import { appendAuditBatch } from "./proposed/append-batch";
import { benchDbUrls, databaseExists, dropDatabase, fmtInt, fmtMs, intArg, loadAvg, parseFlags, percentile, recreateDatabase, say, withClient, type BenchDb } from "./lib";

// ---------------------------------------------------------------------------------------------------------------
// Options

const TARGETS = { appendPerSec: 2_000, pageP95Ms: 50, verifyRowsPerSec: 500_000 } as const;

function parseArgs(argv: string[]) {
  const o = {
    events: 1_000_000,
    batch: 1_000,
    samples: 300,
    chunks: [10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000],
    keep: false,
    fresh: false,
    json: undefined as string | undefined,
  };
  const usage = "usage: npm run bench:audit -- [--events N] [--batch N] [--samples N] [--chunks a,b,c] [--keep] [--fresh] [--json FILE]";
  parseFlags(argv, usage, (flag, value) => {
    switch (flag) {
      case "--events": o.events = intArg(flag, value(), 1); break;
      case "--batch": o.batch = intArg(flag, value(), 1); break;
      case "--samples": o.samples = intArg(flag, value(), 200); break;
      case "--chunks": o.chunks = (value() ?? "").split(",").map((s) => intArg(flag, s, 1)); break;
      case "--json": o.json = value(); break;
      case "--keep": o.keep = true; break;
      case "--fresh": o.fresh = true; break;
      default: return false;
    }
    return true;
  });
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

/** Deterministic PRNG (mulberry32), so two runs load the same data. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from items with Zipf-like weights 1/(rank+1)^s: a few values are common, many are rare (like real logs). */
function zipfPicker<T>(items: readonly T[], s: number, rand: () => number) {
  const cum: number[] = [];
  let sum = 0;
  for (let i = 0; i < items.length; i++) cum.push((sum += 1 / (i + 1) ** s));
  return () => {
    const x = rand() * sum;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Realistic event generator

const FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin"];
const LAST = ["nguyen", "smith", "garcia", "kowalski", "okafor", "tanaka", "muller", "rossi", "dubois", "lindqvist"];
const TEAMS = ["platform", "payments", "search", "identity", "data", "mobile", "growth", "infra", "sre", "billing", "edge", "ml"];

type ActionSpec = { action: string; targetType: string; mutation: boolean };
const ACTIONS: ActionSpec[] = [
  ["auth.signin", "user", false], ["deploy.create", "service", true], ["catalog.entity.view", "entity", false],
  ["runbook.execute", "runbook", true], ["deploy.approve", "deploy", true], ["health.check.ack", "check", true],
  ["auth.signout", "user", false], ["deploy.rollback", "deploy", true], ["catalog.entity.update", "entity", true],
  ["audit.export", "audit", false], ["runbook.update", "runbook", true], ["incident.create", "incident", true],
  ["incident.resolve", "incident", true], ["team.membership.set", "membership", true], ["secret.rotate", "secret", true],
  ["deploy.cancel", "deploy", true], ["health.check.mute", "check", true], ["catalog.entity.create", "entity", true],
  ["runbook.create", "runbook", true], ["team.create", "team", true], ["team.membership.remove", "membership", true],
  ["feature.flag.toggle", "flag", true], ["config.update", "service", true], ["audit.verify.start", "audit-verify", true],
  ["apikey.create", "apikey", true], ["apikey.revoke", "apikey", true], ["catalog.entity.delete", "entity", true],
  ["incident.escalate", "incident", true], ["oncall.override", "schedule", true], ["settings.update", "settings", true],
].map(([action, targetType, mutation]) => ({ action: action as string, targetType: targetType as string, mutation: mutation as boolean }));

/** Service accounts do only their own few actions; people do the rest. So actor and action are correlated, as in a
 * real log: a filter such as actor=svc:deploy-bot + action=auth.signin is common on both sides yet matches nothing. */
const SERVICE_ACCOUNTS: Record<string, string[]> = {
  "deploy-bot": ["deploy.create", "deploy.rollback", "deploy.cancel", "config.update"],
  "ci-runner": ["deploy.create", "catalog.entity.update"],
  "catalog-sync": ["catalog.entity.create", "catalog.entity.update", "catalog.entity.delete"],
  "health-prober": ["health.check.ack", "health.check.mute", "incident.create"],
  "oncall-scheduler": ["oncall.override", "incident.escalate"],
  "backup-agent": ["secret.rotate", "audit.export"],
  "release-train": ["deploy.create", "deploy.approve", "feature.flag.toggle"],
  "k8s-reconciler": ["config.update", "catalog.entity.update"],
};

type Actor = { actorId: string | null; actorLabel: string; actions: ActionSpec[] | null };

function makeActors(): Actor[] {
  const actors: Actor[] = [];
  // Service accounts first: with the Zipf weights they are the busiest writers, as in real deployments.
  for (const [name, actions] of Object.entries(SERVICE_ACCOUNTS)) {
    actors.push({ actorId: null, actorLabel: `svc:${name}`, actions: actions.map((a) => ACTIONS.find((x) => x.action === a)!) });
  }
  for (let i = 0; actors.length < 200; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    actors.push({ actorId: `cu${(1e9 + i * 7919).toString(36)}usr`, actorLabel: `${first}.${last}@corp.example`, actions: null });
  }
  return actors;
}

function eventFactory(seed: number) {
  const rand = rng(seed);
  const actors = makeActors();
  const pickActor = zipfPicker(actors, 1.0, rand);
  const pickHumanAction = zipfPicker(ACTIONS, 1.1, rand);
  const hex = (n: number) => {
    let s = "";
    while (s.length < n) s += Math.floor(rand() * 0x100000000).toString(16).padStart(8, "0");
    return s.slice(0, n);
  };
  const roles = ["viewer", "engineer", "oncall", "admin"];
  return (): Prisma.AuditEventCreateManyInput => {
    const actor = pickActor();
    const spec = actor.actions ? actor.actions[Math.floor(rand() * actor.actions.length)]! : pickHumanAction();
    const r = rand();
    const outcome: AuditOutcome = r < 0.95 ? "success" : r < 0.99 ? "denied" : "error";
    const team = TEAMS[Math.floor(rand() * TEAMS.length)]!;
    const targetId =
      spec.targetType === "user" ? actor.actorId ?? actor.actorLabel
      : spec.targetType === "team" || spec.targetType === "membership" ? team
      : `${spec.targetType}-${Math.floor(rand() * 5000)}`;
    const row: Prisma.AuditEventCreateManyInput = {
      actorId: actor.actorId,
      actorLabel: actor.actorLabel,
      action: spec.action,
      targetType: spec.targetType,
      targetId,
      outcome,
      ip: `10.${Math.floor(rand() * 16)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`,
      requestId: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    };
    if (spec.mutation && outcome === "success") {
      const from = roles[Math.floor(rand() * roles.length)]!;
      row.before = { team, role: from, version: Math.floor(rand() * 300) };
      row.after = { team, role: roles[(roles.indexOf(from) + 1) % roles.length]!, version: Math.floor(rand() * 300) + 1 };
    }
    if (rand() < 0.3) row.meta = { userAgent: "Mozilla/5.0 (X11; Linux x86_64) Opsdeck/0.1", via: rand() < 0.5 ? "ui" : "api" };
    return row;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Database lifecycle

type Stored = { append: AppendResult; loadedAt: string };

/** Returns the stored load figures if the database exists and holds a completed load of exactly `events` events. */
async function existingLoad(urls: BenchDb, events: number): Promise<Stored | null> {
  if (!(await databaseExists(urls))) return null;
  return withClient(urls.url, async (c) => {
    const t = await c.query(`SELECT to_regclass('"AuditHead"') AS head, to_regclass('bench_meta') AS meta`);
    if (!t.rows[0].head || !t.rows[0].meta) return null;
    const head = await c.query(`SELECT "lastSeq" FROM "AuditHead" WHERE id = 1`);
    if (!head.rows[0] || Number(head.rows[0].lastSeq) < events) return null;
    const meta = await c.query(`SELECT value FROM bench_meta WHERE key = 'load'`);
    const stored = meta.rows[0]?.value as Stored | undefined;
    // Reuse only a load of the same size (a load writes bench_meta last, so an interrupted load is never reused).
    return stored?.append?.events === events ? stored : null;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Append

type AppendResult = {
  events: number;
  batch: number;
  elapsedMs: number;
  perSec: number;
  batchP50Ms: number;
  batchP95Ms: number;
  single: { events: number; concurrency: number; elapsedMs: number; perSec: number; p50Ms: number; p95Ms: number }[];
  /** The same batches through the proposed appendAuditBatch (one JSON parameter per INSERT). */
  batchProposed?: { events: number; batch: number; elapsedMs: number; perSec: number; batchP50Ms: number; batchP95Ms: number; batchMaxMs: number };
};

async function load(db: Db, events: number, batch: number, seed = 20261124): Promise<AppendResult> {
  const next = eventFactory(seed);
  const batchMs: number[] = [];
  const t0 = performance.now();
  let lastReport = t0;
  let reportedBatches = 0;
  for (let done = 0; done < events; ) {
    const n = Math.min(batch, events - done);
    const rows = Array.from({ length: n }, next);
    const b0 = performance.now();
    await db.auditEvent.createMany({ data: rows });
    batchMs.push(performance.now() - b0);
    done += n;
    if (performance.now() - lastReport > 15_000 || done === events) {
      lastReport = performance.now();
      const s = (lastReport - t0) / 1000;
      const recent = batchMs.slice(reportedBatches).sort((a, b) => a - b);
      reportedBatches = batchMs.length;
      say(`appended ${fmtInt(done)}/${fmtInt(events)} (${fmtInt(done / s)}/s overall; recent batches p50 ${fmtMs(percentile(recent, 50))} ms)`);
    }
  }
  const elapsedMs = performance.now() - t0;
  batchMs.sort((a, b) => a - b);
  return { events, batch, elapsedMs, perSec: events / (elapsedMs / 1000), batchP50Ms: percentile(batchMs, 50), batchP95Ms: percentile(batchMs, 95), single: [] };
}

/** Converts a generated row into appendAudit's (actor, record) arguments. */
function asAppend(r: Prisma.AuditEventCreateManyInput): { actor: AuditActor; rec: AuditRecord } {
  return {
    actor: { actorId: r.actorId ?? null, actorLabel: r.actorLabel!, ip: r.ip!, requestId: r.requestId! },
    rec: { action: r.action, targetType: r.targetType, targetId: r.targetId, outcome: r.outcome, before: r.before as Prisma.InputJsonValue, after: r.after as Prisma.InputJsonValue, meta: r.meta as Prisma.InputJsonValue },
  };
}

/** The proposed bulk path (bench/proposed/append-batch.ts): same batches, one JSON parameter per INSERT. */
async function batchAppendProposed(db: Db, events: number, batch: number, seed = 99) {
  const next = eventFactory(seed);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let done = 0; done < events; done += batch) {
    const rows = Array.from({ length: Math.min(batch, events - done) }, () => asAppend(next()));
    const b0 = performance.now();
    await appendAuditBatch(db, rows);
    lat.push(performance.now() - b0);
  }
  const elapsedMs = performance.now() - t0;
  lat.sort((a, b) => a - b);
  return { events, batch, elapsedMs, perSec: events / (elapsedMs / 1000), batchP50Ms: percentile(lat, 50), batchP95Ms: percentile(lat, 95), batchMaxMs: lat[lat.length - 1]! };
}

/** The request path: appendAudit, one row per call (per transaction), sequentially and from concurrent callers. */
async function singleAppends(db: Db, events: number, concurrency: number) {
  const next = eventFactory(4242 + concurrency);
  const lat: number[] = [];
  let issued = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < events) {
        issued++;
        const { actor, rec } = asAppend(next());
        const a0 = performance.now();
        await appendAudit(db, actor, rec);
        lat.push(performance.now() - a0);
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  lat.sort((a, b) => a - b);
  return { events, concurrency, elapsedMs, perSec: events / (elapsedMs / 1000), p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95) };
}

// ---------------------------------------------------------------------------------------------------------------
// Pages

type PageResult = { name: string; samples: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; avgRows: number };

type Dataset = {
  maxSeq: number;
  minTs: Date;
  maxTs: Date;
  actors: { value: string; n: number }[];
  actions: { value: string; n: number }[];
  pairs: { actor: string; action: string; targetType: string; targetId: string }[];
  tableSize: string;
  indexSize: string;
};

async function describe(c: pg.Client): Promise<Dataset> {
  const span = await c.query(`SELECT max(seq)::text AS max_seq, min(ts) AS min_ts, max(ts) AS max_ts FROM "AuditEvent"`);
  const actors = await c.query(`SELECT "actorLabel" AS value, count(*)::int AS n FROM "AuditEvent" GROUP BY 1 ORDER BY 2 DESC`);
  const actions = await c.query(`SELECT action AS value, count(*)::int AS n FROM "AuditEvent" GROUP BY 1 ORDER BY 2 DESC`);
  // (actor, action) pairs as they occur: sampled rows, so a pair is picked with its real frequency.
  const pairs = await c.query(`SELECT "actorLabel" AS actor, action, "targetType", "targetId" FROM "AuditEvent" TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 5000`);
  const size = await c.query(
    `SELECT pg_size_pretty(pg_table_size('"AuditEvent"')) AS t, pg_size_pretty(pg_indexes_size('"AuditEvent"')) AS i`,
  );
  return {
    maxSeq: Number(span.rows[0].max_seq),
    minTs: span.rows[0].min_ts,
    maxTs: span.rows[0].max_ts,
    actors: actors.rows,
    actions: actions.rows,
    pairs: pairs.rows,
    tableSize: size.rows[0].t,
    indexSize: size.rows[0].i,
  };
}

type Scenario = { name: string; make: (rand: () => number) => { filter: AuditFilter; cursor?: string } };

function scenarios(d: Dataset): Scenario[] {
  const pick = <T,>(xs: T[], rand: () => number) => xs[Math.floor(rand() * xs.length)]!;
  // Weighted by frequency: the values people filter for are mostly the common ones.
  const weighted = (xs: { value: string; n: number }[]) => {
    const total = xs.reduce((s, x) => s + x.n, 0);
    return (rand: () => number) => {
      let x = rand() * total;
      for (const v of xs) if ((x -= v.n) < 0) return v.value;
      return xs[xs.length - 1]!.value;
    };
  };
  const actorW = weighted(d.actors);
  const actionW = weighted(d.actions);
  const t0 = d.minTs.getTime();
  const span = d.maxTs.getTime() - t0;
  const mid = (rand: () => number) => String(Math.floor(d.maxSeq * (0.25 + 0.5 * rand())));
  return [
    { name: "no filter, first page", make: () => ({ filter: {} }) },
    { name: "actor (weighted)", make: (r) => ({ filter: { actor: actorW(r) } }) },
    { name: "actor (uniform, incl. rare)", make: (r) => ({ filter: { actor: pick(d.actors, r).value } }) },
    { name: "action (weighted)", make: (r) => ({ filter: { action: actionW(r) } }) },
    { name: "action (uniform, incl. rare)", make: (r) => ({ filter: { action: pick(d.actions, r).value } }) },
    {
      name: "time range from/to",
      make: (r) => {
        const width = span * (0.01 + 0.24 * r());
        const from = t0 + (span - width) * r();
        return { filter: { from: new Date(from), to: new Date(from + width) } };
      },
    },
    {
      name: "actor+action (pair as in data)",
      make: (r) => {
        const p = pick(d.pairs, r);
        return { filter: { actor: p.actor, action: p.action } };
      },
    },
    { name: "actor+action (independent)", make: (r) => ({ filter: { actor: actorW(r), action: actionW(r) } }) },
    {
      name: "target type+id",
      make: (r) => {
        const p = pick(d.pairs, r);
        return { filter: { targetType: p.targetType, targetId: p.targetId } };
      },
    },
    { name: "outcome denied/error", make: (r) => ({ filter: { outcome: r() < 0.5 ? "denied" : "error" } }) },
    { name: "deep keyset page, no filter", make: (r) => ({ filter: {}, cursor: mid(r) }) },
    { name: "deep keyset page, actor", make: (r) => ({ filter: { actor: actorW(r) }, cursor: mid(r) }) },
  ];
}

type PageFn = (db: Db, input: Parameters<typeof auditPage>[1]) => Promise<{ rows: unknown[] }>;

async function measureScenario(db: Db, s: Scenario, samples: number, label = "", pageFn: PageFn = auditPage): Promise<PageResult> {
  const rand = rng(s.name.length * 7919 + 17);
  for (let i = 0; i < 10; i++) await pageFn(db, { ...s.make(rand), limit: 50 }); // warm-up, not counted
  const lat: number[] = [];
  let rows = 0;
  for (let i = 0; i < samples; i++) {
    const input = { ...s.make(rand), limit: 50 };
    const t = performance.now();
    const page = await pageFn(db, input);
    lat.push(performance.now() - t);
    rows += page.rows.length;
  }
  lat.sort((a, b) => a - b);
  const r = { name: s.name, samples, p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95), p99Ms: percentile(lat, 99), maxMs: lat[lat.length - 1]!, avgRows: rows / samples };
  say(`${label}page ${r.name.padEnd(32)} p50 ${fmtMs(r.p50Ms)} ms  p95 ${fmtMs(r.p95Ms)} ms  (avg ${r.avgRows.toFixed(1)} rows)`);
  return r;
}

async function measurePages(db: Db, d: Dataset, samples: number): Promise<PageResult[]> {
  const out: PageResult[] = [];
  for (const s of scenarios(d)) out.push(await measureScenario(db, s, samples));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Verify

type VerifyRun = { chunk: number; parallel?: number; rows: number; elapsedMs: number; rowsPerSec: number; ok: boolean };

async function measureVerify(db: Db, chunk: number | undefined): Promise<VerifyRun> {
  const t = performance.now();
  const r = await verifyAuditChain(db, chunk ? { chunk } : {});
  const elapsedMs = performance.now() - t;
  if (!r.ok) throw new Error(`verifyAuditChain reported a broken chain at seq ${r.firstBadSeq}: ${r.reason}`);
  const rows = Number(r.checked);
  return { chunk: chunk ?? 200_000, rows, elapsedMs, rowsPerSec: rows / (elapsedMs / 1000), ok: r.ok };
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const urls = benchDbUrls("opsdeck_bench_audit");
  const started = new Date();
  const pgVersion = await withClient(urls.admin, async (c) => {
    const v = await c.query(`SELECT current_setting('server_version') AS v, current_setting('shared_buffers') AS sb, current_setting('work_mem') AS wm, current_setting('synchronous_commit') AS sc`);
    return v.rows[0] as { v: string; sb: string; wm: string; sc: string };
  });
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
  const loadAtStart = loadAvg();
  say(`machine: ${machine}; load average ${loadAtStart}`);
  say(`postgres ${pgVersion.v} (shared_buffers ${pgVersion.sb}, work_mem ${pgVersion.wm}, synchronous_commit ${pgVersion.sc}); database ${urls.name}`);

  const reused = opts.keep && !opts.fresh ? await existingLoad(urls, opts.events) : null;
  if (!reused) {
    say(`creating ${urls.name} and applying migrations`);
    await recreateDatabase(urls);
  } else {
    say(`reusing ${urls.name} (holds a completed load of ${fmtInt(opts.events)} events; --fresh reloads)`);
  }

  const db = createDb(urls.url, { max: 8 });
  const c = new pg.Client({ connectionString: urls.url });
  await c.connect();
  let result: Record<string, unknown> = {};
  try {
    let append: AppendResult;
    if (reused) {
      append = reused.append;
    } else {
      say(`appending ${fmtInt(opts.events)} events in batches of ${fmtInt(opts.batch)} (createMany → multi-row INSERT through the chain trigger)`);
      append = await load(db, opts.events, opts.batch);
      say("appendAudit one row per call (request path): 2,000 sequential, 4,000 from 8 concurrent callers");
      append.single.push(await singleAppends(db, 2_000, 1));
      append.single.push(await singleAppends(db, 4_000, 8));
      say("same batches through the proposed appendAuditBatch (bench/proposed/append-batch.ts), 20,000 events");
      append.batchProposed = await batchAppendProposed(db, 20_000, opts.batch);
      await c.query(`INSERT INTO bench_meta VALUES ('load', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
        JSON.stringify({ append, loadedAt: new Date().toISOString() } satisfies Stored),
      ]);
    }
    say("VACUUM ANALYZE");
    await c.query(`VACUUM ANALYZE "AuditEvent"`);
    await c.query(`VACUUM ANALYZE "AuditHead"`);

    const d = await describe(c);
    const spanSec = (d.maxTs.getTime() - d.minTs.getTime()) / 1000;
    say(`data: ${fmtInt(d.maxSeq)} rows, ts span ${spanSec.toFixed(0)} s, table ${d.tableSize} + indexes ${d.indexSize}, ${d.actors.length} actors, ${d.actions.length} actions`);

    const loadBeforePages = loadAvg();
    const pages = await measurePages(db, d, opts.samples);
    const loadAfterPages = loadAvg();

    say("verifyAuditChain with the default chunk");
    const verifyDefault = await measureVerify(db, undefined);
    say(`verify default: ${fmtInt(verifyDefault.rowsPerSec)} rows/s (${(verifyDefault.elapsedMs / 1000).toFixed(1)} s)`);
    const sweep: VerifyRun[] = [];
    for (const chunk of opts.chunks) {
      const r = await measureVerify(db, chunk);
      say(`verify chunk ${fmtInt(chunk).padStart(9)}: ${fmtInt(r.rowsPerSec)} rows/s (${(r.elapsedMs / 1000).toFixed(1)} s)`);
      sweep.push(r);
    }
    const best = [...sweep].sort((a, b) => b.rowsPerSec - a.rowsPerSec)[0];

    // ----- report
    const mark = (ok: boolean) => (ok ? "PASS" : "MISS");
    const lines: string[] = [];
    const row = (what: string, value: string, target: string, status: string) =>
      lines.push(`${what.padEnd(44)} ${value.padStart(22)}  ${target.padEnd(12)} ${status}`);
    lines.push("", `Audit benchmark — ${fmtInt(d.maxSeq)} rows, ${started.toISOString()}`, machine, `PostgreSQL ${pgVersion.v}`, "");
    row("measure", "figure", "target", "");
    row("-------", "------", "------", "");
    row(`append, createMany batches of ${fmtInt(append.batch)}`, `${fmtInt(append.perSec)} /s`, `≥ ${fmtInt(TARGETS.appendPerSec)} /s`, mark(append.perSec >= TARGETS.appendPerSec));
    row(`  (${fmtInt(append.events)} events in ${(append.elapsedMs / 1000).toFixed(1)} s; batch p50/p95)`, `${fmtMs(append.batchP50Ms)} / ${fmtMs(append.batchP95Ms)} ms`, "", "");
    if (append.batchProposed) {
      row(`  info: proposed appendAuditBatch, ${fmtInt(append.batchProposed.batch)}/stmt`, `${fmtInt(append.batchProposed.perSec)} /s`, `(p50 ${fmtMs(append.batchProposed.batchP50Ms)} ms)`, "");
    }
    for (const s of append.single) {
      row(`  info: appendAudit 1 row/tx, ${s.concurrency} caller${s.concurrency > 1 ? "s" : ""}`, `${fmtInt(s.perSec)} /s`, `(p95 ${fmtMs(s.p95Ms)} ms)`, "");
    }
    for (const p of pages) {
      row(`page p95: ${p.name}`, `${fmtMs(p.p95Ms)} ms (p50 ${fmtMs(p.p50Ms)})`, `≤ ${TARGETS.pageP95Ms} ms`, mark(p.p95Ms <= TARGETS.pageP95Ms));
    }
    row("verify, verifyAuditChain as called by the app", `${fmtInt(verifyDefault.rowsPerSec)} rows/s`, `≥ ${fmtInt(TARGETS.verifyRowsPerSec)}`, mark(verifyDefault.rowsPerSec >= TARGETS.verifyRowsPerSec));
    for (const s of sweep) row(`  verify, chunk ${fmtInt(s.chunk)}`, `${fmtInt(s.rowsPerSec)} rows/s`, "", "");
    if (best) lines.push("", `best verify chunk: ${fmtInt(best.chunk)} (${fmtInt(best.rowsPerSec)} rows/s)`);
    if (reused) lines.push(`append figures are from the original load (${reused.loadedAt}); use --fresh to re-measure`);
    lines.push(`load average (1 min, ${os.cpus().length} cpus): start ${loadAtStart}, before pages ${loadBeforePages}, after pages ${loadAfterPages}, end ${loadAvg()}`);
    lines.push(`data: ts span ${spanSec.toFixed(0)} s, table ${d.tableSize}, indexes ${d.indexSize}; ${opts.samples} samples per page scenario, limit 50`);
    console.log(lines.join("\n"));

    result = { date: started.toISOString(), machine, loadAtStart, loadBeforePages, loadAfterPages, postgres: pgVersion, rows: d.maxSeq, spanSec, tableSize: d.tableSize, indexSize: d.indexSize, targets: TARGETS, append, pages, verifyDefault, sweep };
  } finally {
    await c.end();
    await db.$disconnect();
  }
  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify({ ...result, loadAtEnd: loadAvg() }, null, 2));
    say(`wrote ${opts.json}`);
  }
  if (!opts.keep) {
    say(`dropping ${urls.name} (--keep keeps it)`);
    await dropDatabase(urls);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
