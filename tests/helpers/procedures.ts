import { appRouter } from "@/server/routers/_app";
import type { Meta } from "@/server/trpc";

export type ProcedureInfo = { path: string; type: "query" | "mutation" | "subscription"; meta: Meta };

/** Every procedure of the app router, by dotted path, as tRPC itself records them. */
export function listProcedures(): ProcedureInfo[] {
  // At runtime tRPC keeps a flat record keyed by dotted path (its declared type is the nested router shape).
  const procs = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureInfo["type"]; meta?: Meta } }>;
  return Object.entries(procs)
    .map(([path, p]) => ({ path, type: p._def.type, meta: p._def.meta ?? {} }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Calls `path` on a createCaller() caller (`caller.admin.setMembership(input)` for "admin.setMembership"). */
export function invoke(caller: unknown, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const part of path.split(".")) target = (target as Record<string, unknown>)[part];
  return (target as (i: unknown) => Promise<unknown>)(input);
}
