import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncRunbookSources } from "@/server/runbooks/sources";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, outcomeOf, uniq } from "./helpers/fixtures";
import { createRunbook, crew, rbYaml } from "./runbooks-fixtures";

// Definitions in Postgres: versions for every change, diffs, UI editing by owners only, directory and catalog sources.

process.env.OPSDECK_RUNBOOK_PATHS = "off";

const STEPS = `  steps:\n    - id: one\n      type: shell\n      run: echo one\n`;

describe("runbook store", () => {
  const t = useTestDatabase();
  let people: Awaited<ReturnType<typeof crew>>;
  const dir = mkdtempSync(path.join(tmpdir(), "opsdeck-rb-src-"));
  beforeAll(async () => {
    people = await crew(t.db);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("UI: create, edit (a new version each time), optimistic concurrency, diff; audited", async () => {
    const name = uniq("edited");
    const caller = callerFor(t.db, people.engineer).runbooks;
    const seq = await lastSeq(t.db);
    expect(await createRunbook(t.db, people.engineer, rbYaml(name, people.team.slug, STEPS))).toEqual({ name, version: 1 });
    const v2 = rbYaml(name, people.team.slug, STEPS.replace("echo one", "echo two") + "    - id: extra\n      type: shell\n      run: echo extra\n");
    expect(await caller.update({ name, yaml: v2, baseVersion: 1, message: "second step" })).toEqual({ name, version: 2, changed: true });
    await expect(caller.update({ name, yaml: v2 + "\n", baseVersion: 1 })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/version 2 since you opened version 1/) });
    const versions = await caller.versions({ name });
    expect(versions.items.map((v) => [v.version, v.createdBy, v.message, v.valid])).toEqual([
      [2, people.engineer.email, "second step", true],
      [1, people.engineer.email, "created", true],
    ]);
    const diff = await caller.diff({ name, from: 1, to: 2 });
    expect(diff.added).toBe(4);
    expect(diff.removed).toBe(1);
    expect(diff.hunks[0]!.lines).toEqual(expect.arrayContaining(["-      run: echo one", "+      run: echo two", "+    - id: extra"]));
    const page = await callerFor(t.db, people.viewer).runbooks.get({ name });
    expect(page.runbook).toMatchObject({ currentVersion: 2, source: "ui", valid: true });
    expect(page.access).toMatchObject({ canRun: false, canEdit: false });
    expect((await caller.get({ name })).access).toMatchObject({ canRun: true, canEdit: true, needsApproval: false });
    const audit = (await auditSince(t.db, seq)).filter((a) => a.targetId === name).map((a) => [a.action, a.outcome, (a.after as { version?: number })?.version]);
    expect(audit).toEqual([
      ["runbook.create", "success", 1],
      ["runbook.update", "success", 2],
    ]);
  });

  it("UI: only valid definitions are saved; validate explains problems by line", async () => {
    const caller = callerFor(t.db, people.engineer);
    const bad = rbYaml(uniq("bad"), people.team.slug, `  steps:\n    - id: one\n      type: shell\n      run: echo\n      retries: many\n`);
    expect(await caller.runbooks.validate({ yaml: bad })).toEqual({ ok: false, name: expect.any(String), problems: [{ path: "spec.steps[0].retries", line: 11, message: expect.any(String) }] });
    await expect(caller.runbooks.create({ yaml: bad })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^The definition has 1 problem; first: line 11, spec.steps\[0\].retries/) });
  });

  it("UI editing is for the owner team: others, viewers and moving a runbook to a team you cannot edit are refused", async () => {
    const name = uniq("owned");
    await createRunbook(t.db, people.engineer, rbYaml(name, people.team.slug, STEPS));
    expect(await outcomeOf(callerFor(t.db, people.outsider).runbooks.update({ name, yaml: rbYaml(name, people.team.slug, STEPS + "\n"), baseVersion: 1 }))).toBe("FORBIDDEN");
    expect(await outcomeOf(callerFor(t.db, people.viewer).runbooks.create({ yaml: rbYaml(uniq("v"), people.team.slug, STEPS) }))).toBe("FORBIDDEN");
    expect(await outcomeOf(callerFor(t.db, people.engineer).runbooks.update({ name, yaml: rbYaml(name, people.other.slug, STEPS), baseVersion: 1 }))).toBe("FORBIDDEN");
    expect(await outcomeOf(callerFor(t.db, people.engineer).runbooks.archive({ name }))).toBe("OK");
    expect((await callerFor(t.db, people.viewer).runbooks.list({ q: name })).items).toEqual([]);
  });

  it("directories: files become versions; invalid ones are kept with problems and cannot run; removed ones are archived", async () => {
    const name = uniq("filed");
    const file = path.join(dir, "nested", `${name}.yaml`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, rbYaml(name, people.team.slug, STEPS));
    const seq = await lastSeq(t.db);
    expect(await syncRunbookSources(t.db, { dirs: [dir] })).toMatchObject({ created: 1, updated: 0, invalid: 0, problems: [] });
    expect(await syncRunbookSources(t.db, { dirs: [dir] })).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    writeFileSync(file, rbYaml(name, people.team.slug, STEPS.replace("run: echo one", "run: [unclosed")));
    expect(await syncRunbookSources(t.db, { dirs: [dir] })).toMatchObject({ updated: 1, invalid: 1 });
    const page = await callerFor(t.db, people.engineer).runbooks.get({ name });
    expect(page.runbook).toMatchObject({ valid: false, currentVersion: 2, source: "file", sourceRef: file });
    expect(page.version.problems[0]).toMatchObject({ line: expect.any(Number), message: expect.stringMatching(/invalid YAML/) });
    expect(page.access).toMatchObject({ canRun: false, canEdit: false, editHint: `Defined in ${file}: edit it there` });
    await expect(callerFor(t.db, people.engineer).runbooks.start({ name, params: {} })).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/invalid definition/) });
    await expect(callerFor(t.db, people.engineer).runbooks.update({ name, yaml: rbYaml(name, people.team.slug, STEPS), baseVersion: 2 })).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    unlinkSync(file);
    expect(await syncRunbookSources(t.db, { dirs: [dir] })).toMatchObject({ archived: 1 });
    expect((await t.db.runbook.findUniqueOrThrow({ where: { name } })).archivedAt).not.toBeNull();
    const actions = (await auditSince(t.db, seq)).filter((a) => a.targetId === name).map((a) => [a.action, a.actorLabel]);
    expect(actions).toEqual([
      ["runbook.sync", "system:runbooks-sync"],
      ["runbook.sync", "system:runbooks-sync"],
      ["runbook.archive", "system:runbooks-sync"],
    ]);
    // two files claiming one name: the second is reported, not merged
    const dup = uniq("dup");
    writeFileSync(path.join(dir, "a.yaml"), rbYaml(dup, people.team.slug, STEPS));
    writeFileSync(path.join(dir, "b.yaml"), rbYaml(dup, people.team.slug, STEPS));
    const s = await syncRunbookSources(t.db, { dirs: [dir] });
    expect(s.problems).toEqual([{ source: path.join(dir, "b.yaml"), message: expect.stringMatching(/already comes from .*a\.yaml/) }]);
  });

  it("catalog annotation opsdeck.dev/runbooks: files next to the descriptor, and names of existing runbooks", async () => {
    const loc = mkdtempSync(path.join(tmpdir(), "opsdeck-rb-cat-"));
    const svc = uniq("svc");
    const own = uniq("svc-runbook");
    const shared = uniq("shared");
    await createRunbook(t.db, people.engineer, rbYaml(shared, people.team.slug, STEPS));
    mkdirSync(path.join(loc, svc, "ops"), { recursive: true });
    writeFileSync(path.join(loc, svc, "ops", "restart.yaml"), rbYaml(own, people.team.slug, STEPS));
    const location = await t.db.location.create({ data: { kind: "dir", target: loc } });
    const ref = `component:default/${svc}`;
    await t.db.entity.create({
      data: {
        kind: "Component", name: svc, ref, locationId: location.id, file: `${svc}/catalog-info.yaml`,
        metadata: { annotations: { "opsdeck.dev/runbooks": `ops/restart.yaml, ${shared}, ../../escape.yaml` } },
      },
    });
    const s = await syncRunbookSources(t.db, { dirs: [] });
    expect(s.created).toBe(1);
    expect(s.problems).toEqual([{ source: ref, message: "opsdeck.dev/runbooks: ../../escape.yaml is outside the catalog location" }]);
    expect(await t.db.runbook.findUniqueOrThrow({ where: { name: own } })).toMatchObject({ source: "entity", entityRef: ref, sourceRef: `${ref}#${svc}/ops/restart.yaml` });
    const attached = await callerFor(t.db, people.viewer).runbooks.forEntity({ ref });
    expect(attached.map((r) => r.name).sort()).toEqual([own, shared].sort());
    rmSync(loc, { recursive: true, force: true });
  });

  it("list: search, owner filter, last run status; history is keyset-paginated with filters", async () => {
    const tag = uniq("findme");
    const name = `${tag}-rb`;
    await createRunbook(t.db, people.engineer, rbYaml(name, people.team.slug, `  concurrency: 0\n${STEPS}`, "  title: Find me please\n"));
    const viewer = callerFor(t.db, people.viewer);
    expect((await viewer.runbooks.list({ q: "FIND ME PLEASE".toLowerCase() })).items.map((r) => r.name)).toContain(name);
    expect((await viewer.runbooks.list({ owner: people.team.slug })).items.every((r) => r.ownerSlug === people.team.slug)).toBe(true);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await callerFor(t.db, i % 2 ? people.oncall : people.engineer).runbooks.start({ name, params: {} })).id);
    const seen: string[] = [];
    let cursor: { at: Date; id: string } | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await viewer.runbooks.runs({ runbook: name, limit: 3, cursor });
      seen.push(...r.items.map((x) => x.id));
      if (!r.nextCursor) break;
      cursor = r.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    expect((await viewer.runbooks.runs({ runbook: name, who: people.oncall.email })).items).toHaveLength(3);
    expect((await viewer.runbooks.runs({ runbook: name, state: ["queued"], from: new Date(Date.now() - 60_000) })).items).toHaveLength(7);
    expect((await viewer.runbooks.runs({ runbook: name, state: ["succeeded"] })).items).toHaveLength(0);
    expect((await viewer.runbooks.list({ q: tag })).items[0]).toMatchObject({ lastRunState: "queued", lastRunId: ids[6] });
  });
});
