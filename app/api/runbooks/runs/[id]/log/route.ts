import { createRequestContext } from "@/server/http/context";
import { handleLogDownload } from "@/server/runbooks/download";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleLogDownload(await createRequestContext(req.headers), (await params).id, new URL(req.url));
}
