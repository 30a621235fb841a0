import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Db } from "@/server/db/client";
import type { Env } from "@/server/env";
import { runAudited, type AuditActor } from "@/server/audit/append";
import { log } from "@/server/log";
import { MAX_DEFINITION_BYTES } from "./definition";
import { RunbookConflict, archiveRunbook, hashYaml, saveVersion } from "./store";

/**
 * Runbooks from outside the UI, kept in step with their source:
 *  - directories (OPSDECK_RUNBOOK_PATHS, default the shipped examples in runbooks/): every *.yaml / *.yml below them;
 *  - catalog entities whose annotation `opsdeck.dev/runbooks` lists YAML files (paths relative to the descriptor,
 *    inside its location). Entries that are not file names name existing runbooks to show on the entity's page.
 * A changed file becomes a new version (audited as system:runbooks-sync); a vanished one is archived, never deleted
 * (its runs and versions stay). An invalid file is stored too, with its problems, and cannot run.
 */

export const RUNBOOKS_ANNOTATION = "opsdeck.dev/runbooks";
export const SYNC_ACTOR: AuditActor = { actorId: null, actorLabel: "system:runbooks-sync", ip: "", requestId: "" };
const MAX_FILES = 2000;

export const REPO_RUNBOOKS_DIR = path.resolve(process.cwd(), "runbooks");

export function runbookDirs(e: Pick<Env, "OPSDECK_RUNBOOK_PATHS">, cwd = process.cwd()): string[] {
  const v = e.OPSDECK_RUNBOOK_PATHS.trim();
  if (!v || v === "off") return [];
  return v.split(",").map((s) => s.trim()).filter(Boolean).map((d) => path.resolve(cwd, d));
}

function yamlFiles(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 8 || out.length >= MAX_FILES) return out;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const d of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (d.name.startsWith(".")) continue;
    const abs = path.join(dir, d.name);
    if (d.isDirectory()) yamlFiles(abs, out, depth + 1);
    else if (d.isFile() && /\.ya?ml$/i.test(d.name)) out.push(abs);
  }
  return out;
}

/** Annotation entries: file paths (…yaml/…yml) and runbook names. */
export function annotationEntries(value: unknown): { files: string[]; names: string[] } {
  const items = typeof value === "string" ? value.split(/[,\n]/).map((s) => s.trim()).filter(Boolean) : [];
  return { files: items.filter((i) => /\.ya?ml$/i.test(i)), names: items.filter((i) => !/\.ya?ml$/i.test(i)) };
}

export type SyncSummary = {
  files: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  archived: number;
  problems: { source: string; message: string }[];
};

type Candidate = { sourceRef: string; source: "file" | "entity"; entityRef: string | null; read: () => string; fallbackName: string };

async function entityCandidates(db: Db, problems: SyncSummary["problems"]): Promise<Candidate[]> {
  const rows = await db.$queryRaw<{ ref: string; file: string | null; target: string | null; kind: string | null; value: string }[]>`
    SELECT e.ref, e.file, l.target, l.kind::text AS kind, e.metadata->'annotations'->>${RUNBOOKS_ANNOTATION} AS value
    FROM "Entity" e LEFT JOIN "Location" l ON l.id = e."locationId"
    WHERE e.metadata->'annotations' ? ${RUNBOOKS_ANNOTATION}`;
  const out: Candidate[] = [];
  for (const r of rows) {
    const { files } = annotationEntries(r.value);
    if (!files.length) continue;
    if (!r.file || !r.target || r.kind !== "dir") {
      problems.push({ source: r.ref, message: `${RUNBOOKS_ANNOTATION}: runbook files can only be read next to descriptors in a directory location` });
      continue;
    }
    const root = path.resolve(r.target);
    const base = path.dirname(path.resolve(root, r.file));
    for (const f of files) {
      const abs = path.resolve(base, f);
      if (abs !== root && !abs.startsWith(root + path.sep)) {
        problems.push({ source: r.ref, message: `${RUNBOOKS_ANNOTATION}: ${f} is outside the catalog location` });
        continue;
      }
      out.push({ sourceRef: `${r.ref}#${path.relative(root, abs)}`, source: "entity", entityRef: r.ref, read: () => readDefinition(abs), fallbackName: nameFromFile(abs) });
    }
  }
  return out;
}

function readDefinition(abs: string): string {
  const size = statSync(abs).size;
  if (size > MAX_DEFINITION_BYTES) throw new Error(`${abs} is larger than ${MAX_DEFINITION_BYTES / 1024} KiB`);
  return readFileSync(abs, "utf8");
}

function nameFromFile(abs: string): string {
  return path.basename(abs).replace(/\.ya?ml$/i, "").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63) || "runbook";
}

/** Brings file- and annotation-sourced runbooks in line with their sources. Never throws for a bad file. */
export async function syncRunbookSources(db: Db, opts: { dirs: string[]; actor?: AuditActor }): Promise<SyncSummary> {
  const summary: SyncSummary = { files: 0, created: 0, updated: 0, unchanged: 0, invalid: 0, archived: 0, problems: [] };
  const actor = opts.actor ?? SYNC_ACTOR;
  const candidates: Candidate[] = [];
  for (const dir of opts.dirs) {
    for (const abs of yamlFiles(dir)) candidates.push({ sourceRef: abs, source: "file", entityRef: null, read: () => readDefinition(abs), fallbackName: nameFromFile(abs) });
  }
  candidates.push(...(await entityCandidates(db, summary.problems)));
  const current = await currentTexts(db);
  const seen = new Set<string>();
  for (const c of candidates) {
    let yaml: string;
    try {
      yaml = c.read();
    } catch (err) {
      summary.problems.push({ source: c.sourceRef, message: (err as Error).message });
      continue;
    }
    summary.files++;
    seen.add(c.sourceRef);
    // The usual case, at every worker start and every tick: the source still holds the current version's text. That
    // is what saveVersion would find too, so it is counted here without a transaction and its half-dozen queries.
    const known = current.get(`${c.source}:${c.sourceRef}`);
    if (known && known.hash === hashYaml(yaml)) {
      summary.unchanged++;
      if (!known.valid) summary.invalid++;
      continue;
    }
    try {
      const r = await runAudited(db, actor, "runbook.sync", async (tx) => {
        const res = await saveVersion(tx, { yaml, source: c.source, sourceRef: c.sourceRef, entityRef: c.entityRef, fallbackName: c.fallbackName, createdBy: actor.actorLabel, message: `synced from ${shown(c.sourceRef)}` });
        if (res.change === "unchanged") throw new Unchanged(res);
        return {
          result: res,
          targetType: "runbook",
          targetId: res.name,
          before: res.before,
          after: { version: res.version, valid: res.valid, source: c.sourceRef, problems: res.problems.length },
        };
      });
      summary[r.change === "created" ? "created" : "updated"]++;
      if (!r.valid) summary.invalid++;
    } catch (err) {
      if (err instanceof Unchanged) {
        summary.unchanged++;
        if (!err.result.valid) summary.invalid++;
      } else if (err instanceof RunbookConflict) summary.problems.push({ source: c.sourceRef, message: err.message });
      else {
        log.error({ err, source: c.sourceRef }, "runbook sync failed");
        summary.problems.push({ source: c.sourceRef, message: "could not be stored (see the server log)" });
      }
    }
  }
  // Whatever a source no longer provides is archived (kept with its history, no longer runnable or listed).
  const stale = await db.runbook.findMany({ where: { source: { in: ["file", "entity"] }, archivedAt: null, sourceRef: { notIn: [...seen] } }, select: { id: true, name: true, sourceRef: true } });
  for (const rb of stale) {
    // A directory that is temporarily unreadable must not archive everything: only archive when its file is really gone.
    if (rb.sourceRef && !rb.sourceRef.includes("#") && opts.dirs.some((d) => rb.sourceRef!.startsWith(d + path.sep)) && exists(rb.sourceRef)) continue;
    await runAudited(db, actor, "runbook.archive", async (tx) => {
      await archiveRunbook(tx, rb.id);
      return { result: null, targetType: "runbook", targetId: rb.name, after: { archived: true, reason: `source gone: ${rb.sourceRef}` } };
    });
    summary.archived++;
  }
  return summary;
}

/** Hash and validity of the current version of every live synced runbook, by "source:sourceRef". */
async function currentTexts(db: Db): Promise<Map<string, { hash: string; valid: boolean }>> {
  const rows = await db.$queryRaw<{ source: string; sourceRef: string; hash: string; valid: boolean }[]>`
    SELECT r.source::text AS source, r."sourceRef", v.hash, r.valid
    FROM "Runbook" r JOIN "RunbookVersion" v ON v."runbookId" = r.id AND v.version = r."currentVersion"
    WHERE r.source IN ('file', 'entity') AND r."archivedAt" IS NULL AND r."sourceRef" IS NOT NULL`;
  return new Map(rows.map((r) => [`${r.source}:${r.sourceRef}`, { hash: r.hash, valid: r.valid }]));
}

/** Paths inside the working directory (the repository) as relative paths, in messages people read. */
export function shown(ref: string): string {
  const rel = path.relative(process.cwd(), ref);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : ref;
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

class Unchanged extends Error {
  constructor(readonly result: { valid: boolean }) {
    super("unchanged");
  }
}
