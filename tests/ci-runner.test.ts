import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run as runWorker, type Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The built-in runner: REAL pipelines of REAL shell steps, in a working copy under an allowed root. Set before
// anything reads the configuration.
const root = await mkdtemp(path.join(os.tmpdir(), "opsdeck-ci-runner-"));
process.env.OPSDECK_CI_WORKDIR_ROOTS = path.join(root, "src");
process.env.OPSDECK_DATA_DIR = path.join(root, "data");

const { useTestDatabase: fileDatabase } = await import("./helpers/db");
const { auditSince, callerFor, lastSeq, makeTeam, makeUser, outcomeOf } = await import("./helpers/fixtures");
const { executeBuiltinRun, settleAbandonedCiRuns, artefactDir } = await import("@/server/ci/runner");
const { ciTasks } = await import("@/server/ci/jobs");

const t = fileDatabase();
const dataDir = path.join(root, "data");
let engineer: Awaited<ReturnType<typeof makeUser>>["principal"];
let outsider: Awaited<ReturnType<typeof makeUser>>["principal"];

async function service(name: string, pipeline: string, files: Record<string, string> = {}) {
  const dir = path.join(root, "src", name);
  await mkdir(path.join(dir, ".opsdeck"), { recursive: true });
  await writeFile(path.join(dir, ".opsdeck/pipeline.yaml"), pipeline);
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), text);
  }
  const team = await t.db.team.findFirstOrThrow({ where: { slug: { startsWith: "ci-runner" } } });
  const ref = `component:default/${name}`;
  await t.db.entity.create({ data: { kind: "Component", name, ref, ownerTeamId: team.id, metadata: { annotations: { "opsdeck.dev/workdir": name } } } });
  return ref;
}

const trigger = (entityRef: string, inputs: Record<string, string> = {}) =>
  callerFor(t.db, engineer).ci.trigger({ entityRef, provider: "builtin", pipeline: "build", ref: "main", inputs });

beforeAll(async () => {
  const team = await makeTeam(t.db, `ci-runner-${Date.now()}`);
  engineer = (await makeUser(t.db, { teams: [[team.id, "engineer"]] })).principal;
  const other = await makeTeam(t.db);
  outsider = (await makeUser(t.db, { teams: [[other.id, "engineer"]] })).principal;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("built-in pipeline runner (real shell steps)", () => {
  it("runs stages in order, streams redacted logs, keeps artefacts and emits a version that recentBuilds offers", async () => {
    const ref = await service(
      "svc-ok",
      `name: build
env: { GREETING: hello }
inputs: [{ name: channel, default: stable }]
stages:
  - name: test
    steps:
      - { name: unit, run: 'echo "$GREETING from $PARAM_CHANNEL"; echo "token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB" >&2' }
  - name: package
    steps:
      - { name: tar, run: 'mkdir -p dist && cp src/app.txt dist/app.txt && echo "version=2.4.$OPSDECK_RUN_NUMBER" >> "$OPSDECK_OUTPUT"' }
artefacts: [dist/*.txt]
`,
      { "src/app.txt": "the app\n" },
    );
    const seq = await lastSeq(t.db);
    const { runId } = await trigger(ref, { channel: "beta; rm -rf /" });
    expect(runId).toBeTruthy();
    await executeBuiltinRun(t.db, runId!, { dataDir });

    const run = await t.db.ciRun.findUniqueOrThrow({ where: { id: runId! } });
    expect(run).toMatchObject({ status: "succeeded", version: "2.4.1", provider: "builtin", number: 1, branch: "main" });
    expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());
    // The commit of the working copy's repository (this checkout, or none outside git) is recorded for DORA.
    const log = (await t.db.ciLogChunk.findMany({ where: { runId: runId! }, orderBy: { seq: "asc" } })).map((c) => c.text).join("");
    // The input stays data: the shell never saw it as code.
    expect(log).toContain("hello from beta; rm -rf /");
    expect(log).toContain("[REDACTED]");
    expect(log).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789AB");
    expect(log).toMatch(/✔ pipeline build succeeded: version 2\.4\.1/);

    const [artefact] = await t.db.ciArtefact.findMany({ where: { runId: runId! } });
    expect(artefact).toMatchObject({ name: "dist/app.txt", size: 8 });
    expect(await readFile(path.join(artefactDir(dataDir, runId!), "dist/app.txt"), "utf8")).toBe("the app\n");
    // The workspace was a copy: the working copy itself is untouched.
    expect(existsSync(path.join(root, "src/svc-ok/dist"))).toBe(false);

    const builds = await callerFor(t.db, engineer).ci.recentBuilds({ entityRef: ref });
    expect(builds).toEqual([expect.objectContaining({ id: runId, version: "2.4.1", imageTag: "2.4.1", provider: "builtin", commitSha: run.commitSha, commitTime: run.commitTime, finishedAt: run.finishedAt })]);

    const actions = (await auditSince(t.db, seq)).map((r) => [r.action, r.actorLabel]);
    expect(actions).toEqual([["ci.run.trigger", engineer.email], ["ci.run.start", "worker"], ["ci.run.finish", "worker"]]);
  });

  it("a failing step fails the run and skips what follows; nothing is offered for deploy", async () => {
    const ref = await service(
      "svc-fail",
      `stages:
  - name: test
    steps:
      - { name: ok, run: 'echo fine' }
      - { name: broken, run: 'echo about to fail; exit 3' }
      - { name: never, run: 'touch /tmp/should-not-exist-$OPSDECK_RUN_ID' }
  - name: package
    steps:
      - { name: tar, run: 'echo no' }
`,
    );
    const { runId } = await trigger(ref);
    await executeBuiltinRun(t.db, runId!, { dataDir });
    const run = await t.db.ciRun.findUniqueOrThrow({ where: { id: runId! } });
    expect(run.status).toBe("failed");
    expect(run.message).toBe("test › broken: exit code 3");
    const detail = await callerFor(t.db, engineer).ci.run({ id: runId! });
    expect(detail.jobs.map((j) => [j.name, j.status, j.steps.map((s) => s.status)])).toEqual([
      ["test", "failed", ["succeeded", "failed", "skipped"]],
      ["package", "skipped", ["skipped"]],
    ]);
    expect(existsSync(`/tmp/should-not-exist-${runId}`)).toBe(false);
    expect(await callerFor(t.db, engineer).ci.recentBuilds({ entityRef: ref })).toEqual([]);
  });

  it("declared artefacts that were not produced fail the run", async () => {
    const ref = await service("svc-noart", `stages: [{ name: build, steps: [{ name: nothing, run: 'true' }] }]\nartefacts: [dist/*.tgz]\n`);
    const { runId } = await trigger(ref);
    await executeBuiltinRun(t.db, runId!, { dataDir });
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { id: runId! } })).toMatchObject({ status: "failed", message: "artefacts not produced: dist/*.tgz" });
  });

  it("a step over its timeout is killed and the run times out", async () => {
    const ref = await service("svc-slow", `stages: [{ name: build, steps: [{ name: hang, run: 'sleep 30', timeout: 1 }] }]\n`);
    const { runId } = await trigger(ref);
    const started = Date.now();
    await executeBuiltinRun(t.db, runId!, { dataDir, killGraceMs: 500 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { id: runId! } })).toMatchObject({ status: "timed_out" });
  });

  it("cancel stops a running pipeline (its process tree is killed) and is audited; the log streams live until then", async () => {
    const ref = await service("svc-cancel", `stages: [{ name: build, steps: [{ name: long, run: 'echo started; sleep 60 & wait; echo never' }] }]\n`);
    const { runId } = await trigger(ref);
    const done = executeBuiltinRun(t.db, runId!, { dataDir, heartbeatMs: 200, killGraceMs: 500 });

    // Watch it the way the browser does (tRPC subscription): state + log chunks until it finished.
    const seen: string[] = [];
    const watching = (async () => {
      const sub = await callerFor(t.db, engineer).ci.watchRun({ id: runId! });
      for await (const v of sub) {
        seen.push(`${v.run.status}:${v.chunks.map((c) => c.text).join("").includes("started") ? "log" : "-"}`);
        if (v.chunks.some((c) => c.text.includes("started"))) {
          expect(await outcomeOf(callerFor(t.db, outsider).ci.cancel({ id: runId! }))).toBe("FORBIDDEN");
          await callerFor(t.db, engineer).ci.cancel({ id: runId! });
        }
      }
    })();
    const started = Date.now();
    await done;
    await watching;
    expect(Date.now() - started).toBeLessThan(15_000);
    const run = await t.db.ciRun.findUniqueOrThrow({ where: { id: runId! } });
    expect(run.status).toBe("cancelled");
    expect(seen.at(-1)).toMatch(/^cancelled/);
    expect(seen.some((s) => s.startsWith("running"))).toBe(true);
    const log = (await t.db.ciLogChunk.findMany({ where: { runId: runId! }, orderBy: { seq: "asc" } })).map((c) => c.text).join("");
    expect(log).toContain("started");
    expect(log).not.toContain("never");
    const audit = await t.db.auditEvent.findMany({ where: { targetId: runId!, action: { in: ["ci.run.cancel", "ci.run.finish"] } }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([["ci.run.cancel", "success"], ["ci.run.finish", "success"]]);
    expect(await outcomeOf(callerFor(t.db, engineer).ci.cancel({ id: runId! }))).toBe("CONFLICT");
  });

  it("a queued run is cancelled at once and never starts; re-run queues a new run with the same inputs", async () => {
    const ref = await service("svc-queued", `inputs: [{ name: level }]\nstages: [{ name: build, steps: [{ name: s, run: 'echo "level=$PARAM_LEVEL"' }] }]\n`);
    const { runId } = await trigger(ref, { level: "7" });
    await callerFor(t.db, engineer).ci.cancel({ id: runId! });
    await executeBuiltinRun(t.db, runId!, { dataDir });
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { id: runId! } })).toMatchObject({ status: "cancelled", startedAt: null });

    const again = await callerFor(t.db, engineer).ci.rerun({ id: runId! });
    await executeBuiltinRun(t.db, again.runId!, { dataDir });
    const rerun = await t.db.ciRun.findUniqueOrThrow({ where: { id: again.runId! } });
    expect(rerun).toMatchObject({ status: "succeeded", rerunOfId: runId, inputs: { level: "7" }, event: "rerun" });
  });

  it("refuses bad triggers with clear errors: unknown input, working copy outside the roots, missing pipeline", async () => {
    const ref = await service("svc-inputs", `inputs: [{ name: env, options: [staging, prod] }]\nstages: [{ name: b, steps: [{ name: s, run: 'true' }] }]\n`);
    await expect(trigger(ref, { nope: "1" })).rejects.toThrow(/unknown input "nope"/);
    await expect(trigger(ref, { env: "moon" })).rejects.toThrow(/must be one of staging, prod/);
    const team = await t.db.team.findFirstOrThrow({ where: { slug: { startsWith: "ci-runner" } } });
    await t.db.entity.create({ data: { kind: "Component", name: "svc-escape", ref: "component:default/svc-escape", ownerTeamId: team.id, metadata: { annotations: { "opsdeck.dev/workdir": "/etc" } } } });
    await expect(trigger("component:default/svc-escape")).rejects.toThrow(/outside OPSDECK_CI_WORKDIR_ROOTS/);
    await mkdir(path.join(root, "src", "svc-nopipe"), { recursive: true });
    await t.db.entity.create({ data: { kind: "Component", name: "svc-nopipe", ref: "component:default/svc-nopipe", ownerTeamId: team.id, metadata: { annotations: { "opsdeck.dev/workdir": "svc-nopipe" } } } });
    await expect(trigger("component:default/svc-nopipe")).rejects.toThrow(/\.opsdeck\/pipeline\.yaml is missing/);
    // Nothing half-written: no run rows for refused triggers.
    expect(await t.db.ciRun.count({ where: { entityRef: { in: [ref, "component:default/svc-escape", "component:default/svc-nopipe"] } } })).toBe(0);
  });

  it("runs queued by the worker (graphile-worker task) and settles runs of a dead worker as interrupted", async () => {
    const ref = await service("svc-worker", `stages: [{ name: build, steps: [{ name: s, run: 'echo via worker' }] }]\nversion: "w-{number}"\n`);
    const { runId } = await trigger(ref);
    let runner: Runner | null = null;
    try {
      runner = await runWorker({ connectionString: t.url, concurrency: 1, pollInterval: 200, noHandleSignals: true, taskList: ciTasks(t.db), logger: undefined });
      for (let i = 0; i < 100; i++) {
        const r = await t.db.ciRun.findUniqueOrThrow({ where: { id: runId! } });
        if (r.status === "succeeded") break;
        await new Promise((res) => setTimeout(res, 100));
      }
    } finally {
      await runner?.stop();
    }
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { id: runId! } })).toMatchObject({ status: "succeeded", version: "w-1" });

    const stale = await t.db.ciRun.create({ data: { id: "stale-run", externalId: "stale-run", provider: "builtin", target: "/x", entityRef: ref, pipeline: "build", status: "running", startedAt: new Date(Date.now() - 600_000), heartbeatAt: new Date(Date.now() - 300_000) } });
    expect(await settleAbandonedCiRuns(t.db)).toBe(1);
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { id: stale.id } })).toMatchObject({ status: "interrupted" });
  });
});
