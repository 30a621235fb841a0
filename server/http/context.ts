import "server-only";
import { auth } from "@/server/auth/nextauth";
import { loadPrincipal } from "@/server/auth/principal";
import { requestMeta } from "@/server/auth/request-meta";
import { db } from "@/server/db/client";
import { env } from "@/server/env";
import { log } from "@/server/log";
import type { Context } from "@/server/trpc";

/** Builds the per-request context (used by the tRPC handler, server components and route handlers alike). */
export async function createRequestContext(headers: Headers): Promise<Context> {
  const { requestId, ip } = requestMeta(headers, env().OPSDECK_TRUST_PROXY);
  const session = await auth();
  const userId = session?.user?.id;
  const principal = userId ? await loadPrincipal(db(), userId) : null;
  return { db: db(), principal, requestId, ip, log: log.child({ requestId }) };
}
