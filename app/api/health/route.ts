import { liveness } from "@/server/health/checks";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET() {
  const r = liveness();
  return Response.json(r.body, { status: r.status, headers: { "cache-control": "no-store" } });
}
