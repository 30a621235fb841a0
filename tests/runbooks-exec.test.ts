import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REDACTED, StreamRedactor, buildChildEnv, isAlive, paramEnvName, redactText, runProcess, startProcess, type OutputChunk } from "@/server/exec";

// Real child processes (bash, sleep, node): the executor shared by runbook steps and the built-in CI runner.

const work = mkdtempSync(path.join(tmpdir(), "opsdeck-exec-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function collect() {
  const chunks: OutputChunk[] = [];
  return { chunks, onOutput: (c: OutputChunk) => chunks.push(c), text: (s?: "stdout" | "stderr") => chunks.filter((c) => !s || c.stream === s).map((c) => c.text).join("") };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(25);
  }
}

const GH_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE";

describe("exec: results", () => {
  it("success: output, exit code 0, duration", async () => {
    const out = collect();
    const r = await runProcess({ file: "bash", args: ["-c", "echo hello; echo oops >&2"], cwd: work, onOutput: out.onOutput });
    expect(r).toMatchObject({ outcome: "exited", exitCode: 0, signal: null, truncated: false });
    expect(out.text("stdout")).toBe("hello\n");
    expect(out.text("stderr")).toBe("oops\n");
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("failure: the exit code is reported", async () => {
    const r = await runProcess({ file: "bash", args: ["-c", "exit 3"], cwd: work });
    expect(r).toMatchObject({ outcome: "exited", exitCode: 3 });
  });

  it("spawn error: a missing executable is reported, not thrown", async () => {
    const r = await runProcess({ file: "definitely-not-a-command-xyz", cwd: work });
    expect(r.outcome).toBe("spawn_error");
    expect(r.error).toMatch(/ENOENT/);
  });

  it("runs in the given working directory and feeds stdin", async () => {
    const out = collect();
    const r = await runProcess({ file: "bash", args: ["-c", "pwd; cat"], cwd: work, stdin: "from stdin\n", onOutput: out.onOutput });
    expect(r.exitCode).toBe(0);
    expect(out.text()).toBe(`${work}\nfrom stdin\n`);
  });

  it("timeout: the tree is killed and the outcome is timed_out", async () => {
    const t0 = Date.now();
    const r = await runProcess({ file: "bash", args: ["-c", "sleep 30"], cwd: work, timeoutMs: 300, killGraceMs: 1000 });
    expect(r.outcome).toBe("timed_out");
    expect(r.exitCode).toBeNull();
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("caps output at maxOutputBytes with a notice", async () => {
    const out = collect();
    const r = await runProcess({ file: "bash", args: ["-c", "for i in $(seq 1 2000); do echo line-$i; done"], cwd: work, maxOutputBytes: 1000, onOutput: out.onOutput });
    expect(r.truncated).toBe(true);
    expect(r.outputBytes).toBeLessThanOrEqual(1000);
    expect(out.text()).toContain("output limit of 1000 bytes reached");
  });

  it("emits a partial line (no newline) after the flush interval", async () => {
    const out = collect();
    const h = startProcess({ file: "bash", args: ["-c", "printf 'progress 10%% done and more'; sleep 2; echo"], cwd: work, flushIntervalMs: 50, onOutput: out.onOutput });
    await waitFor(() => out.text().includes("progress"), 1500);
    h.cancel();
    await h.result;
  });
});

describe("exec: cancel kills the whole process tree", () => {
  it("children, grandchildren and a setsid escapee are gone after cancel", async () => {
    const out = collect();
    // bash → (sleep, subshell → sleep, setsid sleep) : print every pid, then wait.
    const script = `
      sleep 300 & echo "pid $!"
      ( sleep 300 & echo "pid $!"; wait ) & echo "pid $!"
      setsid sleep 300 & echo "pid $!"
      wait`;
    const h = startProcess({ file: "bash", args: ["-c", script], cwd: work, onOutput: out.onOutput, killGraceMs: 500 });
    await waitFor(() => (out.text().match(/pid \d+/g) ?? []).length >= 4);
    const pids = [...out.text().matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    pids.push(h.pid!);
    expect(pids.every(isAlive)).toBe(true);
    h.cancel("operator cancelled");
    const r = await h.result;
    expect(r.outcome).toBe("cancelled");
    expect(r.error).toBe("operator cancelled");
    await waitFor(() => pids.every((p) => !isAlive(p)), 3000);
  });

  it("a child that ignores SIGTERM is SIGKILLed after the grace period", async () => {
    const out = collect();
    const h = startProcess({
      file: "bash",
      args: ["-c", `trap '' TERM; bash -c "trap '' TERM; sleep 300" & echo "pid $!"; sleep 300`],
      cwd: work,
      onOutput: out.onOutput,
      killGraceMs: 400,
    });
    await waitFor(() => /pid \d+/.test(out.text()));
    const grandchild = Number(/pid (\d+)/.exec(out.text())![1]);
    const t0 = Date.now();
    h.cancel();
    const r = await h.result;
    expect(r.outcome).toBe("cancelled");
    expect(r.signal).toBe("SIGKILL");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    await waitFor(() => !isAlive(grandchild), 3000);
  });

  it("abort signal cancels", async () => {
    const ac = new AbortController();
    const h = startProcess({ file: "sleep", args: ["30"], cwd: work, signal: ac.signal, killGraceMs: 200 });
    setTimeout(() => ac.abort("run cancelled"), 100);
    const r = await h.result;
    expect(r).toMatchObject({ outcome: "cancelled", error: "run cancelled", signal: "SIGTERM" });
  });

  it("background processes left behind when the main process exits are killed", async () => {
    const out = collect();
    const r = await runProcess({ file: "bash", args: ["-c", "sleep 300 & echo \"pid $!\"; exit 0"], cwd: work, onOutput: out.onOutput });
    expect(r).toMatchObject({ outcome: "exited", exitCode: 0 });
    const pid = Number(/pid (\d+)/.exec(out.text())![1]);
    await waitFor(() => !isAlive(pid), 3000);
  });
});

describe("exec: environment and parameters", () => {
  it("passes only allow-listed variables plus PARAM_*", async () => {
    process.env.OPSDECK_TEST_LEAK = "should-not-leak";
    const out = collect();
    await runProcess({ file: "bash", args: ["-c", "env"], cwd: work, env: { params: { "service-name": "web" }, set: { EXTRA: "1" } }, onOutput: out.onOutput });
    delete process.env.OPSDECK_TEST_LEAK;
    const vars = Object.fromEntries(out.text().trim().split("\n").map((l) => [l.split("=")[0], l.slice(l.indexOf("=") + 1)]));
    expect(vars.PARAM_SERVICE_NAME).toBe("web");
    expect(vars.EXTRA).toBe("1");
    expect(vars.PATH).toBeDefined();
    expect(vars.OPSDECK_TEST_LEAK).toBeUndefined();
    expect(vars.DATABASE_URL).toBeUndefined();
  });

  it("paramEnvName upper-snakes names; invalid names and NUL bytes are refused", () => {
    expect(paramEnvName("replicaCount")).toBe("PARAM_REPLICACOUNT");
    expect(paramEnvName("dry-run")).toBe("PARAM_DRY_RUN");
    expect(() => buildChildEnv({ set: { "A=B": "x" } })).toThrow(/invalid environment variable name/);
    expect(() => buildChildEnv({ params: { x: "a\0b" } })).toThrow(/NUL/);
  });

  it.each([
    ["semicolon", "web; rm -rf MARKER_DIR; touch PWNED"],
    ["command substitution", "$(touch PWNED)"],
    ["backticks", "`touch PWNED`"],
    ["newline", "web\ntouch PWNED"],
    ["quotes", `web" ; touch PWNED ; echo "`],
    ["glob and redirect", "* > PWNED"],
  ])("injection via params is harmless: %s", async (_name, value) => {
    const dir = mkdtempSync(path.join(work, "inj-"));
    const marker = path.join(dir, "MARKER_DIR");
    rmSync(marker, { force: true });
    const out = collect();
    const r = await runProcess({
      file: "bash",
      args: ["-c", 'echo "service=$PARAM_SERVICE"; printf "%s" "$PARAM_SERVICE" | wc -c'],
      cwd: dir,
      env: { params: { service: value } },
      onOutput: out.onOutput,
    });
    expect(r.exitCode).toBe(0);
    expect(out.text()).toBe(`service=${value}\n${Buffer.byteLength(value)}\n`);
    expect(existsSync(path.join(dir, "PWNED"))).toBe(false);
  });
});

describe("exec: redaction", () => {
  it("redacts known secret patterns and literal secrets", () => {
    const text = [
      `token ${GH_TOKEN} here`,
      `aws ${AWS_KEY}`,
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "Authorization: Bearer abc.def-ghi_jkl",
      "url https://deploy:hunter2hunter2@example.com/x",
      "password=s3cr3t!",
      "fine-grained github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
      "my custom value: correct-horse",
      "harmless line",
    ].join("\n") + "\n";
    const out = redactText(text, ["correct-horse"]);
    for (const s of [GH_TOKEN, AWS_KEY, "wJalrXUtnFEMI", "abc.def-ghi_jkl", "hunter2hunter2", "s3cr3t!", "github_pat_11ABCDEFG", "correct-horse"]) {
      expect(out).not.toContain(s);
    }
    expect(out).toContain("Authorization: Bearer [REDACTED]");
    expect(out).toContain("https://deploy:[REDACTED]@example.com/x");
    expect(out).toContain("harmless line\n");
  });

  it("redacts private key blocks spanning lines", () => {
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1\nabcdefgh\n-----END RSA PRIVATE KEY-----\n";
    const out = redactText(`before\n${key}after\n`);
    expect(out).toBe(`before\n${REDACTED} (private key)\nafter\n`);
  });

  it("redacts a secret split across every possible chunk boundary (also with partial flushes)", () => {
    const line = `export GITHUB_TOKEN=${GH_TOKEN} and key ${AWS_KEY} pass=topsecretvalue Bearer eyJhbGciOi.payload.sig\n`;
    const literal = "topsecretvalue";
    for (let i = 1; i < line.length; i++) {
      for (let j = i; j < line.length; j += 7) {
        const r = new StreamRedactor([literal]);
        let out = r.push(line.slice(0, i));
        out += r.flushPartial();
        out += r.push(line.slice(i, j));
        out += r.flushPartial();
        out += r.push(line.slice(j)) + r.end();
        for (const s of [GH_TOKEN.slice(4), AWS_KEY.slice(4), literal, "eyJhbGciOi.payload.sig"]) expect(out, `split at ${i}/${j}`).not.toContain(s);
        expect(out.endsWith("\n")).toBe(true);
      }
    }
  });

  it("redacts a literal secret with a multi-line value line by line", () => {
    const out = redactText("a line1-of-secret b\nc line2-of-secret d\n", ["line1-of-secret\nline2-of-secret"]);
    expect(out).toBe(`a ${REDACTED} b\nc ${REDACTED} d\n`);
  });

  it("a real process printing a token in pieces never streams it", async () => {
    const out = collect();
    const [a, b] = [GH_TOKEN.slice(0, 12), GH_TOKEN.slice(12)];
    const r = await runProcess({
      file: "bash",
      args: ["-c", `printf 'token: ${a}'; sleep 0.4; printf '${b} end\\n'; printf '%s\\n' "secret=$PARAM_PW"; echo "pw $PARAM_PW"`],
      cwd: work,
      env: { params: { pw: "p@ss-w0rd-123" } },
      secrets: ["p@ss-w0rd-123"],
      flushIntervalMs: 50,
      onOutput: out.onOutput,
    });
    expect(r.exitCode).toBe(0);
    const all = out.text();
    expect(all).not.toContain(a.slice(4));
    expect(all).not.toContain(b);
    expect(all).not.toContain("p@ss-w0rd-123");
    expect(all).toContain(`token: ${REDACTED} end\n`);
    expect(all).toContain(`pw ${REDACTED}\n`);
  });
});
