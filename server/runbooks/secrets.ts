import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { demoSecret } from "@/server/auth/demo-secret";
import { env } from "@/server/env";

/**
 * Secret parameter values at rest. Choice (docs/runbooks.md "Secrets"): a secret value lives only as long as its run —
 * sealed with AES-256-GCM in RunbookRun.secretParams (the worker is another process and a run may wait hours for an
 * approval), bound to the run id as associated data, and erased when the run reaches a terminal state. It is never
 * logged, never in the audit log, and redacted from output.
 *
 * Key: OPSDECK_SECRET_KEY (32+ characters) through HKDF-SHA256; in demo mode a random key generated once under
 * OPSDECK_DATA_DIR (like the demo session secret). Without a key, runs with secret values are refused.
 */

const VERSION = "v1";
const INFO = "opsdeck runbook secret parameters v1";

export class SecretKeyMissing extends Error {
  constructor() {
    super("Secret parameters need OPSDECK_SECRET_KEY (32+ characters) to be configured on every Opsdeck process");
  }
}

let cached: { material: string; key: Buffer } | null = null;

/** The 32-byte key, or null when none is configured. `material` overrides the configuration (tests). */
export function secretKey(material?: string): Buffer | null {
  const m = material ?? env().OPSDECK_SECRET_KEY ?? (env().demoMode ? demoSecret("secret-key") : undefined);
  if (!m) return null;
  if (cached?.material !== m) cached = { material: m, key: Buffer.from(hkdfSync("sha256", m, "opsdeck", INFO, 32)) };
  return cached.key;
}

export function sealSecrets(values: Record<string, string>, runId: string, key = secretKey()): string {
  if (!key) throw new SecretKeyMissing();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(runId));
  const body = Buffer.concat([cipher.update(JSON.stringify(values), "utf8"), cipher.final()]);
  return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

export function openSecrets(sealed: string, runId: string, key = secretKey()): Record<string, string> {
  if (!key) throw new SecretKeyMissing();
  const [version, b64] = sealed.split(":");
  if (version !== VERSION || !b64) throw new Error("unknown secret format");
  const raw = Buffer.from(b64, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(runId));
  decipher.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  return JSON.parse(text) as Record<string, string>;
}
