import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { generateKeyPairSync } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BuiltinCiProvider,
  CI_STATUSES,
  CiProviderError,
  GitHubActionsProvider,
  GitLabCiProvider,
  JenkinsProvider,
  type CiProvider,
  type TriggerRequest,
} from "@/server/providers/ci";
import { builtinStore } from "@/server/ci/builtin-store";
import { executeBuiltinRun } from "@/server/ci/runner";
import { useTestDatabase as fileDatabase } from "./helpers/db";
import { makeTeam } from "./helpers/fixtures";
import {
  GITHUB_API,
  GITHUB_RUN_WITH_JOBS,
  GITHUB_TOKEN,
  GITLAB_PIPELINE_WITH_JOBS,
  GITLAB_TOKEN,
  GITLAB_URL,
  JENKINS_JOB,
  JENKINS_TOKEN,
  JENKINS_URL,
  JENKINS_USER,
  githubHandlers,
  gitlabHandlers,
  jenkinsHandlers,
  newState,
  type VendorState,
} from "./fixtures/ci/handlers";

/**
 * One contract, four implementations: every CiProvider answers the same questions in the same shapes. GitHub Actions,
 * GitLab CI and Jenkins run their real clients (@octokit/rest, @gitbeaker/rest, fetch) against RECORDED FIXTURES served
 * by msw — no real GitHub, GitLab or Jenkins is reachable here. The built-in runner runs real shell steps.
 */

const state: VendorState = newState();
const server = setupServer(...githubHandlers(state), ...gitlabHandlers(state), ...jenkinsHandlers(state));
const t = fileDatabase();
let workdir = "";

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  workdir = await mkdtemp(path.join(os.tmpdir(), "opsdeck-ci-contract-"));
  await mkdir(path.join(workdir, ".opsdeck"), { recursive: true });
  await writeFile(
    path.join(workdir, ".opsdeck/pipeline.yaml"),
    `name: build
inputs:
  - { name: channel, default: stable, options: [stable, beta] }
stages:
  - name: test
    steps:
      - { name: check, run: 'echo "checking on $PARAM_CHANNEL"' }
  - name: package
    steps:
      - { name: tar, run: 'mkdir -p dist && echo app > dist/app.txt' }
artefacts: [dist/app.txt]
version: "1.0.{number}"
`,
  );
});
afterEach(() => {
  state.rateLimit = 0;
  state.requests.length = 0;
});
afterAll(async () => {
  server.close();
  await rm(workdir, { recursive: true, force: true });
});

type Harness = {
  name: string;
  http: boolean;
  make(opts?: { badCredentials?: boolean }): CiProvider;
  target: () => string;
  /** Recorded runs available (the built-in harness makes its own). */
  total: number;
  /** A run whose jobs/steps are known. */
  runWithJobs: () => string;
  minJobs: number;
  trigger: TriggerRequest;
  prepare?: () => Promise<void>;
};

const fast = { sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 1200))) };
let builtinRuns: string[] = [];

const HARNESSES: Harness[] = [
  {
    name: "GitHub Actions",
    http: true,
    make: (o) => new GitHubActionsProvider({ baseUrl: GITHUB_API, auth: { token: o?.badCredentials ? "ghp_wrong" : GITHUB_TOKEN }, pageSize: 10, retry: fast }),
    target: () => "example/payments-api",
    total: 24,
    runWithJobs: () => GITHUB_RUN_WITH_JOBS,
    minJobs: 3,
    trigger: { pipeline: "deploy.yml", ref: "main", inputs: { environment: "staging" } },
  },
  {
    name: "GitLab CI",
    http: true,
    make: (o) => new GitLabCiProvider({ url: GITLAB_URL, token: o?.badCredentials ? "glpat-wrong" : GITLAB_TOKEN, pageSize: 5, retry: fast }),
    target: () => "example/payments-api",
    total: 18,
    runWithJobs: () => String(GITLAB_PIPELINE_WITH_JOBS),
    minJobs: 4,
    trigger: { pipeline: ".gitlab-ci.yml", ref: "main", inputs: { DEPLOY_TARGET: "staging" } },
  },
  {
    name: "Jenkins",
    http: true,
    make: (o) => new JenkinsProvider({ url: JENKINS_URL, user: JENKINS_USER, apiToken: o?.badCredentials ? "nope" : JENKINS_TOKEN, pageSize: 8, retry: fast }),
    target: () => JENKINS_JOB,
    total: 30,
    runWithJobs: () => `${JENKINS_JOB}#741`,
    minJobs: 1,
    trigger: { pipeline: JENKINS_JOB, ref: "main", inputs: { TARGET: "staging" } },
  },
  {
    name: "Built-in runner",
    http: false,
    make: () => new BuiltinCiProvider(builtinStore(t.db, { entityRef: "component:default/contract-svc", ownerTeamId: null, requestedById: null, actor: "contract" })),
    target: () => workdir,
    total: 3,
    runWithJobs: () => builtinRuns[0]!,
    minJobs: 2,
    trigger: { pipeline: "build", ref: "main", inputs: { channel: "beta" } },
    // Real runs of real shell steps, executed the way the worker does.
    async prepare() {
      await makeTeam(t.db);
      const p = HARNESSES[3]!.make();
      builtinRuns = [];
      for (let i = 0; i < 3; i++) {
        const r = await p.trigger(workdir, { pipeline: "build", ref: "main", inputs: {} });
        await executeBuiltinRun(t.db, r.externalId!, { dataDir: path.join(workdir, "..", `${path.basename(workdir)}-data`) });
        builtinRuns.unshift(r.externalId!);
      }
    },
  },
];

describe.each(HARNESSES)("CiProvider contract: $name", (h) => {
  const src = h.http ? "recorded fixtures" : "real shell steps";
  beforeAll(async () => {
    await h.prepare?.();
  }, 60_000);

  it(`lists runs newest first in Opsdeck's shape (${src})`, async () => {
    const runs = await h.make().listRuns(h.target(), { limit: 100 });
    expect(runs).toHaveLength(h.total);
    for (const r of runs) {
      expect(CI_STATUSES).toContain(r.status);
      expect(typeof r.externalId).toBe("string");
      expect(r.createdAt).toBeInstanceOf(Date);
      if (r.status === "succeeded" || r.status === "failed") expect(r.finishedAt!.getTime()).toBeGreaterThanOrEqual(r.startedAt!.getTime());
      if (r.commitSha) expect(r.commitSha).toMatch(/^[0-9a-f]{40}$/);
    }
    const times = runs.map((r) => r.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(new Set(runs.map((r) => r.status)).has("succeeded")).toBe(true);
  });

  it(`follows pagination and stops at the limit (${src})`, async () => {
    const p = h.make();
    const all = await p.listRuns(h.target(), { limit: 100 });
    const some = await p.listRuns(h.target(), { limit: h.total - 1 });
    expect(some.map((r) => r.externalId)).toEqual(all.slice(0, h.total - 1).map((r) => r.externalId));
    if (h.http) {
      // More than one page was read, each page once.
      const pages = state.requests.filter((r) => r.method === "GET" && /runs|pipelines|api\/json/.test(r.url));
      expect(pages.length).toBeGreaterThan(2);
    }
  });

  it(`reads one run with its jobs and steps (${src})`, async () => {
    const run = await h.make().getRun(h.target(), h.runWithJobs());
    expect(run.externalId).toBe(h.runWithJobs());
    expect(run.jobs.length).toBeGreaterThanOrEqual(h.minJobs);
    for (const j of run.jobs) expect(CI_STATUSES).toContain(j.status);
    if (h.name === "GitHub Actions") expect(run.jobs[1]!.steps.map((s) => s.name)).toContain("Run go test ./...");
    if (h.name === "Built-in runner") expect(run.jobs.map((j) => j.steps.map((s) => s.status))).toEqual([["succeeded"], ["succeeded"]]);
  });

  it(`lists triggerable pipelines with their inputs (${src})`, async () => {
    const pipelines = await h.make().listPipelines(h.target());
    const triggerable = pipelines.filter((p) => p.triggerable);
    expect(triggerable.length).toBeGreaterThanOrEqual(1);
    if (h.name === "GitHub Actions") {
      // CI only runs on push; Deploy has workflow_dispatch with inputs.
      expect(pipelines.find((p) => p.name === "CI")?.triggerable).toBe(false);
      expect(triggerable[0]!.inputs.map((i) => [i.name, i.required, i.default, i.options])).toEqual([["environment", true, "staging", ["staging", "production"]], ["dry_run", false, "false", null]]);
    }
    if (h.name === "Jenkins") expect(triggerable[0]!.inputs.map((i) => i.name)).toEqual(["BRANCH", "TARGET"]);
    if (h.name === "Built-in runner") expect(triggerable[0]!.inputs[0]).toMatchObject({ name: "channel", default: "stable" });
  });

  it(`triggers a run with inputs (${src})`, async () => {
    const r = await h.make().trigger(h.target(), h.trigger);
    expect(r.accepted).toBe(true);
    if (h.name === "GitHub Actions") {
      const sent = state.requests.find((x) => x.method === "POST")!;
      expect(sent.url).toBe(`${GITHUB_API}/repos/example/payments-api/actions/workflows/deploy.yml/dispatches`);
      expect(JSON.parse(sent.body)).toEqual({ ref: "main", inputs: { environment: "staging" } });
    }
    if (h.name === "GitLab CI") {
      expect(r.externalId).toBe("1548299");
      expect(JSON.parse(state.requests.find((x) => x.method === "POST")!.body)).toEqual({ ref: "main", variables: [{ key: "DEPLOY_TARGET", value: "staging" }] });
    }
    if (h.name === "Jenkins") {
      // The crumb (and its session cookie) came first; the POST carried both.
      expect(state.requests.map((x) => `${x.method} ${new URL(x.url).pathname}`)).toContain("GET /crumbIssuer/api/json");
      const post = state.requests.find((x) => x.method === "POST")!;
      expect(post.headers["jenkins-crumb"]).toMatch(/^5d1a0f8a/);
      expect(new URLSearchParams(post.body).get("TARGET")).toBe("staging");
      expect(new URLSearchParams(post.body).get("BRANCH")).toBe("main");
      expect(r.url).toBe(`${JENKINS_URL}/queue/item/9321/`);
    }
    if (h.name === "Built-in runner") {
      const row = await t.db.ciRun.findUniqueOrThrow({ where: { id: r.externalId! } });
      expect(row).toMatchObject({ status: "queued", inputs: { channel: "beta" } });
      await expect(h.make().trigger(h.target(), { ...h.trigger, inputs: { channel: "nightly" } })).rejects.toThrow(/one of stable, beta/);
    }
  });

  it(`re-runs a run (${src})`, async () => {
    const r = await h.make().rerun(h.target(), h.runWithJobs());
    expect(r.accepted).toBe(true);
    if (h.name === "GitHub Actions") expect(state.requests.at(-1)!.url).toBe(`${GITHUB_API}/repos/example/payments-api/actions/runs/${GITHUB_RUN_WITH_JOBS}/rerun`);
    if (h.name === "GitLab CI") expect(state.requests.at(-1)!.url).toBe(`${GITLAB_URL}/api/v4/projects/example%2Fpayments-api/pipelines/${GITLAB_PIPELINE_WITH_JOBS}/retry`);
    // Jenkins has no re-run: the same parameters are built again.
    if (h.name === "Jenkins") expect(new URLSearchParams(state.requests.find((x) => x.method === "POST")!.body).get("TARGET")).toBe("staging");
  });

  it(`gives the run's log (${src})`, async () => {
    const l = await h.make().logs(h.target(), h.runWithJobs());
    expect(l.url ?? l.text).toBeTruthy();
    if (h.name === "Jenkins") expect(l.text).toContain("Finished: SUCCESS");
    if (h.name === "Built-in runner") expect(l.text).toContain("checking on stable");
  });

  if (h.http) {
    it(`honours Retry-After on a rate-limit answer and then succeeds (recorded fixtures)`, async () => {
      state.rateLimit = 1;
      state.retryAfter = 1;
      const started = Date.now();
      const runs = await h.make().listRuns(h.target(), { limit: 3 });
      expect(runs).toHaveLength(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it(`reports a rate limit it cannot wait out with the time to come back (recorded fixtures)`, async () => {
      state.rateLimit = 10;
      state.retryAfter = 3600;
      const err = await h.make().listRuns(h.target(), { limit: 3 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CiProviderError);
      expect(err).toMatchObject({ kind: "rate_limit" });
      expect((err as CiProviderError).retryAt!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
      expect((err as Error).message).toMatch(/rate limit reached until/);
    });

    it(`reports rejected credentials clearly, naming the setting (recorded fixtures)`, async () => {
      const err = await h.make({ badCredentials: true }).listRuns(h.target(), { limit: 3 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CiProviderError);
      expect(err).toMatchObject({ kind: "auth", status: 401 });
      expect((err as Error).message).toMatch(new RegExp(`^${h.name} rejected the credentials \\(401 .*\\): check OPSDECK_`));
    });
  }
});

describe("GitHub App credentials (recorded fixtures)", () => {
  it("exchanges the app JWT for an installation token and uses it", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const app = new GitHubActionsProvider({ baseUrl: GITHUB_API, auth: { appId: "123456", privateKey, installationId: 42 } });
    server.use(...githubHandlers(state, { acceptToken: (a) => a === "token ghs_installation42tokenABCDEFGHIJKLMNOPQRSTU" }));
    const runs = await app.listRuns("example/payments-api", { limit: 2 });
    expect(runs).toHaveLength(2);
    expect(state.requests[0]!.url).toBe(`${GITHUB_API}/app/installations/42/access_tokens`);
    server.resetHandlers();
  });
});
