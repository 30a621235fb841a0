import { beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "@/server/audit/append";
import { auditPage, auditRowsForExport, type AuditFilter } from "@/server/audit/query";
import { AUDIT_ACTIONS } from "@/server/audit/actions";
import type { Principal } from "@/server/auth/roles";
import { useTestDatabase } from "./helpers/db";
import { callerFor, makeTeam, makeUser, outcomeOf } from "./helpers/fixtures";

type Row = Awaited<ReturnType<typeof auditPage>>["rows"][number];

const ACTORS = ["alice@example.test", "bob@example.test", "carol@example.test"];
const ACTIONS = ["team.create", "team.membership.set", "auth.signin", "team.membership.remove"];
const OUTCOMES = ["success", "denied", "success", "error", "success"] as const;

describe("audit log query: filters and keyset pagination", () => {
  const t = useTestDatabase();
  let all: Row[] = []; // every row, newest first: the oracle
  const mid: Date[] = []; // mid[0] lies between time groups 0 and 1, mid[1] between groups 1 and 2
  let engineer: Principal;

  beforeAll(async () => {
    // Three bursts of events, separated in time so that time-range boundaries fall between rows.
    let i = 0;
    const groupTimes: { first: Date; last: Date }[] = [];
    for (let group = 0; group < 3; group++) {
      for (let k = 0; k < 23; k++, i++) {
        await appendAudit(t.db, { actorId: null, actorLabel: ACTORS[i % 3]!, ip: "10.0.0.1", requestId: `r${i}` }, {
          action: ACTIONS[i % 4]!,
          targetType: i % 5 === 0 ? "user" : "team",
          targetId: `t-${i % 6}`,
          outcome: OUTCOMES[i % 5],
          meta: { i, group },
        });
      }
      const rows = await t.db.auditEvent.findMany({ where: { meta: { path: ["group"], equals: group } }, orderBy: { seq: "asc" } });
      groupTimes.push({ first: rows[0]!.ts, last: rows[rows.length - 1]!.ts });
      await new Promise((r) => setTimeout(r, 40));
    }
    for (let g = 0; g < 2; g++) mid.push(new Date((groupTimes[g]!.last.getTime() + groupTimes[g + 1]!.first.getTime()) / 2));
    all = await t.db.auditEvent.findMany({ orderBy: { seq: "desc" } });
    expect(all).toHaveLength(69);
    const team = await makeTeam(t.db);
    engineer = (await makeUser(t.db, { teams: [[team.id, "engineer"]] })).principal;
  });

  function expected(f: AuditFilter): bigint[] {
    return all
      .filter((r) =>
        (!f.actor || r.actorLabel === f.actor) &&
        (!f.action || r.action === f.action) &&
        (!f.targetType || r.targetType === f.targetType) &&
        (!f.targetId || r.targetId === f.targetId) &&
        (!f.outcome || r.outcome === f.outcome) &&
        (!f.from || r.ts >= f.from) &&
        (!f.to || r.ts <= f.to))
      .map((r) => r.seq);
  }

  const FILTERS: [string, () => AuditFilter][] = [
    ["no filter", () => ({})],
    ["actor", () => ({ actor: ACTORS[1] })],
    ["action", () => ({ action: "team.create" })],
    ["target type", () => ({ targetType: "user" })],
    ["target type and id", () => ({ targetType: "team", targetId: "t-1" })],
    ["outcome denied", () => ({ outcome: "denied" })],
    ["outcome error", () => ({ outcome: "error" })],
    ["from", () => ({ from: mid[0] })],
    ["to", () => ({ to: mid[0] })],
    ["from and to", () => ({ from: mid[0], to: mid[1] })],
    ["time range with actor and outcome", () => ({ from: mid[0], to: mid[1], actor: ACTORS[0], outcome: "success" })],
    ["action and time", () => ({ action: "auth.signin", to: mid[1] })],
    ["from after the last row", () => ({ from: new Date(all[0]!.ts.getTime() + 60_000) })],
    ["to before the first row", () => ({ to: new Date(all[all.length - 1]!.ts.getTime() - 60_000) })],
    ["unknown actor", () => ({ actor: "nobody@example.test" })],
  ];

  async function collect(filter: AuditFilter, limit: number, page = auditPage.bind(null, t.db)) {
    const seen: bigint[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 1000; guard++) {
      const res = await page({ filter, cursor, limit });
      sizes.push(res.rows.length);
      seen.push(...res.rows.map((r) => r.seq));
      if (!res.nextCursor) return { seen, sizes };
      expect(res.nextCursor).toBe(res.rows[res.rows.length - 1]!.seq.toString());
      cursor = res.nextCursor;
    }
    throw new Error("pagination did not end");
  }

  it.each(FILTERS)("filter: %s — every page size returns exactly the matching rows, newest first", async (_name, make) => {
    const filter = make();
    const want = expected(filter);
    if (!_name.includes("unknown") && !_name.includes("after") && !_name.includes("before")) expect(want.length).toBeGreaterThan(0);
    for (const limit of [1, 2, 3, 7, 23, 50, 200]) {
      const { seen, sizes } = await collect(filter, limit);
      expect(seen).toEqual(want); // same rows, same order: no duplicates, no gaps
      // Full pages until the last; no trailing empty page unless the result is empty.
      sizes.slice(0, -1).forEach((s) => expect(s).toBe(limit));
      expect(sizes[sizes.length - 1]).toBe(want.length === 0 ? 0 : want.length - (sizes.length - 1) * limit);
    }
    const streamed: bigint[] = [];
    for await (const row of auditRowsForExport(t.db, filter, 5)) streamed.push(row.seq);
    expect(streamed).toEqual(want);
  });

  it("the audit.list procedure pages the same way for an engineer (dates as ISO strings too)", async () => {
    const caller = callerFor(t.db, engineer);
    const filter = { from: mid[0]!.toISOString(), to: mid[1]!.toISOString(), outcome: "success" as const };
    const { seen } = await collect(filter as unknown as AuditFilter, 4, (input) => caller.audit.list(input));
    expect(seen).toEqual(expected({ from: mid[0], to: mid[1], outcome: "success" }));
    expect(await caller.audit.actions()).toEqual(AUDIT_ACTIONS);
  });

  it("events appended while paging do not shift later pages", async () => {
    const filter: AuditFilter = { actor: ACTORS[2] };
    const want = expected(filter);
    const first = await auditPage(t.db, { filter, limit: 5 });
    for (let i = 0; i < 4; i++) {
      await appendAudit(t.db, { actorId: null, actorLabel: ACTORS[2]!, ip: "", requestId: "late" }, { action: "team.create" });
    }
    const rest = await collect(filter, 5, (input) => auditPage(t.db, { ...input, cursor: input.cursor ?? first.nextCursor! }));
    expect([...first.rows.map((r) => r.seq), ...rest.seen]).toEqual(want);
  });

  it("rejects malformed queries with BAD_REQUEST", async () => {
    const caller = callerFor(t.db, engineer);
    expect(await outcomeOf(caller.audit.list({ filter: { from: mid[1], to: mid[0] } }))).toBe("BAD_REQUEST");
    expect(await outcomeOf(caller.audit.list({ cursor: "12; DROP TABLE x" }))).toBe("BAD_REQUEST");
    expect(await outcomeOf(caller.audit.list({ limit: 0 }))).toBe("BAD_REQUEST");
    expect(await outcomeOf(caller.audit.list({ limit: 201 }))).toBe("BAD_REQUEST");
    expect(await outcomeOf(caller.audit.list({ filter: { outcome: "bogus" as "denied" } }))).toBe("BAD_REQUEST");
    expect(await outcomeOf(caller.audit.list({ filter: { from: "not a date" as unknown as Date } }))).toBe("BAD_REQUEST");
  });
});
