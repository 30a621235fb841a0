import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { decodeCursor, encodeCursor, loadEntity } from "@/server/catalog/queries";
import { CLOUD_PROVIDERS, RESOURCE_TYPES } from "@/server/providers/cloud";
import { RISK_KEYS, RISKS } from "./risks";

export const resourcesInput = z.object({
  provider: z.enum(CLOUD_PROVIDERS).optional(),
  type: z.enum(RESOURCE_TYPES).optional(),
  account: z.string().max(100).optional(),
  region: z.string().max(100).optional(),
  /** One risk, or "any" for every flagged resource. */
  risk: z.enum(["any", ...RISK_KEYS] as const).optional(),
  linked: z.enum(["linked", "unlinked"]).optional(),
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});

const cursorSchema = z.object({ n: z.string(), id: z.string() });

const SELECT = {
  id: true,
  provider: true,
  account: true,
  region: true,
  type: true,
  resourceId: true,
  name: true,
  state: true,
  service: true,
  entityRef: true,
  tags: true,
  details: true,
  risks: true,
  demo: true,
  refreshedAt: true,
  firstSeenAt: true,
} as const;

function whereOf(input: z.output<typeof resourcesInput>): Prisma.CloudResourceWhereInput {
  const and: Prisma.CloudResourceWhereInput[] = [];
  if (input.provider) and.push({ provider: input.provider });
  if (input.type) and.push({ type: input.type });
  if (input.account) and.push({ account: input.account });
  if (input.region) and.push({ region: input.region });
  if (input.risk === "any") and.push({ NOT: { risks: { isEmpty: true } } });
  else if (input.risk) and.push({ risks: { has: input.risk } });
  if (input.linked) and.push({ entityRef: input.linked === "linked" ? { not: null } : null });
  if (input.q) and.push({ OR: [{ name: { contains: input.q, mode: "insensitive" } }, { resourceId: { contains: input.q, mode: "insensitive" } }, { service: { contains: input.q, mode: "insensitive" } }] });
  return { AND: and };
}

/** The inventory page: filtered, keyset-paginated by name. */
export async function listResources(db: Db, input: z.output<typeof resourcesInput>) {
  const after = input.cursor ? decodeCursor(cursorSchema, input.cursor) : null;
  const where = whereOf(input);
  const rows = await db.cloudResource.findMany({
    where: after ? { AND: [where, { OR: [{ name: { gt: after.n } }, { name: after.n, id: { gt: after.id } }] }] } : where,
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: input.limit + 1,
    select: SELECT,
  });
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor({ n: last.name, id: last.id }) : null };
}

/** When the inventory was last refreshed: the newest of its sources (null before the first refresh). */
const newestRefresh = (sources: { refreshedAt: Date }[]) => sources.reduce<Date | null>((m, s) => (!m || s.refreshedAt > m ? s.refreshedAt : m), null);

/** Totals for the filter bar and the refresh status per provider/account/region (the page refetches it every minute). */
export async function inventorySummary(db: Db) {
  const [byType, byRisk, sources, accounts] = await Promise.all([
    db.cloudResource.groupBy({ by: ["provider", "type"], _count: { _all: true }, orderBy: [{ provider: "asc" }, { type: "asc" }] }),
    db.$queryRaw<{ risk: string; n: bigint }[]>`SELECT unnest(risks) AS risk, count(*)::bigint AS n FROM "CloudResource" GROUP BY 1 ORDER BY 1`,
    db.cloudSource.findMany({ orderBy: [{ provider: "asc" }, { account: "asc" }, { region: "asc" }] }),
    db.cloudResource.groupBy({ by: ["provider", "account", "region"], _count: { _all: true }, orderBy: [{ provider: "asc" }, { account: "asc" }, { region: "asc" }] }),
  ]);
  return {
    // Every resource has one provider and type: the per-type counts add up to the total.
    total: byType.reduce((n, t) => n + t._count._all, 0),
    demo: sources.some((s) => s.demo),
    types: byType.map((t) => ({ provider: t.provider, type: t.type, count: t._count._all })),
    risks: RISK_KEYS.map((k) => ({ risk: k, describe: RISKS[k], count: Number(byRisk.find((r) => r.risk === k)?.n ?? 0) })),
    accounts: accounts.map((a) => ({ provider: a.provider, account: a.account, region: a.region, count: a._count._all })),
    sources,
    lastRefreshAt: newestRefresh(sources),
  };
}

export const entityInput = z.object({ entityRef: z.string().trim().min(1).max(300) });

/** A service page's resources: linked to it, or to the Resource entities it depends on (e.g. its database). */
export async function resourcesForEntity(db: Db, refText: string) {
  const { ref } = await loadEntity(db, refText);
  const deps = await db.entityRelation.findMany({ where: { fromRef: ref, type: { in: ["dependsOn", "hasPart"] }, toRef: { startsWith: "resource:" } }, select: { toRef: true } });
  const refs = [ref, ...deps.map((d) => d.toRef)];
  const items = await db.cloudResource.findMany({ where: { entityRef: { in: refs } }, orderBy: [{ type: "asc" }, { name: "asc" }], take: 200, select: SELECT });
  const sources = await db.cloudSource.findMany({ select: { refreshedAt: true, demo: true } });
  return { items, via: deps.map((d) => d.toRef), demo: sources.some((s) => s.demo), lastRefreshAt: newestRefresh(sources) };
}

export async function resourceRow(db: Db, id: string) {
  const r = await db.cloudResource.findUnique({ where: { id }, select: { ...SELECT } });
  if (!r) throw new TRPCError({ code: "NOT_FOUND", message: "No such cloud resource (the inventory may have been refreshed)" });
  return r;
}

/** Team scope of an action: the owning team of the entity the resource is linked to (none: global admins only). */
export async function resourceTeams(db: Db, id: string): Promise<string[]> {
  const r = await resourceRow(db, id);
  if (!r.entityRef) return [];
  const e = await db.entity.findUnique({ where: { ref: r.entityRef }, select: { ownerTeamId: true } });
  return e?.ownerTeamId ? [e.ownerTeamId] : [];
}
