import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import type { Db } from "@/server/db/client";
import type { Context } from "@/server/trpc";
import { actorOf } from "@/server/trpc";
import { authorize } from "@/server/auth/authorize";
import { allLogChunks } from "./queries";

/**
 * GET /api/runbooks/runs/<id>/log            the whole log as text/plain (streamed chunk by chunk, any size)
 * GET /api/runbooks/runs/<id>/log?bundle=1   a .tar.gz with log.txt and every artifact (diagnostics bundles)
 * Needs runbooks.read like the run page; everything in it was redacted when it was stored.
 */

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[ -/]*[@-~]`, "g");

export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

async function* logBytes(db: Db, runId: string, strip: boolean): AsyncGenerator<Buffer> {
  for await (const c of allLogChunks(db, runId)) {
    const text = c.text.endsWith("\n") ? c.text : c.text + "\n"; // a chunk always ends a line in the viewer, too
    yield Buffer.from(strip ? stripAnsi(text) : text, "utf8");
  }
}

/** Size in bytes of the raw log as logBytes(strip=false) yields it (tar headers need it before the content). */
async function logSize(db: Db, runId: string): Promise<number> {
  const r = await db.$queryRaw<{ n: bigint | null }[]>`
    SELECT sum(octet_length(text) + CASE WHEN right(text, 1) = E'\\n' THEN 0 ELSE 1 END)::bigint AS n FROM "RunbookLogChunk" WHERE "runId" = ${runId}`;
  return Number(r[0]?.n ?? 0);
}

/** One ustar header block. */
export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  const h = Buffer.alloc(512, 0);
  const put = (s: string, off: number, len: number) => h.write(s.slice(0, len), off, len, "utf8");
  const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, "0") + "\0";
  put(name, 0, 100);
  put(oct(0o644, 8), 100, 8);
  put(oct(0, 8), 108, 8);
  put(oct(0, 8), 116, 8);
  put(oct(size, 12), 124, 12);
  put(oct(Math.floor(mtime.getTime() / 1000), 12), 136, 12);
  put("        ", 148, 8);
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put("opsdeck", 265, 32);
  put("opsdeck", 297, 32);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

const pad = (size: number) => Buffer.alloc((512 - (size % 512)) % 512, 0);

export async function* bundleTar(db: Db, runId: string): AsyncGenerator<Buffer> {
  const now = new Date();
  const size = await logSize(db, runId);
  yield tarHeader("log.txt", size, now);
  let written = 0;
  for await (const b of logBytes(db, runId, false)) {
    written += b.length;
    yield b;
  }
  if (written !== size) throw new Error(`log changed while bundling (${written} of ${size} bytes); try again when the run has ended`);
  yield pad(size);
  const artifacts = await db.runbookArtifact.findMany({ where: { runId }, orderBy: { name: "asc" }, select: { name: true, content: true, createdAt: true } });
  for (const a of artifacts) {
    if (a.name === "log.txt") continue;
    yield tarHeader(a.name, a.content.length, a.createdAt);
    yield Buffer.from(a.content);
    yield pad(a.content.length);
  }
  yield Buffer.alloc(1024, 0);
}

export async function handleLogDownload(ctx: Context, runId: string, url: URL): Promise<Response> {
  const decision = await authorize(ctx.db, actorOf(ctx), ctx.principal, "runbooks.read", { action: "runbooks.log" });
  if (decision !== "allowed") {
    return Response.json({ error: decision === "unauthenticated" ? "Sign in first" : 'You need the "runbooks.read" permission' }, { status: decision === "unauthenticated" ? 401 : 403 });
  }
  const run = await ctx.db.runbookRun.findUnique({ where: { id: runId }, select: { id: true, runbook: { select: { name: true } } } });
  if (!run) return Response.json({ error: "No such run" }, { status: 404 });
  const base = `${run.runbook.name}-${runId.slice(0, 8)}`;
  const headers = { "cache-control": "no-store", "x-request-id": ctx.requestId };
  if (url.searchParams.get("bundle") === "1") {
    const stream = Readable.from(bundleTar(ctx.db, runId)).pipe(createGzip());
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: { ...headers, "content-type": "application/gzip", "content-disposition": `attachment; filename="${base}.tar.gz"` },
    });
  }
  const strip = url.searchParams.get("ansi") !== "keep";
  return new Response(Readable.toWeb(Readable.from(logBytes(ctx.db, runId, strip))) as ReadableStream, {
    headers: { ...headers, "content-type": "text/plain; charset=utf-8", "content-disposition": `attachment; filename="${base}.log"` },
  });
}
