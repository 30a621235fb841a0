import { atLeast, type Principal, type Role } from "@/server/auth/roles";
import { parseGrant, type Grant, type RunbookDefinition } from "./definition";

/**
 * A runbook's own permissions, on top of the permission table (server/auth/permissions.ts: runbooks.run needs at
 * least engineer in a team the runbook names — the floor). The definition says which team:role may run it directly,
 * which may run it only with approval, and who approves. Global admins may run anything (approval rules still apply).
 */

export type RunAccess =
  | { allowed: true; needsApproval: boolean; via: string }
  | { allowed: false; reason: string };

export type ApprovalRule = { approvers: number; role: Role; teams: string[] };

function matches(p: Principal, g: Grant): boolean {
  return p.teams.some((t) => (g.team === "*" || t.slug === g.team) && atLeast(t.role, g.role));
}

export function runGrants(def: RunbookDefinition, owner: string): Grant[] {
  return (def.spec.permissions.run ?? [`${owner}:engineer`]).map(parseGrant);
}

export function runAccess(p: Principal, def: RunbookDefinition, owner: string): RunAccess {
  const perms = def.spec.permissions;
  if (p.isGlobalAdmin) return { allowed: true, needsApproval: perms.requireApproval, via: "global admin" };
  const direct = runGrants(def, owner).find((g) => matches(p, g));
  if (direct) return { allowed: true, needsApproval: perms.requireApproval, via: `${direct.team}:${direct.role}` };
  const withApproval = perms.runWithApproval.map(parseGrant).find((g) => matches(p, g));
  if (withApproval) return { allowed: true, needsApproval: true, via: `${withApproval.team}:${withApproval.role} (with approval)` };
  const wanted = [...runGrants(def, owner), ...perms.runWithApproval.map(parseGrant)].map((g) => `${g.role} in ${g.team === "*" ? "any team" : g.team}`);
  return { allowed: false, reason: `This runbook may be run by: ${wanted.join("; ")}` };
}

/** Team slugs a run permission could come from (for the permission table's team scope); "*" = any team. */
export function runTeams(def: RunbookDefinition, owner: string): string[] {
  return [...new Set([...runGrants(def, owner), ...def.spec.permissions.runWithApproval.map(parseGrant)].map((g) => g.team))];
}

export function runApprovalRule(def: RunbookDefinition, owner: string): ApprovalRule {
  const a = def.spec.permissions.approval;
  return { approvers: a.approvers, role: a.role, teams: a.teams ?? [owner] };
}

/** Global admins, or the rule's role in one of its teams ("*" = any team). */
export function mayApprove(p: Principal, rule: ApprovalRule): boolean {
  return p.isGlobalAdmin || p.teams.some((t) => (rule.teams.includes("*") || rule.teams.includes(t.slug)) && atLeast(t.role, rule.role));
}
