import { z } from "zod";
import type { Db } from "@/server/db/client";
import { canonicalRefOf } from "@/server/catalog/queries";
import { doraMetrics, failures, weeklyTrend, type DoraDeploy, type DoraMetrics, type WeekPoint } from "./dora";
import type { LastDeploy } from "./overview";
import { ownerWhere, teamOf } from "./overview";

/**
 * Reads of the Deploy table for the metrics pages (the deploys domain writes it): deploy markers on the Health charts,
 * the overview's last deploy per service, and the DORA metrics (arithmetic in dora.ts).
 */

export type DeployMarker = { id: string; at: Date; kind: string; state: string; environment: string; version: string; fromVersion: string | null; by: string | null };

/** Markers at most per chart range: the newest are kept. */
const MAX_MARKERS = 200;

/** Deploys of a service that finished (or, still running, started) within [start, end], of one environment or all. */
export async function deployMarkers(db: Db, ref: string, environment: string | null, start: Date, end: Date): Promise<DeployMarker[]> {
  const rows = await db.deploy.findMany({
    where: {
      entityRef: ref,
      ...(environment ? { environment } : {}),
      OR: [{ finishedAt: { gte: start, lte: end } }, { finishedAt: null, startedAt: { gte: start, lte: end } }],
    },
    orderBy: { createdAt: "desc" },
    take: MAX_MARKERS,
    select: { id: true, kind: true, state: true, environment: true, toVersion: true, fromVersion: true, startedAt: true, finishedAt: true, createdAt: true, requestedBy: { select: { name: true, email: true } } },
  });
  return rows
    .map((r) => ({ id: r.id, at: r.finishedAt ?? r.startedAt ?? r.createdAt, kind: r.kind, state: r.state, environment: r.environment, version: r.toVersion, fromVersion: r.fromVersion, by: r.requestedBy.name || r.requestedBy.email }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The newest deploy (any state) of each service, in one environment or any. */
export async function lastDeploys(db: Db, refs: string[], environment: string | null): Promise<Map<string, LastDeploy>> {
  if (!refs.length) return new Map();
  const rows = await db.$queryRaw<{ entityRef: string; id: string; toVersion: string; state: string; kind: string; environment: string; at: Date; by: string | null }[]>`
    SELECT r.ref AS "entityRef", d.id, d."toVersion", d.state::text AS state, d.kind::text AS kind, d.environment,
           COALESCE(d."finishedAt", d."startedAt", d."createdAt") AS at, COALESCE(NULLIF(u.name, ''), u.email) AS by
    FROM unnest(${refs}::text[]) AS r(ref)
    CROSS JOIN LATERAL (
      SELECT * FROM "Deploy" x
      WHERE x."entityRef" = r.ref AND (${environment}::text IS NULL OR x.environment = ${environment}::text)
      ORDER BY x."createdAt" DESC LIMIT 1
    ) d
    LEFT JOIN "User" u ON u.id = d."requestedById"`;
  return new Map(rows.map((r) => [r.entityRef, { id: r.id, version: r.toVersion, state: r.state, kind: r.kind, environment: r.environment, at: r.at, by: r.by }]));
}

export const doraInput = z.object({
  /** Owner team name (as on the overview); the whole organisation when absent. */
  team: z.string().trim().toLowerCase().min(1).max(100).optional(),
  /** One service (the entity page's card). */
  ref: z.string().trim().min(1).max(300).optional(),
  /** Deploy environment; default: "prod" or "production" when deploys to it exist, else every environment. */
  environment: z.string().trim().min(1).max(63).optional(),
  weeks: z.number().int().min(4).max(26).default(12),
});

export type DoraRow = { key: string; label: string; metrics: DoraMetrics };
export type DoraReport = {
  from: Date;
  to: Date;
  environment: string | null;
  environments: string[];
  teams: string[];
  metrics: DoraMetrics;
  weeks: WeekPoint[];
  /** Per team (organisation view) and per service, most deploys first. */
  byTeam: DoraRow[];
  byService: DoraRow[];
  /** Deploys read; more than MAX_DEPLOYS in the period are cut (oldest first). */
  deploysRead: number;
  truncated: boolean;
};

export const MAX_DEPLOYS = 100_000;
const PRODUCTION = ["prod", "production"];

export async function doraReport(db: Db, input: z.output<typeof doraInput>, opts: { now?: Date } = {}): Promise<DoraReport> {
  const to = opts.now ?? new Date();
  const from = new Date(to.getTime() - input.weeks * 7 * 86_400_000);
  const [envRows, components, allTeams] = await Promise.all([
    db.deploy.groupBy({ by: ["environment"], _count: { _all: true } }),
    // Services in scope, with their owner team (the catalog's current owner, as on the overview).
    db.entity.findMany({
      where: { kind: "Component", ...(input.ref ? { ref: canonicalRefOf(input.ref) } : ownerWhere(input.team)) },
      select: { ref: true, name: true, title: true, ownerRef: true },
      take: 5000,
    }),
    input.ref || input.team ? [] : db.entity.groupBy({ by: ["ownerRef"], where: { kind: "Component" } }),
  ]);
  const environments = envRows.map((e) => e.environment).sort();
  const environment = input.environment ?? PRODUCTION.find((p) => environments.includes(p)) ?? null;
  const teamOfRef = new Map(components.map((c) => [c.ref, teamOf(c.ownerRef)]));

  const rows = await db.deploy.findMany({
    where: {
      entityRef: { in: [...teamOfRef.keys()] },
      ...(environment ? { environment } : {}),
      finishedAt: { gte: from },
    },
    orderBy: { finishedAt: "desc" },
    take: MAX_DEPLOYS + 1,
    select: { id: true, entityRef: true, environment: true, kind: true, state: true, createdAt: true, startedAt: true, finishedAt: true, commitTime: true, rollbackOfId: true },
  });
  const truncated = rows.length > MAX_DEPLOYS;
  const deploys: DoraDeploy[] = rows.slice(0, MAX_DEPLOYS).map((r) => ({ ...r, kind: r.kind }));

  // Failed changes and restores are found once: each depends only on deploys of the same service (and environment),
  // so every team's and service's share of the map is what their own deploys would give.
  const failed = failures(deploys);
  const group = (key: (d: DoraDeploy) => string) => {
    const m = new Map<string, DoraDeploy[]>();
    for (const d of deploys) {
      const list = m.get(key(d));
      if (list) list.push(d);
      else m.set(key(d), [d]);
    }
    return m;
  };
  const rowsOf = (groups: Map<string, DoraDeploy[]>, label: (k: string) => string): DoraRow[] =>
    [...groups]
      .map(([k, ds]) => ({ key: k, label: label(k), metrics: doraMetrics(ds, from, to, failed) }))
      .sort((a, b) => b.metrics.deploys - a.metrics.deploys || a.label.localeCompare(b.label));
  const names = new Map(components.map((c) => [c.ref, c.title ?? c.name]));
  return {
    from,
    to,
    environment,
    environments,
    teams: [...new Set(allTeams.map((t) => teamOf(t.ownerRef)))].sort(),
    metrics: doraMetrics(deploys, from, to, failed),
    weeks: weeklyTrend(deploys, from, to, failed),
    byTeam: input.ref || input.team ? [] : rowsOf(group((d) => teamOfRef.get(d.entityRef) ?? "(no owner)"), (k) => k),
    byService: input.ref ? [] : rowsOf(group((d) => d.entityRef), (k) => names.get(k) ?? k),
    deploysRead: deploys.length,
    truncated,
  };
}
