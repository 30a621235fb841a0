import { beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "@/server/audit/append";
import { auditRowsForExport, type AuditRow } from "@/server/audit/query";
import { EXPORT_COLUMNS, csvHeader, exportStream, toCsvLine, toJsonLine } from "@/server/audit/export";
import { handleAuditExport } from "@/server/audit/export-request";
import { useTestDatabase } from "./helpers/db";
import { auditSince, contextFor, lastSeq, makeTeam, makeUser, seedAudit } from "./helpers/fixtures";

/** RFC 4180 reader: quoted fields may hold commas, quotes ("") and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell !== "" || row.length) throw new Error("CSV does not end with a newline");
  return rows;
}

function row(over: Partial<AuditRow>): AuditRow {
  return {
    seq: 7n,
    ts: new Date("2026-11-24T10:00:00.123Z"),
    actorId: null,
    actorLabel: "alice@example.test",
    action: "team.create",
    targetType: "team",
    targetId: "platform",
    outcome: "success",
    ip: "10.0.0.1",
    requestId: "req-1",
    before: null,
    after: null,
    meta: null,
    prevHash: "a".repeat(64),
    hash: "b".repeat(64),
    ...over,
  };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  const dec = new TextDecoder();
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) out += dec.decode(chunk, { stream: true });
  return out + dec.decode();
}

describe("CSV export encoding", () => {
  const cases: [string, string, string][] = [
    ["plain", "platform", "platform"],
    ["comma", "a,b", "a,b"],
    ["double quotes", 'say "hi"', 'say "hi"'],
    ["newline", "line1\nline2", "line1\nline2"],
    ["carriage return inside", "a\r\nb", "a\r\nb"],
    ["formula =", "=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"],
    ["formula +", "+1+1", "'+1+1"],
    ["formula -", "-2+3", "'-2+3"],
    ["formula @", "@SUM(A1)", "'@SUM(A1)"],
    ["leading tab", "\t=1", "'\t=1"],
    ["leading carriage return", "\r=1", "'\r=1"],
    ["formula with comma and quote", '=cmd|" /C calc"!A0,x', "'=cmd|\" /C calc\"!A0,x"],
    ["empty", "", ""],
  ];

  it.each(cases)("%s survives a CSV round trip, formulas neutralised", (_name, value, expected) => {
    const line = toCsvLine(row({ targetId: value, actorLabel: value }));
    const parsed = parseCsv(csvHeader + line);
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toEqual([...EXPORT_COLUMNS]);
    const cells = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, parsed[1]![i]]));
    expect(cells.targetId).toBe(expected);
    expect(cells.actorLabel).toBe(expected);
    expect(cells.seq).toBe("7");
    expect(cells.ts).toBe("2026-11-24T10:00:00.123Z");
    expect(parsed[1]).toHaveLength(EXPORT_COLUMNS.length);
  });

  it("writes JSON columns as JSON text, null as an empty cell", () => {
    const line = toCsvLine(row({ before: { role: "viewer", note: 'a "b", c' }, after: null, meta: ["=x", 1] }));
    const cells = parseCsv(line)[0]!;
    const at = (c: (typeof EXPORT_COLUMNS)[number]) => cells[EXPORT_COLUMNS.indexOf(c)];
    expect(JSON.parse(at("before")!)).toEqual({ role: "viewer", note: 'a "b", c' });
    expect(at("after")).toBe("");
    expect(at("actorId")).toBe("");
    expect(JSON.parse(at("meta")!)).toEqual(["=x", 1]);
  });

  it("JSONL: one JSON object per line with every column, seq as a string", () => {
    const r = row({ targetId: "x\ny", before: { a: 1 } });
    const line = toJsonLine(r);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    const obj = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(obj).sort()).toEqual([...EXPORT_COLUMNS].sort());
    expect(obj).toMatchObject({ seq: "7", ts: "2026-11-24T10:00:00.123Z", targetId: "x\ny", before: { a: 1 }, actorId: null });
  });
});

describe("exportStream over the database", () => {
  const t = useTestDatabase();
  const TOTAL = 2345; // more than two export pages of 1000

  beforeAll(async () => {
    await t.pg.query(
      `INSERT INTO "AuditEvent" ("actorLabel", action, "targetId", outcome, meta)
       SELECT CASE WHEN g % 3 = 0 THEN 'bob@example.test' ELSE 'alice@example.test' END, 'team.create', 't,' || g || E'\\n"x"',
              CASE WHEN g % 10 = 0 THEN 'denied'::"AuditOutcome" ELSE 'success'::"AuditOutcome" END, jsonb_build_object('g', g)
       FROM generate_series(1, ${TOTAL}) g`,
    );
    await appendAudit(t.db, { actorId: null, actorLabel: "mallory@example.test", ip: "", requestId: "" }, { action: "team.create", targetId: "=1+1" });
  });

  it("streams every row as CSV, newest first, none twice", async () => {
    const text = await readAll(exportStream(auditRowsForExport(t.db, {}), "csv"));
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    const seqs = rows.slice(1).map((r) => Number(r[0]));
    expect(seqs).toEqual(Array.from({ length: TOTAL + 1 }, (_, i) => TOTAL + 1 - i));
    expect(rows[1]![EXPORT_COLUMNS.indexOf("targetId")]).toBe("'=1+1");
    expect(rows[2]![EXPORT_COLUMNS.indexOf("targetId")]).toBe(`t,${TOTAL}\n"x"`);
    rows.slice(1).forEach((r) => expect(r).toHaveLength(EXPORT_COLUMNS.length));
  });

  it("streams a filtered export as JSONL", async () => {
    const text = await readAll(exportStream(auditRowsForExport(t.db, { actor: "bob@example.test", outcome: "denied" }), "jsonl"));
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as { seq: string; actorLabel: string; outcome: string; meta: { g: number } });
    const want = Array.from({ length: TOTAL }, (_, i) => TOTAL - i).filter((g) => g % 3 === 0 && g % 10 === 0);
    expect(lines.map((l) => l.meta.g)).toEqual(want);
    expect(lines.every((l) => l.actorLabel === "bob@example.test" && l.outcome === "denied")).toBe(true);
  });

  it("an export of nothing is just the CSV header", async () => {
    expect(await readAll(exportStream(auditRowsForExport(t.db, { actor: "nobody" }), "csv"))).toBe(csvHeader);
    expect(await readAll(exportStream(auditRowsForExport(t.db, { actor: "nobody" }), "jsonl"))).toBe("");
  });

  it("cancelling the stream stops reading the database", async () => {
    let pulled = 0;
    const source = auditRowsForExport(t.db, {}, 100);
    const counting = (async function* () {
      for await (const r of source) {
        pulled++;
        yield r;
      }
    })();
    const reader = exportStream(counting, "jsonl").getReader();
    for (let i = 0; i < 3; i++) await reader.read();
    await reader.cancel();
    expect(pulled).toBeGreaterThanOrEqual(3);
    expect(pulled).toBeLessThanOrEqual(5); // the stream buffers at most a row or two ahead
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });
});

describe("GET /api/audit/export (handleAuditExport)", () => {
  const t = useTestDatabase();
  const url = (q: string) => new URL(`http://localhost:3000/api/audit/export?${q}`);

  async function as(role: "anonymous" | "engineer" | "oncall" | "global admin") {
    if (role === "anonymous") return contextFor(t.db, null);
    const team = await makeTeam(t.db);
    const { principal } = role === "global admin" ? await makeUser(t.db, { isGlobalAdmin: true }) : await makeUser(t.db, { teams: [[team.id, role]] });
    return contextFor(t.db, principal);
  }

  beforeAll(async () => {
    await seedAudit(t.db, 12, "exp");
  });

  it("refuses anonymous (401) and engineers (403), auditing each denial", async () => {
    for (const [role, status] of [["anonymous", 401], ["engineer", 403]] as const) {
      const ctx = await as(role);
      const seq = await lastSeq(t.db);
      const res = await handleAuditExport(ctx, url("format=csv"));
      expect(res.status).toBe(status);
      expect(await auditSince(t.db, seq)).toMatchObject([{ action: "audit.export", outcome: "denied", actorId: ctx.principal?.id ?? null, meta: { permission: "audit.export" } }]);
    }
  });

  it("streams the filtered log to oncall as CSV and records the export first", async () => {
    const ctx = await as("oncall");
    const seq = await lastSeq(t.db);
    const res = await handleAuditExport(ctx, url("format=csv&actor=exp-1%40example.test&outcome=success&from="));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="opsdeck-audit-.*\.csv"$/);
    expect(res.headers.get("x-request-id")).toBe(ctx.requestId);
    const [exported] = await auditSince(t.db, seq);
    expect(exported).toMatchObject({ action: "audit.export", outcome: "success", actorId: ctx.principal!.id, meta: { format: "csv", filter: { actor: "exp-1@example.test", outcome: "success" } } });
    const rows = parseCsv(await res.text()).slice(1);
    const want = await t.db.auditEvent.findMany({ where: { actorLabel: "exp-1@example.test", outcome: "success", seq: { lte: seq } }, orderBy: { seq: "desc" } });
    expect(want.length).toBeGreaterThan(0);
    expect(rows.map((r) => r[0])).toEqual(want.map((r) => r.seq.toString()));
  });

  it("serves JSONL, and rejects an unknown format or a bad filter with 400 and no export event", async () => {
    const ctx = await as("global admin");
    const res = await handleAuditExport(ctx, url("format=jsonl&action=team.create"));
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l) as { action: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.action === "team.create")).toBe(true);

    const seq = await lastSeq(t.db);
    expect((await handleAuditExport(ctx, url("format=xlsx"))).status).toBe(400);
    const bad = await handleAuditExport(ctx, url("format=csv&from=2026-02-01&to=2026-01-01"));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid filter", issues: [{ field: "from" }] });
    expect(await auditSince(t.db, seq)).toEqual([]);
  });
});
