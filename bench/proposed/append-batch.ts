/**
 * PROPOSED bulk append (measured by `npm run bench:audit`; not used by the app). For imports, back-fills or anything
 * that appends many events at once: one statement, one parameter (the rows as a JSON array), every row still through
 * the chain trigger in array order. Prisma's createMany spends ~3/4 of its time building and binding 11 parameters
 * per row on the client; this sends one string and lets Postgres unpack it.
 */
import type { Db, Tx } from "@/server/db/client";
import { auditRowData, type AuditActor, type AuditRecord } from "@/server/audit/append";

export async function appendAuditBatch(db: Db | Tx, events: { actor: AuditActor; rec: AuditRecord }[]): Promise<number> {
  if (events.length === 0) return 0;
  // undefined JSON columns become null so every element has every key
  const rows = events.map(({ actor, rec }) => {
    const d = auditRowData(actor, rec);
    return { ...d, before: d.before ?? null, after: d.after ?? null, meta: d.meta ?? null };
  });
  // WITH ORDINALITY + ORDER BY keeps the array order as the chain order.
  return db.$executeRaw`
    INSERT INTO "AuditEvent" ("actorId", "actorLabel", "ip", "requestId", "action", "targetType", "targetId", "outcome", "before", "after", "meta")
    SELECT x."actorId", x."actorLabel", x."ip", x."requestId", x."action", x."targetType", x."targetId", x."outcome"::"AuditOutcome",
           nullif(x."before", 'null'), nullif(x."after", 'null'), nullif(x."meta", 'null')
    FROM jsonb_array_elements(${JSON.stringify(rows)}::jsonb) WITH ORDINALITY AS r(v, n),
         jsonb_to_record(r.v) AS x("actorId" text, "actorLabel" text, "ip" text, "requestId" text, "action" text,
                                   "targetType" text, "targetId" text, "outcome" text, "before" jsonb, "after" jsonb, "meta" jsonb)
    ORDER BY r.n`;
}
