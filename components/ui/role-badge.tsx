import { Badge } from "./badge";

const tone = { viewer: "neutral", engineer: "accent", oncall: "degraded", admin: "failing" } as const;

export function RoleBadge({ role }: { role: keyof typeof tone }) {
  return <Badge tone={tone[role]}>{role}</Badge>;
}
