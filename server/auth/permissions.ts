import { atLeast, type Principal, type Role } from "./roles";

/**
 * The one permission table. Every tRPC procedure names one of these keys.
 *  - scope "any":  the role must be held in at least one team (or the user is a global admin)
 *  - scope "team": the role must be held in one of the teams that own the target (resolved from the input)
 *  - scope "global": only global admins
 *  - minRole null: any signed-in user
 */
export const PERMISSIONS = {
  "self.read": { minRole: null, scope: "any", describe: "See your own profile, teams and roles" },
  "catalog.read": { minRole: null, scope: "any", describe: "Browse the service catalog" },
  "catalog.locations.manage": { minRole: "admin", scope: "any", describe: "Upload descriptors, refresh and delete catalog locations" },
  "catalog.scorecards.manage": { minRole: null, scope: "global", describe: "Change the scorecard rules (rescores every entity)" },
  "metrics.read": { minRole: null, scope: "any", describe: "See service health metrics (golden signals) of catalog components" },
  "audit.read": { minRole: "engineer", scope: "any", describe: "Read the audit log" },
  "audit.export": { minRole: "oncall", scope: "any", describe: "Export the audit log as CSV/JSONL" },
  "audit.verify": { minRole: null, scope: "global", describe: "Run a verification of the audit hash chain" },
  "admin.read": { minRole: "admin", scope: "any", describe: "See users, teams and memberships" },
  "team.members.manage": { minRole: "admin", scope: "team", describe: "Add, change and remove members of a team" },
  "team.create": { minRole: null, scope: "global", describe: "Create teams" },
} as const satisfies Record<string, { minRole: Role | null; scope: "any" | "team" | "global"; describe: string }>;

export type Permission = keyof typeof PERMISSIONS;

/** Team ids that own the target of a team-scoped permission. */
export type Scope = { teamIds: string[] };

export function can(p: Principal, permission: Permission, scope?: Scope): boolean {
  if (p.isGlobalAdmin) return true;
  const rule = PERMISSIONS[permission];
  if (rule.scope === "global") return false;
  if (rule.minRole === null) return true;
  const relevant = rule.scope === "team" ? p.teams.filter((t) => scope?.teamIds.includes(t.teamId)) : p.teams;
  return relevant.some((t) => atLeast(t.role, rule.minRole));
}

export function permissionList(p: Principal): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((k) =>
    PERMISSIONS[k].scope === "team" ? p.isGlobalAdmin || p.teams.some((t) => atLeast(t.role, PERMISSIONS[k].minRole ?? "viewer")) : can(p, k),
  );
}
