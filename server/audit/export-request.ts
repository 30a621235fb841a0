import type { Context } from "@/server/trpc";
import { actorOf } from "@/server/trpc";
import { authorize } from "@/server/auth/authorize";
import { appendAudit } from "./append";
import { auditFilterSchema, auditRowsForExport } from "./query";
import { exportStream } from "./export";

const FORMATS = { csv: "text/csv; charset=utf-8", jsonl: "application/x-ndjson; charset=utf-8" } as const;

/** GET /api/audit/export?format=csv|jsonl&<filter>: the current filter, streamed page by page. The export is audited. */
export async function handleAuditExport(ctx: Context, url: URL): Promise<Response> {
  const decision = await authorize(ctx.db, actorOf(ctx), ctx.principal, "audit.export", { action: "audit.export" });
  if (decision !== "allowed") {
    const status = decision === "unauthenticated" ? 401 : 403;
    return Response.json({ error: decision === "unauthenticated" ? "Sign in first" : 'You need the "audit.export" permission' }, { status });
  }
  const format = url.searchParams.get("format") ?? "csv";
  if (format !== "csv" && format !== "jsonl") return Response.json({ error: "format must be csv or jsonl" }, { status: 400 });
  const params = Object.fromEntries([...url.searchParams].filter(([k, v]) => k !== "format" && v !== ""));
  const filter = auditFilterSchema.safeParse(params);
  if (!filter.success) {
    return Response.json({ error: "invalid filter", issues: filter.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })) }, { status: 400 });
  }
  await appendAudit(ctx.db, actorOf(ctx), { action: "audit.export", targetType: "audit", meta: { format, filter: params } });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(exportStream(auditRowsForExport(ctx.db, filter.data), format), {
    headers: {
      "content-type": FORMATS[format],
      "content-disposition": `attachment; filename="opsdeck-audit-${stamp}.${format}"`,
      "cache-control": "no-store",
      "x-request-id": ctx.requestId,
    },
  });
}
