import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import type { CatalogEntity } from "./model";
import { compactReadModels } from "./read-models";

/**
 * Scorecards: rules (YAML, docs/catalog.md) evaluated against each entity's descriptor. A score row per entity that
 * has applicable rules: 0–100 (weight of passed over weight of applicable rules), the highest level reached, and the
 * failing rule ids. Computed on ingest (for the entities written) and for everything when the rules change.
 */

export const LEVELS = ["bronze", "silver", "gold"] as const;
export type Level = (typeof LEVELS)[number];
export type AchievedLevel = Level | "none";

type Check =
  | { field: string; minLength?: number; oneOf?: string[]; matches?: string }
  | { annotation: string; matches?: string }
  | { link: { type?: string; titleMatches?: string; urlMatches?: string } }
  | { tag: string }
  | { anyOf: Check[] }
  | { allOf: Check[] };

const regex = z.string().refine((s) => {
  try {
    compile(s);
    return true;
  } catch {
    return false;
  }
}, "not a valid regular expression");

const checkSchema: z.ZodType<Check> = z.lazy(() =>
  z.union([
    z.strictObject({ field: z.string().min(1), minLength: z.number().int().min(0).optional(), oneOf: z.array(z.string()).min(1).optional(), matches: regex.optional() }),
    z.strictObject({ annotation: z.string().min(1), matches: regex.optional() }),
    z.strictObject({ link: z.strictObject({ type: z.string().optional(), titleMatches: regex.optional(), urlMatches: regex.optional() }) }),
    z.strictObject({ tag: z.string().min(1) }),
    z.strictObject({ anyOf: z.array(checkSchema).min(1) }),
    z.strictObject({ allOf: z.array(checkSchema).min(1) }),
  ]),
);

export const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes"),
  title: z.string().min(1),
  description: z.string().optional(),
  level: z.enum(LEVELS),
  weight: z.number().int().min(1).max(100).default(1),
  appliesTo: z
    .strictObject({ kinds: z.array(z.string()).min(1).optional(), types: z.array(z.string()).min(1).optional(), lifecycles: z.array(z.string()).min(1).optional() })
    .default({}),
  check: checkSchema,
  fix: z.string().default(""),
});
export type ScorecardRule = z.infer<typeof ruleSchema>;

const rulesFileSchema = z.strictObject({
  rules: z.array(ruleSchema).max(200).refine((rs) => new Set(rs.map((r) => r.id)).size === rs.length, "rule ids must be unique"),
});

export class ScorecardRulesError extends Error {}

const parsedRules = new Map<string, ScorecardRule[]>();

/** Parses and validates a rules document; throws ScorecardRulesError with a plain message naming the problem. */
export function parseRules(yamlText: string): ScorecardRule[] {
  // Every entity page evaluates the rules: the parsed set of the last few documents is kept (rules are not mutated).
  const cached = parsedRules.get(yamlText);
  if (cached) return cached;
  const rules = parseRulesUncached(yamlText);
  if (parsedRules.size >= 8) parsedRules.delete(parsedRules.keys().next().value!);
  parsedRules.set(yamlText, rules);
  return rules;
}

function parseRulesUncached(yamlText: string): ScorecardRule[] {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText, { maxAliasCount: 50, uniqueKeys: true });
  } catch (err) {
    throw new ScorecardRulesError(`Invalid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const r = rulesFileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ScorecardRulesError(`${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data.rules;
}

/** `(?i)` prefix = case-insensitive (YAML has no /…/i literal). */
function compile(s: string): RegExp {
  return s.startsWith("(?i)") ? new RegExp(s.slice(4), "i") : new RegExp(s);
}

/** The descriptor view rules look at. */
export type ScoredEntity = Pick<CatalogEntity, "kind" | "name" | "namespace" | "title" | "description" | "type" | "lifecycle" | "tags" | "metadata" | "spec">;

function docOf(e: ScoredEntity): Record<string, unknown> {
  return {
    kind: e.kind,
    metadata: { name: e.name, namespace: e.namespace, title: e.title, description: e.description, tags: e.tags, ...e.metadata },
    spec: e.spec,
  };
}

function getPath(doc: unknown, p: string): unknown {
  let v: unknown = doc;
  for (const part of p.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function present(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "string") return v.trim().length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function evaluate(check: Check, e: ScoredEntity, doc: Record<string, unknown>): boolean {
  if ("anyOf" in check) return check.anyOf.some((c) => evaluate(c, e, doc));
  if ("allOf" in check) return check.allOf.every((c) => evaluate(c, e, doc));
  if ("tag" in check) return e.tags.includes(check.tag.toLowerCase());
  if ("annotation" in check) {
    const v = e.metadata.annotations[check.annotation];
    return present(v) && (!check.matches || compile(check.matches).test(v!));
  }
  if ("link" in check) {
    const l = check.link;
    return e.metadata.links.some(
      (link) =>
        (!l.type || (link.type ?? "").toLowerCase() === l.type.toLowerCase()) &&
        (!l.titleMatches || compile(l.titleMatches).test(link.title ?? "")) &&
        (!l.urlMatches || compile(l.urlMatches).test(link.url)),
    );
  }
  const v = getPath(doc, check.field);
  if (!present(v)) return false;
  const s = typeof v === "string" ? v : JSON.stringify(v);
  if (check.minLength !== undefined && s.trim().length < check.minLength) return false;
  if (check.oneOf && !check.oneOf.map((x) => x.toLowerCase()).includes(s.toLowerCase())) return false;
  if (check.matches && !compile(check.matches).test(s)) return false;
  return true;
}

export function applies(rule: ScorecardRule, e: ScoredEntity): boolean {
  const a = rule.appliesTo;
  const kinds = a.kinds ?? ["Component"];
  if (!kinds.some((k) => k.toLowerCase() === e.kind.toLowerCase())) return false;
  if (a.types && !a.types.some((t) => t.toLowerCase() === (e.type ?? "").toLowerCase())) return false;
  if (a.lifecycles && !a.lifecycles.some((t) => t.toLowerCase() === (e.lifecycle ?? "").toLowerCase())) return false;
  return true;
}

export type RuleResult = { rule: ScorecardRule; passed: boolean };
export type EntityScoreValue = { score: number; level: AchievedLevel; passed: number; total: number; failing: string[]; results: RuleResult[] };

/** Scores one entity; null when no rule applies to it. */
export function scoreEntity(rules: ScorecardRule[], e: ScoredEntity): EntityScoreValue | null {
  const doc = docOf(e);
  const results = rules.filter((r) => applies(r, e)).map((rule) => ({ rule, passed: safeEvaluate(rule, e, doc) }));
  if (!results.length) return null;
  const total = results.reduce((n, r) => n + r.rule.weight, 0);
  const got = results.reduce((n, r) => n + (r.passed ? r.rule.weight : 0), 0);
  let level: AchievedLevel = "none";
  for (const l of LEVELS) {
    if (results.filter((r) => r.rule.level === l).every((r) => r.passed)) level = l;
    else break;
  }
  return {
    score: Math.round((got / total) * 1000) / 10,
    level,
    passed: results.filter((r) => r.passed).length,
    total: results.length,
    failing: results.filter((r) => !r.passed).map((r) => r.rule.id),
    results,
  };
}

function safeEvaluate(rule: ScorecardRule, e: ScoredEntity, doc: Record<string, unknown>): boolean {
  try {
    return evaluate(rule.check, e, doc);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Storage

export function rulesFilePath(): string {
  return path.resolve(process.env.OPSDECK_SCORECARDS_FILE || path.join(process.cwd(), "config/scorecards.yaml"));
}

const hashOf = (s: string) => createHash("sha256").update(s).digest("hex");

export type RuleSet = { yaml: string; hash: string; source: string; rules: ScorecardRule[]; updatedAt: Date | null; updatedBy: string | null };

/**
 * The rules in force: the database copy; if there is none yet, or it still mirrors the rules file and the file has
 * changed, the file (stored back, so every replica agrees). `changed` says whether scores need recomputing.
 */
export async function loadRules(db: Db | Tx, opts: { file?: string } = {}): Promise<RuleSet & { changed: boolean }> {
  const row = await db.scorecardConfig.findUnique({ where: { id: 1 } });
  if (row && row.source !== "file") return { ...row, rules: parseRules(row.yaml), changed: false };
  let fileText: string | null = null;
  try {
    fileText = readFileSync(opts.file ?? rulesFilePath(), "utf8");
  } catch {
    fileText = null;
  }
  if (fileText === null) {
    return row ? { ...row, rules: parseRules(row.yaml), changed: false } : { yaml: "rules: []\n", hash: hashOf("rules: []\n"), source: "file", rules: [], updatedAt: null, updatedBy: null, changed: false };
  }
  const hash = hashOf(fileText);
  if (row && row.hash === hash) return { ...row, rules: parseRules(row.yaml), changed: false };
  let rules: ScorecardRule[];
  try {
    rules = parseRules(fileText);
  } catch {
    // A broken rules file never replaces working rules; the refresh job logs it (see refreshScorecardsFromFile).
    return row ? { ...row, rules: parseRules(row.yaml), changed: false } : { yaml: "rules: []\n", hash: hashOf("rules: []\n"), source: "file", rules: [], updatedAt: null, updatedBy: null, changed: false };
  }
  const saved = await db.scorecardConfig.upsert({
    where: { id: 1 },
    create: { id: 1, yaml: fileText, hash, source: "file" },
    update: { yaml: fileText, hash, source: "file", updatedAt: new Date(), updatedBy: null },
  });
  return { ...saved, rules, changed: true };
}

/** Replaces the rules (admin edit); returns the previous and new sets. Caller recomputes scores in the same tx. */
export async function saveRules(tx: Tx, yamlText: string, by: string): Promise<{ before: { hash: string; ruleIds: string[] } | null; rules: ScorecardRule[]; hash: string }> {
  const rules = parseRules(yamlText);
  const prev = await tx.scorecardConfig.findUnique({ where: { id: 1 } });
  const hash = hashOf(yamlText);
  await tx.scorecardConfig.upsert({
    where: { id: 1 },
    create: { id: 1, yaml: yamlText, hash, source: "ui", updatedBy: by },
    update: { yaml: yamlText, hash, source: "ui", updatedBy: by, updatedAt: new Date() },
  });
  return { before: prev ? { hash: prev.hash, ruleIds: safeIds(prev.yaml) } : null, rules, hash };
}

function safeIds(y: string): string[] {
  try {
    return parseRules(y).map((r) => r.id);
  } catch {
    return [];
  }
}

type ScoreRow = { entityId: string; value: EntityScoreValue | null };

/** Upserts (or deletes, when no rule applies) the score rows of the given entities. */
export async function writeScores(tx: Db | Tx, rows: ScoreRow[]): Promise<void> {
  const upserts = rows.filter((r) => r.value);
  const deletes = rows.filter((r) => !r.value).map((r) => r.entityId);
  for (let i = 0; i < upserts.length; i += 5000) {
    const chunk = upserts.slice(i, i + 5000).map((r) => ({ e: r.entityId, s: r.value!.score, l: r.value!.level, p: r.value!.passed, t: r.value!.total, f: r.value!.failing }));
    await tx.$executeRaw`
      INSERT INTO "EntityScore" ("entityId", "score", "level", "passed", "total", "failing", "computedAt", "kind", "ownerRef", "ownerTeamId")
      SELECT x.e, x.s, x.l, x.p, x.t, ARRAY(SELECT jsonb_array_elements_text(x.f)), now(), e."kind", e."ownerRef", e."ownerTeamId"
      FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS x(e text, s float8, l text, p int, t int, f jsonb)
      JOIN "Entity" e ON e."id" = x.e
      ON CONFLICT ("entityId") DO UPDATE SET "score" = EXCLUDED."score", "level" = EXCLUDED."level", "passed" = EXCLUDED."passed",
        "total" = EXCLUDED."total", "failing" = EXCLUDED."failing", "computedAt" = EXCLUDED."computedAt"`;
  }
  for (let i = 0; i < deletes.length; i += 10000) {
    await tx.$executeRaw`DELETE FROM "EntityScore" WHERE "entityId" = ANY(${deletes.slice(i, i + 10000)}::text[])`;
  }
}

type StoredEntityRow = {
  id: string;
  kind: string;
  name: string;
  namespace: string;
  title: string | null;
  description: string;
  type: string | null;
  lifecycle: string | null;
  tags: string[];
  metadata: Prisma.JsonValue;
  spec: Prisma.JsonValue;
};

export function scoredFromRow(r: StoredEntityRow): ScoredEntity {
  const m = (r.metadata ?? {}) as Partial<ScoredEntity["metadata"]>;
  return {
    kind: r.kind as ScoredEntity["kind"],
    name: r.name,
    namespace: r.namespace,
    title: r.title,
    description: r.description,
    type: r.type,
    lifecycle: r.lifecycle,
    tags: r.tags,
    metadata: { annotations: m.annotations ?? {}, labels: m.labels ?? {}, links: m.links ?? [] },
    spec: (r.spec ?? {}) as Record<string, unknown>,
  };
}

/** Recomputes every entity's score (after a rule change), in id order, 2,000 at a time. Returns how many were scored. */
export async function recomputeAllScores(tx: Db | Tx, rules: ScorecardRule[]): Promise<number> {
  let after = "";
  let n = 0;
  for (;;) {
    const batch = await tx.$queryRaw<StoredEntityRow[]>`
      SELECT "id", "kind", "name", "namespace", "title", "description", "type", "lifecycle", "tags", "metadata", "spec"
      FROM "Entity" WHERE "id" > ${after} ORDER BY "id" LIMIT 2000`;
    if (!batch.length) break;
    await writeScores(tx, batch.map((r) => ({ entityId: r.id, value: scoreEntity(rules, scoredFromRow(r)) })));
    n += batch.length;
    after = batch[batch.length - 1]!.id;
  }
  await compactReadModels(tx);
  return n;
}

/** Input of the rules editor: the whole YAML document, validated before anything is written. */
export const scorecardRulesInput = z.object({
  yaml: z
    .string()
    .max(256 * 1024)
    .superRefine((y, ctx) => {
      try {
        parseRules(y);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    }),
});
