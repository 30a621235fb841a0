import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db, Tx } from "@/server/db/client";
import { appendAudit, type AuditActor, type AuditedChange } from "@/server/audit/append";
import { can } from "@/server/auth/permissions";
import type { Principal } from "@/server/auth/roles";
import { MAX_DEFINITION_BYTES, ownerSlug } from "./definition";
import { parseRunbookYaml } from "./parse";
import { RunbookConflict, archiveRunbook, saveVersion, teamSlugs } from "./store";

/**
 * Runbooks created and edited in the UI by their owners: only valid definitions are saved (the editor shows problems
 * line by line first), each save is a new version (optimistic concurrency on the version the editor started from),
 * audited with before/after versions. Runbooks from files or catalog annotations are edited at their source.
 */

export const yamlInput = z.string().min(1, "the definition is empty").max(MAX_DEFINITION_BYTES, `at most ${MAX_DEFINITION_BYTES / 1024} KiB`);
export const createInput = z.object({ yaml: yamlInput, message: z.string().trim().max(500).default("") });
export const updateInput = z.object({ name: z.string().min(1).max(100), yaml: yamlInput, baseVersion: z.number().int().min(1), message: z.string().trim().max(500).default("") });

export async function validateYaml(db: Db, yaml: string) {
  const r = parseRunbookYaml(yaml, { teams: await teamSlugs(db) });
  return r.ok ? { ok: true as const, name: r.definition.metadata.name, problems: [] } : { ok: false as const, name: r.name, problems: r.problems };
}

function invalid(problems: { path: string; line: number | null; message: string }[]): TRPCError {
  const first = problems[0];
  return new TRPCError({
    code: "BAD_REQUEST",
    message: `The definition has ${problems.length} problem${problems.length > 1 ? "s" : ""}${first ? `; first: ${first.line ? `line ${first.line}, ` : ""}${first.path}: ${first.message}` : ""}`,
  });
}

/** A changed owner must be a team where the editor may edit too (checked before the transaction; refusals audited). */
export async function checkOwnerChange(db: Db, actor: AuditActor, p: Principal, yaml: string, action: string) {
  const r = parseRunbookYaml(yaml);
  if (!r.ok) return;
  const slug = ownerSlug(r.definition.metadata.owner);
  const team = await db.team.findUnique({ where: { slug }, select: { id: true } });
  if (team && !can(p, "runbooks.edit", { teamIds: [team.id] })) {
    await appendAudit(db, actor, { action, outcome: "denied", targetType: "runbook", targetId: r.definition.metadata.name, meta: { permission: "runbooks.edit", teams: [team.id], reason: `owner ${slug}` } });
    throw new TRPCError({ code: "FORBIDDEN", message: `You cannot give a runbook to ${slug}: you need the engineer role there` });
  }
}

export async function createRunbook(tx: Tx, p: Principal, input: z.output<typeof createInput>): Promise<AuditedChange<{ name: string; version: number }>> {
  const r = parseRunbookYaml(input.yaml, { teams: await teamSlugs(tx) });
  if (!r.ok) throw invalid(r.problems);
  if (await tx.runbook.findUnique({ where: { name: r.definition.metadata.name }, select: { id: true } })) {
    throw new TRPCError({ code: "CONFLICT", message: `A runbook named ${r.definition.metadata.name} already exists` });
  }
  const res = await save(tx, p, { yaml: input.yaml, message: input.message || "created" });
  return { result: { name: res.name, version: res.version }, targetType: "runbook", targetId: res.name, after: { version: res.version, owner: r.definition.metadata.owner } };
}

export async function updateRunbook(tx: Tx, p: Principal, input: z.output<typeof updateInput>): Promise<AuditedChange<{ name: string; version: number; changed: boolean }>> {
  const rb = await tx.runbook.findUnique({ where: { name: input.name }, select: { source: true, sourceRef: true, archivedAt: true } });
  if (!rb) throw new TRPCError({ code: "NOT_FOUND", message: `No runbook ${input.name}` });
  if (rb.source !== "ui") throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${input.name} comes from ${rb.sourceRef}; edit it there` });
  const r = parseRunbookYaml(input.yaml, { teams: await teamSlugs(tx) });
  if (!r.ok) throw invalid(r.problems);
  if (r.definition.metadata.name !== input.name) throw new TRPCError({ code: "BAD_REQUEST", message: `metadata.name must stay ${input.name} (create a new runbook to rename)` });
  const res = await save(tx, p, { yaml: input.yaml, message: input.message, baseVersion: input.baseVersion });
  return {
    result: { name: res.name, version: res.version, changed: res.change !== "unchanged" },
    targetType: "runbook",
    targetId: res.name,
    before: { version: input.baseVersion },
    after: { version: res.version, message: input.message },
  };
}

async function save(tx: Tx, p: Principal, input: { yaml: string; message: string; baseVersion?: number }) {
  try {
    return await saveVersion(tx, { yaml: input.yaml, source: "ui", createdById: p.id, createdBy: p.email, message: input.message, baseVersion: input.baseVersion });
  } catch (err) {
    if (err instanceof RunbookConflict) throw new TRPCError({ code: "CONFLICT", message: err.message });
    throw err;
  }
}

export async function archiveUiRunbook(tx: Tx, name: string): Promise<AuditedChange<{ name: string }>> {
  const rb = await tx.runbook.findUnique({ where: { name }, select: { id: true, source: true, sourceRef: true, archivedAt: true } });
  if (!rb) throw new TRPCError({ code: "NOT_FOUND", message: `No runbook ${name}` });
  if (rb.source !== "ui") throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${name} comes from ${rb.sourceRef}; remove it there` });
  if (rb.archivedAt) throw new TRPCError({ code: "CONFLICT", message: `${name} is already archived` });
  await archiveRunbook(tx, rb.id);
  return { result: { name }, targetType: "runbook", targetId: name, after: { archived: true } };
}
