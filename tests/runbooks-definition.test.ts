import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseRunbookYaml } from "@/server/runbooks/parse";
import { ExprError, evalExpr, parseExpr } from "@/server/runbooks/expr";
import { TemplateError, parseTemplate, renderDeep, renderTemplate } from "@/server/runbooks/template";
import { parseDuration } from "@/server/runbooks/definition";
import { buildParamsSchema, defaultValues, validateParams, type ParamDef } from "@/components/runbooks/param-schema";
import { openSecrets, sealSecrets, secretKey } from "@/server/runbooks/secrets";

// Runbook definitions: the YAML schema with precise problems, the expression language, templates, parameter schemas.

const TEAMS = new Set(["platform", "checkout", "payments", "data"]);

function yaml(spec: string, meta = "") {
  return `apiVersion: opsdeck.dev/v1
kind: Runbook
metadata:
  name: demo
  owner: platform
${meta}spec:
${spec}`;
}

const STEPS = `  steps:
    - id: hello
      type: shell
      run: echo hi
`;

function problems(text: string) {
  const r = parseRunbookYaml(text, { teams: TEAMS });
  if (r.ok) throw new Error("expected problems");
  return r.problems;
}

describe("runbook definitions", () => {
  it("the shipped examples are valid", () => {
    const files = readdirSync("runbooks").filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const r = parseRunbookYaml(readFileSync(`runbooks/${f}`, "utf8"), { teams: TEAMS });
      expect(r.ok ? [] : r.problems, f).toEqual([]);
    }
  });

  it("applies defaults", () => {
    const r = parseRunbookYaml(yaml(STEPS), { teams: TEAMS });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.definition.spec).toMatchObject({ timeout: 3_600_000, concurrency: 1, dangerous: false, params: [], schedules: [] });
    expect(r.definition.spec.steps[0]).toMatchObject({ when: "success", continueOnError: false, shell: "bash" });
  });

  it("reports YAML syntax errors with their line", () => {
    expect(problems("apiVersion: opsdeck.dev/v1\nkind: Runbook\nmetadata:\n  name: [broken\n")).toEqual([
      expect.objectContaining({ path: "(document)", line: expect.any(Number), message: expect.stringMatching(/^invalid YAML/) }),
    ]);
  });

  it("points at the line of an unknown step type, a misspelled field and a missing field", () => {
    const text = yaml(`  steps:
    - id: one
      type: shel
      run: echo
    - id: two
      type: shell
      rnu: echo
    - id: three
      type: http
`);
    const p = problems(text);
    expect(p).toEqual(
      expect.arrayContaining([
        { path: "spec.steps[0].type", line: 9, message: 'unknown step type "shel" (use shell, script, http, kubernetes, approval or wait)' },
        { path: "spec.steps[1].rnu", line: 13, message: 'unknown field "rnu"' },
        { path: "spec.steps[1].run", line: 11, message: "required" },
        expect.objectContaining({ path: "spec.steps[2].url", line: 14, message: "required" }),
      ]),
    );
  });

  it("reports a bad duration at its field", () => {
    const text = yaml(`  steps:
    - id: first
      type: shell
      run: echo
      timeout: 5 minutes
`);
    expect(problems(text)).toEqual([{ path: "spec.steps[0].timeout", line: 11, message: 'a duration like "30s", "5m", "1h" (or a number of seconds)' }]);
  });

  it("cross-field checks after the schema passes", () => {
    const text = yaml(`  params:
    - name: env
      type: enum
      options: [dev, prod]
      default: staging
    - name: token
      type: secret
  schedules:
    - cron: "61 * * * *"
      params: { env: dev }
    - cron: "0 3 * * *"
      params: { env: dev, token: abc }
  steps:
    - id: first
      type: shell
      run: echo
      if: "steps.later.ok"
    - id: later
      type: http
      url: "https://example.com/{{ params.missing }}"
    - id: later
      type: wait
      until: steps.first.exitCode ==
      rerun: first
`);
    const p = problems(text);
    const msg = (path: string) => p.filter((x) => x.path === path).map((x) => x.message);
    expect(msg("spec.params[0].default")).toEqual([expect.stringMatching(/default: one of dev, prod/)]);
    expect(msg("spec.schedules[0].cron")[0]).toMatch(/^cron:/);
    expect(msg("spec.schedules[1].params.token")).toEqual([expect.stringMatching(/cannot set a secret parameter/)]);
    expect(msg("spec.steps[0].if")).toEqual([expect.stringMatching(/steps.later is not an earlier step/)]);
    expect(msg("spec.steps[1].url")).toEqual(['unknown parameter "missing"']);
    expect(msg("spec.steps[2].id")).toEqual(['duplicate step id "later"']);
    expect(msg("spec.steps[2].until")[0]).toMatch(/expression: expression ends too early/);
    // every problem has a line in the file
    expect(p.every((x) => typeof x.line === "number")).toBe(true);
    expect(p.find((x) => x.path === "spec.steps[1].url")!.line).toBe(text.split("\n").findIndex((l) => l.includes("params.missing")) + 1);
  });

  it("unknown teams are reported at the owner and in grants", () => {
    const p = problems(yaml(`  permissions:\n    run: ["nosuch:oncall"]\n${STEPS}`).replace("owner: platform", "owner: ghosts"));
    expect(p.map((x) => [x.path, x.message])).toEqual([
      ["metadata.owner", 'no team "ghosts" exists'],
      ["spec.permissions.run[0]", 'no team "nosuch" exists'],
    ]);
  });

  it("durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1.5m")).toBe(90_000);
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration("5 minutes")).toBeNull();
  });
});

describe("expression language", () => {
  const scope = {
    params: { env: "prod", replicas: 3, tags: ["a", "b"], flag: false },
    steps: { check: { status: 200, body: "all ok", json: { items: [{ name: "x" }] }, ok: true } },
    run: { failed: false },
  };
  it.each([
    ["params.env == 'prod'", true],
    ["params.replicas > 2 && params.replicas <= 3", true],
    ["steps.check.status == '200'", true],
    ["steps.check.body contains 'ok'", true],
    ["'a' in params.tags", true],
    ["steps.check.json.items[0].name", "x"],
    ["steps.check.json.items[5].name", null],
    ["params.missing || 'fallback'", "fallback"],
    ["!params.flag", true],
    ["len(params.tags) + 1", 3],
    ["params.env + '-east'", "prod-east"],
    ["steps.check.body matches '^all'", true],
    ["steps.nope.status == null", true],
    ["upper(params.env) startsWith 'PR'", true],
  ])("%s", (src, want) => {
    expect(evalExpr(src, scope as never)).toEqual(want);
  });

  it("has no way to reach prototypes or code", () => {
    expect(evalExpr("params.constructor", scope as never)).toBeNull();
    expect(evalExpr("params['__proto__']", scope as never)).toBeNull();
    expect(evalExpr("params.toString", scope as never)).toBeNull();
    expect(() => parseExpr("process.exit(1)")).toThrow(ExprError);
    expect(() => parseExpr("eval('1')")).toThrow(/unknown function eval/);
    expect(() => parseExpr("params.env = 1")).toThrow(ExprError);
    expect(() => parseExpr("steps.x matches params.env")).toThrow(/string literal/);
  });
});

describe("templates", () => {
  const scope = { params: { q: "a b&c=d/../x", host: "https://api.example.com", n: 3, note: 'say "hi"\nbye' }, opsdeck: { url: "http://localhost:3000" } };
  it("percent-encodes substitutions in URLs except the base", () => {
    expect(renderTemplate(parseTemplate("{{ params.host }}/search?q={{ params.q }}"), scope as never, "url")).toBe("https://api.example.com/search?q=a%20b%26c%3Dd%2F..%2Fx");
    expect(renderTemplate(parseTemplate("{{ params.missing || opsdeck.url + '/api/health' }}"), scope as never, "url")).toBe("http://localhost:3000/api/health");
    expect(() => renderTemplate(parseTemplate("file:///etc/{{ params.q }}"), scope as never, "url")).toThrow(TemplateError);
  });
  it("refuses line breaks in headers", () => {
    expect(() => renderTemplate(parseTemplate("x {{ params.note }}"), scope as never, "header")).toThrow(/line breaks/);
  });
  it("keeps types in JSON bodies and escapes strings by serialising", () => {
    const body = JSON.stringify(renderDeep({ count: "{{ params.n }}", text: "note: {{ params.note }}", list: ["{{ params.q }}"] }, scope as never));
    expect(JSON.parse(body)).toEqual({ count: 3, text: 'note: say "hi"\nbye', list: ["a b&c=d/../x"] });
  });
});

describe("parameter schema (shared by the form and the server)", () => {
  const defs: ParamDef[] = [
    { name: "service", type: "string", pattern: "[a-z-]+", maxLength: 20 },
    { name: "replicas", type: "number", min: 1, max: 5, integer: true, default: 2 },
    { name: "dry_run", type: "boolean" },
    { name: "env", type: "enum", options: ["dev", { value: "prod", label: "Production" }] },
    { name: "regions", type: "multi", options: ["eu", "us", "ap"], maxItems: 2, required: false },
    { name: "token", type: "secret", required: false },
    { name: "notes", type: "string", multiline: true, required: false },
  ];
  it("accepts good values and fills defaults", () => {
    expect(validateParams(defs, { service: "web", env: "prod", dry_run: true })).toEqual({ ok: true, values: { service: "web", replicas: 2, dry_run: true, env: "prod" } });
    expect(validateParams(defs, { service: "web", env: "dev", replicas: "4", regions: ["eu"], notes: "a\nb" })).toMatchObject({ ok: true, values: { replicas: 4, regions: ["eu"], notes: "a\nb" } });
  });
  it("explains every bad value per field", () => {
    const r = validateParams(defs, { service: "Web; rm -rf /", replicas: "9", env: "staging", regions: ["eu", "us", "ap"], extra: "x", notes: "a\0b" });
    expect(r).toEqual({
      ok: false,
      errors: {
        service: "must match [a-z-]+",
        replicas: "at most 5",
        env: "one of dev, prod",
        regions: "pick at most 2",
        extra: "not a parameter of this runbook",
        notes: "contains control characters",
      },
    });
    expect(validateParams(defs, { env: "dev" })).toEqual({ ok: false, errors: { service: "required" } });
    expect(validateParams(defs, { service: "a\nb", env: "dev" })).toEqual({ ok: false, errors: { service: "must be a single line" } });
  });
  it("defaults for the form never include secrets", () => {
    expect(defaultValues(defs)).toEqual({ replicas: 2, dry_run: false, regions: [] });
    expect(buildParamsSchema(defs).safeParse({ service: "ok", env: "dev", token: "x".repeat(2000) }).success).toBe(false);
  });
});

describe("secret parameters at rest", () => {
  it("AES-256-GCM, bound to the run id", () => {
    const key = secretKey("k".repeat(40))!;
    const sealed = sealSecrets({ token: "hunter2" }, "run-1", key);
    expect(sealed).not.toContain("hunter2");
    expect(openSecrets(sealed, "run-1", key)).toEqual({ token: "hunter2" });
    expect(() => openSecrets(sealed, "run-2", key)).toThrow();
    expect(() => openSecrets(sealed, "run-1", secretKey("x".repeat(40))!)).toThrow();
  });
});
