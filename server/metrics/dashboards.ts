import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import type { AuditedChange } from "@/server/audit/append";
import { can } from "@/server/auth/permissions";
import type { Principal } from "@/server/auth/roles";
import { canonicalRefOf } from "@/server/catalog/queries";
import { MetricsQueryError } from "@/server/providers/metrics";
import { answerQuery, RANGE_PRESETS, rangeInput, resolveRange, type HealthQuery } from "./health";
import { infoOf, type MetricsSources, type SourceInfo } from "./source";
import { chooseStep } from "./step";
import { annotationsOf, planSignals, SIGNAL_IDS, SIGNALS, type SignalId } from "./templates";

/**
 * Saved custom dashboards (docs/metrics.md "Custom dashboards"): a title, a default time range and panels in display
 * order on a 4-column grid. A panel is a PromQL query (with a unit) or one golden signal of a catalog Component, each
 * against a data source (default: the default source, or the Component's own). Owned by a team: engineers and above
 * of that team (and global admins) create, edit and delete (`dashboards.manage`); everyone with `metrics.read` views.
 */

export const PANEL_SIZES = ["s", "m", "l", "xl"] as const;
export const PANEL_UNITS = ["none", "req/s", "ratio", "seconds", "cores", "bytes"] as const;
export const MAX_PANELS = 24;
const PRESETS = Object.keys(RANGE_PRESETS) as [keyof typeof RANGE_PRESETS, ...(keyof typeof RANGE_PRESETS)[]];

const panelBase = {
  /** Client-made id, stable across reorders (React keys, links to a panel). */
  id: z.string().regex(/^[a-z0-9]{4,24}$/, "4–24 lowercase letters or digits"),
  title: z.string().trim().min(1, "a title is required").max(120),
  /** Grid columns spanned: s 1, m 2, l 3, xl 4 (of 4). */
  size: z.enum(PANEL_SIZES).default("m"),
  source: z.string().trim().min(1).max(63).optional(),
};

export const promqlPanel = z.strictObject({
  ...panelBase,
  kind: z.literal("promql"),
  query: z.string().trim().min(1, "a query is required").max(2000, "at most 2000 characters"),
  unit: z.enum(PANEL_UNITS).default("none"),
});
export const signalPanel = z.strictObject({
  ...panelBase,
  kind: z.literal("signal"),
  entityRef: z.string().trim().min(1).max(300),
  signal: z.enum(SIGNAL_IDS as [SignalId, ...SignalId[]]),
});
export const panelSchema = z.discriminatedUnion("kind", [promqlPanel, signalPanel]);
export type Panel = z.output<typeof panelSchema>;

export const panelsSchema = z
  .array(panelSchema)
  .max(MAX_PANELS, `at most ${MAX_PANELS} panels`)
  .superRefine((panels, ctx) => {
    const seen = new Set<string>();
    panels.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate panel id ${p.id}` });
      seen.add(p.id);
    });
  });

const dashboardFields = {
  title: z.string().trim().min(1, "a title is required").max(120),
  description: z.string().trim().max(1000).default(""),
  range: z.enum(PRESETS).default("6h"),
  panels: panelsSchema,
};

export const createInput = z.object({ ...dashboardFields, ownerTeamId: z.string().min(1).max(40) });
export const updateInput = z.object({ ...dashboardFields, id: z.string().min(1).max(40), version: z.number().int().min(1) });
export const idInput = z.object({ id: z.string().min(1).max(40) });
export const listInput = z.object({
  /** Owner team slug; all teams when absent. */
  team: z.string().trim().toLowerCase().min(1).max(100).optional(),
  cursor: z.object({ updatedAt: z.date(), id: z.string().max(40) }).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});

type Row = Prisma.CustomDashboardGetPayload<{ include: { ownerTeam: { select: { id: true; slug: true; name: true } }; createdBy: { select: { name: true; email: true } } } }>;

const include = { ownerTeam: { select: { id: true, slug: true, name: true } }, createdBy: { select: { name: true, email: true } } } as const;

/** The stored panels, parsed again on read: a row written by an older version never reaches the UI unchecked. */
function shape(row: Row, principal: Principal) {
  const panels = panelsSchema.safeParse(row.panels);
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    range: row.range as keyof typeof RANGE_PRESETS,
    panels: panels.success ? panels.data : [],
    panelsError: panels.success ? null : "The stored panels are not valid any more; edit and save the dashboard to fix them.",
    version: row.version,
    team: row.ownerTeam,
    createdBy: row.createdBy?.name ?? row.createdBy?.email ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    canEdit: can(principal, "dashboards.manage", { teamIds: [row.ownerTeamId] }),
  };
}
export type Dashboard = ReturnType<typeof shape>;

/** Teams the person may create dashboards for (engineer+ there, or every team for global admins). */
async function editableTeams(db: Db, principal: Principal) {
  const teams = principal.isGlobalAdmin
    ? await db.team.findMany({ select: { id: true, slug: true, name: true }, orderBy: { slug: "asc" }, take: 500 })
    : principal.teams.map((t) => ({ id: t.teamId, slug: t.slug, name: t.name }));
  return teams.filter((t) => can(principal, "dashboards.manage", { teamIds: [t.id] }));
}

export async function listDashboards(db: Db, principal: Principal, input: z.output<typeof listInput>) {
  const rows = await db.customDashboard.findMany({
    where: {
      ...(input.team ? { ownerTeam: { slug: input.team } } : {}),
      ...(input.cursor ? { OR: [{ updatedAt: { lt: input.cursor.updatedAt } }, { updatedAt: input.cursor.updatedAt, id: { lt: input.cursor.id } }] } : {}),
    },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    include,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => {
      const { panels, ...rest } = shape(r, principal);
      return { ...rest, panelCount: panels.length };
    }),
    nextCursor: rows.length > input.limit && last ? { updatedAt: last.updatedAt, id: last.id } : null,
    editableTeams: await editableTeams(db, principal),
  };
}

export async function getDashboard(db: Db, principal: Principal, id: string): Promise<Dashboard> {
  const row = await db.customDashboard.findUnique({ where: { id }, include });
  if (!row) throw new TRPCError({ code: "NOT_FOUND", message: "No such dashboard (it may have been deleted)" });
  return shape(row, principal);
}

/** The owning team of a dashboard, for the team-scoped permission (none: the dashboard does not exist). */
export async function dashboardScope(db: Db, id: string): Promise<{ teamIds: string[] }> {
  const row = await db.customDashboard.findUnique({ where: { id }, select: { ownerTeamId: true } });
  return { teamIds: row ? [row.ownerTeamId] : [] };
}

/**
 * Asks each PromQL panel's data source to parse its query, and checks that named sources and Components exist.
 * A query the data source refuses (bad_data) is a BAD_REQUEST naming the panel; a data source that cannot be reached
 * does not block saving (the panel will show the error when viewed).
 */
export async function checkPanels(db: Db, sources: MetricsSources, panels: readonly Panel[]): Promise<void> {
  // One catalog read for every signal panel and the data sources asked in parallel; the first failing panel (in
  // display order) is the one reported, as a panel-by-panel check would.
  const refs = [...new Set(panels.flatMap((p) => (p.kind === "signal" ? [canonicalRefOf(p.entityRef)] : [])))];
  const [entities, verdicts] = await Promise.all([
    refs.length ? db.entity.findMany({ where: { ref: { in: refs } }, select: { ref: true, kind: true } }) : [],
    Promise.allSettled(panels.map((p) => (p.kind === "promql" && (!p.source || sources.get(p.source)) ? validatePromql(sources, p.query, p.source) : null))),
  ]);
  const kindOf = new Map(entities.map((e) => [e.ref, e.kind]));
  panels.forEach((p, i) => {
    const where = `Panel "${p.title}"`;
    if (p.source && !sources.get(p.source)) throw new TRPCError({ code: "BAD_REQUEST", message: `${where}: unknown data source "${p.source}"` });
    if (p.kind === "signal") {
      const kind = kindOf.get(canonicalRefOf(p.entityRef));
      if (!kind) throw new TRPCError({ code: "BAD_REQUEST", message: `${where}: ${p.entityRef} is not in the catalog` });
      if (kind !== "Component") throw new TRPCError({ code: "BAD_REQUEST", message: `${where}: golden signals exist for Components, not ${kind}` });
      return;
    }
    const verdict = verdicts[i]!;
    if (verdict.status === "rejected") throw verdict.reason;
    if (verdict.value) throw new TRPCError({ code: "BAD_REQUEST", message: `${where}: ${verdict.value}` });
  });
}

/** The data source's verdict on a query: null when it parses (or the source cannot be asked), else the parser's message. */
export async function validatePromql(sources: MetricsSources, query: string, sourceName?: string): Promise<string | null> {
  const source = sources.pick(sourceName);
  if (!source) return null;
  try {
    if (source.provider.validateQuery) await source.provider.validateQuery(query);
    else await source.provider.instantQuery(query);
    return null;
  } catch (err) {
    if (err instanceof MetricsQueryError && err.kind === "bad_data") return err.message;
    if (err instanceof MetricsQueryError) return null;
    throw err;
  }
}

const snapshot = (d: { title: string; description: string; range: string; panels: unknown; ownerTeamId: string; version: number }) => ({
  title: d.title,
  description: d.description,
  range: d.range,
  ownerTeamId: d.ownerTeamId,
  version: d.version,
  panels: d.panels as Prisma.InputJsonValue,
});

export async function createDashboard(tx: Tx, principal: Principal, input: z.output<typeof createInput>): Promise<AuditedChange<{ id: string }>> {
  const team = await tx.team.findUnique({ where: { id: input.ownerTeamId }, select: { id: true } });
  if (!team) throw new TRPCError({ code: "BAD_REQUEST", message: "No such team" });
  const row = await tx.customDashboard.create({
    data: { title: input.title, description: input.description, range: input.range, panels: input.panels, ownerTeamId: input.ownerTeamId, createdById: principal.id, updatedById: principal.id },
  });
  return { result: { id: row.id }, targetType: "dashboard", targetId: row.id, after: snapshot(row) };
}

export async function updateDashboard(tx: Tx, principal: Principal, input: z.output<typeof updateInput>): Promise<AuditedChange<{ id: string; version: number }>> {
  const before = await tx.customDashboard.findUnique({ where: { id: input.id } });
  if (!before) throw new TRPCError({ code: "NOT_FOUND", message: "No such dashboard (it may have been deleted)" });
  // Optimistic concurrency: only the version the editor started from may be replaced.
  const { count } = await tx.customDashboard.updateMany({
    where: { id: input.id, version: input.version },
    data: { title: input.title, description: input.description, range: input.range, panels: input.panels, updatedById: principal.id, version: { increment: 1 } },
  });
  if (count === 0) throw new TRPCError({ code: "CONFLICT", message: "Someone saved this dashboard meanwhile: reload it and apply your change again" });
  const after = await tx.customDashboard.findUniqueOrThrow({ where: { id: input.id } });
  return { result: { id: after.id, version: after.version }, targetType: "dashboard", targetId: after.id, before: snapshot(before), after: snapshot(after) };
}

export async function deleteDashboard(tx: Tx, id: string): Promise<AuditedChange<{ id: string }>> {
  const before = await tx.customDashboard.findUnique({ where: { id } });
  if (!before) throw new TRPCError({ code: "NOT_FOUND", message: "No such dashboard (it may have been deleted)" });
  await tx.customDashboard.delete({ where: { id } });
  return { result: { id }, targetType: "dashboard", targetId: id, before: snapshot(before) };
}

export const panelDataInput = z.object({
  panel: panelSchema,
  range: rangeInput.default({ preset: "6h" }),
  maxPoints: z.number().int().min(50).max(1000).default(500),
});

export type PanelData = {
  source: SourceInfo | null;
  unit: (typeof PANEL_UNITS)[number];
  range: { start: Date; end: Date; stepSeconds: number } | null;
  queries: HealthQuery[];
  /** Why there is nothing to chart, when that is not a query's own error (no data source, unknown Component…). */
  error: string | null;
};

/** The series of one panel over a range (also for unsaved panels: the editor previews with it). */
export async function panelData(db: Db, sources: MetricsSources, input: z.output<typeof panelDataInput>, opts: { now?: Date } = {}): Promise<PanelData> {
  const p = input.panel;
  let annotations: Record<string, string> = {};
  let entityName = "";
  if (p.kind === "signal") {
    const e = await db.entity.findUnique({ where: { ref: canonicalRefOf(p.entityRef) }, select: { kind: true, name: true, metadata: true } });
    const unit = SIGNALS.find((s) => s.id === p.signal)!.unit;
    if (!e || e.kind !== "Component") return { source: null, unit, range: null, queries: [], error: `${p.entityRef} is not a Component in the catalog` };
    annotations = annotationsOf(e.metadata);
    entityName = e.name;
  }
  const source = sources.pick(p.source, annotations);
  const unit = p.kind === "promql" ? p.unit : SIGNALS.find((s) => s.id === p.signal)!.unit;
  if (!source) return { source: null, unit, range: null, queries: [], error: "No metrics data source is configured" };
  const { start, end } = resolveRange(input.range, opts.now);
  const step = chooseStep(start, end, source.scrapeIntervalSeconds);
  const planned =
    p.kind === "promql"
      ? [{ label: p.title, promql: p.query.replaceAll("$__rate_interval", step.rateWindow), error: null }]
      : planSignals({ name: entityName, annotations }, step.rateWindow).find((x) => x.id === p.signal)!.queries;
  const queries = await Promise.all(planned.map((q) => answerQuery(source, q, step, input.maxPoints)));
  return { source: infoOf(source), unit, range: { start: step.start, end: step.end, stepSeconds: step.stepSeconds }, queries, error: null };
}

export const validateInput = z.object({ query: z.string().trim().min(1).max(2000), source: z.string().trim().min(1).max(63).optional() });
