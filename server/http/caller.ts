import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { redirect } from "next/navigation";
import { appRouter } from "@/server/routers/_app";
import { createCallerFactory } from "@/server/trpc";
import { createRequestContext } from "./context";

const createCaller = createCallerFactory(appRouter);

/** A tRPC caller for server components: same procedures, same permission checks, one context per request. */
export const serverCaller = cache(async () => createCaller(await createRequestContext(await headers())));

/** The signed-in person for a page, or a redirect to sign-in (layouts and pages render in parallel, so each checks). */
export async function requireMe() {
  const me = await (await serverCaller()).me.current();
  if (!me) redirect("/signin");
  return me;
}
