import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@/": new URL("./", import.meta.url).pathname,
      // `import "server-only"` throws outside Next's react-server condition.
      "server-only": new URL("./node_modules/server-only/empty.js", import.meta.url).pathname,
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    // Creates (or reuses) the migrated template database every test file clones its own database from.
    globalSetup: ["tests/setup/global.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // pino logs from the code under test would drown the reporter; LOG_LEVEL=debug npx vitest … shows them.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent", NEXT_TELEMETRY_DISABLED: "1" },
  },
});
