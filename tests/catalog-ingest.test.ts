import { describe, expect, it } from "vitest";
import { parseCatalogPaths, refreshAllLocations, syncConfiguredLocations } from "@/server/catalog/ingest";
import { useTestDatabase } from "./helpers/db";
import { catalogDir, component, descriptor, dirLocation, ingest } from "./helpers/catalog";
import { uniq } from "./helpers/fixtures";

describe("catalog ingest", () => {
const t = useTestDatabase();

async function entityRefs(locationId: string) {
  return (await t.db.entity.findMany({ where: { locationId }, select: { ref: true }, orderBy: { ref: "asc" } })).map((e) => e.ref);
}
async function errorsOf(locationId: string) {
  return t.db.locationError.findMany({ where: { locationId }, orderBy: { id: "asc" } });
}

describe("ingesting a directory location", () => {
  it("writes entities, relations (both directions readable), teams, owner teams and scores", async () => {
    const team = uniq("squad");
    const dir = catalogDir({
      "teams/catalog-info.yaml": descriptor("Group", team, { type: "team", children: [], profile: { displayName: "The Squad" } }, { description: "A team" }),
      "svc/catalog-info.yaml": [component("alpha", team, { dependsOn: ["component:beta"], providesApis: ["alpha-api"] }), component("beta", team)].join("---\n"),
      "svc/api.yaml": "not a descriptor name: ignored\n",
      "apis/catalog-info.yaml": descriptor("API", "alpha-api", { type: "openapi", lifecycle: "production", owner: team, definition: { $text: "./openapi.yaml" } }),
      "apis/openapi.yaml": "openapi: 3.0.0\ninfo: { title: Alpha, version: '1' }\npaths: {}\n",
    });
    const loc = await dirLocation(t.db, dir.root);
    const s = await ingest(t.db, loc.id);
    expect(s).toMatchObject({ files: 3, entities: 4, added: 4, updated: 0, removed: 0, errors: 0 });
    expect(await entityRefs(loc.id)).toEqual(["api:default/alpha-api", "component:default/alpha", "component:default/beta", `group:default/${team}`]);

    const created = await t.db.team.findUniqueOrThrow({ where: { slug: team } });
    expect(created.name).toBe("The Squad");
    const alpha = await t.db.entity.findUniqueOrThrow({ where: { ref: "component:default/alpha" }, include: { score: true } });
    expect(alpha.ownerTeamId).toBe(created.id);
    expect(alpha.score).toMatchObject({ level: expect.any(String), total: expect.any(Number) });
    const api = await t.db.entity.findUniqueOrThrow({ where: { ref: "api:default/alpha-api" } });
    expect((api.spec as { definition: string }).definition).toMatch(/openapi: 3.0.0/);

    const beta = await t.db.entity.findUniqueOrThrow({ where: { ref: "component:default/beta" } });
    const incoming = await t.db.entityRelation.findMany({ where: { toId: beta.id }, select: { type: true, fromId: true } });
    expect(incoming).toEqual([{ type: "dependsOn", fromId: alpha.id }]);
    expect(await t.db.entityRelation.count({ where: { fromId: alpha.id } })).toBe(3);

    const again = await ingest(t.db, loc.id);
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 4, removed: 0 });
  });

  it("removes entities that left the location, reports them as orphans, and leaves refs to them dangling", async () => {
    const dir = catalogDir({ "a/catalog-info.yaml": component("keeper", "nobody", { dependsOn: ["component:leaver"] }), "b/catalog-info.yaml": component("leaver", "nobody") });
    const loc = await dirLocation(t.db, dir.root);
    await ingest(t.db, loc.id);
    dir.remove("b/catalog-info.yaml");
    const s = await ingest(t.db, loc.id);
    expect(s).toMatchObject({ removed: 1, orphans: ["component:default/leaver"] });
    expect(await entityRefs(loc.id)).toEqual(["component:default/keeper"]);
    const errs = await errorsOf(loc.id);
    expect(errs.map((e) => [e.code, e.severity, e.entityRef])).toEqual(
      expect.arrayContaining([
        ["orphan_removed", "warning", "component:default/leaver"],
        ["dangling_ref", "warning", "component:default/keeper"],
      ]),
    );
    const rel = await t.db.entityRelation.findFirstOrThrow({ where: { toRef: "component:default/leaver" } });
    expect(rel.toId).toBeNull();
    expect((await t.db.location.findUniqueOrThrow({ where: { id: loc.id } })).status).toBe("warning");
  });

  it("keeps the entities of a file that became unreadable, and the previous version of an entity whose document became invalid", async () => {
    const dir = catalogDir({ "one/catalog-info.yaml": component("stays-one", "t1"), "two/catalog-info.yaml": [component("stays-two", "t1"), component("stays-three", "t1")].join("---\n") });
    const loc = await dirLocation(t.db, dir.root);
    await ingest(t.db, loc.id);
    dir.write("one/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [broken\n");
    dir.write("two/catalog-info.yaml", [descriptor("Component", "stays-two", { type: "service", lifecycle: "production" }), component("stays-three", "t2")].join("---\n"));
    const s = await ingest(t.db, loc.id);
    expect(s).toMatchObject({ removed: 0, updated: 1, errors: 2 });
    expect(await entityRefs(loc.id)).toEqual(["component:default/stays-one", "component:default/stays-three", "component:default/stays-two"]);
    expect((await t.db.entity.findUniqueOrThrow({ where: { ref: "component:default/stays-two" } })).ownerRef).toBe("group:default/t1");
    expect((await t.db.entity.findUniqueOrThrow({ where: { ref: "component:default/stays-three" } })).ownerRef).toBe("group:default/t2");
    const errs = (await errorsOf(loc.id)).filter((e) => e.code !== "dangling_ref");
    expect(errs.map((e) => [e.code, e.file, e.line])).toEqual([
      ["yaml_syntax", "one/catalog-info.yaml", expect.any(Number)],
      ["missing_field", "two/catalog-info.yaml", expect.any(Number)],
    ]);
    expect((await t.db.location.findUniqueOrThrow({ where: { id: loc.id } })).status).toBe("error");
  });

  it("rolls the whole location back when the write fails midway", async () => {
    const dir = catalogDir({ "catalog-info.yaml": [component("tx-a", "t"), component("tx-b", "t")].join("---\n") });
    const loc = await dirLocation(t.db, dir.root);
    await ingest(t.db, loc.id);
    const before = await t.db.entity.findMany({ where: { locationId: loc.id }, orderBy: { ref: "asc" } });
    const locBefore = await t.db.location.findUniqueOrThrow({ where: { id: loc.id } });
    dir.write("catalog-info.yaml", [component("tx-a", "other-team"), component("tx-c", "t")].join("---\n"));
    await expect(ingest(t.db, loc.id, { afterEntities: async () => { throw new Error("disk full"); } })).rejects.toThrow(/disk full/);
    expect(await t.db.entity.findMany({ where: { locationId: loc.id }, orderBy: { ref: "asc" } })).toEqual(before);
    expect(await t.db.location.findUniqueOrThrow({ where: { id: loc.id } })).toEqual(locBefore);
    const s = await ingest(t.db, loc.id);
    expect(s).toMatchObject({ added: 1, updated: 1, removed: 1 });
  });

  it("reports an entity defined by two locations on the second one; the first keeps it", async () => {
    const one = catalogDir({ "catalog-info.yaml": component("shared-thing", "first") });
    const two = catalogDir({ "x/catalog-info.yaml": [component("shared-thing", "second"), component("only-two", "second")].join("---\n") });
    const l1 = await dirLocation(t.db, one.root);
    const l2 = await dirLocation(t.db, two.root);
    await ingest(t.db, l1.id);
    const s = await ingest(t.db, l2.id);
    expect(s).toMatchObject({ entities: 1, errors: 1 });
    const e = await t.db.entity.findUniqueOrThrow({ where: { ref: "component:default/shared-thing" } });
    expect([e.locationId, e.ownerRef]).toEqual([l1.id, "group:default/first"]);
    expect((await errorsOf(l2.id)).filter((x) => x.severity === "error").map((x) => [x.code, x.file, x.line])).toEqual([["duplicate_across_locations", "x/catalog-info.yaml", 1]]);
  });

  it("resolves a dangling ref when its target appears in another location", async () => {
    const a = catalogDir({ "catalog-info.yaml": component("needs-later", "group:default/later-team", { dependsOn: ["component:arrives-later"] }) });
    const la = await dirLocation(t.db, a.root);
    await ingest(t.db, la.id);
    expect((await errorsOf(la.id)).map((e) => e.code)).toEqual(["dangling_ref", "dangling_ref"]);
    const b = catalogDir({ "catalog-info.yaml": [component("arrives-later", "later-team"), descriptor("Group", "later-team", { type: "team" })].join("---\n") });
    const lb = await dirLocation(t.db, b.root);
    await ingest(t.db, lb.id);
    const later = await t.db.entity.findUniqueOrThrow({ where: { ref: "component:default/arrives-later" } });
    expect((await t.db.entityRelation.findFirstOrThrow({ where: { toRef: later.ref } })).toId).toBe(later.id);
    await ingest(t.db, la.id);
    expect(await errorsOf(la.id)).toEqual([]);
  });

  it("refuses placeholders and Location targets that leave the location's directory", async () => {
    const dir = catalogDir({
      "catalog-info.yaml": descriptor("Location", "root", { targets: ["./sub/catalog-info.yaml", "../../etc/passwd"] }),
      "sub/catalog-info.yaml": descriptor("API", "sneaky", { type: "openapi", lifecycle: "production", owner: "t", definition: { $text: "../../../etc/passwd" } }),
    });
    const loc = await dirLocation(t.db, dir.root);
    const s = await ingest(t.db, loc.id);
    expect(s.entities).toBe(1);
    expect((await errorsOf(loc.id)).map((e) => [e.code, e.message])).toEqual([
      ["location_target", expect.stringMatching(/leaves the location/)],
      ["placeholder_failed", expect.stringMatching(/leaves the location/)],
    ]);
  });

  it("accepts a glob as the location target", async () => {
    const dir = catalogDir({ "a/service.yaml": component("glob-a", "t"), "b/service.yaml": component("glob-b", "t"), "b/other.yml": component("glob-c", "t") });
    const loc = await t.db.location.create({ data: { kind: "dir", target: `${dir.root}/**/service.yaml` } });
    await ingest(t.db, loc.id);
    expect(await entityRefs(loc.id)).toEqual(["component:default/glob-a", "component:default/glob-b"]);
  });
});

describe("git and upload locations", () => {
  it("reads a git working copy at HEAD, not uncommitted edits", async () => {
    const dir = catalogDir({ "catalog-info.yaml": component("git-one", "t") });
    dir.git("init", "-q");
    dir.git("add", ".");
    dir.git("commit", "-qm", "first");
    dir.write("catalog-info.yaml", component("git-uncommitted", "t"));
    const loc = await dirLocation(t.db, dir.root, "git");
    await ingest(t.db, loc.id);
    expect(await entityRefs(loc.id)).toEqual(["component:default/git-one"]);
    dir.git("commit", "-qam", "second");
    await ingest(t.db, loc.id);
    expect(await entityRefs(loc.id)).toEqual(["component:default/git-uncommitted"]);
  });

  it("reports a directory that is not a git repository and keeps what was there", async () => {
    const dir = catalogDir({ "catalog-info.yaml": component("not-git", "t") });
    const loc = await dirLocation(t.db, dir.root, "git");
    const s = await ingest(t.db, loc.id);
    expect(s.errors).toBe(1);
    expect((await errorsOf(loc.id))[0]!.message).toMatch(/git repository/);
  });

  it("ingests an uploaded file", async () => {
    const loc = await t.db.location.create({ data: { kind: "upload", target: "my-service.yaml", origin: "ui", content: component("uploaded-svc", "t") } });
    const s = await ingest(t.db, loc.id);
    expect(s).toMatchObject({ added: 1, errors: 0 });
    expect(await entityRefs(loc.id)).toEqual(["component:default/uploaded-svc"]);
  });
});

describe("configured locations (OPSDECK_CATALOG_PATHS)", () => {
  it("parses dirs, globs and git: entries", () => {
    expect(parseCatalogPaths(" demo/catalog , git:/srv/repo,/x/**/catalog-info.yaml,", "/app")).toEqual([
      { kind: "dir", target: "/app/demo/catalog" },
      { kind: "git", target: "/srv/repo" },
      { kind: "dir", target: "/x/**/catalog-info.yaml" },
    ]);
    expect(parseCatalogPaths(undefined)).toEqual([]);
  });

  it("syncs the table with the setting and refreshes everything; a dropped path takes its entities with it", async () => {
    const a = catalogDir({ "catalog-info.yaml": component("cfg-a", "t") });
    const b = catalogDir({ "catalog-info.yaml": component("cfg-b", "t") });
    const summaries = await refreshAllLocations(t.db, [{ kind: "dir", target: a.root }, { kind: "dir", target: b.root }]);
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    expect(await t.db.entity.count({ where: { ref: { in: ["component:default/cfg-a", "component:default/cfg-b"] } } })).toBe(2);
    const r = await syncConfiguredLocations(t.db, [{ kind: "dir", target: a.root }]);
    expect(r.removed.length).toBeGreaterThanOrEqual(1);
    expect(await t.db.entity.count({ where: { ref: "component:default/cfg-b" } })).toBe(0);
    const audit = await t.db.auditEvent.findFirst({ where: { action: "catalog.location.delete" }, orderBy: { seq: "desc" } });
    expect(audit?.actorLabel).toBe("system:catalog-refresh");
  });
});
});
