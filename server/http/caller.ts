import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { appRouter } from "@/server/routers/_app";
import { createCallerFactory } from "@/server/trpc";
import { createRequestContext } from "./context";

const createCaller = createCallerFactory(appRouter);

/** A tRPC caller for server components: same procedures, same permission checks, one context per request. */
export const serverCaller = cache(async () => createCaller(await createRequestContext(await headers())));
