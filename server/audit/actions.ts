/**
 * Actions that appear in the audit log, for the filter picker. Procedures name their action in `.meta({ audit })`;
 * a test checks every such name is listed here.
 */
export const AUDIT_ACTIONS = [
  "auth.signin",
  "auth.signout",
  "team.create",
  "team.membership.set",
  "team.membership.remove",
  "audit.verify.start",
  "audit.export",
  "catalog.location.upload",
  "catalog.location.refresh",
  "catalog.location.delete",
  "catalog.refresh.request",
  "catalog.scorecards.update",
] as const;
