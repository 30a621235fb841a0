import { z } from "zod";

/**
 * Runbook parameters: their definition (as written in the runbook YAML) and the ONE schema builder that validates
 * values — used by the run form in the browser and by the server before a run is created, so both say the same thing.
 * Pure (zod only): server/runbooks imports it from here because components may not import server code.
 */

export const PARAM_TYPES = ["string", "number", "boolean", "enum", "multi", "secret"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** Names become environment variables PARAM_<NAME>: lowercase letters, digits and underscores. */
export const PARAM_NAME = /^[a-z][a-z0-9_]{0,62}$/;
export const DEFAULT_MAX_LENGTH = 1024;
export const MAX_PARAM_LENGTH = 65_536;

const option = z.union([
  z.string().min(1).max(200),
  z.object({ value: z.string().min(1).max(200), label: z.string().max(200).optional() }).strict(),
]);

const common = {
  name: z.string().regex(PARAM_NAME, "lowercase letters, digits and _ (starting with a letter), at most 63"),
  label: z.string().max(120).optional(),
  help: z.string().max(2000).optional(),
  required: z.boolean().optional(),
};

function validRegex(p: string): boolean {
  try {
    new RegExp(p, "u");
    return true;
  } catch {
    return false;
  }
}

export const paramDefSchema = z.discriminatedUnion("type", [
  z
    .object({
      ...common,
      type: z.literal("string"),
      default: z.string().max(MAX_PARAM_LENGTH).optional(),
      pattern: z.string().max(500).refine(validRegex, "not a valid regular expression").optional(),
      minLength: z.number().int().min(0).max(MAX_PARAM_LENGTH).optional(),
      maxLength: z.number().int().min(1).max(MAX_PARAM_LENGTH).optional(),
      /** Newlines are refused unless the parameter says it takes several lines. */
      multiline: z.boolean().optional(),
      placeholder: z.string().max(200).optional(),
    })
    .strict(),
  z
    .object({
      ...common,
      type: z.literal("number"),
      default: z.number().optional(),
      min: z.number().optional(),
      max: z.number().optional(),
      integer: z.boolean().optional(),
    })
    .strict(),
  z.object({ ...common, type: z.literal("boolean"), default: z.boolean().optional() }).strict(),
  z.object({ ...common, type: z.literal("enum"), options: z.array(option).min(1).max(500), default: z.string().optional() }).strict(),
  z
    .object({
      ...common,
      type: z.literal("multi"),
      options: z.array(option).min(1).max(500),
      default: z.array(z.string()).optional(),
      minItems: z.number().int().min(0).optional(),
      maxItems: z.number().int().min(1).optional(),
    })
    .strict(),
  z
    .object({
      ...common,
      type: z.literal("secret"),
      pattern: z.string().max(500).refine(validRegex, "not a valid regular expression").optional(),
      maxLength: z.number().int().min(1).max(MAX_PARAM_LENGTH).optional(),
    })
    .strict(),
]);

export type ParamDef = z.infer<typeof paramDefSchema>;
export type ParamValue = string | number | boolean | string[];
export type ParamValues = Record<string, ParamValue>;

export function optionValues(def: { options: z.infer<typeof option>[] }): { value: string; label: string }[] {
  return def.options.map((o) => (typeof o === "string" ? { value: o, label: o } : { value: o.value, label: o.label ?? o.value }));
}

/** Required unless said otherwise, a default exists, or it is a boolean (unchecked is an answer). */
export function isRequired(def: ParamDef): boolean {
  if (def.required !== undefined) return def.required;
  if (def.type === "boolean") return false;
  return !("default" in def && def.default !== undefined);
}

/** C0 control characters other than tab and newline (and DEL): never valid in a parameter. */
function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return true;
  }
  return false;
}

/** The zod schema of one parameter's value. */
export function paramValueSchema(def: ParamDef): z.ZodType<ParamValue> {
  switch (def.type) {
    case "string":
    case "secret": {
      let s = z.string().max(def.maxLength ?? DEFAULT_MAX_LENGTH, `at most ${def.maxLength ?? DEFAULT_MAX_LENGTH} characters`);
      if (def.type === "string" && def.minLength) s = s.min(def.minLength, `at least ${def.minLength} characters`);
      if (isRequired(def)) s = s.min(1, "required");
      const multiline = def.type === "string" && def.multiline;
      let out: z.ZodType<string> = s.refine((v) => !hasControl(v), "contains control characters");
      if (!multiline) out = out.refine((v) => !/[\r\n]/.test(v), "must be a single line");
      if (def.pattern) {
        const re = new RegExp(`^(?:${def.pattern})$`, "u");
        out = out.refine((v) => v === "" || re.test(v), def.type === "secret" ? "does not have the expected format" : `must match ${def.pattern}`);
      }
      return out;
    }
    case "number": {
      let n = z.number({ error: "a number" }).refine(Number.isFinite, "a finite number");
      if (def.integer) n = n.refine(Number.isInteger, "a whole number");
      if (def.min !== undefined) n = n.refine((v) => v >= def.min!, `at least ${def.min}`);
      if (def.max !== undefined) n = n.refine((v) => v <= def.max!, `at most ${def.max}`);
      return n;
    }
    case "boolean":
      return z.boolean({ error: "true or false" });
    case "enum": {
      const values = optionValues(def).map((o) => o.value);
      return z.string().refine((v) => values.includes(v), `one of ${values.join(", ")}`);
    }
    case "multi": {
      const values = optionValues(def).map((o) => o.value);
      let a = z.array(z.string().refine((v) => values.includes(v), `one of ${values.join(", ")}`)).refine((v) => new Set(v).size === v.length, "no duplicates");
      if (def.minItems !== undefined) a = a.refine((v) => v.length >= def.minItems!, `pick at least ${def.minItems}`);
      if (def.maxItems !== undefined) a = a.refine((v) => v.length <= def.maxItems!, `pick at most ${def.maxItems}`);
      if (isRequired(def)) a = a.refine((v) => v.length > 0, "pick at least one");
      return a;
    }
  }
}

/**
 * The schema of a whole parameter set: defaults filled in, unknown names refused, every value checked.
 * Output: one value per defined parameter (optional ones without value are absent).
 */
export function buildParamsSchema(defs: readonly ParamDef[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const d of defs) {
    const base = paramValueSchema(d);
    const dflt = "default" in d ? d.default : undefined;
    shape[d.name] = dflt !== undefined ? base.optional().transform((v) => (v === undefined ? dflt : v)) : isRequired(d) ? base : base.optional();
  }
  return z.object(shape).strict();
}

/** Default values for a form (strings for text inputs; secrets never have one). */
export function defaultValues(defs: readonly ParamDef[]): ParamValues {
  const out: ParamValues = {};
  for (const d of defs) {
    if (d.type === "secret") continue;
    if (d.default !== undefined) out[d.name] = d.default;
    else if (d.type === "boolean") out[d.name] = false;
    else if (d.type === "multi") out[d.name] = [];
  }
  return out;
}

/** Form text → typed value: "" means "not given" for optional fields; numbers parse, everything else passes through. */
export function fromFormValue(def: ParamDef, raw: ParamValue | undefined): ParamValue | undefined {
  if (raw === undefined) return undefined;
  if (def.type === "number") {
    if (typeof raw === "number") return raw;
    const s = String(raw).trim();
    if (s === "") return undefined;
    const n = Number(s);
    return Number.isNaN(n) ? (s as unknown as number) : n; // a non-number stays a string so the schema says "a number"
  }
  if ((def.type === "string" || def.type === "secret" || def.type === "enum") && raw === "" && !isRequired(def)) return undefined;
  return raw;
}

/** Values as the user typed them → validated typed values, or per-field messages. */
export function validateParams(defs: readonly ParamDef[], raw: Record<string, ParamValue | undefined>):
  | { ok: true; values: ParamValues }
  | { ok: false; errors: Record<string, string> } {
  const typed: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(raw)) {
    const def = defs.find((d) => d.name === k);
    const value = def ? fromFormValue(def, v) : v;
    if (value !== undefined) typed[k] = value;
  }
  const r = buildParamsSchema(defs).safeParse(typed);
  if (r.success) return { ok: true, values: r.data as ParamValues };
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? "_");
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) errors[k] ??= "not a parameter of this runbook";
      continue;
    }
    errors[key] ??= issue.message === "Invalid input: expected string, received undefined" || issue.code === "invalid_type" && typed[key] === undefined ? "required" : issue.message;
  }
  return { ok: false, errors };
}

/** What a parameter's value looks like in logs, audit and history: secrets never appear. */
export function displayValue(def: ParamDef | undefined, v: ParamValue | undefined): string {
  if (def?.type === "secret") return "••••••";
  if (v === undefined) return "—";
  return Array.isArray(v) ? v.join(", ") : String(v);
}
