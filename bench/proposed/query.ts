/**
 * PROPOSED change to server/audit/query.ts (measured by `npm run bench:audit -- --proposed`; not used by the app):
 * fetch a page's keys first, then its rows.
 *
 * Why: with several equality filters (actor + action), the planner multiplies their selectivities, expects many
 * matches, and prefers walking the primary key backwards with a filter "until limit rows match" over the composite
 * index (each matching row costs a random heap read either way, and the pk walk looks cheaper on paper). When the two
 * values are correlated and rarely or never occur together (actor=svc:deploy-bot + action=auth.signin), that walk
 * reads the whole table. A `SELECT seq` has no heap reads on the index side (index-only scan), so the composite
 * index wins on cost every time; the rows are then read by primary key, 51 probes at most.
 * Needs the index in bench/proposed/audit-perf.sql.
 */
import type { z } from "zod";
import type { Db } from "@/server/db/client";
import { auditWhere, type auditPageSchema } from "@/server/audit/query";

export async function auditPageKeysFirst(db: Db, input: z.infer<typeof auditPageSchema>) {
  const where = await auditWhere(db, input.filter, input.cursor ? BigInt(input.cursor) : undefined);
  if (!where) return { rows: [], nextCursor: null };
  const keys = await db.auditEvent.findMany({ where, orderBy: { seq: "desc" }, take: input.limit + 1, select: { seq: true } });
  const rows = keys.length === 0 ? [] : await db.auditEvent.findMany({ where: { seq: { in: keys.map((k) => k.seq) } }, orderBy: { seq: "desc" } });
  const more = rows.length > input.limit;
  const page = more ? rows.slice(0, input.limit) : rows;
  return { rows: page, nextCursor: more ? page[page.length - 1]!.seq.toString() : null };
}
