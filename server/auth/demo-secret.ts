import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/server/env";

/**
 * A random secret generated once and kept under OPSDECK_DATA_DIR/<fileName> (mode 0600), for demo mode, which needs
 * no configuration. Processes starting together (web + inline worker) may race to create it: the file is written
 * only if absent and re-read, so every process uses the one on disk.
 */
export function demoSecret(fileName: string): string {
  const file = path.resolve(env().OPSDECK_DATA_DIR, fileName);
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    return readFileSync(file, "utf8").trim();
  }
}

/**
 * The session-signing secret in demo mode. Outside demo mode env() already refused to start without AUTH_SECRET in
 * production.
 */
export function demoAuthSecret(): string {
  return demoSecret("auth-secret");
}
