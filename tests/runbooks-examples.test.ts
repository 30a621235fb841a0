import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttps, type Server as HttpsServer } from "node:https";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "@/server/jobs/runner";
import { useTestDatabase } from "./helpers/db";
import { callerFor, makeTeam, makeUser } from "./helpers/fixtures";
import { logText, waitRun } from "./runbooks-fixtures";

// The shipped examples that need no cluster, run for real: check-endpoint against local HTTP and HTTPS servers (a
// self-signed certificate made with openssl, expiring in 5 days), and rotate-demo-token with its approval step.

process.env.OPSDECK_RUNBOOK_PATHS = "runbooks";
const workRoot = mkdtempSync(path.join(tmpdir(), "opsdeck-rb-examples-"));
process.env.OPSDECK_RUNBOOK_WORKDIR = workRoot;

describe("shipped example runbooks", () => {
  const t = useTestDatabase();
  let runner: Runner;
  let http: Server;
  let https: HttpsServer;
  let people: { engineer: Awaited<ReturnType<typeof makeUser>>["principal"]; oncall: Awaited<ReturnType<typeof makeUser>>["principal"] };

  beforeAll(async () => {
    const platform = await makeTeam(t.db, "platform");
    people = {
      engineer: (await makeUser(t.db, { teams: [[platform.id, "engineer"]] })).principal,
      oncall: (await makeUser(t.db, { teams: [[platform.id, "oncall"]] })).principal,
    };
    const certDir = mkdtempSync(path.join(tmpdir(), "opsdeck-cert-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${certDir}/k.pem`, "-out", `${certDir}/c.pem`, "-days", "5", "-subj", "/CN=localhost"], { stdio: "ignore" });
    https = createHttps({ key: readFileSync(`${certDir}/k.pem`), cert: readFileSync(`${certDir}/c.pem`) }, (_req, res) => res.writeHead(200).end("ok"));
    http = createServer((req, res) => res.writeHead(req.url === "/down" ? 503 : 200, { "content-type": "application/json" }).end('{"status":"ok"}'));
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    rmSync(certDir, { recursive: true, force: true });
    runner = await startWorker(t.db, { connectionString: t.url, singleSession: false, concurrency: 2 });
  });

  afterAll(async () => {
    await runner?.stop();
    http?.close();
    https?.close();
    rmSync(workRoot, { recursive: true, force: true });
  });

  const port = (s: Server | HttpsServer) => (s.address() as AddressInfo).port;

  it("check-endpoint: a healthy http endpoint passes (no certificate to check)", async () => {
    const { id } = await callerFor(t.db, people.engineer).runbooks.start({ name: "check-endpoint", params: { url: `http://127.0.0.1:${port(http)}/health` } });
    const run = await waitRun(t.db, id);
    const log = await logText(t.db, id);
    expect(run.state, log).toBe("succeeded");
    expect(log).toContain("status 200 as expected");
    expect(log).toContain("is not https: no certificate to check");
  });

  it("check-endpoint: an unexpected status fails the status step", async () => {
    const { id } = await callerFor(t.db, people.engineer).runbooks.start({ name: "check-endpoint", params: { url: `http://127.0.0.1:${port(http)}/down` } });
    const run = await waitRun(t.db, id);
    expect(run.state).toBe("failed");
    expect(run.steps.map((s) => [s.stepId, s.state])).toEqual([["request", "succeeded"], ["status", "failed"], ["tls", "succeeded"]]);
    expect(await logText(t.db, id)).toContain("status 503, expected 200");
  });

  it("check-endpoint: a certificate expiring within the threshold fails the TLS step, with the days left", async () => {
    const { id } = await callerFor(t.db, people.engineer).runbooks.start({ name: "check-endpoint", params: { url: `https://127.0.0.1:${port(https)}/`, min_days: 14 } });
    const run = await waitRun(t.db, id, undefined, 60_000);
    const log = await logText(t.db, id);
    expect(run.state).toBe("failed");
    const tls = run.steps.find((s) => s.stepId === "tls")!;
    expect(tls.state, log).toBe("failed");
    expect(log).toMatch(/valid until .* \(4 days\); not trusted/);
    expect(log).toContain("certificate expires in 4 days (threshold 14)");
  });

  it("rotate-demo-token: the new token never reaches the log; an on-call approves revoking the old one", async () => {
    const start = () => callerFor(t.db, people.engineer).runbooks.start({ name: "rotate-demo-token", params: { service: "payments-api", grace_minutes: 5, ticket: "SEC-42" } });
    const first = await start();
    await waitRun(t.db, first.id, ["awaiting_approval"]);
    await callerFor(t.db, people.oncall).runbooks.decide({ id: first.id, decision: "approved" });
    expect((await waitRun(t.db, first.id)).state).toBe("succeeded");

    const { id } = await start();
    const paused = await waitRun(t.db, id, ["awaiting_approval"]);
    expect(paused.approval).toMatchObject({ message: "Clients of payments-api have switched to the new token (SEC-42); revoke the old one?" });
    const store = JSON.parse(readFileSync(path.join(workRoot, "state", "rotate-demo-token", "tokens.json"), "utf8"));
    expect(store["payments-api"].previous.token).toMatch(/^opsd_demo_/);
    await expect(callerFor(t.db, people.engineer).runbooks.decide({ id, decision: "approved" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await callerFor(t.db, people.oncall).runbooks.decide({ id, decision: "approved" });
    expect((await waitRun(t.db, id)).state).toBe("succeeded");
    const log = await logText(t.db, id);
    expect(log).toContain("new token for payments-api: [REDACTED]");
    expect(log).not.toContain("opsd_demo_");
    expect(log).toContain("previous token revoked");
    const after = JSON.parse(readFileSync(path.join(workRoot, "state", "rotate-demo-token", "tokens.json"), "utf8"));
    expect(after["payments-api"].previous).toBeNull();
    expect(JSON.stringify(await t.db.runbookStepRun.findMany({ where: { runId: id } }))).not.toContain("opsd_demo_");
  });
});
