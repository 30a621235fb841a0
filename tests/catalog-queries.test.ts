import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_CATALOG_DIR } from "@/server/catalog/config";
import { ingestLocation } from "@/server/catalog/ingest";
import type { Principal } from "@/server/auth/roles";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, makeUser, outcomeOf } from "./helpers/fixtures";

describe("catalog queries over the demo catalog", () => {
  const t = useTestDatabase();
  let viewer: Principal;
  let admin: Principal;
  let paymentsEngineer: Principal;
  const caller = (p: Principal) => callerFor(t.db, p).catalog;

  beforeAll(async () => {
    const loc = await t.db.location.create({ data: { kind: "dir", target: DEMO_CATALOG_DIR } });
    const s = await ingestLocation(t.db, loc.id);
    expect(s).toMatchObject({ entities: 85, errors: 0, warnings: 0 });
    viewer = (await makeUser(t.db)).principal;
    admin = (await makeUser(t.db, { isGlobalAdmin: true })).principal;
    const payments = await t.db.team.findUniqueOrThrow({ where: { slug: "payments" } });
    paymentsEngineer = (await makeUser(t.db, { teams: [[payments.id, "engineer"]] })).principal;
  });

  it("pages through everything by name with keyset cursors, without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<ReturnType<typeof caller>["list"]>> = await caller(viewer).list({ limit: 20, cursor });
      seen.push(...page.items.map((i) => i.ref));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(85);
    expect(new Set(seen).size).toBe(85);
    const names = (await t.db.entity.findMany({ orderBy: [{ name: "asc" }, { id: "asc" }], select: { ref: true } })).map((e) => e.ref);
    expect(seen).toEqual(names);
    await expect(caller(viewer).list({ cursor: "not-a-cursor" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("filters by kind, type, owner, lifecycle, system and tag (values within a dimension are alternatives)", async () => {
    const c = caller(viewer);
    const comps = await c.list({ filters: { kind: ["component"], owner: ["payments"] }, limit: 100 });
    expect(comps.items.map((i) => i.name).sort()).toEqual(["fraud-scoring", "gift-cards", "ledger", "payments-api", "payouts-worker", "refunds-service"]);
    expect(comps.items.every((i) => i.ownerTeam?.slug === "payments")).toBe(true);
    const two = await c.list({ filters: { owner: ["group:default/search", "mobile"], kind: ["Component"] }, limit: 100 });
    expect(two.items).toHaveLength(6);
    const tagged = await c.list({ filters: { tag: ["go", "pci"] }, limit: 100 });
    expect(tagged.items.map((i) => i.name)).toEqual(["payments-api"]);
    const sys = await c.list({ filters: { system: ["storefront"], lifecycle: ["experimental"] }, limit: 100 });
    expect(sys.items.map((i) => i.name)).toEqual(["tax-calculator"]);
    const types = await c.list({ filters: { type: ["website"] }, limit: 100 });
    expect(types.items.map((i) => i.name)).toEqual(["checkout-web", "status-page"]);
  });

  it("counts facets: every dimension but its own filter applies", async () => {
    const c = caller(viewer);
    const all = await c.facets({});
    expect(all.total).toBe(85);
    expect(all.facets.kind).toEqual(
      expect.arrayContaining([
        { value: "Component", label: "Component", count: 32 },
        { value: "API", label: "API", count: 12 },
        { value: "User", label: "User", count: 10 },
      ]),
    );
    expect(all.facets.owner.find((o) => o.value === "group:default/payments")).toMatchObject({ label: "payments", count: 12 });
    const f = await c.facets({ filters: { kind: ["Component"], owner: ["payments"] } });
    expect(f.total).toBe(6);
    // The kind facet ignores the kind filter (alternatives), the owner facet ignores the owner filter.
    expect(f.facets.kind.find((k) => k.value === "API")?.count).toBe(2);
    expect(f.facets.owner.find((o) => o.value === "group:default/checkout")?.count).toBe(7);
    expect(f.facets.lifecycle).toEqual([{ value: "production", label: "production", count: 5 }, { value: "experimental", label: "experimental", count: 1 }]);
    expect(f.facets.tag.find((x) => x.value === "pci")?.count).toBe(2);
    const direct = await t.db.entity.count({ where: { kind: "Component", ownerRef: "group:default/payments", tags: { has: "go" } } });
    expect((await c.facets({ filters: { kind: ["Component"], owner: ["payments"], tag: ["go"] } })).total).toBe(direct);
  });

  it("searches full text and trigrams, ranked: exact name first, prefixes, descriptions, typos", async () => {
    const c = caller(viewer);
    const exact = await c.list({ q: "ledger" });
    expect(exact.items[0]!.name).toBe("ledger");
    expect(exact.items.map((i) => i.name)).toEqual(expect.arrayContaining(["ledger-api", "ledger-db"]));
    expect(exact.items.every((i, k) => k === 0 || i.rank! <= exact.items[k - 1]!.rank!)).toBe(true);
    expect((await c.list({ q: "paym" })).items.map((i) => i.name)).toEqual(expect.arrayContaining(["payments-api", "payments-rest", "payments"]));
    expect((await c.list({ q: "double-entry" })).items.map((i) => i.name)).toContain("ledger");
    expect((await c.list({ q: "recommendatons" })).items.map((i) => i.name)).toContain("recommendations-engine"); // typo: trigram
    expect((await c.list({ q: "kafka", filters: { kind: ["Resource"] } })).items.map((i) => i.name)).toEqual(["events-kafka"]);
    expect((await c.list({ q: "%_" })).items).toEqual([]);
    const facets = await c.facets({ q: "payments" });
    expect(facets.total).toBeGreaterThan(3);
    expect((await c.suggest({ q: "checkout" }))[0]).toMatchObject({ name: "checkout" });
  });

  it("typo fallback: only when nothing matches otherwise, ranked by name similarity alone, the same in list, facets and filters", async () => {
    const c = caller(viewer);
    const typo = await c.list({ q: "recommendatons" });
    expect(typo.items.map((i) => i.name)).toContain("recommendations-engine");
    expect(typo.items.every((i, k) => k === 0 || i.rank! <= typo.items[k - 1]!.rank!)).toBe(true);
    const sims = await t.pg.query(`SELECT "name", round(similarity("name", 'recommendatons')::float8 * 1e6) / 1e6 AS sim FROM "Entity" WHERE "name" % 'recommendatons'`);
    const simOf = new Map(sims.rows.map((r) => [r.name as string, Number(r.sim)]));
    expect(typo.items.map((i) => i.name).sort()).toEqual([...simOf.keys()].sort());
    for (const i of typo.items) expect(i.rank).toBe(simOf.get(i.name));
    expect((await c.facets({ q: "recommendatons" })).total).toBe(typo.items.length);
    // With a filter that excludes every typo match: no rows, and no fallback to something else.
    expect((await c.list({ q: "recommendatons", filters: { kind: ["User"] } })).items).toEqual([]);
    // A text that matches (here by substring) never falls back, even when a filter leaves nothing.
    expect((await c.list({ q: "ledger", filters: { kind: ["User"] } })).items).toEqual([]);
    // Exact name match first whatever the case; ranks are rounded to 6 decimals (stable in cursors).
    const upper = await c.list({ q: "LEDGER" });
    expect(upper.items[0]!.name).toBe("ledger");
    expect(upper.items.every((i) => Math.round(i.rank! * 1e6) / 1e6 === i.rank)).toBe(true);
    // The other sorts select the same rows.
    const byName = await c.list({ q: "recommendatons", sort: "name" });
    expect(byName.items.map((i) => i.name).sort()).toEqual([...simOf.keys()].sort());
  });

  it("pages search results by rank without repeats", async () => {
    const c = caller(viewer);
    const first = await c.list({ q: "service", limit: 5 });
    expect(first.nextCursor).toBeTruthy();
    const second = await c.list({ q: "service", limit: 5, cursor: first.nextCursor });
    const all = await c.list({ q: "service", limit: 100 });
    expect([...first.items, ...second.items].map((i) => i.ref)).toEqual(all.items.slice(0, 10).map((i) => i.ref));
  });

  it("serves the entity page: overview, relations in both directions, APIs with definitions, source, scorecard", async () => {
    const c = caller(viewer);
    const page = await c.entity({ ref: "Component:Payments-API" });
    expect(page.entity).toMatchObject({ ref: "component:default/payments-api", ownerTeam: { slug: "payments" }, systemRef: "system:default/payments", annotations: { "backstage.io/kubernetes-id": "payments-api" } });
    const types = Object.fromEntries(page.relations.map((g) => [g.type, g.items.map((i) => i.ref)]));
    expect(types).toMatchObject({
      ownedBy: ["group:default/payments"],
      partOf: ["system:default/payments"],
      providesApi: ["api:default/payments-rest"],
      consumesApi: ["api:default/ledger-api"],
      dependsOn: ["component:default/fraud-scoring", "resource:default/payments-db"],
      dependencyOf: ["component:default/gift-cards", "component:default/refunds-service"],
    });
    expect(page.apis.provided.items[0]).toMatchObject({ ref: "api:default/payments-rest", kind: "API", missing: false });
    expect(page.source).toMatchObject({ kind: "dir", file: "services/payments-api/catalog-info.yaml", line: 1 });
    expect(page.scorecard).toMatchObject({ level: "gold", score: 100 });

    const api = await c.entity({ ref: "api:payments-rest" });
    expect(api.api?.definition).toMatch(/^openapi: 3\.0\.3/);
    expect(api.apis.providers.items.map((i) => i.name)).toEqual(["payments-api"]);
    expect(api.apis.consumers.items.map((i) => i.name)).toEqual(["checkout-orchestrator", "refunds-service"]);
    expect("definition" in api.entity.spec).toBe(false);

    const poor = await c.entity({ ref: "tax-calculator" });
    expect(poor.scorecard?.level).toBe("none");
    expect(poor.scorecard?.rules.find((r) => r.id === "has-description")).toMatchObject({ passed: false, fix: expect.stringMatching(/description/) });

    const team = await c.entity({ ref: "group:payments" });
    expect(team.relations.find((g) => g.type === "hasMember")?.items.map((i) => i.name)).toEqual(["bob", "dave"]);
    expect(team.relations.find((g) => g.type === "childOf")?.items.map((i) => i.name)).toEqual(["engineering"]);
    expect(team.relations.find((g) => g.type === "ownerOf")?.count).toBe(12);
    await expect(c.entity({ ref: "component:nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.entity({ ref: "bad ref!" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("builds a 2-level dependency graph upstream and downstream", async () => {
    const g = await caller(viewer).graph({ ref: "component:ledger" });
    const name = (id: string) => g.nodes.find((n) => n.id === id)!.name;
    const byName = Object.fromEntries(g.nodes.map((n) => [n.name, n]));
    expect(byName.ledger).toMatchObject({ side: "root", depth: 0 });
    expect(byName["ledger-db"]).toMatchObject({ side: "downstream", depth: 1 });
    expect(byName["ledger-api"]).toMatchObject({ side: "upstream", depth: 1 });
    expect(byName["payouts-worker"]).toMatchObject({ side: "upstream", depth: 1 });
    expect(byName["payments-api"]).toMatchObject({ side: "upstream", depth: 2 });
    expect(g.edges.map((e) => `${name(e.from)} ${e.type} ${name(e.to)}`)).toEqual(expect.arrayContaining(["ledger-api apiProvidedBy ledger", "payments-api consumesApi ledger-api", "ledger dependsOn ledger-db"]));
    expect(g.truncated).toBe(false);
    const small = await caller(viewer).graph({ ref: "component:ledger", depth: 1, direction: "downstream" });
    expect(small.nodes.map((n) => n.name).sort()).toEqual(["events-kafka", "ledger", "ledger-db"]);
  });

  it("summarises a team and lists the signed-in user's services", async () => {
    const team = await caller(viewer).team({ slug: "payments" });
    expect(team.group).toMatchObject({ ref: "group:default/payments" });
    expect(team.catalogMembers.map((m) => m.name)).toEqual(["bob", "dave"]);
    expect(team.owned.byKind).toEqual(expect.arrayContaining([{ kind: "Component", count: 6 }, { kind: "API", count: 2 }]));
    expect(team.scorecard.scored).toBeGreaterThan(0);
    expect(team.members.map((m) => m.email)).toContain(paymentsEngineer.email);
    const mine = await caller(paymentsEngineer).myServices({});
    expect(mine.items.map((i) => i.name)).toEqual(["fraud-scoring", "gift-cards", "ledger", "payments-api", "payouts-worker", "refunds-service"]);
    expect((await caller(viewer).myServices({})).items).toEqual([]);
  });

  it("reports the scorecard org overview sorted and as CSV", async () => {
    const c = caller(viewer);
    const byAvg = await c.scorecardOverview({ sort: "average", dir: "desc", limit: 3 });
    expect(byAvg.items).toHaveLength(3);
    expect(byAvg.items[0]!.average).toBeGreaterThanOrEqual(byAvg.items[1]!.average);
    const rest = await c.scorecardOverview({ sort: "average", dir: "desc", limit: 50, cursor: byAvg.nextCursor });
    const all = await c.scorecardOverview({ sort: "average", dir: "desc", limit: 50 });
    expect([...byAvg.items, ...rest.items].map((r) => r.ownerRef)).toEqual(all.items.map((r) => r.ownerRef));
    const byOwner = await c.scorecardOverview({ sort: "owner", dir: "asc" });
    expect(byOwner.items.map((r) => r.ownerRef)).toEqual([...byOwner.items.map((r) => r.ownerRef)].sort());
    const csv = await c.scorecardExport({ sort: "owner", dir: "asc" });
    expect(csv.csv.split("\n")[0]).toBe("owner,owner_ref,team,entities,average_score,gold,silver,bronze,none");
    expect(csv.csv).toMatch(/\npayments,group:default\/payments,Payments,\d+,/);
  });

  it("uploads a descriptor (audited), finds it, refreshes and deletes it; viewers cannot", async () => {
    const content = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: uploaded-widget\n  description: A widget uploaded from the browser in a test.\nspec:\n  type: service\n  lifecycle: production\n  owner: payments\n  dependsOn: [component:ledger]\n";
    expect(await outcomeOf(caller(viewer).upload({ fileName: "widget.yaml", content }))).toBe("FORBIDDEN");
    const seq = await lastSeq(t.db);
    const up = await caller(admin).upload({ fileName: "widget.yaml", content });
    expect(up.summary).toMatchObject({ added: 1, errors: 0 });
    expect(await auditSince(t.db, seq)).toMatchObject([{ action: "catalog.location.upload", outcome: "success", targetId: up.location.id, actorId: admin.id }]);
    expect((await caller(viewer).list({ q: "widget" })).items[0]!.name).toBe("uploaded-widget");
    const g = await caller(viewer).graph({ ref: "uploaded-widget", direction: "downstream", depth: 1 });
    expect(g.nodes.map((n) => n.name).sort()).toEqual(["ledger", "uploaded-widget"]);
    expect((await caller(viewer).entity({ ref: "uploaded-widget" })).scorecard?.rules.length).toBeGreaterThan(0);

    const broken = await caller(admin).upload({ fileName: "widget.yaml", content: "kind: [", locationId: up.location.id });
    expect(broken.summary).toMatchObject({ errors: 1, removed: 0 });
    const errs = await caller(viewer).locationErrors({ locationId: up.location.id });
    expect(errs.items[0]).toMatchObject({ code: "yaml_syntax", file: "widget.yaml", line: 1 });
    expect(await t.db.entity.count({ where: { ref: "component:default/uploaded-widget" } })).toBe(1);

    const refreshed = await caller(admin).refreshLocation({ locationId: up.location.id });
    expect(refreshed.errors).toBe(1);
    const locs = await caller(viewer).locations({ status: "error" });
    expect(locs.items.map((l) => l.id)).toContain(up.location.id);

    const seq2 = await lastSeq(t.db);
    expect(await caller(admin).deleteLocation({ locationId: up.location.id })).toEqual({ removed: 1 });
    expect(await auditSince(t.db, seq2)).toMatchObject([{ action: "catalog.location.delete", before: { entities: 1, refs: ["component:default/uploaded-widget"] } }]);
    expect(await t.db.entity.count({ where: { ref: "component:default/uploaded-widget" } })).toBe(0);
  });

  it("rescores every entity when an admin changes the rules (audited); bad rules are refused", async () => {
    const before = await caller(viewer).scorecardRules();
    expect(before.source).toBe("file");
    expect(before.rules.map((r) => r.id)).toContain("has-slo");
    await expect(caller(admin).updateScorecardRules({ yaml: "rules:\n  - id: X\n" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const seq = await lastSeq(t.db);
    const r = await caller(admin).updateScorecardRules({ yaml: "rules:\n  - id: has-tags\n    title: Has tags\n    level: bronze\n    weight: 1\n    appliesTo: { kinds: [Component] }\n    check: { field: metadata.tags }\n    fix: Add tags.\n" });
    expect(r).toMatchObject({ rules: 1, rescored: 85 });
    expect(await auditSince(t.db, seq)).toMatchObject([{ action: "catalog.scorecards.update", after: { ruleIds: ["has-tags"] } }]);
    expect((await caller(viewer).entity({ ref: "tax-calculator" })).scorecard).toMatchObject({ level: "gold", score: 100, total: 1 });
    expect(await t.db.entityScore.count()).toBe(32);
    expect((await caller(viewer).scorecardRules()).source).toBe("ui");
    expect(await outcomeOf(caller(paymentsEngineer).updateScorecardRules({ yaml: before.yaml }))).toBe("FORBIDDEN");
    await caller(admin).updateScorecardRules({ yaml: before.yaml });
  });
});
