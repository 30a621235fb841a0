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
  "dashboards.manage": { minRole: "engineer", scope: "team", describe: "Create, edit and delete the team's saved custom dashboards" },
  "audit.read": { minRole: "engineer", scope: "any", describe: "Read the audit log" },
  "audit.export": { minRole: "oncall", scope: "any", describe: "Export the audit log as CSV/JSONL" },
  "audit.verify": { minRole: null, scope: "global", describe: "Run a verification of the audit hash chain" },
  "admin.read": { minRole: "admin", scope: "any", describe: "See users, teams and memberships" },
  "team.members.manage": { minRole: "admin", scope: "team", describe: "Add, change and remove members of a team" },
  "team.create": { minRole: null, scope: "global", describe: "Create teams" },
  // Deploys (docs/deploys.md). Approvers are on-call (or admin) members of the service's owning team; the requester
  // can never approve their own deploy, whatever their role (four-eyes, enforced in server/deploys/approvals.ts).
  "deploys.read": { minRole: null, scope: "any", describe: "See deploys, environments, workloads, pods and Kubernetes events" },
  "deploys.request": { minRole: "engineer", scope: "team", describe: "Request, cancel and roll back deploys of the team's services" },
  "deploys.approve": { minRole: "oncall", scope: "team", describe: "Approve or reject another person's deploy of the team's services (protected environments)" },
  "deploys.breakglass": { minRole: null, scope: "global", describe: "Deploy during a freeze window (with a mandatory reason, flagged in the audit log)" },
  "workloads.restart": { minRole: "oncall", scope: "team", describe: "Restart (rollout restart) the team's workloads" },
  "workloads.scale": { minRole: "oncall", scope: "team", describe: "Scale the team's workloads" },
  // Runbooks (docs/runbooks.md). The table is the floor; each runbook's own `permissions` (which team:role may run,
  // who must approve) refine it in server/runbooks/access.ts, and whoever started a run can never approve it.
  "runbooks.read": { minRole: null, scope: "any", describe: "See runbooks, their versions, runs and logs" },
  "runbooks.run": { minRole: "engineer", scope: "team", describe: "Start and cancel runs of runbooks the team may run (the runbook may ask for a higher role or approval)" },
  "runbooks.approve": { minRole: "engineer", scope: "team", describe: "Approve or reject someone else's runbook run (the runbook names the role, default on-call)" },
  "runbooks.edit": { minRole: "engineer", scope: "team", describe: "Create, edit and archive runbooks owned by the team (in the UI)" },
  "runbooks.manage": { minRole: "admin", scope: "any", describe: "Reload runbooks from configured directories and catalog annotations" },
  // CI and cloud (docs/ci-cloud.md). Team scope: the service's owning team (cloud resources: the team of the entity
  // they are linked to; unlinked resources only for global admins).
  "ci.read": { minRole: null, scope: "any", describe: "See CI runs, pipelines, logs and recent builds of services" },
  "ci.trigger": { minRole: "engineer", scope: "team", describe: "Trigger, re-run and cancel CI pipelines of the team's services" },
  "cloud.read": { minRole: null, scope: "any", describe: "See the cloud inventory (instances, groups, buckets, functions, databases) and its risk flags" },
  "cloud.refresh": { minRole: "engineer", scope: "any", describe: "Ask for an inventory refresh now (it also runs on a schedule)" },
  "cloud.act": { minRole: "oncall", scope: "team", describe: "Start, stop and reboot EC2 instances and invoke Lambda functions of the team's services" },
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
