import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "@/server/env";
import { registerEventMode } from "@/server/events/bus";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export function createDb(url: string, opts: { max?: number; embedded?: boolean } = {}): PrismaClient {
  // The embedded database serves every connection in one session: more than one connection would let
  // transactions interleave, so the demo uses a single pooled connection.
  const adapter = new PrismaPg({ connectionString: url, max: opts.max ?? 10 });
  const client = new PrismaClient({ adapter });
  // NOTIFY does not cross connections of the embedded database's single session: events stay in this process there.
  registerEventMode(client, opts.embedded ? { kind: "local" } : { kind: "notify", url });
  return client;
}

const globalForDb = globalThis as unknown as { opsdeckDb?: PrismaClient };

export function db(): PrismaClient {
  if (!globalForDb.opsdeckDb) {
    const e = env();
    globalForDb.opsdeckDb = createDb(e.databaseUrl, { max: e.demoMode ? 1 : e.DATABASE_POOL_MAX, embedded: e.demoMode });
  }
  return globalForDb.opsdeckDb;
}
