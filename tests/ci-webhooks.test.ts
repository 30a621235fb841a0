import { randomUUID } from "node:crypto";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Webhook secrets and the GitHub API (recorded fixtures) are configured before anything reads the configuration.
process.env.OPSDECK_GITHUB_WEBHOOK_SECRET = "It's a Secret to Everybody";
process.env.OPSDECK_GITLAB_WEBHOOK_TOKEN = "gitlab-hook-token-0123";
process.env.OPSDECK_JENKINS_WEBHOOK_TOKEN = "jenkins-hook-token-4567";
process.env.OPSDECK_WEBHOOK_MAX_AGE_SECONDS = "3600";

const { useTestDatabase: fileDatabase } = await import("./helpers/db");
const { callerFor, makeTeam, makeUser } = await import("./helpers/fixtures");
const { webhookRoute } = await import("@/server/ci/webhook-route");
const { githubSignature } = await import("@/server/ci/webhooks");
const { pollBinding, runCiPoll, nextInterval, errorBackoff, POLL } = await import("@/server/ci/poll");
const { GitHubActionsProvider, CiProviderError } = await import("@/server/providers/ci");
const { fixture, githubHandlers, newState, GITHUB_API, GITHUB_TOKEN } = await import("./fixtures/ci/handlers");

/**
 * Inbound webhooks through the real route handlers (signature/token checks, replay protection, audit), and polling
 * with backoff through the real GitHub client against RECORDED FIXTURES (msw) — no real GitHub/GitLab/Jenkins here.
 */
const t = fileDatabase();
const state = newState();
const server = setupServer(...githubHandlers(state));
const REF = "component:default/payments-api";
type GhRun = { id: number; status: string; conclusion: string | null; updated_at: string; head_sha: string; run_number: number };

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  const team = await makeTeam(t.db);
  await t.db.entity.create({
    data: {
      kind: "Component",
      name: "payments-api",
      ref: REF,
      ownerTeamId: team.id,
      metadata: { annotations: { "github.com/project-slug": "example/payments-api", "gitlab.com/project-slug": "example/payments-api", "jenkins.io/job-full-name": "payments/payments-api" } },
    },
  });
});
afterAll(() => server.close());

function workflowRunEvent(overrides: Partial<GhRun> = {}) {
  const run = { ...fixture<{ workflow_runs: GhRun[] }>("github/workflow-runs.json").workflow_runs[3]!, updated_at: new Date().toISOString(), ...overrides };
  return { action: run.status === "completed" ? "completed" : "in_progress", workflow_run: run, repository: { full_name: "example/payments-api" } };
}

async function post(kind: "github" | "gitlab" | "jenkins", body: unknown, headers: Record<string, string>, query = "") {
  const text = JSON.stringify(body);
  const req = new Request(`http://localhost:3000/api/webhooks/${kind}${query}`, { method: "POST", body: text, headers: { "content-type": "application/json", ...headers } });
  const res = await webhookRoute(kind)(req);
  return { status: res.status, body: (await res.json()) as { ok: boolean; message: string; runs: number } };
}

function githubHeaders(body: unknown, delivery = randomUUID(), secret = process.env.OPSDECK_GITHUB_WEBHOOK_SECRET!) {
  return { "x-github-event": "workflow_run", "x-github-delivery": delivery, "x-hub-signature-256": githubSignature(secret, JSON.stringify(body)) };
}

const audits = (action: string) => t.db.auditEvent.findMany({ where: { action }, orderBy: { seq: "asc" } });

describe("GitHub webhook (X-Hub-Signature-256)", () => {
  it("a validly signed workflow_run updates the run and is audited with a system actor", async () => {
    const body = workflowRunEvent({ id: 990001, status: "in_progress", conclusion: null });
    const r = await post("github", body, githubHeaders(body));
    expect(r).toMatchObject({ status: 200, body: { ok: true, runs: 1 } });
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { provider_externalId: { provider: "github", externalId: "990001" } } })).toMatchObject({ entityRef: REF, status: "running" });

    const done = workflowRunEvent({ id: 990001, status: "completed", conclusion: "success" });
    expect((await post("github", done, githubHeaders(done))).status).toBe(200);
    const run = await t.db.ciRun.findUniqueOrThrow({ where: { provider_externalId: { provider: "github", externalId: "990001" } } });
    expect(run).toMatchObject({ status: "succeeded", version: run.commitSha!.slice(0, 7) });
    const [a] = (await audits("ci.webhook.receive")).filter((x) => x.outcome === "success").slice(-1);
    expect(a).toMatchObject({ actorId: null, actorLabel: "webhook:github", targetType: "ci.webhook", targetId: "github" });
    expect(a!.after).toMatchObject({ run: "990001", status: "succeeded", entities: [REF] });
  });

  it("an out-of-order older delivery does not move a finished run back to running", async () => {
    const late = workflowRunEvent({ id: 990001, status: "in_progress", conclusion: null });
    expect((await post("github", late, githubHeaders(late))).status).toBe(200);
    expect((await t.db.ciRun.findUniqueOrThrow({ where: { provider_externalId: { provider: "github", externalId: "990001" } } })).status).toBe("succeeded");
  });

  it("refuses a wrong signature, a missing one and a tampered body (401, audited as denied, nothing changed)", async () => {
    const body = workflowRunEvent({ id: 990002 });
    expect((await post("github", body, githubHeaders(body, randomUUID(), "wrong secret"))).status).toBe(401);
    const { "x-hub-signature-256": _sig, ...unsigned } = githubHeaders(body);
    expect(await post("github", body, unsigned)).toMatchObject({ status: 401, body: { message: "missing X-Hub-Signature-256" } });
    const headers = githubHeaders(body);
    expect((await post("github", { ...body, workflow_run: { ...body.workflow_run, conclusion: "failure" } }, headers)).status).toBe(401);
    expect(await t.db.ciRun.count({ where: { externalId: "990002" } })).toBe(0);
    const denied = (await audits("ci.webhook.receive")).filter((x) => x.outcome === "denied");
    expect(denied.map((d) => (d.meta as { reason: string }).reason)).toEqual(["signature does not match", "missing X-Hub-Signature-256", "signature does not match"]);
  });

  it("refuses a replayed delivery id (409) and a stale event outside the window (400)", async () => {
    const body = workflowRunEvent({ id: 990003 });
    const headers = githubHeaders(body);
    expect((await post("github", body, headers)).status).toBe(200);
    expect(await post("github", body, headers)).toMatchObject({ status: 409, body: { message: "replayed delivery: this delivery id was already processed" } });
    const old = workflowRunEvent({ id: 990004, updated_at: new Date(Date.now() - 2 * 3600_000).toISOString() });
    const r = await post("github", old, githubHeaders(old));
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^stale delivery: the event is 72\d\d s old \(window 3600 s\)$/);
    expect(await t.db.ciRun.count({ where: { externalId: "990004" } })).toBe(0);
  });

  it("acknowledges a ping without changing anything", async () => {
    const body = { zen: "Design for failure.", hook_id: 1 };
    const r = await post("github", body, { ...githubHeaders(body), "x-github-event": "ping" });
    expect(r).toMatchObject({ status: 202, body: { runs: 0 } });
  });
});

describe("GitLab pipeline hook (X-Gitlab-Token) and Jenkins notification (token)", () => {
  const pipelineEvent = (status: string) => ({
    object_kind: "pipeline",
    object_attributes: { id: 1548400, iid: 420, name: null, ref: "main", tag: false, sha: "a91957a858320c0e17f3a0eca7cfacbff50ea29a", status, source: "push", created_at: new Date(Date.now() - 60_000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"), finished_at: status === "success" ? new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : null, duration: 58, queued_duration: 2 },
    user: { id: 31, name: "Carol Ng", username: "carol-sre" },
    project: { id: 5127, name: "payments-api", path_with_namespace: "example/payments-api", web_url: "https://gitlab.example.com/example/payments-api" },
    commit: { id: "a91957a858320c0e17f3a0eca7cfacbff50ea29a", message: "Retry captures on 503\n", timestamp: new Date(Date.now() - 600_000).toISOString() },
  });

  it("GitLab: the right token updates the pipeline; a wrong one is refused; a replay is refused", async () => {
    const uuid = randomUUID();
    const ok = await post("gitlab", pipelineEvent("running"), { "x-gitlab-event": "Pipeline Hook", "x-gitlab-token": "gitlab-hook-token-0123", "x-gitlab-event-uuid": uuid });
    expect(ok.status).toBe(200);
    expect(await post("gitlab", pipelineEvent("running"), { "x-gitlab-event": "Pipeline Hook", "x-gitlab-token": "gitlab-hook-token-0123", "x-gitlab-event-uuid": uuid })).toMatchObject({ status: 409 });
    expect((await post("gitlab", pipelineEvent("success"), { "x-gitlab-event": "Pipeline Hook", "x-gitlab-token": "nope", "x-gitlab-event-uuid": randomUUID() })).status).toBe(401);
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { provider_externalId: { provider: "gitlab", externalId: "1548400" } } })).toMatchObject({ status: "running", actor: "carol-sre", commitMessage: "Retry captures on 503" });
    await post("gitlab", pipelineEvent("success"), { "x-gitlab-event": "Pipeline Hook", "x-gitlab-token": "gitlab-hook-token-0123", "x-gitlab-event-uuid": randomUUID() });
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { provider_externalId: { provider: "gitlab", externalId: "1548400" } } })).toMatchObject({ status: "succeeded", version: "a91957a" });
  });

  it("Jenkins: the token (header or ?token=) is required; each build phase is accepted once", async () => {
    const note = (phase: string, status?: string) => ({
      name: "payments-api",
      display_name: "payments-api",
      url: "job/payments/job/payments-api/",
      build: { full_url: "https://jenkins.example.com/job/payments/job/payments-api/900/", number: 900, queue_id: 77, timestamp: Date.now() - 30_000, duration: 29_000, phase, status, url: "job/payments/job/payments-api/900/", scm: { url: "https://git.example.com/payments/payments-api.git", branch: "origin/main", commit: "f1e2d3c4b5a69788776655443322110099887766" } },
    });
    expect((await post("jenkins", note("STARTED"), {})).status).toBe(401);
    expect((await post("jenkins", note("STARTED"), {}, "?token=jenkins-hook-token-4567")).status).toBe(200);
    expect(await t.db.ciRun.findUniqueOrThrow({ where: { provider_externalId: { provider: "jenkins", externalId: "payments/payments-api#900" } } })).toMatchObject({ status: "running", branch: "main" });
    expect((await post("jenkins", note("STARTED"), { "x-jenkins-token": "jenkins-hook-token-4567" })).status).toBe(409);
    expect((await post("jenkins", note("COMPLETED", "FAILURE"), { "x-jenkins-token": "jenkins-hook-token-4567" })).status).toBe(200);
    expect((await t.db.ciRun.findUniqueOrThrow({ where: { provider_externalId: { provider: "jenkins", externalId: "payments/payments-api#900" } } })).status).toBe("failed");
  });

  it("a malformed body is a 400, never a crash", async () => {
    const req = new Request("http://localhost:3000/api/webhooks/gitlab", { method: "POST", body: "{not json", headers: { "x-gitlab-token": "gitlab-hook-token-0123", "x-gitlab-event": "Pipeline Hook" } });
    const res = await webhookRoute("gitlab")(req);
    expect(res.status).toBe(400);
  });
});

describe("polling with backoff when webhooks are not configured (recorded fixtures)", () => {
  const provider = () => new GitHubActionsProvider({ baseUrl: GITHUB_API, auth: { token: GITHUB_TOKEN }, retry: { sleep: async () => undefined } });
  const ent = async () => ({ ...(await t.db.entity.findUniqueOrThrow({ where: { ref: REF } })) });

  it("imports the recorded runs, audits the change once, and polls an active service every 30 s", async () => {
    const r = await pollBinding(t.db, await ent(), provider(), "example/payments-api", { webhooks: {} });
    expect(r).toMatchObject({ ok: true });
    const st = await t.db.ciPollState.findUniqueOrThrow({ where: { entityRef_provider: { entityRef: REF, provider: "github" } } });
    // The recorded list has an in-progress and a queued run: active.
    expect(st).toMatchObject({ intervalSeconds: POLL.activeSeconds, failures: 0, lastError: "" });
    expect(await t.db.ciRun.count({ where: { entityRef: REF, provider: "github" } })).toBeGreaterThanOrEqual(20);
    const again = await pollBinding(t.db, await ent(), provider(), "example/payments-api", { webhooks: {} });
    expect(again).toMatchObject({ ok: true, added: 0, changed: 0 });
    expect((await t.db.auditEvent.findMany({ where: { action: "ci.runs.sync" } })).length).toBe(1);
  });

  it("idle intervals double up to 30 min; with a webhook, at least 15 min; errors back off (rate limits to Retry-After)", () => {
    expect(nextInterval(null, false, false, false)).toBe(60);
    expect(nextInterval(240, false, false, false)).toBe(480);
    expect(nextInterval(1800, false, false, false)).toBe(1800);
    expect(nextInterval(60, false, false, true)).toBe(900);
    expect(nextInterval(900, true, false, true)).toBe(30);
    const now = new Date();
    expect(errorBackoff(1, new Error("x"), now)).toBe(60);
    expect(errorBackoff(4, new Error("x"), now)).toBe(480);
    expect(errorBackoff(20, new Error("x"), now)).toBe(3600);
    expect(errorBackoff(1, new CiProviderError("rl", "rate_limit", "github", new Date(now.getTime() + 1200_000)), now)).toBe(1200);
  });

  it("rejected credentials are kept as the binding's error and shown on the CI tab", async () => {
    const bad = new GitHubActionsProvider({ baseUrl: GITHUB_API, auth: { token: "ghp_revoked" } });
    const r = await pollBinding(t.db, await ent(), bad, "example/payments-api", { webhooks: {} });
    expect(r.ok).toBe(false);
    const st = await t.db.ciPollState.findUniqueOrThrow({ where: { entityRef_provider: { entityRef: REF, provider: "github" } } });
    expect(st).toMatchObject({ failures: 1, intervalSeconds: 60, lastError: "GitHub Actions rejected the credentials (401 Bad credentials): check OPSDECK_GITHUB_TOKEN" });
    const viewer = (await makeUser(t.db)).principal;
    const tab = await callerFor(t.db, viewer).ci.runs({ entityRef: REF });
    expect(tab.bindings.find((b) => b.provider === "github")).toMatchObject({ lastError: st.lastError });
    expect(tab.runs.length).toBeGreaterThan(0);
    expect(tab.durations.length).toBeGreaterThan(5);
  });

  it("the scheduled poll skips bindings that are not due", async () => {
    const s = await runCiPoll(t.db, { providers: { github: provider() }, bindings: { bindings: {}, roots: [] }, webhooks: {} });
    expect(s).toMatchObject({ polled: 0, skipped: 1 });
  });
});
