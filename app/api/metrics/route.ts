import { metricsExposition } from "@/server/health/checks";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET() {
  const m = await metricsExposition();
  return new Response(m.body, { status: 200, headers: { "content-type": m.contentType, "cache-control": "no-store" } });
}
