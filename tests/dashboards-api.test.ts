import { beforeAll, describe, expect, it } from "vitest";
import type { Team } from "@/generated/prisma/client";
import { checkPanels, panelData, validatePromql, type Panel } from "@/server/metrics/dashboards";
import { MetricsSources } from "@/server/metrics/source";
import { DemoMetricsProvider } from "@/server/providers/metrics/demo";
import type { Principal } from "@/server/auth/roles";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, makeTeam, makeUser, outcomeOf, uniq } from "./helpers/fixtures";
import { sourcesOf } from "./helpers/metrics-sources";

// Saved custom dashboards through the real tRPC middleware chain (permissions, audit), and the panel checks with the
// demo provider. The PromQL parse check against a real Prometheus (format_query) is in metrics-prometheus.test.ts.

const promql = (over: Partial<Extract<Panel, { kind: "promql" }>> = {}): Panel => ({ id: uniq("p").replace(/[^a-z0-9]/g, "").slice(0, 20), title: "Requests", size: "m", kind: "promql", query: 'sum(rate(http_requests_total{service="ledger"}[5m]))', unit: "req/s", ...over });

describe("custom dashboards API", () => {
  const t = useTestDatabase();
  let teamA: Team;
  let teamB: Team;
  const people = {} as Record<"engineerA" | "viewerA" | "engineerB" | "admin" | "loner", Principal>;

  beforeAll(async () => {
    teamA = await makeTeam(t.db, uniq("dash-a"));
    teamB = await makeTeam(t.db, uniq("dash-b"));
    people.engineerA = (await makeUser(t.db, { teams: [[teamA.id, "engineer"]] })).principal;
    people.viewerA = (await makeUser(t.db, { teams: [[teamA.id, "viewer"]] })).principal;
    people.engineerB = (await makeUser(t.db, { teams: [[teamB.id, "engineer"]] })).principal;
    people.admin = (await makeUser(t.db, { isGlobalAdmin: true })).principal;
    people.loner = (await makeUser(t.db)).principal;
  });

  it("a team engineer creates, edits (versioned) and deletes; each change audited with before/after", async () => {
    const api = callerFor(t.db, people.engineerA).dashboards;
    const seq = await lastSeq(t.db);
    const panels = [promql({ id: "aaaa1", title: "Ledger requests" }), { id: "bbbb2", title: "Ledger p95", size: "s" as const, kind: "signal" as const, entityRef: "component:ledger", signal: "latency" as const }];
    await t.db.entity.create({ data: { kind: "Component", name: "ledger", ref: "component:default/ledger" } });
    const { id } = await api.create({ title: "Ledger", ownerTeamId: teamA.id, range: "24h", panels });
    const got = await api.get({ id });
    expect(got).toMatchObject({ title: "Ledger", range: "24h", version: 1, canEdit: true, team: { id: teamA.id }, panelsError: null });
    expect(got.panels.map((p) => p.id)).toEqual(["aaaa1", "bbbb2"]);

    // reorder + resize: a new version
    const moved = [{ ...panels[1]!, size: "xl" as const }, panels[0]!];
    expect(await api.update({ id, version: 1, title: "Ledger health", description: "", range: "6h", panels: moved })).toEqual({ id, version: 2 });
    // a stale editor is refused, nothing overwritten
    expect(await outcomeOf(api.update({ id, version: 1, title: "stale", description: "", range: "1h", panels: [] }))).toBe("CONFLICT");
    expect((await api.get({ id })).title).toBe("Ledger health");

    const list = await api.list({});
    expect(list.items.map((d) => [d.id, d.panelCount, d.canEdit])).toEqual([[id, 2, true]]);
    expect(list.editableTeams.map((x) => x.id)).toEqual([teamA.id]);

    await api.delete({ id });
    expect(await outcomeOf(api.get({ id }))).toBe("NOT_FOUND");

    const events = (await auditSince(t.db, seq)).filter((e) => e.action.startsWith("dashboards."));
    expect(events.map((e) => [e.action, e.outcome, e.targetId])).toEqual([
      ["dashboards.create", "success", id],
      ["dashboards.update", "success", id],
      // the CONFLICT rolled back with its transaction: no event for it
      ["dashboards.delete", "success", id],
    ]);
    const update = events[1]!;
    expect((update.before as { title: string }).title).toBe("Ledger");
    expect((update.after as { title: string; version: number }).version).toBe(2);
  });

  it("viewers and other teams read but cannot change; a global admin can; denials are audited", async () => {
    const { id } = await callerFor(t.db, people.engineerA).dashboards.create({ title: "A's board", ownerTeamId: teamA.id, panels: [promql()] });
    const seq = await lastSeq(t.db);
    for (const who of ["viewerA", "engineerB", "loner"] as const) {
      const api = callerFor(t.db, people[who]).dashboards;
      expect((await api.get({ id })).canEdit, who).toBe(false);
      expect(await outcomeOf(api.update({ id, version: 1, title: "x", description: "", range: "6h", panels: [] })), who).toBe("FORBIDDEN");
      expect(await outcomeOf(api.delete({ id })), who).toBe("FORBIDDEN");
      expect(await outcomeOf(api.create({ title: "x", ownerTeamId: teamA.id, panels: [] })), who).toBe("FORBIDDEN");
    }
    // engineer of B may create for B, not for A
    expect(await outcomeOf(callerFor(t.db, people.engineerB).dashboards.create({ title: "B", ownerTeamId: teamB.id, panels: [] }))).toBe("OK");
    const denied = (await auditSince(t.db, seq)).filter((e) => e.outcome === "denied" && e.action.startsWith("dashboards."));
    expect(denied.length).toBe(9);
    const admin = callerFor(t.db, people.admin).dashboards;
    expect((await admin.get({ id })).canEdit).toBe(true);
    expect(await outcomeOf(admin.update({ id, version: 1, title: "fixed by admin", description: "", range: "6h", panels: [] }))).toBe("OK");
    expect(await outcomeOf(callerFor(t.db, null).dashboards.list({}))).toBe("UNAUTHORIZED");
  });

  it("refuses invalid panels with field errors: bad ids, duplicates, too many, unknown kind, unknown Component", async () => {
    const api = callerFor(t.db, people.engineerA).dashboards;
    const create = (panels: unknown[]) => api.create({ title: "x", ownerTeamId: teamA.id, panels: panels as Panel[] });
    expect(await outcomeOf(create([promql({ id: "NO" })]))).toBe("BAD_REQUEST");
    expect(await outcomeOf(create([promql({ id: "same1" }), promql({ id: "same1" })]))).toBe("BAD_REQUEST");
    expect(await outcomeOf(create(Array.from({ length: 25 }, (_, i) => promql({ id: `many${i}` }))))).toBe("BAD_REQUEST");
    expect(await outcomeOf(create([{ ...promql(), kind: "html", html: "<script>" }]))).toBe("BAD_REQUEST");
    expect(await outcomeOf(create([promql({ query: "" })]))).toBe("BAD_REQUEST");
    const err = (await create([{ id: "sig01", title: "Nope", size: "m", kind: "signal", entityRef: "component:nope", signal: "cpu" }]).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('Panel "Nope": component:nope is not in the catalog');
    // paging: keyset by last change
    for (let i = 0; i < 3; i++) await api.create({ title: `page ${i}`, ownerTeamId: teamA.id, panels: [] });
    const first = await api.list({ limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await api.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((d) => d.id)).not.toContain(first.items[0]!.id);
  });
});

describe("panel checks and data (demo provider)", () => {
  const t = useTestDatabase();
  const sources = new MetricsSources([{ name: "prod", label: "prod", environment: "prod", provider: new DemoMetricsProvider(), scrapeIntervalSeconds: 15 }]);

  it("asks the data source to parse PromQL; names the panel; unknown sources are refused", async () => {
    expect(await validatePromql(sources, "sum(rate(x[5m]))")).toBeNull();
    expect(await validatePromql(sources, "sum(rate(x[5m])")).toMatch(/^bad_data: .*parse error/);
    await expect(checkPanels(t.db, sources, [promql({ title: "Broken", query: 'sum(x{a="b"' })])).rejects.toThrow(/^Panel "Broken": bad_data/);
    await expect(checkPanels(t.db, sources, [promql({ source: "mars" })])).rejects.toThrow('Panel "Requests": unknown data source "mars"');
    await expect(checkPanels(t.db, sources, [promql()])).resolves.toBeUndefined();
    // without any data source nothing can be asked: saving is not blocked
    expect(await validatePromql(new MetricsSources([]), "sum(")).toBeNull();
  });

  it("panel data: a PromQL panel's series, a golden-signal panel's queries, and explicit errors instead of empty charts", async () => {
    await t.db.entity.create({ data: { kind: "Component", name: "ledger", ref: "component:default/ledger" } });
    const now = new Date("2026-11-20T12:00:00Z");
    const q = await panelData(t.db, sources, { panel: promql({ query: 'sum(rate(http_requests_total{service="ledger"}[$__rate_interval]))' }), range: { preset: "1h" }, maxPoints: 100 }, { now });
    expect(q).toMatchObject({ unit: "req/s", error: null, source: { name: "prod" }, range: { stepSeconds: 15 } });
    expect(q.queries[0]!.promql).toBe('sum(rate(http_requests_total{service="ledger"}[1m]))');
    expect(q.queries[0]!.series[0]!.points.length).toBeLessThanOrEqual(100);

    const sig = await panelData(t.db, sources, { panel: { id: "lat01", title: "p", size: "m", kind: "signal", entityRef: "component:ledger", signal: "latency" }, range: { preset: "6h" }, maxPoints: 200 }, { now });
    expect(sig.unit).toBe("seconds");
    expect(sig.queries.map((x) => x.label)).toEqual(["p50", "p95", "p99"]);

    const missing = await panelData(t.db, sources, { panel: { id: "lat02", title: "p", size: "m", kind: "signal", entityRef: "component:gone", signal: "cpu" }, range: { preset: "6h" }, maxPoints: 200 }, { now });
    expect(missing).toMatchObject({ error: "component:gone is not a Component in the catalog", queries: [] });
    const none = await panelData(t.db, new MetricsSources([]), { panel: promql(), range: { preset: "6h" }, maxPoints: 200 }, { now });
    expect(none.error).toBe("No metrics data source is configured");
    expect((await panelData(t.db, sourcesOf(new DemoMetricsProvider()), { panel: promql({ source: "nope" }), range: { preset: "6h" }, maxPoints: 200 }).catch((e: unknown) => e as Error) as Error).message).toMatch(/Unknown metrics data source/);
  });
});
