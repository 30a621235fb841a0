import { appRouter } from "./_app";
import type { Meta } from "@/server/trpc";
import { PERMISSIONS, type Permission } from "@/server/auth/permissions";

export type ProcedureInfo = { path: string; type: "query" | "mutation" | "subscription"; meta: Meta };

/** Every procedure of the app router, by dotted path, as tRPC itself records them. */
export function listProcedures(): ProcedureInfo[] {
  // At runtime tRPC keeps a flat record keyed by dotted path (its declared type is the nested router shape).
  const procs = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureInfo["type"]; meta?: Meta } }>;
  return Object.entries(procs)
    .map(([path, p]) => ({ path, type: p._def.type, meta: p._def.meta ?? {} }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** docs/api.md, generated from the router and the permission table (`npm run docs:api`; a test keeps it current). */
export function renderApiDoc(): string {
  const who = (m: Meta) => {
    if (m.permission === "public") return "anyone (no sign-in)";
    if (m.permission === "authenticated" || !m.permission) return "any signed-in user";
    const rule: { minRole: string | null; scope: string } = PERMISSIONS[m.permission as Permission];
    if (rule.scope === "global") return "global admin";
    if (rule.minRole === null) return "any signed-in user";
    return rule.scope === "team" ? `${rule.minRole}+ in the owning team` : `${rule.minRole}+ in any team`;
  };
  const rows = listProcedures().map(
    (p) => `| \`${p.path}\` | ${p.type} | \`${p.meta.permission ?? "authenticated"}\` | ${who(p.meta)} | ${p.meta.audit ? `\`${p.meta.audit}\`` : "—"} |`,
  );
  const perms = Object.entries(PERMISSIONS).map(([k, r]) => `| \`${k}\` | ${r.minRole ?? "—"} | ${r.scope} | ${r.describe} |`);
  return [
    "# Opsdeck API",
    "",
    "Generated from the tRPC router by `npm run docs:api`; a test fails when this file is out of date.",
    "",
    "Transport: tRPC 11 over HTTP at `/api/trpc/<procedure>` (queries GET, mutations POST, both batched; superjson encoding),",
    "subscriptions over Server-Sent Events. A global admin passes every permission. Every mutation writes its audit action in the",
    "same transaction as the change; every denial is audited with outcome `denied`.",
    "",
    "## Procedures",
    "",
    "| Procedure | Type | Permission | Who | Audit action |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    "## Permissions",
    "",
    "| Permission | Minimum role | Scope | Meaning |",
    "|---|---|---|---|",
    ...perms,
    "",
    "## Other HTTP endpoints",
    "",
    "| Endpoint | Meaning |",
    "|---|---|",
    "| `GET /api/health` | liveness |",
    "| `GET /api/ready` | database reachable and migrations current (503 with the reason otherwise) |",
    "| `GET /api/metrics` | Prometheus text format |",
    "| `GET /api/audit/export?format=csv\\|jsonl&<filter>` | streamed audit export (`audit.export`), audited |",
    "| `/api/auth/*` | Auth.js (OIDC sign-in, callback, sign-out) |",
    "",
  ].join("\n");
}
