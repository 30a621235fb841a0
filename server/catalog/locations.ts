import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db, Tx } from "@/server/db/client";
import { enqueueJob } from "@/server/jobs/enqueue";
import { applyLocation, prepareLocation, summaryForAudit, type IngestSummary } from "./ingest";
import { DEFAULT_MAX_FILE_BYTES } from "./parse";
import { decodeCursor, encodeCursor } from "./queries";
import { compactReadModels, deleteScoresOfLocation } from "./read-models";

/** Task name of the catalog refresh job (server/jobs/tasks.ts); payload { locationId? }. */
export const CATALOG_REFRESH_TASK = "catalog_refresh";

export const locationsInput = z.object({
  status: z.enum(["pending", "ok", "warning", "error"]).optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(100).default(50),
});

const locCursor = z.object({ c: z.string(), i: z.string() });

/** Locations, oldest first, with their last run and error counts. */
export async function listLocations(db: Db, input: z.output<typeof locationsInput>) {
  const after = input.cursor ? decodeCursor(locCursor, input.cursor) : null;
  const rows = await db.location.findMany({
    where: {
      ...(input.status ? { status: input.status } : {}),
      ...(after ? { OR: [{ createdAt: { gt: new Date(after.c) } }, { createdAt: new Date(after.c), id: { gt: after.i } }] } : {}),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: input.limit + 1,
    select: {
      id: true,
      kind: true,
      target: true,
      origin: true,
      status: true,
      message: true,
      lastRun: true,
      lastRefreshAt: true,
      createdBy: true,
      createdAt: true,
      _count: { select: { entities: true, errors: true } },
    },
  });
  const items = rows.slice(0, input.limit).map(({ _count, ...l }) => ({ ...l, entityCount: _count.entities, problemCount: _count.errors }));
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor({ c: last.createdAt.toISOString(), i: last.id }) : null };
}

export const locationErrorsInput = z.object({
  locationId: z.string().min(1).max(100),
  severity: z.enum(["error", "warning"]).optional(),
  cursor: z.string().max(100).nullish(),
  limit: z.number().int().min(1).max(200).default(100),
});

/** The problems found by a location's last refresh, in file order, with file + line + plain message. */
export async function listLocationErrors(db: Db, input: z.output<typeof locationErrorsInput>) {
  const after = input.cursor ? decodeCursor(z.object({ i: z.string().regex(/^\d+$/) }), input.cursor) : null;
  const rows = await db.locationError.findMany({
    where: { locationId: input.locationId, ...(input.severity ? { severity: input.severity } : {}), ...(after ? { id: { gt: BigInt(after.i) } } : {}) },
    orderBy: { id: "asc" },
    take: input.limit + 1,
  });
  const items = rows.slice(0, input.limit).map((r) => ({ ...r, id: r.id.toString() }));
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor({ i: last.id }) : null };
}

async function locationOrThrow(db: Db | Tx, id: string) {
  const l = await db.location.findUnique({ where: { id }, select: { id: true, kind: true, target: true, content: true, origin: true, status: true } });
  if (!l) throw new TRPCError({ code: "NOT_FOUND", message: "No such location" });
  return l;
}

/** Reads and parses outside the transaction; the caller applies in its audited transaction. */
export async function prepareRefresh(db: Db, locationId: string) {
  return prepareLocation(await locationOrThrow(db, locationId));
}

export const uploadInput = z.object({
  /** File name shown in the UI and used to pick the importer (opslevel.yml, cortex.yaml, else Backstage). */
  fileName: z.string().trim().min(1).max(200).regex(/^[^/\\\0]+$/, "a file name, without directories"),
  content: z.string().max(DEFAULT_MAX_FILE_BYTES, "the file is larger than 1 MiB"),
  /** Replace the content of this existing upload location instead of creating a new one. */
  locationId: z.string().min(1).max(100).optional(),
});

/** Creates (or replaces) an upload location and ingests it, inside the caller's transaction. */
export async function uploadAndIngest(tx: Tx, input: z.output<typeof uploadInput>, by: string) {
  let before: { target: string; contentBytes: number } | null = null;
  let location;
  if (input.locationId) {
    const prev = await locationOrThrow(tx, input.locationId);
    if (prev.kind !== "upload") throw new TRPCError({ code: "BAD_REQUEST", message: "Only uploaded locations can be replaced by an upload" });
    before = { target: prev.target, contentBytes: Buffer.byteLength(prev.content ?? "") };
    location = await tx.location.update({ where: { id: prev.id }, data: { target: input.fileName, content: input.content }, select: { id: true, kind: true, target: true, content: true } });
  } else {
    const clash = await tx.location.findUnique({ where: { kind_target: { kind: "upload", target: input.fileName } }, select: { id: true } });
    if (clash) throw new TRPCError({ code: "CONFLICT", message: `An upload named ${input.fileName} exists; replace it (pass its locationId) or rename the file` });
    location = await tx.location.create({ data: { kind: "upload", target: input.fileName, content: input.content, origin: "ui", createdBy: by }, select: { id: true, kind: true, target: true, content: true } });
  }
  const summary = await applyLocation(tx, prepareLocation(location));
  return { location: { id: location.id, kind: location.kind, target: location.target }, summary, before };
}

/** Deletes a location and the entities it defined (upload locations only: configured ones come back at refresh). */
export async function deleteLocation(tx: Tx, id: string) {
  const l = await locationOrThrow(tx, id);
  if (l.origin === "config") throw new TRPCError({ code: "BAD_REQUEST", message: "This location comes from OPSDECK_CATALOG_PATHS; remove it there" });
  const refs = await tx.entity.findMany({ where: { locationId: id }, select: { ref: true }, take: 200 });
  await deleteScoresOfLocation(tx, id);
  const removed = await tx.entity.deleteMany({ where: { locationId: id } });
  await tx.location.delete({ where: { id } });
  await compactReadModels(tx);
  return { before: { kind: l.kind, target: l.target, entities: removed.count, refs: refs.map((r) => r.ref) }, removed: removed.count };
}

export async function enqueueRefreshAll(tx: Tx) {
  await enqueueJob(tx, CATALOG_REFRESH_TASK, {}, { maxAttempts: 1 });
}

export { summaryForAudit, type IngestSummary };
