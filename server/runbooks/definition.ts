import { Cron } from "croner";
import { z } from "zod";
import { buildParamsSchema, paramDefSchema, type ParamDef } from "@/components/runbooks/param-schema";
import { ROLES } from "@/lib/roles";

/**
 * The runbook definition format (docs/runbooks.md): YAML with apiVersion/kind/metadata/spec, like catalog descriptors.
 * This file holds the zod schema; parse.ts turns YAML text into a checked definition or precise problems (path + line).
 */

export const API_VERSION = "opsdeck.dev/v1";
export const RUNBOOK_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const STEP_ID = /^[a-z][a-z0-9_]{0,62}$/;
export const MAX_STEPS = 100;
/** /runbooks/new and /runbooks/runs are pages, not runbooks. */
export const RESERVED_NAMES = ["new", "runs"];
export const MAX_DEFINITION_BYTES = 256 * 1024;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "5m", "1h", "1d", or a number of seconds → milliseconds. */
export function parseDuration(v: string | number): number | null {
  if (typeof v === "number") return Number.isFinite(v) && v > 0 ? Math.round(v * 1000) : null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(v.trim());
  return m ? Math.round(Number(m[1]) * UNITS[m[2]!]!) : null;
}

const duration = (max: number, what: string) =>
  z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: 'a duration like "30s", "5m", "1h" (or a number of seconds)' });
        return z.NEVER;
      }
      if (ms > max) {
        ctx.addIssue({ code: "custom", message: `${what} may be at most ${formatDuration(max)}` });
        return z.NEVER;
      }
      return ms;
    });

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

const DAY = 86_400_000;
const role = z.enum(ROLES);
/** "checkout:oncall" (team slug : minimum role), "*:admin" (that role in any team). */
const grant = z.string().regex(/^(\*|[a-z0-9][a-z0-9-]*):(viewer|engineer|oncall|admin)$/, 'a "team:role" grant like "checkout:oncall" or "*:admin"');

const retries = z.union([
  z.number().int().min(0).max(10),
  z
    .object({
      count: z.number().int().min(0).max(10),
      backoff: duration(3_600_000, "backoff").default(2000),
      factor: z.number().min(1).max(10).default(2),
      maxBackoff: duration(3_600_000, "maxBackoff").default(60_000),
    })
    .strict(),
]);

const stepCommon = {
  id: z.string().regex(STEP_ID, "lowercase letters, digits and _ (starting with a letter)").optional(),
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
  /** Run this step only when the expression is true (see expr.ts). */
  if: z.string().min(1).max(2000).optional(),
  /** After an earlier failure: success (default) runs only if nothing failed, failure only if something did, always both. */
  when: z.enum(["success", "failure", "always"]).default("success"),
  continueOnError: z.boolean().default(false),
  retries: retries.optional(),
  timeout: duration(DAY, "a step timeout").optional(),
};

const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"), z.string().max(65_536)).optional();

export const shellStep = z
  .object({ ...stepCommon, type: z.literal("shell"), run: z.string().min(1).max(65_536), shell: z.enum(["bash", "sh"]).default("bash"), env: envMap })
  .strict();
export const scriptStep = z
  .object({ ...stepCommon, type: z.literal("script"), lang: z.enum(["bash", "node"]).default("bash"), script: z.string().min(1).max(262_144), env: envMap })
  .strict();
export const httpStep = z
  .object({
    ...stepCommon,
    type: z.literal("http"),
    method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]).default("GET"),
    url: z.string().min(1).max(8192),
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "a header name"), z.string().max(8192)).optional(),
    json: z.unknown().optional(),
    form: z.record(z.string(), z.string()).optional(),
    body: z.string().max(1_048_576).optional(),
    /** Expected status code(s); default any 2xx. */
    expect: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
    followRedirects: z.boolean().default(false),
  })
  .strict();
export const KUBERNETES_ACTIONS = ["restart", "scale", "rollback", "status", "pods", "events", "logs"] as const;
export const kubernetesStep = z
  .object({
    ...stepCommon,
    type: z.literal("kubernetes"),
    action: z.enum(KUBERNETES_ACTIONS),
    /** Catalog component (name or ref) whose workload is meant; templated, e.g. "{{ params.service }}". */
    service: z.string().min(1).max(300),
    /** Environment name (OPSDECK_ENVIRONMENTS); templated. */
    environment: z.string().min(1).max(100),
    replicas: z.union([z.number().int().min(0).max(1000), z.string().min(1)]).optional(),
    revision: z.union([z.number().int().min(1), z.string().min(1)]).optional(),
    /** restart/scale/rollback: wait until the rollout completes (default true). */
    wait: z.boolean().default(true),
    /** logs: lines per pod (default 200). */
    tailLines: z.number().int().min(1).max(10_000).default(200),
    /** Store the step's output as a downloadable artifact with this file name. */
    saveAs: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "a file name").optional(),
  })
  .strict();
export const approvalStep = z
  .object({
    ...stepCommon,
    type: z.literal("approval"),
    approvers: z.number().int().min(1).max(10).default(1),
    role: role.default("oncall"),
    /** Teams whose members may approve (default: the runbook's owner team; "*" = any team). Global admins always may. */
    teams: z.array(z.string().regex(/^(\*|[a-z0-9][a-z0-9-]*)$/, 'a team slug or "*"')).optional(),
    message: z.string().max(2000).optional(),
  })
  .strict();
export const waitStep = z
  .object({
    ...stepCommon,
    type: z.literal("wait"),
    duration: duration(DAY, "a wait").optional(),
    /** Wait until this expression is true, re-running step `rerun` every `interval`. */
    until: z.string().min(1).max(2000).optional(),
    rerun: z.string().regex(STEP_ID, "a step id").optional(),
    interval: duration(3_600_000, "an interval").default(5000),
  })
  .strict();

export const stepSchema = z.discriminatedUnion("type", [shellStep, scriptStep, httpStep, kubernetesStep, approvalStep, waitStep]);
export const STEP_TYPES = ["shell", "script", "http", "kubernetes", "approval", "wait"] as const;

export const scheduleSchema = z
  .object({
    id: z.string().regex(STEP_ID, "lowercase letters, digits and _").optional(),
    cron: z.string().min(1).max(200),
    timezone: z.string().max(100).optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    enabled: z.boolean().default(true),
  })
  .strict();

export const definitionSchema = z
  .object({
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be ${API_VERSION}` }),
    kind: z.literal("Runbook", { error: "kind must be Runbook" }),
    metadata: z
      .object({
        name: z
          .string()
          .regex(RUNBOOK_NAME, "lowercase letters, digits and - (at most 63)")
          .refine((n) => !RESERVED_NAMES.includes(n), "this name is reserved (it is a page of the runbooks section)"),
        title: z.string().min(1).max(200).optional(),
        description: z.string().max(20_000).default(""),
        /** Owning team slug (or a group ref like group:default/checkout). */
        owner: z.string().min(1).max(200),
        tags: z.array(z.string().min(1).max(50)).max(30).default([]),
        /** The catalog component this runbook is for (shown on its page). */
        service: z.string().min(1).max(300).optional(),
      })
      .strict(),
    spec: z
      .object({
        params: z.array(paramDefSchema).max(50).default([]),
        steps: z.array(stepSchema).min(1, "at least one step").max(MAX_STEPS),
        timeout: duration(7 * DAY, "a run timeout").default(3_600_000),
        /** Active (queued, waiting or running) runs allowed at once; 0 = unlimited. */
        concurrency: z.number().int().min(0).max(100).default(1),
        dangerous: z.union([z.boolean(), z.object({ confirm: z.string().min(1).max(300) }).strict()]).default(false),
        permissions: z
          .object({
            run: z.array(grant).optional(),
            runWithApproval: z.array(grant).default([]),
            requireApproval: z.boolean().default(false),
            approval: z
              .object({
                approvers: z.number().int().min(1).max(10).default(1),
                role: role.default("oncall"),
                teams: z.array(z.string().regex(/^(\*|[a-z0-9][a-z0-9-]*)$/, 'a team slug or "*"')).optional(),
              })
              .strict()
              .default({ approvers: 1, role: "oncall" }),
          })
          .strict()
          .default({ runWithApproval: [], requireApproval: false, approval: { approvers: 1, role: "oncall" } }),
        schedules: z.array(scheduleSchema).max(20).default([]),
      })
      .strict(),
  })
  .strict();

export type RunbookDefinition = z.output<typeof definitionSchema>;
export type StepDef = z.output<typeof stepSchema>;
export type StepType = StepDef["type"];
export type ScheduleDef = z.output<typeof scheduleSchema>;
export type Grant = { team: string | "*"; role: (typeof ROLES)[number] };

export function parseGrant(g: string): Grant {
  const [team, r] = g.split(":") as [string, Grant["role"]];
  return { team, role: r };
}

/** The owner team slug from "checkout" or "group:default/checkout". */
export function ownerSlug(owner: string): string {
  const m = /^(?:group:)?(?:[a-z0-9-]+\/)?([a-z0-9][a-z0-9-]*)$/i.exec(owner.trim());
  return (m ? m[1]! : owner).toLowerCase();
}

/** Step ids default to step_<n> (1-based) so every step can be referred to. */
export function stepIdOf(step: { id?: string }, index: number): string {
  return step.id ?? `step_${index + 1}`;
}

export function stepTitle(step: StepDef, index: number): string {
  if (step.name) return step.name;
  if (step.type === "kubernetes") return `${step.action} ${step.service}`;
  if (step.type === "http") return `${step.method} ${step.url}`;
  if (step.type === "wait") return step.duration ? `wait ${formatDuration(step.duration)}` : "wait until condition";
  if (step.type === "approval") return `approval (${step.approvers} × ${step.role})`;
  return step.id ?? `${step.type} step ${index + 1}`;
}

/** Cron check with croner (5 or 6 fields, optional timezone); null when fine. */
export function cronProblem(cron: string, timezone?: string): string | null {
  try {
    new Cron(cron, { timezone, paused: true });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export function paramsSchemaOf(def: RunbookDefinition) {
  return buildParamsSchema(def.spec.params as ParamDef[]);
}
