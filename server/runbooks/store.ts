import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import type { Prisma } from "@/generated/prisma/client";
import type { RunbookSource } from "@/generated/prisma/enums";
import type { Db, Tx } from "@/server/db/client";
import { normalizeRef } from "@/server/catalog/refs";
import { ownerSlug, type RunbookDefinition } from "./definition";
import { parseRunbookYaml, type DefinitionProblem } from "./parse";

/**
 * Runbook definitions in Postgres: every change of the text is a new RunbookVersion (nothing is overwritten), and the
 * Runbook row carries what lists and the concurrency trigger need from the current version.
 */

export function hashYaml(yaml: string): string {
  return createHash("sha256").update(yaml).digest("hex");
}

export async function teamSlugs(db: Db | Tx): Promise<Set<string>> {
  const rows = await db.team.findMany({ select: { slug: true } });
  return new Set(rows.map((r) => r.slug));
}

export type SaveInput = {
  yaml: string;
  source: RunbookSource;
  /** file path / "entityRef#path" for synced sources. */
  sourceRef?: string | null;
  /** The catalog entity whose annotation provided it (source entity). */
  entityRef?: string | null;
  /** Name to use when the YAML is too broken to give one (synced files keep their identity from the file name). */
  fallbackName?: string;
  createdById?: string | null;
  createdBy: string;
  message?: string;
  /** Optimistic concurrency for UI edits: the version the editor started from. */
  baseVersion?: number;
};

export type SaveResult = {
  runbookId: string;
  name: string;
  version: number;
  /** "created" | "updated" | "unchanged" */
  change: "created" | "updated" | "unchanged";
  valid: boolean;
  problems: DefinitionProblem[];
  before: { version: number; valid: boolean } | null;
};

export class RunbookConflict extends Error {}

/** Writes a new version when the text changed (or creates the runbook). Call inside a transaction. */
export async function saveVersion(tx: Tx, input: SaveInput): Promise<SaveResult> {
  const parsed = parseRunbookYaml(input.yaml, { teams: await teamSlugs(tx) });
  const name = parsed.ok ? parsed.definition.metadata.name : (parsed.name ?? input.fallbackName ?? null);
  if (!name) throw new RunbookConflict("metadata.name is missing or invalid, so the runbook has no name");
  const hash = hashYaml(input.yaml);
  const existing = await tx.runbook.findUnique({ where: { name }, select: { id: true, source: true, sourceRef: true, currentVersion: true, valid: true, archivedAt: true } });
  if (existing && (existing.source !== input.source || (input.source !== "ui" && existing.sourceRef !== (input.sourceRef ?? null)))) {
    if (!existing.archivedAt) {
      throw new RunbookConflict(`a runbook named ${JSON.stringify(name)} already comes from ${existing.source === "ui" ? "the UI" : existing.sourceRef}`);
    }
  }
  if (existing && input.baseVersion !== undefined && existing.currentVersion !== input.baseVersion) {
    throw new TRPCError({ code: "CONFLICT", message: `Someone saved version ${existing.currentVersion} since you opened version ${input.baseVersion}; reload and apply your change again` });
  }
  const def = parsed.ok ? parsed.definition : null;
  const summary = await summaryOf(tx, def, input);
  const problems = parsed.ok ? [] : parsed.problems;

  if (existing) {
    const current = await tx.runbookVersion.findUnique({ where: { runbookId_version: { runbookId: existing.id, version: existing.currentVersion } }, select: { hash: true } });
    const sameSource = existing.source === input.source && existing.sourceRef === (input.sourceRef ?? null);
    if (current?.hash === hash && sameSource && !existing.archivedAt) {
      return { runbookId: existing.id, name, version: existing.currentVersion, change: "unchanged", valid: existing.valid, problems, before: { version: existing.currentVersion, valid: existing.valid } };
    }
    const version = existing.currentVersion + 1;
    await tx.runbookVersion.create({ data: versionData(existing.id, version, input, hash, def, problems) });
    await tx.runbook.update({
      where: { id: existing.id },
      data: { ...summary, name, currentVersion: version, archivedAt: null, source: input.source, sourceRef: input.sourceRef ?? null },
    });
    if (def) await syncSchedules(tx, existing.id, def);
    return { runbookId: existing.id, name, version, change: "updated", valid: def !== null, problems, before: { version: existing.currentVersion, valid: existing.valid } };
  }
  const rb = await tx.runbook.create({
    data: { ...summary, name, source: input.source, sourceRef: input.sourceRef ?? null, currentVersion: 1 },
    select: { id: true },
  });
  await tx.runbookVersion.create({ data: versionData(rb.id, 1, input, hash, def, problems) });
  if (def) await syncSchedules(tx, rb.id, def);
  return { runbookId: rb.id, name, version: 1, change: "created", valid: def !== null, problems, before: null };
}

function versionData(runbookId: string, version: number, input: SaveInput, hash: string, def: RunbookDefinition | null, problems: DefinitionProblem[]) {
  return {
    runbookId,
    version,
    yaml: input.yaml,
    hash,
    valid: def !== null,
    problems: problems as unknown as Prisma.InputJsonValue,
    definition: (def ?? undefined) as Prisma.InputJsonValue | undefined,
    source: input.source,
    createdById: input.createdById ?? null,
    createdBy: input.createdBy,
    message: input.message ?? "",
  } satisfies Prisma.RunbookVersionUncheckedCreateInput;
}

async function summaryOf(tx: Tx, def: RunbookDefinition | null, input: SaveInput) {
  if (!def) {
    // Keep the runbook visible (with its problems) but unrunnable; the summary says what little is known.
    return { valid: false, title: input.fallbackName ?? "Invalid runbook", description: "", dangerous: false, entityRef: input.entityRef ?? null };
  }
  const slug = ownerSlug(def.metadata.owner);
  const team = await tx.team.findUnique({ where: { slug }, select: { id: true } });
  const service = def.metadata.service ? normalizeRef(def.metadata.service, { kind: "component", namespace: "default" }) : null;
  return {
    valid: true,
    title: def.metadata.title ?? def.metadata.name,
    description: def.metadata.description,
    ownerSlug: slug,
    ownerTeamId: team?.id ?? null,
    entityRef: service ?? input.entityRef ?? null,
    tags: def.metadata.tags,
    dangerous: def.spec.dangerous !== false,
    concurrency: def.spec.concurrency,
  };
}

/** Schedule rows follow the definition; a new (or changed) schedule starts counting from now, so nothing is "missed". */
async function syncSchedules(tx: Tx, runbookId: string, def: RunbookDefinition) {
  const now = new Date();
  const want = def.spec.schedules.map((s, i) => ({ scheduleId: s.id ?? `schedule_${i + 1}`, cron: s.cron, timezone: s.timezone ?? null, enabled: s.enabled }));
  const have = await tx.runbookSchedule.findMany({ where: { runbookId } });
  for (const h of have) {
    if (!want.some((w) => w.scheduleId === h.scheduleId)) await tx.runbookSchedule.delete({ where: { runbookId_scheduleId: { runbookId, scheduleId: h.scheduleId } } });
  }
  for (const w of want) {
    const h = have.find((x) => x.scheduleId === w.scheduleId);
    if (!h) await tx.runbookSchedule.create({ data: { runbookId, ...w, checkedUntil: now } });
    else if (h.cron !== w.cron || h.timezone !== w.timezone || h.enabled !== w.enabled) {
      await tx.runbookSchedule.update({
        where: { runbookId_scheduleId: { runbookId, scheduleId: w.scheduleId } },
        // Re-enabling or changing the cron: occurrences before now were not this schedule's to run.
        data: { cron: w.cron, timezone: w.timezone, enabled: w.enabled, checkedUntil: now },
      });
    }
  }
}

export async function archiveRunbook(tx: Tx, runbookId: string): Promise<void> {
  await tx.runbook.update({ where: { id: runbookId }, data: { archivedAt: new Date() } });
  await tx.runbookSchedule.updateMany({ where: { runbookId }, data: { enabled: false } });
}

/** The definition a run uses: the stored, parsed JSON of one version (zod-checked when it was saved). */
export async function loadDefinition(db: Db | Tx, runbookId: string, version: number): Promise<RunbookDefinition | null> {
  const v = await db.runbookVersion.findUnique({ where: { runbookId_version: { runbookId, version } }, select: { definition: true, valid: true } });
  return v?.valid && v.definition ? (v.definition as unknown as RunbookDefinition) : null;
}
