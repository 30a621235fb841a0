// Embedded Postgres for the zero-setup demo: PGlite (Postgres 17 compiled to wasm) served over the Postgres wire
// protocol on loopback, data persisted under <OPSDECK_DATA_DIR>/pglite.
//
// Run as a child of the launcher (`npm start`, see demo/embedded-db.ts):
//   node --import tsx demo/pglite-server.ts            env: PGLITE_PORT (54329), OPSDECK_DATA_DIR (.data), PGLITE_SHADOW=1
// or in-process (tests):  const s = await startPgliteServer({ dataDir, port }); ...; await s.stop();
//
// Facts worth knowing (see DESIGN.md "Environment facts"):
//  * PGlite is ONE Postgres session. pglite-socket multiplexes every client connection onto it, serialising messages
//    and keeping a transaction's statements together, but session state (SET, LISTEN, prepared statements) is shared.
//    Hence graphile-worker runs with noPreparedStatements and polls, and the app pool uses one connection.
//  * The socket server does not speak TLS. psql's default sslmode=prefer first sends an SSLRequest, which
//    pglite-socket 0.1.3 would misread as a message and hang on; we answer it with 'N' (no TLS) like a server without
//    TLS, so clients continue in plain text. Node's pg never asks unless told to; URLs still carry sslmode=disable.
//  * Two PGlite processes on one data directory corrupt it, so the directory is locked with a pid file.
//  * The shadow database (PORT+1) is needed only for `prisma migrate dev` (PGlite ignores database names, so Prisma
//    cannot create a throwaway shadow database inside the main one). `npm start` and db:migrate use `migrate deploy`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { pgliteUrl } from "./pglite-url";

export type PgliteServerOptions = {
  /** Directory for the data (created if missing); "memory://" keeps it in memory. */
  dataDir: string;
  port: number;
  host?: string;
  /** Also serve an empty shadow database on port + 1 (for `prisma migrate dev`). */
  shadow?: boolean;
  log?: (msg: string) => void;
};

export type PgliteServer = {
  url: string;
  shadowUrl: string | null;
  stop: () => Promise<void>;
};

export { pgliteUrl };

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

const pgliteOptions = {
  // The catalog migration runs CREATE EXTENSION pg_trgm (trigram search); PGlite only has extensions it is given.
  extensions: { pg_trgm },
  initialMemory: 128 * 2 ** 20,
  startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB", "-c", "work_mem=4MB"],
};

export async function startPgliteServer(opts: PgliteServerOptions): Promise<PgliteServer> {
  const host = opts.host ?? "127.0.0.1";
  const log = opts.log ?? ((m: string) => console.error(m));
  const memory = opts.dataDir.includes("://");
  const dataDir = memory ? opts.dataDir : path.resolve(opts.dataDir);
  const ports = opts.shadow ? [opts.port, opts.port + 1] : [opts.port];

  // Fail fast on a taken port, before spending seconds on initdb (and before touching the data directory).
  for (const p of ports) await assertPortFree(p, host);
  const releaseLock = memory ? () => undefined : lockDataDir(dataDir);

  const instances: { db: PGlite; server: PGLiteSocketServer }[] = [];
  const stop = async () => {
    for (const { db, server } of instances.splice(0).reverse()) {
      await server.stop().catch((e: unknown) => log(`pglite: stopping the socket server failed: ${String(e)}`));
      await db.close().catch((e: unknown) => log(`pglite: closing the database failed: ${String(e)}`));
    }
    releaseLock();
  };

  try {
    for (const [i, port] of ports.entries()) {
      const dir = i === 0 ? dataDir : memory ? dataDir : `${dataDir}-shadow`;
      if (!memory) mkdirSync(dir, { recursive: true });
      const db = await PGlite.create({ dataDir: dir, ...pgliteOptions });
      if (i === 1) await db.exec("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"); // shadow: always empty
      const server = new PGLiteSocketServer({ db, port, host, maxConnections: 64 });
      instances.push({ db, server });
      negotiatePlainText(server, log);
      await server.start();
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: pgliteUrl(opts.port, host), shadowUrl: opts.shadow ? pgliteUrl(opts.port + 1, host) : null, stop };
}

/**
 * Answers SSLRequest / GSSENCRequest with 'N' before the connection reaches pglite-socket, which only understands the
 * StartupMessage. Uses pglite-socket 0.1.3 internals (its net.Server and handleConnection); if they are not there, the
 * server keeps its own behaviour and clients simply need sslmode=disable.
 */
function negotiatePlainText(server: PGLiteSocketServer, log: (msg: string) => void) {
  const internals = server as unknown as { server: net.Server | null; handleConnection?: (s: net.Socket) => Promise<void>; start: () => Promise<void> };
  const handle = internals.handleConnection?.bind(server);
  if (typeof handle !== "function") return;
  const start = internals.start.bind(server);
  internals.start = async () => {
    await start();
    const netServer = internals.server;
    if (!netServer) return;
    netServer.removeAllListeners("connection");
    netServer.on("connection", (socket: net.Socket) => {
      const onFirst = (chunk: Buffer) => {
        socket.pause();
        const code = chunk.length >= 8 && chunk.readInt32BE(0) === 8 ? chunk.readInt32BE(4) : 0;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          socket.write("N");
          if (chunk.length > 8) socket.unshift(chunk.subarray(8));
          socket.once("data", onFirst);
          socket.resume();
          return;
        }
        socket.unshift(chunk);
        handle(socket).catch((e: unknown) => log(`pglite: connection failed: ${String(e)}`));
        socket.resume();
      };
      socket.once("data", onFirst);
      socket.on("error", () => undefined); // a client that disconnects mid-handshake is not our error
    });
  };
}

function assertPortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === "EADDRINUSE" ? `port ${host}:${port} is already in use (set PGLITE_PORT to use another)` : e.message)),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** One PGlite process per data directory: a second one would corrupt it. Returns the release function. */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const lockFile = `${dataDir}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw e;
      const holder = Number(readFileSync(lockFile, "utf8").trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(`the embedded database in ${dataDir} is already in use by process ${holder} (lock: ${lockFile})`);
      }
      rmSync(lockFile, { force: true }); // stale: its process is gone
    }
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(lockFile, "utf8").trim() === String(process.pid)) rmSync(lockFile, { force: true });
    } catch {
      /* already gone */
    }
  };
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Messages sent to the parent over IPC when started as a child (see demo/embedded-db.ts). */
export type PgliteChildMessage = { type: "ready"; url: string; shadowUrl: string | null } | { type: "error"; message: string };

async function main() {
  const port = Number(process.env.PGLITE_PORT || 54329);
  const dataDir = path.join(process.env.OPSDECK_DATA_DIR || ".data", "pglite");
  const shadow = process.env.PGLITE_SHADOW === "1" || process.argv.includes("--shadow");
  const send = (m: PgliteChildMessage) => process.send?.(m);
  let server: PgliteServer;
  try {
    const t0 = Date.now();
    server = await startPgliteServer({ dataDir, port, shadow });
    console.error(`pglite: serving ${dataDir} on 127.0.0.1:${port}${shadow ? ` (shadow on ${port + 1})` : ""} after ${Date.now() - t0} ms`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`pglite: could not start: ${message}`);
    send({ type: "error", message });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`pglite: stopping (${why})`);
    server.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`pglite: stop failed: ${String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT")).on("SIGTERM", () => stop("SIGTERM"));
  if (process.send) {
    // Started by the launcher: if it goes away (even killed), stop cleanly instead of holding the data directory.
    process.on("disconnect", () => stop("launcher went away"));
    send({ type: "ready", url: server.url, shadowUrl: server.shadowUrl });
  } else {
    console.log(`DATABASE_URL=${server.url}`);
    if (server.shadowUrl) console.log(`SHADOW_DATABASE_URL=${server.shadowUrl}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
