import { randomUUID } from "node:crypto";
import pino from "pino";
import type { Db } from "@/server/db/client";
import type { Role } from "@/generated/prisma/enums";
import type { Principal } from "@/server/auth/roles";
import { loadPrincipal } from "@/server/auth/principal";
import { appRouter } from "@/server/routers/_app";
import { createCallerFactory, type Context } from "@/server/trpc";
import { appendAudit } from "@/server/audit/append";

export const testLog = pino({ level: "silent" });

let counter = 0;
/** A name unique within the run: `${prefix}-<n>-<random>`, lowercase so it is a valid team slug too. */
export function uniq(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${randomUUID().slice(0, 6)}`;
}

export function contextFor(db: Db, principal: Principal | null, extra: Partial<Context> = {}): Context {
  return { db, principal, requestId: `test-${randomUUID()}`, ip: "192.0.2.10", log: testLog, ...extra };
}

export const createCaller = createCallerFactory(appRouter);

/** The tRPC server-side caller: the same middleware chain (auth, permission, audit) as an HTTP request. */
export function callerFor(db: Db, principal: Principal | null, extra: Partial<Context> = {}) {
  return createCaller(contextFor(db, principal, extra));
}

export async function makeTeam(db: Db, slug = uniq("team")) {
  return db.team.create({ data: { slug, name: `Team ${slug}` } });
}

export async function makeUser(
  db: Db,
  opts: { email?: string; name?: string; isGlobalAdmin?: boolean; teams?: [teamId: string, role: Role][] } = {},
) {
  const email = opts.email ?? `${uniq("user")}@example.test`;
  const user = await db.user.create({
    data: {
      email,
      name: opts.name ?? email.split("@")[0]!,
      isGlobalAdmin: opts.isGlobalAdmin ?? false,
      memberships: { create: (opts.teams ?? []).map(([teamId, role]) => ({ teamId, role, source: "manual" as const })) },
    },
  });
  const principal = await loadPrincipal(db, user.id);
  if (!principal) throw new Error("user vanished");
  return { user, principal };
}

/** Audit rows after `afterSeq`, oldest first. */
export async function auditSince(db: Db, afterSeq: bigint) {
  return db.auditEvent.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: "asc" } });
}

export async function lastSeq(db: Db): Promise<bigint> {
  const last = await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
  return last?.seq ?? 0n;
}

/** The tRPC error code of a rejected promise, or "OK" when it resolved. */
export async function outcomeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" ? code : `THREW ${(err as Error).message}`;
  }
}

/** Appends `n` varied events through the app's appendAudit (the trigger assigns seq, ts and hashes). */
export async function seedAudit(db: Db, n: number, label = "seed") {
  for (let i = 0; i < n; i++) {
    await appendAudit(db, { actorId: null, actorLabel: `${label}-${i % 3}@example.test`, ip: "198.51.100.7", requestId: `req-${i}` }, {
      action: i % 2 ? "team.create" : "team.membership.set",
      targetType: "team",
      targetId: `t-${i}`,
      outcome: i % 5 === 0 ? "denied" : "success",
      before: i % 2 ? null : { role: "viewer", n: i },
      after: { role: "admin", note: `unicode ✓ "quoted" ${i}` },
      meta: { i },
    });
  }
}
