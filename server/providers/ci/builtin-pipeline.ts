import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * The built-in runner's pipeline file, `.opsdeck/pipeline.yaml` in a service's working copy:
 *
 *   name: build
 *   env: { GOFLAGS: -mod=vendor }            # every step
 *   inputs:                                  # trigger form; steps read them as $PARAM_<NAME>
 *     - { name: channel, default: stable, options: [stable, beta] }
 *   stages:
 *     - name: test
 *       steps:
 *         - { name: unit tests, run: ./scripts/test.sh, timeout: 300 }
 *   artefacts: [dist/*.tgz]                  # files kept after a successful run
 *   version: "1.4.{number}"                  # or a step writes version=… to "$OPSDECK_OUTPUT"
 *
 * Steps run with bash (`-eo pipefail`) in a copy of the working copy; inputs are never spliced into the commands.
 */
export const PIPELINE_FILE = ".opsdeck/pipeline.yaml";

const name = z.string().trim().min(1).max(100);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");
const envMap = z.record(envName, z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({});

const step = z.object({
  name,
  run: z.string().min(1).max(20_000),
  /** Seconds (default 600). */
  timeout: z.number().int().min(1).max(6 * 3600).default(600),
  env: envMap,
});

export const pipelineSchema = z.object({
  name: name.default("pipeline"),
  env: envMap,
  inputs: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "letters, digits, - and _"),
        description: z.string().max(500).default(""),
        required: z.boolean().default(false),
        default: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
        options: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
      }),
    )
    .default([]),
  stages: z
    .array(z.object({ name, steps: z.array(step).min(1).max(50) }))
    .min(1)
    .max(20)
    .refine((s) => new Set(s.map((x) => x.name)).size === s.length, "stage names must be unique"),
  artefacts: z.array(z.string().min(1).max(300).refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "a path inside the working copy")).max(50).default([]),
  /** Version template: {number}, {sha}, {sha7}, {date} (YYYYMMDD). Default "{sha7}" with a commit, else "build-{number}". */
  version: z.string().max(100).optional(),
});
export type Pipeline = z.output<typeof pipelineSchema>;

export class PipelineError extends Error {}

export function parsePipeline(text: string, file = PIPELINE_FILE): Pipeline {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PipelineError(`${file}: not valid YAML (${(err as Error).message.split("\n")[0]})`);
  }
  const r = pipelineSchema.safeParse(doc);
  if (!r.success) {
    const first = r.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new PipelineError(`${file}: ${first.join("; ")}`);
  }
  return r.data;
}

export async function readPipeline(workdir: string): Promise<Pipeline> {
  const file = path.join(workdir, PIPELINE_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new PipelineError(`no pipeline: ${PIPELINE_FILE} is missing in ${workdir}`);
  }
  return parsePipeline(text);
}

/** Inputs as the steps get them: declared defaults, then the given values; unknown names and missing required ones are refused. */
export function resolveInputs(p: Pipeline, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const declared = new Map(p.inputs.map((i) => [i.name, i]));
  for (const k of Object.keys(given)) if (!declared.has(k)) throw new PipelineError(`unknown input "${k}" (declared: ${[...declared.keys()].join(", ") || "none"})`);
  for (const i of p.inputs) {
    const v = given[i.name] ?? i.default;
    if (v === undefined || v === "") {
      if (i.required) throw new PipelineError(`input "${i.name}" is required`);
      continue;
    }
    if (i.options && !i.options.includes(v)) throw new PipelineError(`input "${i.name}" must be one of ${i.options.join(", ")}`);
    out[i.name] = v;
  }
  return out;
}

export function renderVersion(template: string | undefined, v: { number: number; sha: string | null; now: Date }): string {
  const t = template ?? (v.sha ? "{sha7}" : "build-{number}");
  const date = v.now.toISOString().slice(0, 10).replace(/-/g, "");
  return t
    .replace(/\{number\}/g, String(v.number))
    .replace(/\{sha7\}/g, v.sha?.slice(0, 7) ?? "nosha")
    .replace(/\{sha\}/g, v.sha ?? "nosha")
    .replace(/\{date\}/g, date);
}
