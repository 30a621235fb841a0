import type { Role } from "@/generated/prisma/enums";
import { ROLES } from "@/lib/roles";

// The Prisma enum and the shared list must agree.
const _sameRoles: readonly Role[] = ROLES;
export { ROLES };
export type { Role };

export function roleRank(role: Role | null | undefined): number {
  return role ? ROLES.indexOf(role) + 1 : 0;
}

export function atLeast(role: Role | null | undefined, min: Role): boolean {
  return roleRank(role) >= roleRank(min);
}

/** What authorisation needs to know about a signed-in person; loaded fresh from the database on every request. */
export type Principal = {
  id: string;
  email: string;
  name: string;
  isGlobalAdmin: boolean;
  teams: { teamId: string; slug: string; name: string; role: Role }[];
};
