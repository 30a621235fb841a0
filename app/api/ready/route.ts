import { db } from "@/server/db/client";
import { readiness } from "@/server/health/checks";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET() {
  const r = await readiness(db);
  return Response.json(r.body, { status: r.status, headers: { "cache-control": "no-store" } });
}
