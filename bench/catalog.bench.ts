/**
 * Catalog benchmark: generate a 100k-entity catalog as descriptor files, ingest it through the real pipeline (file
 * read → YAML parse → validation → one-transaction write with relations and scores), then time the UI's queries.
 *
 *   npm run bench:catalog                         # 100,000 entities into a fresh `opsdeck_bench_catalog`, dropped afterwards
 *   npm run bench:catalog -- --entities 20000     # smaller run
 *   npm run bench:catalog -- --runs 50 --keep     # more samples; keep the database
 *   npm run bench:catalog -- --reuse              # time the queries on a database kept by --keep (migrations applied,
 *                                                 # statistics refreshed; no ingest); implies --keep
 *
 * BENCH_DATABASE_URL overrides postgresql://root@127.0.0.1:5432/opsdeck_bench_catalog (its name must contain "bench":
 * the database is dropped and recreated). Queries run through the same functions the tRPC procedures call
 * (server/catalog/queries.ts, report.ts) on a PrismaClient from createDb; each measured query is run once untimed
 * first. Varying inputs (owners, tags, search terms, entities) rotate across runs so caches do not flatter the result.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { createDb, type Db } from "@/server/db/client";
import { applyLocation, prepareLocation } from "@/server/catalog/ingest";
import { analyzeAfterBulkWrite } from "@/server/catalog/read-models";
import { loadRules } from "@/server/catalog/scorecards";
import { dependencyGraph, entityPage, facetCounts, listEntities } from "@/server/catalog/queries";
import { scorecardOverview } from "@/server/catalog/report";

const TARGETS = { ingestPerSec: 2_000, queryP95Ms: 50 } as const;
const root = path.resolve(import.meta.dirname, "..");

function args() {
  const o = { entities: 100_000, runs: 40, keep: false, reuse: false };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--keep") o.keep = true;
    else if (a === "--reuse") o.reuse = o.keep = true;
    else if (a === "--entities") o.entities = Number(argv[++i]);
    else if (a === "--runs") o.runs = Number(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.entities) || o.entities < 1000) throw new Error("--entities needs an integer ≥ 1000");
  if (!Number.isInteger(o.runs) || o.runs < 30) throw new Error("--runs needs an integer ≥ 30");
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Generated catalog: proportions like a large company's

const WORDS = "payments ledger cart checkout search index order invoice billing identity profile session gateway edge config flags deploy metrics events warehouse recommendations fraud risk tax shipping inventory pricing promotions catalog media upload notify email sms push report audit export import sync cache queue stream batch scheduler worker api web mobile admin partner loyalty rewards wallet refund payout kyc compliance geo maps routing".split(" ");
const LANGS = ["go", "java", "kotlin", "python", "typescript", "rust", "ruby", "scala"];
const EXTRA = ["pci", "gdpr", "tier-1", "tier-2", "tier-3", "grpc", "rest", "kafka", "postgres", "redis", "ml", "frontend", "batch", "internal", "public"];
const LIFECYCLES = ["production", "production", "production", "experimental", "deprecated"];

type Gen = { files: { rel: string; text: string }[]; counts: Record<string, number>; relations: number; owners: string[]; tags: string[]; components: string[] };

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export function generate(total: number): Gen {
  const rand = rng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const groups = Math.max(10, Math.round(total * 0.01));
  const users = Math.round(total * 0.05);
  const systems = Math.round(total * 0.02);
  const domains = Math.max(3, Math.round(total * 0.0005));
  const apis = Math.round(total * 0.12);
  const components = total - groups - users - systems - domains - apis;
  const docs: string[] = [];
  let relations = 0;
  const team = (i: number) => `team-${i}`;
  const doc = (kind: string, name: string, meta: string, spec: string) => `apiVersion: backstage.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${meta}spec:\n${spec}`;
  for (let d = 0; d < domains; d++) {
    docs.push(doc("Domain", `domain-${d}`, `  description: Business domain ${d}\n`, `  owner: ${team(d % groups)}\n`));
    relations += 1;
  }
  for (let g = 0; g < groups; g++) {
    docs.push(doc("Group", team(g), `  title: Team ${g}\n  description: Team number ${g}\n`, `  type: team\n  children: []\n${g ? `  parent: ${team(Math.floor((g - 1) / 10))}\n` : ""}`));
    relations += g ? 1 : 0;
  }
  for (let u = 0; u < users; u++) {
    docs.push(doc("User", `user-${u}`, "", `  profile:\n    displayName: User ${u}\n    email: user-${u}@example.com\n  memberOf: [${team(u % groups)}]\n`));
    relations += 1;
  }
  for (let s = 0; s < systems; s++) {
    docs.push(doc("System", `system-${s}`, `  description: System ${s} of ${pick(WORDS)}\n`, `  owner: ${team(s % groups)}\n  domain: domain-${s % domains}\n`));
    relations += 2;
  }
  const apiName = (i: number) => `${WORDS[i % WORDS.length]}-api-${i}`;
  for (let a = 0; a < apis; a++) {
    docs.push(doc("API", apiName(a), `  description: ${pick(WORDS)} ${pick(WORDS)} interface\n  tags: [rest]\n`, `  type: openapi\n  lifecycle: production\n  owner: ${team(a % groups)}\n  system: system-${a % systems}\n  definition: "openapi: 3.0.0"\n`));
    relations += 2;
  }
  const compName = (i: number) => `${WORDS[i % WORDS.length]}-${WORDS[(i * 7 + 3) % WORDS.length]}-${i}`;
  const compNames: string[] = [];
  for (let c = 0; c < components; c++) {
    const name = compName(c);
    compNames.push(name);
    const owner = team(Math.floor(rand() * groups));
    const tags = [pick(LANGS), pick(EXTRA)];
    const deps: string[] = [];
    if (c > 0) deps.push(`component:${compName(Math.floor(rand() * c))}`);
    if (c > 0 && rand() < 0.3) deps.push(`component:${compName(Math.floor(rand() * c))}`);
    const consumes = rand() < 0.5 ? [apiName(Math.floor(rand() * apis))] : [];
    const provides = c < apis ? [apiName(c)] : [];
    const links = rand() < 0.5 ? `  links:\n    - { url: "https://runbooks.example.com/${name}", title: Runbook, type: runbook }\n` : "";
    const ann = rand() < 0.4 ? `  annotations:\n    pagerduty.com/service-id: P${c}\n` : "";
    docs.push(
      doc(
        "Component",
        name,
        `  title: ${name.replace(/-/g, " ")}\n  description: ${pick(WORDS)} service handling ${pick(WORDS)} and ${pick(WORDS)} for ${pick(WORDS)}\n  tags: [${[...new Set(tags)].join(", ")}]\n${ann}${links}`,
        `  type: ${rand() < 0.85 ? "service" : pick(["website", "library"])}\n  lifecycle: ${pick(LIFECYCLES)}\n  owner: ${owner}\n  system: system-${Math.floor(rand() * systems)}\n` +
          (deps.length ? `  dependsOn: [${[...new Set(deps)].join(", ")}]\n` : "") +
          (consumes.length ? `  consumesApis: [${consumes.join(", ")}]\n` : "") +
          (provides.length ? `  providesApis: [${provides.join(", ")}]\n` : ""),
      ),
    );
    relations += 2 + new Set(deps).size + consumes.length + provides.length;
  }
  const files: Gen["files"] = [];
  const perFile = 1000;
  for (let i = 0; i < docs.length; i += perFile) {
    files.push({ rel: `part-${String(i / perFile).padStart(4, "0")}/catalog-info.yaml`, text: docs.slice(i, i + perFile).join("---\n") });
  }
  return {
    files,
    counts: { Domain: domains, Group: groups, User: users, System: systems, API: apis, Component: components },
    relations,
    owners: Array.from({ length: 50 }, (_, i) => `group:default/${team((i * 37) % groups)}`),
    tags: [...LANGS, ...EXTRA],
    components: Array.from({ length: 50 }, (_, i) => compNames[Math.floor(((i + 1) * compNames.length) / 51)]!),
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** Load average (1, 5, 15 min) and core count: the figures mean little without it on a shared machine. */
function loadavg(): string {
  return `load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores`;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function timeIt(runs: number, fn: (i: number) => Promise<unknown>) {
  await fn(0);
  const lat: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i + 1);
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p95: percentile(lat, 95), max: lat[lat.length - 1]! };
}

async function main() {
  const o = args();
  const url = process.env.BENCH_DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/opsdeck_bench_catalog";
  const name = new URL(url).pathname.slice(1);
  if (!name.includes("bench")) throw new Error(`refusing to drop ${name}: the bench database name must contain "bench"`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const adminClient = new pg.Client({ connectionString: admin.toString() });
  await adminClient.connect();
  const exists = (await adminClient.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1;
  if (o.reuse && !exists) throw new Error(`--reuse: database ${name} does not exist (run once with --keep)`);
  if (!o.reuse) {
    await adminClient.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await adminClient.query(`CREATE DATABASE "${name}"`);
  }
  await adminClient.end();
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], { cwd: root, env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1" }, stdio: "pipe" });
  const db: Db = createDb(url, { max: 10 });
  const pgPool = new pg.Pool({ connectionString: url, max: 2 });
  const dir = mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-catalog-"));
  try {
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; ${(await pgPool.query("select version()")).rows[0].version.split(" on ")[0]}; ${loadavg()}`);
    let t = performance.now();
    const gen = generate(o.entities);
    let ingestRow = "";
    let refreshRow = "";
    if (o.reuse) {
      const n = Number((await pgPool.query(`SELECT count(*) FROM "Entity"`)).rows[0].count);
      if (n !== o.entities) throw new Error(`--reuse: ${name} holds ${n} entities, not ${o.entities} (pass --entities ${n})`);
      await pgPool.query(`ANALYZE`);
      console.log(`reusing ${name}: ${n.toLocaleString()} entities (migrations applied, ANALYZE done; no ingest)`);
    }
    for (const f of o.reuse ? [] : gen.files) {
      mkdirSync(path.dirname(path.join(dir, f.rel)), { recursive: true });
      writeFileSync(path.join(dir, f.rel), f.text);
    }
    console.log(`generated ${o.entities.toLocaleString()} entities (${Object.entries(gen.counts).map(([k, v]) => `${v.toLocaleString()} ${k}`).join(", ")}), ~${gen.relations.toLocaleString()} relations, in ${gen.files.length} files (${((performance.now() - t) / 1000).toFixed(1)} s)`);

    if (!o.reuse) {
      const location = await db.location.create({ data: { kind: "dir", target: dir } });
      const rules = (await loadRules(db)).rules;
      t = performance.now();
      const prepared = prepareLocation({ id: location.id, kind: "dir", target: dir, content: null });
      const parseMs = performance.now() - t;
      const t2 = performance.now();
      const summary = await db.$transaction((tx) => applyLocation(tx, prepared, { rules }), { timeout: 60 * 60_000, maxWait: 60_000 });
      // As ingestLocation does after a large ingest (autovacuum is off on CI-style servers; on others it would come a
      // minute later). Counted in the write time.
      const ta = performance.now();
      await analyzeAfterBulkWrite(db, summary.added + summary.updated + summary.removed);
      const analyzeMs = performance.now() - ta;
      const writeMs = performance.now() - t2;
      const totalMs = performance.now() - t;
      const rels = Number((await pgPool.query(`SELECT count(*) FROM "EntityRelation"`)).rows[0].count);
      const ingestPerSec = summary.entities / (totalMs / 1000);
      console.log(`ingest: ${summary.entities.toLocaleString()} entities, ${rels.toLocaleString()} relations, ${summary.errors} errors, ${summary.warnings} warnings in ${(totalMs / 1000).toFixed(1)} s (read+parse ${(parseMs / 1000).toFixed(1)} s, write ${(writeMs / 1000).toFixed(1)} s incl. ANALYZE ${(analyzeMs / 1000).toFixed(1)} s) → ${Math.round(ingestPerSec).toLocaleString()} entities/s; ${loadavg()}`);

      t = performance.now();
      const prepared2 = prepareLocation({ id: location.id, kind: "dir", target: dir, content: null });
      const again = await db.$transaction((tx) => applyLocation(tx, prepared2, { rules }), { timeout: 60 * 60_000 });
      const refreshMs = performance.now() - t;
      console.log(`refresh with nothing changed: ${again.unchanged.toLocaleString()} unchanged in ${(refreshMs / 1000).toFixed(1)} s; ${loadavg()}`);
      ingestRow = `| ingest (${summary.entities.toLocaleString()} entities, ${rels.toLocaleString()} relations, one transaction) | ${Math.round(ingestPerSec).toLocaleString()} entities/s (${(totalMs / 1000).toFixed(1)} s) | ≥ ${TARGETS.ingestPerSec.toLocaleString()}/s ${ingestPerSec >= TARGETS.ingestPerSec ? "✓" : "✗"} |`;
      refreshRow = `| refresh, nothing changed | ${(refreshMs / 1000).toFixed(1)} s | |`;
    }

    const searchTerms = ["payments", "ledger", "checkout api", "fraud", "inventory", "search index", "wallet", "refund", "paym", "recomendations"];
    const runs = o.runs;
    const q: [string, (i: number) => Promise<unknown>][] = [
      ["list: first page (50, by name)", () => listEntities(db, { filters: {}, limit: 50 })],
      ["list: page 5 via keyset cursor", async () => {
        let cursor: string | null = null;
        for (let p = 0; p < 5; p++) cursor = (await listEntities(db, { filters: {}, limit: 50, cursor })).nextCursor;
      }],
      ["list: filtered by owner + tag", (i) => listEntities(db, { filters: { owner: [gen.owners[i % gen.owners.length]!], tag: [gen.tags[i % 8]!] }, limit: 50 })],
      ["list: kind=Component, lifecycle", (i) => listEntities(db, { filters: { kind: ["Component"], lifecycle: [LIFECYCLES[i % 3 === 0 ? 3 : 0]!] }, limit: 50 })],
      ["search: full-text + trigram, ranked", (i) => listEntities(db, { q: searchTerms[i % searchTerms.length], filters: {}, limit: 50 })],
      ["facets: whole catalog", () => facetCounts(db, { filters: {}, top: 30 })],
      ["facets: kind + owner filter", (i) => facetCounts(db, { filters: { kind: ["Component"], owner: [gen.owners[i % gen.owners.length]!] }, top: 30 })],
      ["facets: with a search term", (i) => facetCounts(db, { q: searchTerms[i % searchTerms.length], filters: {}, top: 30 })],
      ["entity page with relations", (i) => entityPage(db, `component:${gen.components[i % gen.components.length]}`)],
      ["2-level dependency graph", (i) => dependencyGraph(db, { ref: `component:${gen.components[i % gen.components.length]}`, depth: 2, direction: "both", maxNodes: 150 })],
      ["team page: entity page of a group", (i) => entityPage(db, gen.owners[i % gen.owners.length]!)],
      ["scorecard org overview (sorted)", () => scorecardOverview(db, { sort: "average", dir: "desc", limit: 50 })],
    ];
    const results: { name: string; p50: number; p95: number; max: number }[] = [];
    for (const [label, fn] of q) {
      const r = await timeIt(runs, fn);
      results.push({ name: label, ...r });
      console.log(`${label.padEnd(40)} p50 ${r.p50.toFixed(1).padStart(7)} ms   p95 ${r.p95.toFixed(1).padStart(7)} ms   max ${r.max.toFixed(1).padStart(7)} ms   ${r.p95 <= TARGETS.queryP95Ms ? "ok  " : "OVER"}  ${loadavg()}`);
    }
    console.log("\n| measure | result | target |\n|---|---|---|");
    if (ingestRow) console.log(`${ingestRow}\n${refreshRow}`);
    for (const r of results) console.log(`| ${r.name} | p50 ${r.p50.toFixed(1)} ms · p95 ${r.p95.toFixed(1)} ms | ≤ ${TARGETS.queryP95Ms} ms ${r.p95 <= TARGETS.queryP95Ms ? "✓" : "✗"} |`);
    console.log(`\n(${runs} timed runs per query after one warm-up; ${loadavg()})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.$disconnect();
    await pgPool.end();
    if (!o.keep) {
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
