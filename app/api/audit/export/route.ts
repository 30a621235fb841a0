import { createRequestContext } from "@/server/http/context";
import { handleAuditExport } from "@/server/audit/export-request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(req: Request) {
  return handleAuditExport(await createRequestContext(req.headers), new URL(req.url));
}
