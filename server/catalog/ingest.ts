import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import { appendAudit, type AuditActor } from "@/server/audit/append";
import { problem, type CatalogProblem } from "./errors";
import type { CatalogEntity } from "./model";
import { parseDescriptorFile, DEFAULT_MAX_FILE_BYTES } from "./parse";
import { displayRef } from "./refs";
import { log } from "@/server/log";
import { analyzeAfterBulkWrite, compactReadModels, deleteScoresOfLocation } from "./read-models";
import { loadRules, recomputeAllScores, scoreEntity, writeScores, type ScorecardRule } from "./scorecards";
import { MAX_FILES_PER_LOCATION, openSource, type LocationSpec, type SourceFile } from "./sources";

/**
 * Ingest: read a location's files and parse them (outside any transaction), then write the result in ONE transaction
 * (applyLocation): upsert entities, replace their relations, remove entities that disappeared (reported as orphans),
 * resolve refs that now have a target, recompute scores, and replace the location's error list. A failure anywhere
 * rolls the whole location back, so a location is never half-replaced.
 *
 * What is kept rather than removed: entities of a file that could not be read (missing, too large, invalid YAML), and
 * entities whose new document is invalid (the previous version stays, with the error shown). A location whose root
 * cannot be read at all keeps everything.
 */

export const MAX_PROBLEMS_PER_LOCATION = 2000;
const TEAM_SLUG_RE = /^[a-z0-9][a-z0-9-]*$/;
export const SYSTEM_ACTOR: AuditActor = { actorId: null, actorLabel: "system:catalog-refresh", ip: "", requestId: "" };

export type LocationRow = { id: string; kind: "dir" | "git" | "upload"; target: string; content: string | null };

export type PreparedLocation = {
  location: LocationRow;
  entities: CatalogEntity[];
  problems: CatalogProblem[];
  /** Files whose previous entities are kept because the file could not be read this time. */
  unreadableFiles: Set<string>;
  /** Refs whose previous version is kept because the new document is invalid. */
  keepRefs: Set<string>;
  /** The location's root could not be read: keep everything. */
  rootUnreadable: boolean;
  files: number;
};

export type IngestSummary = {
  locationId: string;
  files: number;
  entities: number;
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  errors: number;
  warnings: number;
  orphans: string[];
  durationMs: number;
};

export type PrepareOptions = { maxBytes?: number; cwd?: string };

/** Reads and parses every file of a location, following Location entities' targets inside it. Never throws. */
export function prepareLocation(location: LocationRow, opts: PrepareOptions = {}): PreparedLocation {
  const spec: LocationSpec = { kind: location.kind, target: location.target, content: location.content };
  const source = openSource(spec, opts);
  const prepared: PreparedLocation = { location, entities: [], problems: [], unreadableFiles: new Set(), keepRefs: new Set(), rootUnreadable: false, files: 0 };
  const queue: SourceFile[] = source.list();
  if (queue.length === 1 && queue[0]!.path === "." && "error" in queue[0]!) {
    prepared.rootUnreadable = true;
    prepared.problems.push(problem("file_unreadable", ".", null, `${queue[0]!.error}; the entities read before are kept.`));
    return prepared;
  }
  const seen = new Set<string>();
  const seenRefs = new Map<string, CatalogEntity>();
  while (queue.length) {
    const f = queue.shift()!;
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    if (seen.size > MAX_FILES_PER_LOCATION) {
      prepared.problems.push(problem("location_target", f.path, null, `More than ${MAX_FILES_PER_LOCATION} files; the rest were not read.`));
      break;
    }
    prepared.files += 1;
    if ("error" in f) {
      prepared.unreadableFiles.add(f.path);
      prepared.problems.push(problem("file_unreadable", f.path, null, `Could not read the file: ${f.error}.`));
      continue;
    }
    const r = parseDescriptorFile(f.path, f.text, { maxBytes: opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES, readRelative: location.kind === "upload" ? undefined : (from, t) => source.readRelative(from, t) });
    prepared.problems.push(...r.problems);
    if (!r.readable) prepared.unreadableFiles.add(f.path);
    for (const ref of r.invalidRefs) prepared.keepRefs.add(ref);
    for (const e of r.entities) {
      const first = seenRefs.get(e.ref);
      if (first) {
        prepared.problems.push(problem("duplicate_in_location", e.file, e.line, `${displayRef(e.ref)} is defined twice in this location; the one in ${first.file}${first.line ? ` line ${first.line}` : ""} is used.`, { entityRef: e.ref }));
        continue;
      }
      seenRefs.set(e.ref, e);
      prepared.entities.push(e);
      for (const t of e.locationTargets) {
        for (const target of source.resolveTarget(e.file, t)) {
          if ("error" in target && location.kind !== "upload") prepared.problems.push(problem("location_target", e.file, e.line, `Location target ${t}: ${target.error}.`, { entityRef: e.ref }));
          else if ("error" in target) prepared.problems.push(problem("location_target", e.file, e.line, `Location target ${t} ignored: ${target.error}.`, { severity: "warning", entityRef: e.ref }));
          else queue.push(target);
        }
      }
    }
  }
  return prepared;
}

type Existing = { id: string; ref: string; etag: string; file: string | null };
type Conflict = { ref: string; locationId: string; target: string | null; file: string | null };

export type ApplyOptions = {
  rules?: ScorecardRule[];
  /** Test hook: runs inside the transaction after the entities are written (throw to prove the rollback). */
  afterEntities?: (tx: Tx) => Promise<void>;
};

/** Writes a prepared location inside `tx` (the caller's transaction). */
export async function applyLocation(tx: Tx, prepared: PreparedLocation, opts: ApplyOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const loc = prepared.location;
  const problems = [...prepared.problems];
  await tx.$queryRaw`SELECT "id" FROM "Location" WHERE "id" = ${loc.id} FOR UPDATE`;
  const rules = opts.rules ?? (await loadRules(tx)).rules;

  const existing = await tx.$queryRaw<Existing[]>`SELECT "id", "ref", "etag", "file" FROM "Entity" WHERE "locationId" = ${loc.id}`;
  const existingByRef = new Map(existing.map((e) => [e.ref, e]));

  // Entities another location already defines stay with it: first come, first served.
  const candidateRefs = prepared.entities.filter((e) => !existingByRef.has(e.ref)).map((e) => e.ref);
  const conflicts = candidateRefs.length
    ? await tx.$queryRaw<Conflict[]>`
        SELECT e."ref", e."locationId", l."target", e."file" FROM "Entity" e JOIN "Location" l ON l."id" = e."locationId"
        WHERE e."ref" = ANY(${candidateRefs}::text[]) AND e."locationId" <> ${loc.id}`
    : [];
  const conflictByRef = new Map(conflicts.map((c) => [c.ref, c]));
  const accepted: CatalogEntity[] = [];
  for (const e of prepared.entities) {
    const c = conflictByRef.get(e.ref);
    if (c) {
      problems.push(problem("duplicate_across_locations", e.file, e.line, `${displayRef(e.ref)} is already defined by location ${c.target ?? c.locationId}${c.file ? ` (${c.file})` : ""}; this definition is ignored.`, { entityRef: e.ref }));
    } else accepted.push(e);
  }

  const toWrite = accepted.filter((e) => existingByRef.get(e.ref)?.etag !== e.etag);
  const unchanged = accepted.length - toWrite.length;
  const newRefs = new Set(accepted.map((e) => e.ref));
  const removed = prepared.rootUnreadable
    ? []
    : existing.filter((e) => !newRefs.has(e.ref) && !prepared.keepRefs.has(e.ref) && !(e.file && prepared.unreadableFiles.has(e.file)));

  // Groups of type "team" in the default namespace become Teams (never deleted here): what ownership and team-scoped
  // permissions hang off. Existing teams (e.g. seeded) are left as they are.
  const teams = accepted.filter((e) => e.kind === "Group" && e.namespace === "default" && (e.type ?? "").toLowerCase() === "team" && TEAM_SLUG_RE.test(e.name.toLowerCase()));
  let createdTeamSlugs: string[] = [];
  if (teams.length) {
    const rows = teams.map((g) => ({ id: randomUUID(), slug: g.name.toLowerCase(), name: g.title ?? g.name, description: g.description }));
    createdTeamSlugs = (
      await tx.$queryRaw<{ slug: string }[]>`
        INSERT INTO "Team" ("id", "slug", "name", "description", "createdAt")
        SELECT x.id, x.slug, x.name, x.description, now() FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(id text, slug text, name text, description text)
        ON CONFLICT ("slug") DO NOTHING RETURNING "slug"`
    ).map((r) => r.slug);
  }

  // Entities: insert or update (only rows of this location or unowned ones, e.g. seeded before the catalog existed).
  const idByRef = new Map<string, string>();
  let added = 0;
  for (let i = 0; i < toWrite.length; i += 2000) {
    const chunk = toWrite.slice(i, i + 2000).map((e) => ({
      id: existingByRef.get(e.ref)?.id ?? randomUUID(),
      kind: e.kind,
      namespace: e.namespace,
      name: e.name,
      ref: e.ref,
      title: e.title,
      description: e.description,
      type: e.type,
      lifecycle: e.lifecycle,
      ownerRef: e.ownerRef,
      systemRef: e.systemRef,
      tags: e.tags,
      metadata: e.metadata,
      spec: e.spec,
      file: e.file,
      line: e.line,
      etag: e.etag,
    }));
    const rows = await tx.$queryRaw<{ id: string; ref: string; inserted: boolean }[]>`
      INSERT INTO "Entity" ("id", "kind", "namespace", "name", "ref", "title", "description", "type", "lifecycle", "ownerRef", "ownerTeamId",
        "systemRef", "tags", "metadata", "spec", "source", "locationId", "file", "line", "etag", "createdAt", "updatedAt")
      SELECT x.id, x.kind, x.namespace, x.name, x.ref, x.title, x.description, x.type, x.lifecycle, x."ownerRef", t."id",
        x."systemRef", ARRAY(SELECT jsonb_array_elements_text(x.tags)), x.metadata, x.spec, 'location', ${loc.id}, x.file, x.line, x.etag, now(), now()
      FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS x(id text, kind text, namespace text, name text, ref text, title text,
        description text, type text, lifecycle text, "ownerRef" text, "systemRef" text, tags jsonb, metadata jsonb, spec jsonb, file text, line int, etag text)
      LEFT JOIN "Team" t ON x."ownerRef" LIKE 'group:default/%' AND t."slug" = substr(x."ownerRef", 15)
      ON CONFLICT ("ref") DO UPDATE SET "kind" = EXCLUDED."kind", "namespace" = EXCLUDED."namespace", "name" = EXCLUDED."name",
        "title" = EXCLUDED."title", "description" = EXCLUDED."description", "type" = EXCLUDED."type", "lifecycle" = EXCLUDED."lifecycle",
        "ownerRef" = EXCLUDED."ownerRef", "ownerTeamId" = EXCLUDED."ownerTeamId", "systemRef" = EXCLUDED."systemRef", "tags" = EXCLUDED."tags",
        "metadata" = EXCLUDED."metadata", "spec" = EXCLUDED."spec", "source" = 'location', "locationId" = EXCLUDED."locationId",
        "file" = EXCLUDED."file", "line" = EXCLUDED."line", "etag" = EXCLUDED."etag", "updatedAt" = now()
      WHERE "Entity"."locationId" = ${loc.id} OR "Entity"."locationId" IS NULL
      RETURNING "id", "ref", (xmax = 0) AS inserted`;
    for (const r of rows) {
      idByRef.set(r.ref, r.id);
      if (r.inserted) added += 1;
    }
  }
  const updated = idByRef.size - added;
  const written = toWrite.filter((e) => idByRef.has(e.ref));

  if (opts.afterEntities) await opts.afterEntities(tx);

  // Relations declared by the written entities replace their previous ones.
  const rewrittenIds = written.map((e) => idByRef.get(e.ref)!);
  for (let i = 0; i < rewrittenIds.length; i += 10000) {
    await tx.$executeRaw`DELETE FROM "EntityRelation" WHERE "originId" = ANY(${rewrittenIds.slice(i, i + 10000)}::text[])`;
  }
  const relations = written.flatMap((e) => e.relations.map((r) => ({ o: idByRef.get(e.ref)!, f: r.fromRef, t: r.type, r: r.toRef, l: r.line })));
  for (let i = 0; i < relations.length; i += 5000) {
    await tx.$executeRaw`
      INSERT INTO "EntityRelation" ("originId", "fromRef", "fromId", "type", "toRef", "toId", "line")
      SELECT x.o, x.f, fe."id", x.t, x.r, te."id", x.l
      FROM jsonb_to_recordset(${JSON.stringify(relations.slice(i, i + 5000))}::jsonb) AS x(o text, f text, t text, r text, l int)
      LEFT JOIN "Entity" fe ON fe."ref" = x.f
      LEFT JOIN "Entity" te ON te."ref" = x.r
      ON CONFLICT DO NOTHING`;
  }

  // Removed entities go (their declared relations with them; relations pointing at them become dangling).
  const removedIds = removed.map((e) => e.id);
  for (let i = 0; i < removedIds.length; i += 10000) {
    // Scores first, in one statement (the cascade would run one delete, and one rollup trigger, per entity).
    await tx.$executeRaw`DELETE FROM "EntityScore" WHERE "entityId" = ANY(${removedIds.slice(i, i + 10000)}::text[])`;
    await tx.$executeRaw`DELETE FROM "Entity" WHERE "id" = ANY(${removedIds.slice(i, i + 10000)}::text[])`;
  }
  for (const e of removed) {
    problems.push(problem("orphan_removed", e.file ?? ".", null, `${displayRef(e.ref)} is no longer in this location and was removed from the catalog.`, { severity: "warning", entityRef: e.ref }));
  }

  // Refs elsewhere that waited for the entities that just appeared now resolve.
  const insertedRefs = written.map((e) => e.ref);
  for (let i = 0; i < insertedRefs.length; i += 10000) {
    const part = insertedRefs.slice(i, i + 10000);
    await tx.$executeRaw`UPDATE "EntityRelation" r SET "toId" = e."id" FROM "Entity" e WHERE r."toId" IS NULL AND r."toRef" = e."ref" AND e."ref" = ANY(${part}::text[])`;
    await tx.$executeRaw`UPDATE "EntityRelation" r SET "fromId" = e."id" FROM "Entity" e WHERE r."fromId" IS NULL AND r."fromRef" = e."ref" AND e."ref" = ANY(${part}::text[])`;
  }
  if (createdTeamSlugs.length) {
    await tx.$executeRaw`
      UPDATE "Entity" e SET "ownerTeamId" = t."id" FROM "Team" t
      WHERE e."ownerTeamId" IS NULL AND t."slug" = ANY(${createdTeamSlugs}::text[]) AND e."ownerRef" = 'group:default/' || t."slug"`;
  }

  await writeScores(tx, written.map((e) => ({ entityId: idByRef.get(e.ref)!, value: scoreEntity(rules, e) })));
  if (written.length || removed.length || createdTeamSlugs.length) await compactReadModels(tx);

  // Dangling refs declared by this location.
  const dangling = await tx.$queryRaw<{ entityRef: string; file: string | null; line: number | null; type: string; fromRef: string; toRef: string; toMissing: boolean }[]>`
    SELECT o."ref" AS "entityRef", o."file", r."line", r."type", r."fromRef", r."toRef", (r."toId" IS NULL) AS "toMissing"
    FROM "EntityRelation" r JOIN "Entity" o ON o."id" = r."originId"
    WHERE o."locationId" = ${loc.id} AND (r."toId" IS NULL OR r."fromId" IS NULL)
    ORDER BY o."file", r."line" LIMIT ${MAX_PROBLEMS_PER_LOCATION}`;
  for (const d of dangling) {
    const missing = d.toMissing ? d.toRef : d.fromRef;
    problems.push(problem("dangling_ref", d.file ?? ".", d.line, `${displayRef(d.entityRef)}: ${d.type} refers to ${displayRef(missing)}, which is not in the catalog.`, { severity: "warning", entityRef: d.entityRef }));
  }

  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  await tx.$executeRaw`DELETE FROM "LocationError" WHERE "locationId" = ${loc.id}`;
  const stored = problems.slice(0, MAX_PROBLEMS_PER_LOCATION).map((p) => ({ s: p.severity, c: p.code, f: p.file, l: p.line, m: p.message, r: p.entityRef ?? null }));
  if (stored.length) {
    await tx.$executeRaw`
      INSERT INTO "LocationError" ("locationId", "severity", "code", "file", "line", "message", "entityRef")
      SELECT ${loc.id}, x.s::"LocationErrorSeverity", x.c, x.f, x.l, x.m, x.r
      FROM jsonb_to_recordset(${JSON.stringify(stored)}::jsonb) AS x(s text, c text, f text, l int, m text, r text)`;
  }
  const summary: IngestSummary = {
    locationId: loc.id,
    files: prepared.files,
    entities: accepted.length,
    added,
    updated,
    unchanged,
    removed: removed.length,
    errors,
    warnings,
    orphans: removed.map((e) => e.ref).slice(0, 200),
    durationMs: Math.round(performance.now() - started),
  };
  const status = errors ? "error" : warnings ? "warning" : "ok";
  const message = errors
    ? `${errors} error${errors === 1 ? "" : "s"}${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""}`
    : warnings
      ? `${warnings} warning${warnings === 1 ? "" : "s"}`
      : `${accepted.length} entities`;
  await tx.location.update({
    where: { id: loc.id },
    data: { status, message, lastRefreshAt: new Date(), lastRun: summary as unknown as Prisma.InputJsonValue },
  });
  return summary;
}

export function summaryForAudit(s: IngestSummary): Prisma.InputJsonValue {
  return { files: s.files, entities: s.entities, added: s.added, updated: s.updated, removed: s.removed, unchanged: s.unchanged, errors: s.errors, warnings: s.warnings, orphans: s.orphans.slice(0, 50) };
}

/**
 * Refreshes one location in its own transaction (the scheduled path). When something changed, an audit event by
 * `system:catalog-refresh` is written in the same transaction.
 */
export async function ingestLocation(db: Db, locationId: string, opts: PrepareOptions & ApplyOptions & { actor?: AuditActor } = {}): Promise<IngestSummary> {
  const location = await db.location.findUniqueOrThrow({ where: { id: locationId }, select: { id: true, kind: true, target: true, content: true } });
  const prepared = prepareLocation(location, opts);
  const summary = await db.$transaction(
    async (tx) => {
      const s = await applyLocation(tx, prepared, opts);
      if (s.added || s.updated || s.removed) {
        await appendAudit(tx, opts.actor ?? SYSTEM_ACTOR, { action: "catalog.location.refresh", targetType: "catalog.location", targetId: locationId, after: summaryForAudit(s), meta: { scheduled: !opts.actor } });
      }
      return s;
    },
    { timeout: 30 * 60_000, maxWait: 60_000 },
  );
  // After a bulk import, plans need the new row counts and value distributions (after the commit: see the function).
  try {
    await analyzeAfterBulkWrite(db, summary.added + summary.updated + summary.removed);
  } catch (err) {
    log.warn({ component: "catalog", locationId, err }, "ANALYZE after catalog ingest failed");
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------------------------
// Configured locations (OPSDECK_CATALOG_PATHS)

/**
 * Parses OPSDECK_CATALOG_PATHS: comma-separated entries; `git:<dir>` is a git working copy read at HEAD, anything
 * else a directory or glob. Relative paths are relative to the working directory of the process.
 */
export function parseCatalogPaths(value: string | undefined, cwd = process.cwd()): LocationSpec[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const git = entry.startsWith("git:");
      const raw = git ? entry.slice(4) : entry;
      return { kind: git ? ("git" as const) : ("dir" as const), target: path.resolve(cwd, raw) };
    });
}

/**
 * Makes the config locations in the table match `specs`: adds new ones; config locations no longer configured are
 * deleted together with their entities (audited as system). Upload locations are untouched.
 */
export async function syncConfiguredLocations(db: Db, specs: LocationSpec[]): Promise<{ added: string[]; removed: string[] }> {
  return db.$transaction(
    async (tx) => {
      const current = await tx.location.findMany({ where: { origin: "config" }, select: { id: true, kind: true, target: true } });
      const key = (l: { kind: string; target: string }) => `${l.kind}\0${l.target}`;
      const wanted = new Set(specs.map(key));
      const have = new Set(current.map(key));
      const added: string[] = [];
      for (const s of specs) {
        if (have.has(key(s))) continue;
        const l = await tx.location.upsert({ where: { kind_target: { kind: s.kind, target: s.target } }, create: { kind: s.kind, target: s.target, origin: "config" }, update: {} });
        added.push(l.id);
      }
      const gone = current.filter((l) => !wanted.has(key(l)));
      for (const l of gone) {
        await deleteScoresOfLocation(tx, l.id);
        const n = await tx.entity.deleteMany({ where: { locationId: l.id } });
        await tx.location.delete({ where: { id: l.id } });
        await appendAudit(tx, SYSTEM_ACTOR, { action: "catalog.location.delete", targetType: "catalog.location", targetId: l.id, before: { kind: l.kind, target: l.target, entities: n.count }, meta: { reason: "no longer in OPSDECK_CATALOG_PATHS" } });
      }
      if (gone.length) await compactReadModels(tx);
      return { added, removed: gone.map((l) => l.id) };
    },
    { timeout: 5 * 60_000 },
  );
}

/** Syncs the configured locations, then refreshes every location, each in its own transaction. */
export async function refreshAllLocations(
  db: Db,
  specs: LocationSpec[],
  opts: PrepareOptions & { onError?: (locationId: string, err: unknown) => void } = {},
): Promise<IngestSummary[]> {
  await syncConfiguredLocations(db, specs);
  // The rules file changed since the last refresh (and no admin edit overrides it): rescore everything.
  const { rules, changed } = await db.$transaction(async (tx) => {
    const set = await loadRules(tx);
    if (set.changed) await recomputeAllScores(tx, set.rules);
    return set;
  }, { timeout: 30 * 60_000 });
  if (changed) log.info({ component: "catalog" }, "scorecard rules file changed: scores recomputed");
  const all = await db.location.findMany({ select: { id: true }, orderBy: { createdAt: "asc" } });
  const out: IngestSummary[] = [];
  for (const l of all) {
    try {
      out.push(await ingestLocation(db, l.id, { ...opts, rules }));
    } catch (err) {
      if (!opts.onError) throw err;
      opts.onError(l.id, err);
    }
  }
  return out;
}
