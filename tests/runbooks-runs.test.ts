import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "@/server/jobs/runner";
import { isAlive } from "@/server/exec";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, contextFor, lastSeq, outcomeOf, uniq } from "./helpers/fixtures";
import { handleLogDownload } from "@/server/runbooks/download";
import { createRunbook, crew, logText, rbYaml, sleep, until, waitRun } from "./runbooks-fixtures";

// Runs end to end on real Postgres: the API starts them, a real graphile-worker executes real child processes.

process.env.OPSDECK_RUNBOOK_PATHS = "off"; // this file's runbooks only
process.env.OPSDECK_SECRET_KEY = "test-secret-key-0123456789abcdef-runbooks";
const workRoot = mkdtempSync(path.join(tmpdir(), "opsdeck-rb-runs-"));
process.env.OPSDECK_RUNBOOK_WORKDIR = workRoot;

describe("runbook runs", () => {
  const t = useTestDatabase();
  let runner: Runner;
  let people: Awaited<ReturnType<typeof crew>>;
  let http: Server;
  let httpUrl = "";
  let hits = 0;

  beforeAll(async () => {
    people = await crew(t.db);
    runner = await startWorker(t.db, { connectionString: t.url, singleSession: false, concurrency: 4 });
    http = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        if (req.url?.startsWith("/count")) {
          hits++;
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hits }));
          return;
        }
        const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status") ?? 200);
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization ?? null, body }));
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await runner?.stop();
    http?.close();
    rmSync(workRoot, { recursive: true, force: true });
  });

  const owner = () => people.team.slug;
  const start = (p: typeof people.engineer, name: string, params: Record<string, unknown> = {}, confirm?: string) =>
    callerFor(t.db, p).runbooks.start({ name, params: params as never, confirm });

  it("success: steps in order, output streamed to the log, states, exit codes, durations, audit trail", async () => {
    const name = uniq("hello");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  params:
    - name: who
      type: string
  steps:
    - id: greet
      type: shell
      run: echo "hello $PARAM_WHO"; echo "to stderr" >&2
    - id: script
      type: script
      lang: node
      script: console.log("node says", process.env.PARAM_WHO.length)
    - id: check
      type: shell
      if: steps.greet.exitCode == 0 && steps.greet.output contains 'hello'
      run: echo "previous said $GREETING"
      env:
        GREETING: "{{ steps.greet.output }}"
`));
    const seq = await lastSeq(t.db);
    const { id, state } = await start(people.engineer, name, { who: "world" });
    expect(state).toBe("queued");
    const run = await waitRun(t.db, id);
    expect(run.state).toBe("succeeded");
    expect(run.steps.map((s) => [s.stepId, s.state, s.exitCode])).toEqual([
      ["greet", "succeeded", 0],
      ["script", "succeeded", 0],
      ["check", "succeeded", 0],
    ]);
    expect(run.steps.every((s) => typeof s.durationMs === "number" && s.startedAt && s.finishedAt)).toBe(true);
    const log = await logText(t.db, id);
    expect(log).toContain("hello world\n");
    expect(log).toContain("to stderr\n");
    expect(log).toContain("node says 5\n");
    expect(log).toContain("previous said hello world\n");
    const errChunk = await t.db.runbookLogChunk.findFirst({ where: { runId: id, text: { contains: "to stderr" } } });
    expect(errChunk).toMatchObject({ stream: "err", step: 0 });
    // seq is dense per run
    const seqs = (await t.db.runbookLogChunk.findMany({ where: { runId: id }, orderBy: { seq: "asc" }, select: { seq: true } })).map((c) => c.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const audit = (await auditSince(t.db, seq)).filter((a) => a.targetId === id);
    expect(audit.map((a) => [a.action, a.actorLabel, (a.after as { state?: string }).state])).toEqual([
      ["runbook.run.start", people.engineer.email, "queued"],
      ["runbook.run.state", "worker", "running"],
      ["runbook.run.state", "worker", "succeeded"],
    ]);
    expect(await t.db.runbook.findUnique({ where: { name }, select: { lastRunState: true, lastRunId: true } })).toEqual({ lastRunState: "succeeded", lastRunId: id });
    // the scratch directory is gone
    expect(existsSync(path.join(workRoot, "runs", id))).toBe(false);
  });

  it("failure: the failing step's exit code, later steps skipped, `when: failure` and continueOnError", async () => {
    const name = uniq("fails");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  steps:
    - id: soft
      type: shell
      run: exit 2
      continueOnError: true
    - id: hard
      type: shell
      run: echo breaking; exit 3
    - id: after
      type: shell
      run: echo never
    - id: cleanup
      type: shell
      when: failure
      run: echo "cleaning up after $OPSDECK_STEP"
    - id: always
      type: shell
      when: always
      if: steps.hard.exitCode == 3
      run: echo "hard said 3"
`));
    const { id } = await start(people.engineer, name);
    const run = await waitRun(t.db, id);
    expect(run.state).toBe("failed");
    expect(run.message).toBe("a step failed");
    expect(run.steps.map((s) => [s.stepId, s.state, s.exitCode])).toEqual([
      ["soft", "failed", 2],
      ["hard", "failed", 3],
      ["after", "skipped", null],
      ["cleanup", "succeeded", 0],
      ["always", "succeeded", 0],
    ]);
    expect(run.steps[2]!.message).toBe("an earlier step failed");
    const log = await logText(t.db, id);
    expect(log).toContain("continuing: continueOnError is set");
    expect(log).toContain("cleaning up after cleanup");
    expect(log).not.toContain("never");
  });

  it("retries with backoff until a step succeeds", async () => {
    const name = uniq("flaky");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  steps:
    - id: flaky
      type: shell
      retries: { count: 3, backoff: 100ms, factor: 2 }
      run: |
        n=$(cat "$OPSDECK_STATE_DIR/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$OPSDECK_STATE_DIR/n"
        echo "attempt $n"; [ $n -ge 3 ]
`));
    const t0 = Date.now();
    const { id } = await start(people.engineer, name);
    const run = await waitRun(t.db, id);
    expect(run.state).toBe("succeeded");
    expect(run.steps[0]).toMatchObject({ state: "succeeded", attempts: 3 });
    const log = await logText(t.db, id);
    expect(log).toMatch(/attempt 1 failed \(exit code 1\); retrying in 100 ms \(attempt 2 of 4\)/);
    expect(log).toMatch(/retrying in 200 ms \(attempt 3 of 4\)/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it("step timeout kills the step; run timeout ends the run as timed_out", async () => {
    const a = uniq("slowstep");
    await createRunbook(t.db, people.engineer, rbYaml(a, owner(), `  steps:\n    - id: slow\n      type: shell\n      timeout: 500ms\n      run: sleep 30\n    - id: next\n      type: shell\n      run: echo next\n`));
    const r1 = await waitRun(t.db, (await start(people.engineer, a)).id);
    expect(r1.state).toBe("failed");
    expect(r1.steps.map((s) => s.state)).toEqual(["timed_out", "skipped"]);
    expect(r1.steps[0]!.message).toMatch(/timed out after/);

    const b = uniq("slowrun");
    await createRunbook(t.db, people.engineer, rbYaml(b, owner(), `  timeout: 2s\n  steps:\n    - id: slow\n      type: shell\n      run: sleep 30\n`));
    const t0 = Date.now();
    const r2 = await waitRun(t.db, (await start(people.engineer, b)).id);
    expect(r2.state).toBe("timed_out");
    expect(r2.message).toMatch(/run timed out after 2\.0 s/);
    expect(r2.steps[0]!.state).toBe("timed_out");
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("cancel stops the run and kills the step's whole process tree (grandchildren included)", async () => {
    const name = uniq("tree");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  steps:
    - id: tree
      type: shell
      run: |
        sleep 300 & echo "pid $!"
        ( sleep 300 & echo "pid $!"; wait ) & echo "pid $!"
        bash -c 'trap "" TERM; sleep 300' & echo "pid $!"
        wait
`));
    const { id } = await start(people.engineer, name);
    const pids = await until("all pids printed", async () => {
      const m = [...(await logText(t.db, id)).matchAll(/pid (\d+)/g)].map((x) => Number(x[1]));
      return m.length >= 4 ? m : null;
    });
    expect(pids.every(isAlive)).toBe(true);
    const seq = await lastSeq(t.db);
    expect(await callerFor(t.db, people.oncall).runbooks.cancel({ id })).toEqual({ state: "running", pending: true });
    const run = await waitRun(t.db, id);
    expect(run.state).toBe("cancelled");
    expect(run.message).toBe(`cancelled by ${people.oncall.email}`);
    expect(run.steps[0]!.state).toBe("cancelled");
    await until("process tree gone", async () => pids.every((p) => !isAlive(p)), 10_000);
    const audit = (await auditSince(t.db, seq)).filter((a) => a.targetId === id).map((a) => [a.action, a.actorLabel]);
    expect(audit).toEqual([
      ["runbook.run.cancel", people.oncall.email],
      ["runbook.run.state", "worker"],
    ]);
    await expect(callerFor(t.db, people.oncall).runbooks.cancel({ id })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("run-level approval: the starter cannot approve, the role is required, then the run goes", async () => {
    const name = uniq("gated");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  permissions:
    run: ["${owner()}:oncall"]
    runWithApproval: ["${owner()}:engineer"]
    approval: { approvers: 1, role: oncall }
  steps:
    - id: go
      type: shell
      run: echo approved and running
`));
    const { id, state } = await start(people.engineer, name);
    expect(state).toBe("awaiting_approval");
    const seq = await lastSeq(t.db);
    const self = await outcomeOf(callerFor(t.db, people.engineer).runbooks.decide({ id, decision: "approved" }));
    expect(self).toBe("FORBIDDEN");
    expect(await outcomeOf(callerFor(t.db, people.engineer2).runbooks.decide({ id, decision: "approved" }))).toBe("FORBIDDEN");
    const denied = (await auditSince(t.db, seq)).filter((a) => a.outcome === "denied");
    expect(denied.map((d) => [d.actorLabel, (d.meta as { reason?: string }).reason])).toEqual([
      [people.engineer.email, "You started this run: someone else has to approve it"],
      [people.engineer2.email, expect.stringMatching(/needs? the oncall role/i)],
    ]);
    expect((await t.db.runbookRun.findUniqueOrThrow({ where: { id } })).state).toBe("awaiting_approval");
    const r = await callerFor(t.db, people.oncall).runbooks.decide({ id, decision: "approved", comment: "go ahead" });
    expect(r).toEqual({ state: "running", approvals: 1, needed: 1 });
    const run = await waitRun(t.db, id);
    expect(run.state).toBe("succeeded");
    expect(await logText(t.db, id)).toContain("approved and running");
    // an oncall member starts it directly
    const direct = await start(people.oncall, name);
    expect(direct.state).toBe("queued");
    await waitRun(t.db, direct.id);
  });

  it("approval step: waits for 2 approvers, releases the worker meanwhile, resumes after; a rejection cancels", async () => {
    const name = uniq("twokeys");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  params:
    - name: target
      type: string
  steps:
    - id: prepare
      type: shell
      run: echo "prepared $PARAM_TARGET" > "$OPSDECK_ARTIFACTS/plan.txt"; cat "$OPSDECK_ARTIFACTS/plan.txt"
    - id: gate
      type: approval
      approvers: 2
      role: oncall
      message: "Apply the plan for {{ params.target }}?"
    - id: apply
      type: shell
      run: echo "applying after $OPSDECK_STEP"
`));
    const { id } = await start(people.engineer, name, { target: "db-1" });
    const paused = await waitRun(t.db, id, ["awaiting_approval"]);
    expect(paused.workerId).toBeNull();
    expect(paused.steps.map((s) => s.state)).toEqual(["succeeded", "awaiting_approval", "pending"]);
    expect(paused.approval).toMatchObject({ gate: 1, approvers: 2, role: "oncall", message: "Apply the plan for db-1?" });
    expect(await t.db.runbookArtifact.findMany({ where: { runId: id }, select: { name: true } })).toEqual([{ name: "plan.txt" }]);
    expect(await callerFor(t.db, people.oncall).runbooks.decide({ id, decision: "approved" })).toEqual({ state: "awaiting_approval", approvals: 1, needed: 2 });
    expect(await outcomeOf(callerFor(t.db, people.oncall).runbooks.decide({ id, decision: "approved" }))).toBe("CONFLICT");
    expect(await callerFor(t.db, people.admin).runbooks.decide({ id, decision: "approved" })).toEqual({ state: "running", approvals: 2, needed: 2 });
    const run = await waitRun(t.db, id);
    expect(run.state).toBe("succeeded");
    expect(run.steps.map((s) => s.state)).toEqual(["succeeded", "succeeded", "succeeded"]);
    const log = await logText(t.db, id);
    expect(log).toContain("waiting for 2 approvals");
    expect(log).toContain("resumed after approval");
    expect(log).toContain("applying after apply");

    const again = await start(people.engineer, name, { target: "db-2" });
    await waitRun(t.db, again.id, ["awaiting_approval"]);
    expect(await callerFor(t.db, people.oncall2).runbooks.decide({ id: again.id, decision: "rejected", comment: "not now" })).toMatchObject({ state: "cancelled" });
    const rejected = await waitRun(t.db, again.id);
    expect(rejected.message).toBe(`rejected by ${people.oncall2.email}: not now`);
    expect(rejected.steps.map((s) => s.state)).toEqual(["succeeded", "cancelled", "cancelled"]);
  });

  it("concurrency limit: a second active run is refused, by the API and by the database itself", async () => {
    const name = uniq("single");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  concurrency: 1\n  steps:\n    - id: hold\n      type: shell\n      run: sleep 2\n`));
    const first = await start(people.engineer, name);
    const refused = start(people.oncall, name);
    await expect(refused).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/allows 1 active run at a time; run .* is still going/) });
    // Straight into the table from two connections at once: the trigger's slot + unique index let exactly one in.
    const rb = await t.db.runbook.findUniqueOrThrow({ where: { name } });
    await waitRun(t.db, first.id);
    const insert = async () => {
      const c = await t.pg.connect();
      try {
        await c.query("BEGIN");
        await c.query(`INSERT INTO "RunbookRun" (id, "runbookId", version, "requestedBy", "timeoutMs") VALUES ($1, $2, 1, 'sql', 1000)`, [uniq("raw"), rb.id]);
        await sleep(200);
        await c.query("COMMIT");
        return "ok";
      } catch (err) {
        await c.query("ROLLBACK");
        return (err as Error).message;
      } finally {
        c.release();
      }
    };
    const results = await Promise.all([insert(), insert()]);
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.find((r) => r !== "ok")).toMatch(/RunbookRun_runbook_slot_key|runbook_concurrency_limit/);
    // a terminal run frees its slot; illegal state moves are refused by the database too
    const raw = await t.db.runbookRun.findFirstOrThrow({ where: { runbookId: rb.id, requestedBy: "sql" } });
    await expect(t.pg.query(`UPDATE "RunbookRun" SET state = 'succeeded' WHERE id = $1`, [raw.id])).rejects.toThrow(/queued -> succeeded is not an allowed move/);
    await t.pg.query(`UPDATE "RunbookRun" SET state = 'cancelled' WHERE id = $1`, [raw.id]);
    expect((await t.db.runbookRun.findUniqueOrThrow({ where: { id: raw.id } })).slot).toBeNull();
    const next = await start(people.engineer, name);
    expect((await waitRun(t.db, next.id)).state).toBe("succeeded");
  });

  it("secrets: redacted from log, results and artifacts; masked in params and audit; erased when the run ends", async () => {
    const name = uniq("secret");
    const secret = "pa55-W0rd/sup3r&\"x";
    const ghToken = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789";
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  params:
    - name: password
      type: secret
    - name: base
      type: string
  steps:
    - id: leak
      type: shell
      run: |
        echo "password is $PARAM_PASSWORD"
        printf 'split: %s' "\${PARAM_PASSWORD:0:6}"; sleep 0.3; printf '%s\\n' "\${PARAM_PASSWORD:6}"
        echo "token ${ghToken}"
        echo "$PARAM_PASSWORD" > "$OPSDECK_ARTIFACTS/dump.txt"
        echo "AKIAIOSFODNN7EXAMPLE" >> "$OPSDECK_ARTIFACTS/dump.txt"
    - id: http
      type: http
      url: "{{ params.base }}/echo?p={{ params.password }}"
      headers:
        Authorization: "Bearer {{ params.password }}"
`));
    const seq = await lastSeq(t.db);
    const { id } = await start(people.engineer, name, { password: secret, base: httpUrl });
    const run = await waitRun(t.db, id);
    const log = await logText(t.db, id);
    expect(log).toContain("password is [REDACTED]");
    expect(log).not.toContain(secret);
    expect(log).not.toContain(secret.slice(0, 6) + secret.slice(6, 9)); // the split secret never appears whole or partly joined
    expect(log).not.toContain(ghToken);
    const steps = await t.db.runbookStepRun.findMany({ where: { runId: id } });
    expect(JSON.stringify(steps)).not.toContain(secret);
    const artifact = await t.db.runbookArtifact.findUniqueOrThrow({ where: { runId_name: { runId: id, name: "dump.txt" } } });
    expect(Buffer.from(artifact.content).toString()).toBe("[REDACTED]\n[REDACTED]\n");
    const stored = await t.db.runbookRun.findUniqueOrThrow({ where: { id } });
    expect(stored.params).toEqual({ password: "••••••", base: httpUrl });
    expect(stored.secretParams).toBeNull();
    const audit = await auditSince(t.db, seq);
    expect(JSON.stringify(audit.map((a) => [a.before, a.after, a.meta]))).not.toContain("W0rd");
    expect(run.steps.map((s) => s.state)).toEqual(["succeeded", "succeeded"]);
    expect(log).toContain(`→ GET ${httpUrl}/echo?p=[REDACTED]`);
  });

  it.each([
    ["semicolon", "x; touch PWNED; echo"],
    ["command substitution", "$(touch PWNED)"],
    ["backticks", "`touch PWNED`"],
    ["newline", "x\ntouch PWNED"],
    ["quote break-out", `x" ; touch PWNED ; echo "`],
    ["rm -rf", "; rm -rf \"$OPSDECK_STATE_DIR\" ;"],
  ])("injection through a parameter is harmless: %s", async (_label, value) => {
    const name = uniq("inject");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  params:
    - name: input
      type: string
      multiline: true
  steps:
    - id: marker
      type: shell
      run: touch "$OPSDECK_STATE_DIR/keep"
    - id: echo
      type: shell
      run: printf '[%s]\\n' "$PARAM_INPUT"; printf '%s' "$PARAM_INPUT" | wc -c
    - id: script
      type: script
      lang: bash
      script: |
        cd "$OPSDECK_STATE_DIR"
        echo "got: $PARAM_INPUT"
    - id: check
      type: shell
      run: test ! -e PWNED && test ! -e "$OPSDECK_STATE_DIR/PWNED" && test -e "$OPSDECK_STATE_DIR/keep" && echo clean
`));
    const { id } = await start(people.engineer, name, { input: value });
    const run = await waitRun(t.db, id);
    expect(run.steps.map((s) => s.state)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    const log = await logText(t.db, id);
    expect(log).toContain(`[${value}]\n${Buffer.byteLength(value)}\n`);
    expect(log).toContain("clean\n");
    expect(existsSync(path.join(workRoot, "state", name, "PWNED"))).toBe(false);
  });

  it("http: templated request, expected status, captured response used by later conditions; wait until re-runs a step", async () => {
    const name = uniq("http");
    hits = 0;
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  params:
    - name: base
      type: string
    - name: q
      type: string
  steps:
    - id: post
      type: http
      method: POST
      url: "{{ params.base }}/items?q={{ params.q }}"
      headers:
        Authorization: "Bearer static-token-value"
      json:
        name: "{{ params.q }}"
        n: 3
    - id: teapot
      type: http
      url: "{{ params.base }}/x?status=418"
      expect: 418
    - id: decide
      type: shell
      if: steps.post.json.method == 'POST' && steps.teapot.status == 418
      run: echo "server saw $BODY"
      env:
        BODY: "{{ steps.post.json.body }}"
    - id: count
      type: http
      url: "{{ params.base }}/count"
    - id: poll
      type: wait
      until: steps.count.json.hits >= 3
      rerun: count
      interval: 100ms
      timeout: 10s
    - id: unexpected
      type: http
      url: "{{ params.base }}/x?status=503"
`));
    const { id } = await start(people.engineer, name, { base: httpUrl, q: 'a&b "c"' });
    const run = await waitRun(t.db, id);
    expect(run.state).toBe("failed");
    expect(run.steps.map((s) => [s.stepId, s.state])).toEqual([
      ["post", "succeeded"],
      ["teapot", "succeeded"],
      ["decide", "succeeded"],
      ["count", "succeeded"],
      ["poll", "succeeded"],
      ["unexpected", "failed"],
    ]);
    const post = run.steps[0]!.result as { status: number; json: { url: string; body: string; auth: string } };
    expect(post.status).toBe(200);
    expect(post.json.url).toBe("/items?q=a%26b%20%22c%22");
    expect(JSON.parse(post.json.body)).toEqual({ name: 'a&b "c"', n: 3 });
    expect(post.json.auth).toBe("Bearer [REDACTED]"); // captured results are redacted like the log
    expect(run.steps[4]!.message).toMatch(/condition met after 2 checks/);
    expect(run.steps[5]!.message).toBe("HTTP 503, expected 2xx");
    const log = await logText(t.db, id);
    expect(log).toContain(`→ POST ${httpUrl}/items?q=a%26b%20%22c%22`);
    expect(log).toMatch(/← 418 I'm a Teapot/i);
    expect(log).not.toContain("static-token-value");
  });

  it("the live view streams state and log chunks until the run ends", async () => {
    const name = uniq("live");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  steps:\n    - id: tick\n      type: shell\n      run: for i in 1 2 3 4 5; do echo "line $i"; sleep 0.2; done\n`));
    const { id } = await start(people.engineer, name);
    const states: string[] = [];
    let text = "";
    const arrivals: number[] = [];
    for await (const ev of await callerFor(t.db, people.viewer).runbooks.watch({ id, afterSeq: 0 })) {
      if (ev.type === "run") states.push(ev.run.state);
      else {
        text += ev.chunks.map((c) => c.text).join("");
        arrivals.push(Date.now());
      }
    }
    expect(states[states.length - 1]).toBe("succeeded");
    expect(text).toMatch(/line 1\n[\s\S]*line 5\n/);
    expect(arrivals.length).toBeGreaterThanOrEqual(3); // lines arrive as they are printed, not at the end
  });

  it("permissions: a viewer cannot run; an outsider is refused by the runbook's own rules; a dangerous runbook wants the service name", async () => {
    const name = uniq("danger");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  params:
    - name: service
      type: string
  dangerous: true
  steps:
    - id: x
      type: shell
      run: echo "dangerous thing on $PARAM_SERVICE"
`));
    expect(await outcomeOf(start(people.viewer, name, { service: "web" }, "web"))).toBe("FORBIDDEN");
    expect(await outcomeOf(start(people.outsider, name, { service: "web" }, "web"))).toBe("FORBIDDEN");
    await expect(start(people.engineer, name, { service: "web" }, "wbe")).rejects.toMatchObject({ code: "BAD_REQUEST", message: 'This runbook is dangerous: type "web" to confirm' });
    await expect(start(people.engineer, name, { service: "web" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const ok = await start(people.engineer, name, { service: "web" }, "web");
    expect((await waitRun(t.db, ok.id)).state).toBe("succeeded");
    // bad parameters are refused with per-field errors (the same schema the form uses)
    const bad = await outcomeOf(start(people.engineer, name, { service: "a\nb", extra: 1 }, "x"));
    expect(bad).toBe("BAD_REQUEST");
  });

  it("the full log downloads as text for anyone who may read runs; not for anonymous callers", async () => {
    const name = uniq("dl");
    await createRunbook(t.db, people.engineer, rbYaml(name, owner(), `  steps:\n    - id: colours\n      type: shell\n      run: printf '\\033[31mred\\033[0m plain\\n'; echo second\n`));
    const { id } = await start(people.engineer, name);
    await waitRun(t.db, id);
    const res = await handleLogDownload(contextFor(t.db, people.viewer), id, new URL(`http://x/api/runbooks/runs/${id}/log`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`attachment; filename="${name}-`));
    const text = await res.text();
    expect(text).toContain("red plain\nsecond\n"); // ANSI stripped by default
    expect(text).toMatch(/run succeeded/);
    const raw = await (await handleLogDownload(contextFor(t.db, people.viewer), id, new URL(`http://x/log?ansi=keep`))).text();
    expect(raw).toContain("\u001b[31mred");
    expect((await handleLogDownload(contextFor(t.db, null), id, new URL("http://x/log"))).status).toBe(401);
    expect((await handleLogDownload(contextFor(t.db, people.viewer), "nope", new URL("http://x/log"))).status).toBe(404);
  });
});
