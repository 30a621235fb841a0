import path from "node:path";
import { defineConfig } from "prisma/config";

// These machines are offline: Prisma's native schema engine cannot be downloaded, so every CLI command
// that needs it runs the wasm bridge (JSON-RPC over stdio, see scripts/prisma/schema-engine-wasm.mjs).
process.env.CHECKPOINT_DISABLE ??= "1";
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, "scripts/prisma/schema-engine-wasm.mjs");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx --conditions=react-server scripts/seed.ts" },
  datasource: {
    // `prisma generate` needs no database; migrate commands get DATABASE_URL from scripts/db-migrate.ts.
    url: process.env.DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/opsdeck",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
