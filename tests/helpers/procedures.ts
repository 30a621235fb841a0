export { listProcedures, type ProcedureInfo } from "@/server/routers/procedures";

/** Calls `path` on a createCaller() caller (`caller.admin.setMembership(input)` for "admin.setMembership"). */
export function invoke(caller: unknown, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const part of path.split(".")) target = (target as Record<string, unknown>)[part];
  return (target as (i: unknown) => Promise<unknown>)(input);
}
