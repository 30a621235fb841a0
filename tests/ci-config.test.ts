import { mkdtemp, mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { bindingsOf, resolveWorkdir } from "@/server/ci/bindings";
import { externalProviders } from "@/server/ci/config";
import { parsePipeline, renderVersion, resolveInputs } from "@/server/providers/ci";

const base = { DATABASE_URL: "postgresql://x@127.0.0.1/db" };
const problem = (extra: Record<string, string>) => {
  try {
    parseEnv({ ...base, ...extra });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

describe("CI and cloud settings", () => {
  it("refuse incomplete or inconsistent provider settings, naming the variables", () => {
    expect(problem({ OPSDECK_GITLAB_URL: "https://gitlab.example.com" })).toMatch(/OPSDECK_GITLAB_URL, OPSDECK_GITLAB_TOKEN: give both or neither/);
    expect(problem({ OPSDECK_JENKINS_URL: "https://jenkins.example.com", OPSDECK_JENKINS_USER: "u" })).toMatch(/give all three or none/);
    expect(problem({ OPSDECK_GITHUB_APP_ID: "1" })).toMatch(/give all three for GitHub App credentials/);
    expect(problem({ OPSDECK_GITHUB_TOKEN: "t", OPSDECK_GITHUB_APP_ID: "1", OPSDECK_GITHUB_APP_PRIVATE_KEY: "k", OPSDECK_GITHUB_APP_INSTALLATION_ID: "2" })).toMatch(/not both/);
    expect(problem({ OPSDECK_CI_BINDINGS: "{nope" })).toMatch(/OPSDECK_CI_BINDINGS: must be JSON/);
    expect(problem({ OPSDECK_CI_BINDINGS: '{"svc":{"github":"no-slash"}}' })).toMatch(/OPSDECK_CI_BINDINGS\.svc\.github: owner\/repo/);
    expect(problem({ OPSDECK_AWS_ACCOUNTS: '[{"name":"prod","regions":["europe"]}]' })).toMatch(/OPSDECK_AWS_ACCOUNTS\.0\.regions\.0: an AWS region/);
    expect(problem({ OPSDECK_CI_POLL_CRON: "often" })).toMatch(/OPSDECK_CI_POLL_CRON: must be a 5-field cron expression/);
    expect(problem({ OPSDECK_AWS_ACCOUNTS: '[{"name":"prod","regions":["eu-west-1"],"roleArn":"arn:aws:iam::123456789012:role/read"}]' })).toBeNull();
  });

  it("builds exactly the configured providers", () => {
    const e = parseEnv({ ...base, OPSDECK_GITLAB_URL: "https://gitlab.example.com", OPSDECK_GITLAB_TOKEN: "glpat-x" });
    expect(Object.keys(externalProviders(e))).toEqual(["gitlab"]);
    expect(Object.keys(externalProviders(parseEnv(base)))).toEqual([]);
  });
});

describe("bindings", () => {
  let root = "";
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "opsdeck-bind-"));
    await mkdir(path.join(root, "svc"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("annotations first, config fills the gaps; Jenkins instance prefixes dropped; working copies confined to the roots", () => {
    const entity = { ref: "component:default/svc", name: "svc", metadata: { annotations: { "github.com/project-slug": "acme/svc", "jenkins.io/job-full-name": "main:team/svc" } } };
    const b = bindingsOf(entity, { bindings: { svc: { github: "other/repo", gitlab: "team/svc", workdir: "svc" } }, roots: [root] });
    expect(b).toEqual([
      { provider: "github", target: "acme/svc", source: "annotation", problem: null },
      { provider: "gitlab", target: "team/svc", source: "config", problem: null },
      { provider: "jenkins", target: "team/svc", source: "annotation", problem: null },
      { provider: "builtin", target: path.join(root, "svc"), source: "config", problem: null },
    ]);
    expect(resolveWorkdir("/etc", [root])).toEqual({ problem: "/etc is outside OPSDECK_CI_WORKDIR_ROOTS" });
    expect(resolveWorkdir("../../etc", [root])).toMatchObject({ problem: expect.stringMatching(/not found under/) });
    expect(resolveWorkdir("svc", [])).toMatchObject({ problem: expect.stringMatching(/built-in runner is off/) });
  });
});

describe("pipeline files", () => {
  it("are validated with the path of the problem", () => {
    expect(() => parsePipeline("stages: []")).toThrow(/stages: Too small/);
    expect(() => parsePipeline("stages: [{ name: a, steps: [{ name: s }] }]")).toThrow(/stages\.0\.steps\.0\.run/);
    expect(() => parsePipeline("stages: [{ name: a, steps: [{ name: s, run: x }] }]\nartefacts: [../secret]")).toThrow(/artefacts\.0: a path inside the working copy/);
    expect(() => parsePipeline(": : :")).toThrow(/not valid YAML/);
  });

  it("resolve inputs (defaults, required, options) and render versions", () => {
    const p = parsePipeline("inputs: [{ name: a, required: true }, { name: b, default: x, options: [x, y] }]\nstages: [{ name: s, steps: [{ name: t, run: 'true' }] }]");
    expect(() => resolveInputs(p, {})).toThrow('input "a" is required');
    expect(resolveInputs(p, { a: "1" })).toEqual({ a: "1", b: "x" });
    expect(() => resolveInputs(p, { a: "1", b: "z" })).toThrow("must be one of x, y");
    const now = new Date("2026-11-24T10:00:00Z");
    expect(renderVersion(undefined, { number: 7, sha: "0123456789abcdef0123456789abcdef01234567", now })).toBe("0123456");
    expect(renderVersion(undefined, { number: 7, sha: null, now })).toBe("build-7");
    expect(renderVersion("2.{number}.{date}-{sha7}", { number: 7, sha: "abcdef0123", now })).toBe("2.7.20261124-abcdef0");
  });
});
