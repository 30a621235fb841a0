import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import type { Db } from "@/server/db/client";
import { ingestLocation } from "@/server/catalog/ingest";

/** A temporary directory of descriptor files, removed when the test file ends. */
export function catalogDir(files: Record<string, string> = {}) {
  const root = mkdtempSync(path.join(tmpdir(), "opsdeck-catalog-"));
  dirs.push(root);
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  return {
    root,
    write,
    remove: (rel: string) => rmSync(path.join(root, rel), { force: true }),
    git: (...args: string[]) => execFileSync("git", ["-C", root, "-c", "user.email=t@example.test", "-c", "user.name=t", ...args], { stdio: "pipe" }).toString(),
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function descriptor(kind: string, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) {
  return JSON.stringify({ apiVersion: "backstage.io/v1alpha1", kind, metadata: { name, ...metadata }, spec }, null, 2) + "\n";
}

export function component(name: string, owner: string, extra: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  return descriptor("Component", name, { type: "service", lifecycle: "production", owner, ...extra }, { description: `The ${name} service, used in tests.`, ...metadata });
}

export async function dirLocation(db: Db, root: string, kind: "dir" | "git" = "dir") {
  return db.location.create({ data: { kind, target: root, origin: "config" } });
}

export async function ingest(db: Db, locationId: string, opts: Parameters<typeof ingestLocation>[2] = {}) {
  return ingestLocation(db, locationId, opts);
}
