import { parseDocument } from "yaml";
import type { Db } from "@/server/db/client";
import type { Principal } from "@/server/auth/roles";
import type { Scope } from "@/server/auth/permissions";
import { runTeams } from "./access";
import { ownerSlug, type RunbookDefinition } from "./definition";
import { openGate } from "./runs";
import { loadDefinition } from "./store";

/**
 * Team scopes for the permission table (requires(…, scopeOf)): which teams' roles count for a runbook procedure.
 * runbooks.run → the teams the runbook's own grants name ("*" = any of the caller's teams); runbooks.approve → the
 * open approval gate's teams; runbooks.edit → the owner team. Unknown targets give an empty scope (only global admins
 * pass; the procedure then answers NOT_FOUND for them).
 */

async function idsOf(db: Db, slugs: string[]): Promise<string[]> {
  if (!slugs.length) return [];
  return (await db.team.findMany({ where: { slug: { in: slugs } }, select: { id: true } })).map((t) => t.id);
}

export async function runScopeOf(db: Db, p: Principal | null, def: RunbookDefinition | null, owner: string, ownerTeamId: string | null): Promise<Scope> {
  if (!def) return { teamIds: ownerTeamId ? [ownerTeamId] : [] };
  const slugs = runTeams(def, owner);
  const ids = slugs.includes("*") ? (p?.teams.map((t) => t.teamId) ?? []) : [];
  ids.push(...(await idsOf(db, slugs.filter((s) => s !== "*"))));
  return { teamIds: [...new Set(ids)] };
}

export async function runScopeByName(db: Db, p: Principal | null, name: string): Promise<Scope> {
  const rb = await db.runbook.findUnique({ where: { name }, select: { id: true, ownerSlug: true, ownerTeamId: true, currentVersion: true, valid: true } });
  if (!rb) return { teamIds: [] };
  const def = rb.valid ? await loadDefinition(db, rb.id, rb.currentVersion) : null;
  return runScopeOf(db, p, def, rb.ownerSlug, rb.ownerTeamId);
}

export async function runScopeByRun(db: Db, p: Principal | null, runId: string): Promise<Scope> {
  const run = await db.runbookRun.findUnique({ where: { id: runId }, select: { runbookId: true, version: true, ownerTeamId: true, runbook: { select: { ownerSlug: true } } } });
  if (!run) return { teamIds: [] };
  return runScopeOf(db, p, await loadDefinition(db, run.runbookId, run.version), run.runbook.ownerSlug, run.ownerTeamId);
}

export async function approveScopeByRun(db: Db, p: Principal | null, runId: string): Promise<Scope> {
  const run = await db.runbookRun.findUnique({ where: { id: runId }, select: { approval: true, ownerTeamId: true } });
  if (!run) return { teamIds: [] };
  const gate = openGate(run.approval);
  if (!gate) return { teamIds: run.ownerTeamId ? [run.ownerTeamId] : [] };
  const any = gate.teams.includes("*") ? (p?.teams.map((t) => t.teamId) ?? []) : [];
  return { teamIds: [...new Set([...any, ...(await idsOf(db, gate.teams.filter((t) => t !== "*")))])] };
}

export async function editScopeByName(db: Db, name: string): Promise<Scope> {
  const rb = await db.runbook.findUnique({ where: { name }, select: { ownerTeamId: true } });
  return { teamIds: rb?.ownerTeamId ? [rb.ownerTeamId] : [] };
}

/** The owner team named by (possibly invalid) YAML, read leniently: the team whose edit permission counts. */
export async function editScopeByYaml(db: Db, yaml: string): Promise<Scope> {
  let owner: unknown;
  try {
    owner = (parseDocument(yaml).toJS() as { metadata?: { owner?: unknown } } | null)?.metadata?.owner;
  } catch {
    owner = undefined;
  }
  if (typeof owner !== "string") return { teamIds: [] };
  return { teamIds: await idsOf(db, [ownerSlug(owner)]) };
}
