import type { Db } from "@/server/db/client";
import { appendAudit, type AuditActor } from "@/server/audit/append";
import { can, type Permission, type Scope } from "./permissions";
import type { Principal } from "./roles";

export type AuthorizeResult = "allowed" | "unauthenticated" | "forbidden";

/**
 * The single decision point for tRPC procedures and route handlers alike: checks the permission table and writes a
 * "denied" audit event for every refusal.
 */
export async function authorize(
  db: Db,
  actor: AuditActor,
  principal: Principal | null,
  permission: Permission | "authenticated",
  opts: { action: string; scope?: Scope; meta?: Record<string, unknown> },
): Promise<AuthorizeResult> {
  const result: AuthorizeResult = !principal
    ? "unauthenticated"
    : permission === "authenticated" || can(principal, permission, opts.scope)
      ? "allowed"
      : "forbidden";
  if (result !== "allowed") {
    await appendAudit(db, actor, {
      action: opts.action,
      outcome: "denied",
      meta: { permission, reason: result === "unauthenticated" ? "not signed in" : "missing permission", teams: opts.scope?.teamIds ?? [], ...opts.meta },
    });
  }
  return result;
}
