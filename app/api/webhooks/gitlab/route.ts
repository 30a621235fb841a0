import { webhookRoute } from "@/server/ci/webhook-route";

// Inbound gitlab CI webhook (docs/ci-cloud.md "Webhooks"): verified, replay-protected, audited.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = webhookRoute("gitlab");
