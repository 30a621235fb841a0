import { db } from "@/server/db/client";
import { env } from "@/server/env";
import { log } from "@/server/log";
import { bindingConfig } from "./bindings";
import { webhookSecret, type ExternalKind } from "./config";
import { handleWebhook } from "./webhooks";

/** Largest webhook body read (GitHub caps payloads at 25 MB; run events are a few kB). */
const MAX_BODY = 1024 * 1024;

/** The POST handler behind app/api/webhooks/<kind>/route.ts: a bad request gets a clear status, never a crash. */
export function webhookRoute(kind: ExternalKind) {
  return async function POST(req: Request): Promise<Response> {
    try {
      const length = Number(req.headers.get("content-length") ?? 0);
      if (length > MAX_BODY) return Response.json({ ok: false, message: "payload too large" }, { status: 413 });
      const body = await req.text();
      if (body.length > MAX_BODY) return Response.json({ ok: false, message: "payload too large" }, { status: 413 });
      const e = env();
      const r = await handleWebhook(db(), kind, { headers: req.headers, body, url: new URL(req.url) }, { secret: webhookSecret(e, kind), maxAgeSeconds: e.OPSDECK_WEBHOOK_MAX_AGE_SECONDS, bindings: bindingConfig(e) });
      return Response.json({ ok: r.status < 300, message: r.message, runs: r.runs ?? 0 }, { status: r.status });
    } catch (err) {
      log.error({ err, kind }, "webhook handling failed");
      return Response.json({ ok: false, message: "internal error" }, { status: 500 });
    }
  };
}
