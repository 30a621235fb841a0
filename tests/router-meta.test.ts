import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AUDIT_ACTIONS } from "@/server/audit/actions";
import { PERMISSIONS } from "@/server/auth/permissions";
import { createCallerFactory, requires, router } from "@/server/trpc";
import { useTestDatabase } from "./helpers/db";
import { contextFor, lastSeq, makeUser, outcomeOf, uniq } from "./helpers/fixtures";
import { listProcedures } from "./helpers/procedures";

/**
 * Procedures anyone may call without signing in. Adding one is a security decision: extend this list on purpose.
 */
const PUBLIC_PROCEDURES = ["me.current", "system.demoUsers", "system.info"];

describe("router enumeration: every procedure declares what it needs", () => {
  const procedures = listProcedures();

  it("finds the procedures", () => {
    expect(procedures.length).toBeGreaterThan(5);
  });

  it.each(procedures.map((p) => [p.path, p] as const))("%s declares a known permission", (_path, p) => {
    expect(p.meta.permission, `${p.path} has no meta.permission`).toBeDefined();
    const known = [...Object.keys(PERMISSIONS), "public", "authenticated"];
    expect(known, `${p.path} uses unknown permission ${p.meta.permission}`).toContain(p.meta.permission);
    if (p.meta.permission === "public") expect(PUBLIC_PROCEDURES, `${p.path} is public; add it to PUBLIC_PROCEDURES if intended`).toContain(p.path);
  });

  it.each(procedures.filter((p) => p.type === "mutation").map((p) => [p.path, p] as const))(
    "mutation %s declares an audit action listed in AUDIT_ACTIONS and needs a real permission",
    (_path, p) => {
      expect(p.meta.audit, `${p.path} declares no .meta({ audit })`).toBeTruthy();
      expect(AUDIT_ACTIONS as readonly string[]).toContain(p.meta.audit);
      expect(Object.keys(PERMISSIONS)).toContain(p.meta.permission);
    },
  );

  it("AUDIT_ACTIONS has no duplicates and every permission describes itself", () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    for (const [key, rule] of Object.entries(PERMISSIONS)) expect(rule.describe, key).toMatch(/\w/);
  });
});

describe("requires(): the audited-mutation contract", () => {
  const t = useTestDatabase();
  // A throwaway router built with the app's own procedure builders, to exercise the guard rails.
  const testRouter = router({
    noAudit: requires("self.read", z.void()).mutation(() => "wrote nothing"),
    skipsAudited: requires("self.read", z.void())
      .meta({ audit: "team.create" })
      .mutation(() => "forgot ctx.audited"),
    queryWrites: requires("self.read", z.void()).query(({ ctx }) =>
      ctx.audited(async () => ({ result: 1 })),
    ),
    good: requires("self.read", z.object({ slug: z.string() }))
      .meta({ audit: "team.create" })
      .mutation(({ ctx, input }) =>
        ctx.audited(async (tx) => {
          const team = await tx.team.create({ data: { slug: input.slug, name: "Contract" } });
          return { result: team.id, targetType: "team", targetId: team.slug };
        }),
      ),
  });
  const factory = createCallerFactory(testRouter);

  it("refuses a mutation without an audit action, one that skips ctx.audited, and writes from a query", async () => {
    const { principal } = await makeUser(t.db);
    const caller = factory(contextFor(t.db, principal));
    const seq = await lastSeq(t.db);
    await expect(caller.noAudit()).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR", message: expect.stringMatching(/declares no audit action/) });
    await expect(caller.skipsAudited()).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR", message: expect.stringMatching(/did not write an audit event/) });
    await expect(caller.queryWrites()).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR", message: expect.stringMatching(/only mutations write/) });
    expect(await lastSeq(t.db)).toBe(seq);
  });

  it("ctx.audited records the actor, request id and ip of the context", async () => {
    const { principal } = await makeUser(t.db);
    const caller = factory(contextFor(t.db, principal, { requestId: "req-contract-1", ip: "198.51.100.23" }));
    const slug = uniq("contract");
    const seq = await lastSeq(t.db);
    expect(await outcomeOf(caller.good({ slug }))).toBe("OK");
    const rows = await t.db.auditEvent.findMany({ where: { seq: { gt: seq } } });
    expect(rows).toMatchObject([
      { action: "team.create", outcome: "success", actorId: principal.id, actorLabel: principal.email, requestId: "req-contract-1", ip: "198.51.100.23", targetId: slug },
    ]);
  });
});
