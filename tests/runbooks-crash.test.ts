import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "@/server/exec";
import { recoverRunbooks } from "@/server/runbooks/maintenance";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, uniq } from "./helpers/fixtures";
import { createRunbook, crew, logText, rbYaml, until } from "./runbooks-fixtures";

// A real worker process (scripts/worker.ts, as `npm run worker` starts it) is killed with SIGKILL in the middle of a
// step. Nothing can run in it any more: recovery must mark the run `interrupted`, keep its log, and kill the step's
// orphaned process tree.

const workRoot = mkdtempSync(path.join(tmpdir(), "opsdeck-rb-crash-"));
let worker: ChildProcess | null = null;

afterAll(() => {
  if (worker && worker.exitCode === null) worker.kill("SIGKILL");
  rmSync(workRoot, { recursive: true, force: true });
});

describe("worker crash", () => {
  const t = useTestDatabase();

  it("SIGKILL of the worker mid-step → the run is interrupted with its log intact; the step's processes are killed", async () => {
    const people = await crew(t.db);
    const name = uniq("crashy");
    await createRunbook(
      t.db,
      people.engineer,
      rbYaml(name, people.team.slug, `  steps:
    - id: before
      type: shell
      run: echo "first step done"
    - id: long
      type: shell
      run: |
        sleep 300 & echo "child $!"
        echo "long step running"
        wait
    - id: after
      type: shell
      run: echo never
`),
    );
    worker = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", "scripts/worker.ts"], {
      cwd: process.cwd(),
      env: { ...process.env, DATABASE_URL: t.url, OPSDECK_RUNBOOK_PATHS: "off", OPSDECK_RUNBOOK_WORKDIR: workRoot, LOG_LEVEL: "warn", NODE_ENV: "test" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    worker.stderr!.on("data", (d) => (stderr += d));

    const { id } = await callerFor(t.db, people.oncall).runbooks.start({ name, params: {} });
    const child = await until(
      "the long step to run in the worker process",
      async () => {
        const m = /child (\d+)/.exec(await logText(t.db, id));
        return m && (await logText(t.db, id)).includes("long step running") ? Number(m[1]) : null;
      },
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nworker stderr:\n${stderr}`);
    });
    const running = await t.db.runbookRun.findUniqueOrThrow({ where: { id }, include: { steps: { orderBy: { index: "asc" } } } });
    expect(running.state).toBe("running");
    expect(running.workerId).toMatch(new RegExp(`:${worker.pid}:`));
    expect(running.steps.map((s) => s.state)).toEqual(["succeeded", "running", "pending"]);
    expect(running.steps[1]!.process).toMatchObject({ pid: expect.any(Number) });
    expect(isAlive(child)).toBe(true);

    const exited = new Promise((r) => worker!.once("exit", r));
    worker.kill("SIGKILL");
    await exited;
    const logBefore = await logText(t.db, id);

    // Nobody is alive to move the run: it stays "running" until recovery sees its heartbeat is stale.
    expect((await t.db.runbookRun.findUniqueOrThrow({ where: { id } })).state).toBe("running");
    expect(await recoverRunbooks(t.db)).toMatchObject({ interrupted: 0 }); // heartbeat still fresh: not yet
    const seq = await lastSeq(t.db);
    const res = await recoverRunbooks(t.db, { now: new Date(Date.now() + 60_000) }); // as a worker booting a minute later
    expect(res).toMatchObject({ interrupted: 1 });
    expect(res.processesKilled).toBeGreaterThanOrEqual(1);

    const run = await t.db.runbookRun.findUniqueOrThrow({ where: { id }, include: { steps: { orderBy: { index: "asc" } } } });
    expect(run.state).toBe("interrupted");
    expect(run.message).toMatch(/stopped responding/);
    expect(run.finishedAt).not.toBeNull();
    expect(run.steps.map((s) => s.state)).toEqual(["succeeded", "interrupted", "skipped"]);
    const log = await logText(t.db, id);
    expect(log.startsWith(logBefore)).toBe(true); // everything written before the crash is still there
    expect(log).toContain("first step done");
    expect(log).toContain("long step running");
    expect(log).toMatch(/run interrupted: worker .* stopped responding/);
    await until("the orphaned step process to be gone", async () => !isAlive(child), 5000);
    const audit = (await auditSince(t.db, seq)).filter((a) => a.targetId === id);
    expect(audit.map((a) => [a.action, (a.before as { state: string }).state, (a.after as { state: string }).state])).toEqual([["runbook.run.state", "running", "interrupted"]]);
    // settled once: a second recovery finds nothing
    expect(await recoverRunbooks(t.db, { now: new Date(Date.now() + 120_000) })).toMatchObject({ interrupted: 0 });
  }, 120_000);
});
