import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { buildParamsSchema, type ParamDef } from "@/components/runbooks/param-schema";
import { ExprError, parseExpr, pathsOf, type Node } from "./expr";
import { parseTemplate, templatesIn } from "./template";
import {
  MAX_DEFINITION_BYTES,
  cronProblem,
  definitionSchema,
  ownerSlug,
  parseGrant,
  stepIdOf,
  type RunbookDefinition,
  type StepDef,
} from "./definition";

/**
 * YAML text → a checked runbook definition, or precise problems (field path + 1-based line), never an exception.
 * An invalid definition is kept (versioned, shown with its problems) but cannot be run.
 */

export type DefinitionProblem = { path: string; line: number | null; message: string };
export type ParseOutcome =
  | { ok: true; definition: RunbookDefinition; problems: [] }
  | { ok: false; problems: DefinitionProblem[]; /** metadata.name when it could be read, so the runbook still has an identity */ name: string | null };

type P = (string | number)[];

export function pathString(p: P): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i ? `.${k}` : k)).join("") || "(document)";
}

export type ParseOptions = {
  /** Slugs of the teams that exist: when given, the owner and every team named in grants must be one of them. */
  teams?: ReadonlySet<string>;
};

export function parseRunbookYaml(text: string, opts: ParseOptions = {}): ParseOutcome {
  const problems: DefinitionProblem[] = [];
  if (Buffer.byteLength(text, "utf8") > MAX_DEFINITION_BYTES) {
    return { ok: false, name: null, problems: [{ path: "(document)", line: null, message: `the definition is larger than ${MAX_DEFINITION_BYTES / 1024} KiB` }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const lineAt = (offset: number | undefined) => (typeof offset === "number" ? lineCounter.linePos(offset).line : null);
  if (doc.errors.length) {
    return {
      ok: false,
      name: null,
      problems: doc.errors.slice(0, 5).map((e) => ({ path: "(document)", line: lineAt(e.pos?.[0]), message: `invalid YAML: ${e.message.split("\n")[0]}` })),
    };
  }
  /** Line of the deepest existing node along `p` (a missing field points at its parent). */
  const lineOf = (p: P): number | null => {
    for (let n = p.length; n >= 0; n--) {
      try {
        const node = (n === 0 ? doc.contents : doc.getIn(p.slice(0, n), true)) as { range?: [number, number, number] } | null | undefined;
        const line = lineAt(node?.range?.[0]);
        if (line !== null) return line;
      } catch {
        // a scalar along the way: try the parent
      }
    }
    return null;
  };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, name: null, problems: [{ path: "(document)", line: 1, message: `invalid YAML: ${(e as Error).message}` }] };
  }
  const name = readName(raw);
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, name, problems: [{ path: "(document)", line: 1, message: "a runbook is a mapping with apiVersion, kind, metadata and spec" }] };
  }
  const parsed = definitionSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 20)) {
      const p = issue.path.filter((x): x is string | number => typeof x === "string" || typeof x === "number");
      const at = issue.code === "unrecognized_keys" ? [...p, issue.keys[0]!] : p;
      problems.push({ path: pathString(at), line: lineOf(at), message: describeIssue(issue, raw, p) });
    }
    return { ok: false, name, problems };
  }
  const def = parsed.data;
  const report = (p: P, message: string) => problems.push({ path: pathString(p), line: lineOf(p), message });
  crossCheck(def, report);
  if (opts.teams) checkTeams(def, opts.teams, report);
  if (problems.length) return { ok: false, name, problems };
  return { ok: true, definition: def, problems: [] };
}

function checkTeams(def: RunbookDefinition, teams: ReadonlySet<string>, report: (p: P, message: string) => void) {
  const owner = ownerSlug(def.metadata.owner);
  if (!teams.has(owner)) report(["metadata", "owner"], `no team ${JSON.stringify(owner)} exists`);
  const perms = def.spec.permissions;
  const grants: [P, string][] = [
    ...(perms.run ?? []).map((g, i): [P, string] => [["spec", "permissions", "run", i], g]),
    ...perms.runWithApproval.map((g, i): [P, string] => [["spec", "permissions", "runWithApproval", i], g]),
  ];
  for (const [p, g] of grants) {
    const { team } = parseGrant(g);
    if (team !== "*" && !teams.has(team)) report(p, `no team ${JSON.stringify(team)} exists`);
  }
  const teamLists: [P, string[] | undefined][] = [
    [["spec", "permissions", "approval", "teams"], perms.approval.teams],
    ...def.spec.steps.map((s, i): [P, string[] | undefined] => [["spec", "steps", i, "teams"], s.type === "approval" ? s.teams : undefined]),
  ];
  for (const [p, list] of teamLists) list?.forEach((t, i) => t !== "*" && !teams.has(t) && report([...p, i], `no team ${JSON.stringify(t)} exists`));
}

function readName(raw: unknown): string | null {
  const n = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof n === "string" && /^[a-z0-9][a-z0-9-]{0,62}$/.test(n) ? n : null;
}

function valueAt(raw: unknown, p: P): unknown {
  let v = raw;
  for (const k of p) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, p: P): string {
  switch (issue.code) {
    case "invalid_type":
      return valueAt(raw, p) === undefined ? "required" : `expected ${issue.expected}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_union": {
      // A discriminated union reports at the discriminator itself (…type) when its value matches no member.
      const t = p[p.length - 1] === "type" ? valueAt(raw, p) : valueAt(raw, [...p, "type"]);
      if (p.includes("steps") && t !== undefined) return `unknown step type ${JSON.stringify(t)} (use shell, script, http, kubernetes, approval or wait)`;
      if (p.includes("params") && t !== undefined) return `unknown parameter type ${JSON.stringify(t)} (use string, number, boolean, enum, multi or secret)`;
      if (t === undefined && (p.includes("steps") || p.includes("params"))) return "type is required";
      return issue.message;
    }
    case "too_small":
      return issue.message.startsWith("Too small") ? `must have at least ${issue.minimum}` : issue.message;
    case "too_big":
      return issue.message.startsWith("Too big") ? `must have at most ${issue.maximum}` : issue.message;
    default:
      return issue.message;
  }
}

/** Checks zod cannot express: unique ids, expressions, references to earlier steps/params, schedules, defaults. */
function crossCheck(def: RunbookDefinition, report: (p: P, message: string) => void) {
  const paramNames = new Set<string>();
  def.spec.params.forEach((prm, i) => {
    if (paramNames.has(prm.name)) report(["spec", "params", i, "name"], `duplicate parameter ${JSON.stringify(prm.name)}`);
    paramNames.add(prm.name);
    if ("default" in prm && prm.default !== undefined) {
      const r = buildParamsSchema([prm as ParamDef]).safeParse({ [prm.name]: prm.default });
      if (!r.success) report(["spec", "params", i, "default"], `default: ${r.error.issues[0]?.message ?? "invalid"}`);
    }
    if (prm.type === "number" && prm.min !== undefined && prm.max !== undefined && prm.min > prm.max) report(["spec", "params", i, "min"], "min is larger than max");
  });

  const ids: string[] = [];
  const checkExpr = (node: Node, p: P, stepIndex: number) => {
    for (const path of pathsOf(node)) {
      if (path[0] === "params" && path[1] !== undefined && !paramNames.has(path[1])) report(p, `unknown parameter ${JSON.stringify(path[1])}`);
      if (path[0] === "steps" && path[1] !== undefined) {
        const at = ids.indexOf(path[1]);
        if (at < 0 || at >= stepIndex) report(p, `steps.${path[1]} is not an earlier step (conditions and templates can only use results of steps before this one)`);
      }
    }
  };
  const expr = (src: string, p: P, stepIndex: number) => {
    try {
      checkExpr(parseExpr(src), p, stepIndex);
    } catch (e) {
      if (e instanceof ExprError) report(p, `expression: ${e.message} (at character ${e.offset + 1})`);
      else throw e;
    }
  };
  const templates = (value: unknown, p: P, stepIndex: number) => {
    for (const t of templatesIn(value, p)) {
      try {
        for (const part of parseTemplate(t.source).parts) if (typeof part !== "string") checkExpr(part, t.path, stepIndex);
      } catch (e) {
        if (e instanceof ExprError) report(t.path, `template: ${e.message} (at character ${e.offset + 1})`);
        else throw e;
      }
    }
  };

  def.spec.steps.forEach((s: StepDef, i) => {
    const id = stepIdOf(s, i);
    const p: P = ["spec", "steps", i];
    if (ids.includes(id)) report([...p, "id"], `duplicate step id ${JSON.stringify(id)}`);
    ids.push(id);
    if (s.if) expr(s.if, [...p, "if"], i);
    templates(s.name, [...p, "name"], 0); // names are rendered when the run is created: parameters only
    switch (s.type) {
      case "shell":
      case "script":
        templates(s.env, [...p, "env"], i);
        break;
      case "http":
        templates(s.url, [...p, "url"], i);
        templates(s.headers, [...p, "headers"], i);
        templates(s.json, [...p, "json"], i);
        templates(s.form, [...p, "form"], i);
        templates(s.body, [...p, "body"], i);
        if ([s.json, s.form, s.body].filter((x) => x !== undefined).length > 1) report(p, "give at most one of json, form and body");
        if (!s.url.startsWith("{{") && !/^https?:\/\//.test(s.url)) report([...p, "url"], "must start with http:// or https:// (or a {{ … }} base)");
        break;
      case "kubernetes":
        templates(s.service, [...p, "service"], i);
        templates(s.environment, [...p, "environment"], i);
        templates(s.replicas, [...p, "replicas"], i);
        templates(s.revision, [...p, "revision"], i);
        if (s.action === "scale" && s.replicas === undefined) report(p, "scale needs replicas");
        if (s.action !== "scale" && s.replicas !== undefined) report([...p, "replicas"], "replicas is only for scale");
        if (s.action !== "rollback" && s.revision !== undefined) report([...p, "revision"], "revision is only for rollback");
        break;
      case "approval":
        templates(s.message, [...p, "message"], i);
        if (s.retries !== undefined) report([...p, "retries"], "an approval step cannot be retried");
        break;
      case "wait":
        if ((s.duration === undefined) === (s.until === undefined)) report(p, "give either duration or until");
        if (s.until !== undefined) {
          expr(s.until, [...p, "until"], i);
          if (!s.rerun) report(p, "until needs rerun: the id of an earlier step to re-run until the condition holds");
          else {
            const at = ids.indexOf(s.rerun);
            const target = def.spec.steps[at];
            if (at < 0 || at >= i) report([...p, "rerun"], `${JSON.stringify(s.rerun)} is not an earlier step`);
            else if (target && (target.type === "approval" || target.type === "wait")) report([...p, "rerun"], "only shell, script, http and kubernetes steps can be re-run");
          }
        } else if (s.rerun) report([...p, "rerun"], "rerun is only used with until");
        break;
    }
  });

  if (typeof def.spec.dangerous === "object") templates(def.spec.dangerous.confirm, ["spec", "dangerous", "confirm"], def.spec.steps.length);

  const paramsSchema = buildParamsSchema(def.spec.params as ParamDef[]);
  def.spec.schedules.forEach((sc, i) => {
    const p: P = ["spec", "schedules", i];
    const cron = cronProblem(sc.cron, sc.timezone);
    if (cron) report([...p, "cron"], `cron: ${cron}`);
    const secret = def.spec.params.find((x) => x.type === "secret" && sc.params[x.name] !== undefined);
    if (secret) report([...p, "params", secret.name], "a schedule cannot set a secret parameter (it would be stored in clear in the definition)");
    const r = paramsSchema.safeParse(sc.params);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const key = issue.code === "unrecognized_keys" ? issue.keys[0]! : String(issue.path[0] ?? "");
      report([...p, "params", ...(key ? [key] : [])], `schedule parameters: ${key ? `${key}: ` : ""}${issue.code === "unrecognized_keys" ? "not a parameter of this runbook" : issue.message}`);
    }
  });
  const scheduleIds = new Set<string>();
  def.spec.schedules.forEach((sc, i) => {
    const id = sc.id ?? `schedule_${i + 1}`;
    if (scheduleIds.has(id)) report(["spec", "schedules", i, "id"], `duplicate schedule id ${JSON.stringify(id)}`);
    scheduleIds.add(id);
  });
}
