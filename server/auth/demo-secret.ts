import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/server/env";

/**
 * Demo mode needs no configuration, so the session-signing secret is generated once and kept under the data dir.
 * Outside demo mode env() already refused to start without AUTH_SECRET in production.
 */
export function demoAuthSecret(): string {
  const file = path.resolve(env().OPSDECK_DATA_DIR, "auth-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    const secret = randomBytes(32).toString("hex");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}
