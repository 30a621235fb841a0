import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Logger } from "pino";
import type { Db, Tx } from "@/server/db/client";
import type { Principal } from "@/server/auth/roles";
import type { Permission, Scope } from "@/server/auth/permissions";
import { authorize } from "@/server/auth/authorize";
import { runAudited, type AuditActor, type AuditedChange, type AuditedOptions } from "@/server/audit/append";
import { observeProcedure } from "@/server/http/metrics";

export type Context = {
  db: Db;
  principal: Principal | null;
  requestId: string;
  ip: string;
  log: Logger;
};

/** Every procedure declares what it needs: "public", "authenticated", or a permission from the table. */
export type Meta = { permission?: Permission | "public" | "authenticated"; audit?: string };

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const zod = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
      // Unexpected errors are logged with the request id; the client sees a generic message and that id.
      const { stack: _stack, ...data } = shape.data;
      return { ...shape, message: error.code === "INTERNAL_SERVER_ERROR" ? "Internal error" : shape.message, data: { ...data, zod } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export function actorOf(ctx: Context): AuditActor {
  return {
    actorId: ctx.principal?.id ?? null,
    actorLabel: ctx.principal?.email ?? "anonymous",
    ip: ctx.ip,
    requestId: ctx.requestId,
  };
}

const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const seconds = (performance.now() - started) / 1000;
  const outcome = result.ok ? "ok" : result.error.code;
  observeProcedure(path, type, outcome, seconds);
  const line = { path, type, result: outcome, ms: Math.round(seconds * 1000), user: ctx.principal?.email };
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") ctx.log.error({ ...line, err: result.error.cause ?? result.error }, "procedure failed");
  else if (type === "mutation" || !result.ok) ctx.log.info(line, "procedure");
  else ctx.log.debug(line, "procedure");
  return result;
});

export const publicProcedure = t.procedure.use(observed).meta({ permission: "public" });

export const authedProcedure = publicProcedure.meta({ permission: "authenticated" }).use(async ({ ctx, next, path, type, meta }) => {
  if (!ctx.principal) {
    // The permission proper is checked by requires() once the input is parsed; here only "signed in?" is decided.
    const permission = meta?.permission === "public" || !meta?.permission ? "authenticated" : meta.permission;
    await authorize(ctx.db, actorOf(ctx), null, permission, { action: meta?.audit ?? path, meta: { procedure: path, type } });
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  }
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});

type AuthedCtx = Context & { principal: Principal };

/** Mutations get `ctx.audited`, the one path for writing: the change and its audit event in one transaction. */
export type Audited = <T>(change: (tx: Tx) => Promise<AuditedChange<T>>, opts?: AuditedOptions) => Promise<T>;

/**
 * A procedure that requires `permission`. Team-scoped permissions resolve the owning teams from the parsed input.
 * Denials are audited (outcome "denied") before FORBIDDEN is thrown.
 */
export function requires<S extends z.ZodType>(
  permission: Permission,
  input: S,
  scopeOf?: (input: z.output<S>, ctx: AuthedCtx) => Promise<Scope> | Scope,
) {
  return authedProcedure
    .meta({ permission })
    .input(input)
    .use(async ({ ctx, input: parsed, path, type, meta, next }) => {
      const scope = scopeOf ? await scopeOf(parsed as z.output<S>, ctx) : undefined;
      const action = meta?.audit ?? path;
      if ((await authorize(ctx.db, actorOf(ctx), ctx.principal, permission, { action, scope, meta: { procedure: path, type } })) !== "allowed") {
        throw new TRPCError({ code: "FORBIDDEN", message: `You need the "${permission}" permission for this` });
      }
      if (type !== "mutation") {
        const refuse: Audited = () => Promise.reject(new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `${path} is a ${type}; only mutations write` }));
        return next({ ctx: { audited: refuse } });
      }
      if (!meta?.audit) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `${path} declares no audit action` });
      let written = false;
      const audited: Audited = (change, opts) => {
        written = true;
        return runAudited(ctx.db, actorOf(ctx), action, change, opts);
      };
      const result = await next({ ctx: { audited } });
      if (result.ok && !written) {
        ctx.log.error({ path }, "mutation returned without an audit event");
        throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `${path} did not write an audit event` });
      }
      return result;
    });
}
