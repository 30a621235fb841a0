/** Team roles, lowest first. Shared by the server's permission table and the UI's role pickers. */
export const ROLES = ["viewer", "engineer", "oncall", "admin"] as const;
export type RoleName = (typeof ROLES)[number];
