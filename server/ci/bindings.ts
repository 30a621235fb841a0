import { existsSync } from "node:fs";
import path from "node:path";
import type { Db, Tx } from "@/server/db/client";
import type { Env } from "@/server/env";
import type { CiProviderKind } from "@/server/providers/ci";
import type { CiBindingsSetting } from "./settings";
import { workdirRoots } from "./config";

/** Backstage's annotations (and Opsdeck's own for the built-in runner), as on a descriptor's metadata.annotations. */
export const CI_ANNOTATIONS: Record<CiProviderKind, string> = {
  github: "github.com/project-slug",
  gitlab: "gitlab.com/project-slug",
  jenkins: "jenkins.io/job-full-name",
  builtin: "opsdeck.dev/workdir",
};
export const VERSION_ANNOTATION = "opsdeck.dev/version-template";

/** One provider a service builds with; `problem` explains a binding that cannot be used (shown on the CI tab). */
export type CiBinding = { provider: CiProviderKind; target: string; source: "annotation" | "config"; problem: string | null };

export type BindableEntity = { ref: string; name: string; metadata: unknown };
export type BindingConfig = { bindings: CiBindingsSetting; roots: string[] };

/** In demo mode without OPSDECK_CI_BINDINGS: payments-api also builds on GitLab, Jenkins and the built-in runner. */
const DEMO_BINDINGS: CiBindingsSetting = {
  "payments-api": { gitlab: "example/payments-api", jenkins: "payments/payments-api", workdir: "payments-api" },
};

export function bindingConfig(e: Pick<Env, "OPSDECK_CI_BINDINGS" | "OPSDECK_CI_WORKDIR_ROOTS" | "demoMode">): BindingConfig {
  const configured = Object.keys(e.OPSDECK_CI_BINDINGS).length > 0;
  return { bindings: configured ? e.OPSDECK_CI_BINDINGS : e.demoMode ? DEMO_BINDINGS : {}, roots: workdirRoots(e) };
}

export function annotationsOf(metadata: unknown): Record<string, string> {
  const a = (metadata as { annotations?: unknown } | null)?.annotations;
  return a && typeof a === "object" ? (a as Record<string, string>) : {};
}

/**
 * A working copy path, checked against the allowed roots: relative paths resolve against each root in turn; absolute
 * ones must lie inside one. Returns the absolute path or the reason it is refused.
 */
export function resolveWorkdir(value: string, roots: string[]): { path: string } | { problem: string } {
  if (!roots.length) return { problem: "the built-in runner is off: set OPSDECK_CI_WORKDIR_ROOTS to the directories working copies live in" };
  const inside = (p: string) => roots.some((r) => p === r || p.startsWith(r + path.sep));
  if (path.isAbsolute(value)) {
    const p = path.resolve(value);
    return inside(p) ? { path: p } : { problem: `${value} is outside OPSDECK_CI_WORKDIR_ROOTS` };
  }
  for (const r of roots) {
    const p = path.resolve(r, value);
    if (inside(p) && existsSync(p)) return { path: p };
  }
  return { problem: `working copy "${value}" not found under ${roots.join(", ")}` };
}

/** The providers an entity builds with: annotations first, config bindings (by name or ref) fill the gaps. */
export function bindingsOf(entity: BindableEntity, cfg: BindingConfig): CiBinding[] {
  const ann = annotationsOf(entity.metadata);
  const conf = cfg.bindings[entity.ref] ?? cfg.bindings[entity.name] ?? {};
  const out: CiBinding[] = [];
  const pick = (kind: CiProviderKind, fromConfig: string | undefined) => {
    const a = ann[CI_ANNOTATIONS[kind]];
    if (a) return { value: a.trim(), source: "annotation" as const };
    return fromConfig ? { value: fromConfig, source: "config" as const } : null;
  };
  for (const [kind, fromConfig] of [["github", conf.github], ["gitlab", conf.gitlab], ["jenkins", conf.jenkins]] as const) {
    const b = pick(kind, fromConfig);
    if (!b) continue;
    // Backstage allows "instance:folder/job" for Jenkins; one instance is configured here.
    const target = kind === "jenkins" && b.value.includes(":") ? b.value.slice(b.value.indexOf(":") + 1) : b.value;
    out.push({ provider: kind, target, source: b.source, problem: null });
  }
  const w = pick("builtin", conf.workdir);
  if (w) {
    const r = resolveWorkdir(w.value, cfg.roots);
    out.push({ provider: "builtin", target: "path" in r ? r.path : w.value, source: w.source, problem: "problem" in r ? r.problem : null });
  }
  return out;
}

export type BoundEntity = { ref: string; name: string; ownerTeamId: string | null; metadata: unknown };

/** Entities that carry any CI annotation or a config binding (what the poller visits). */
export async function entitiesWithBindings(db: Db | Tx, cfg: BindingConfig): Promise<BoundEntity[]> {
  const keys = Object.values(CI_ANNOTATIONS);
  const names = Object.keys(cfg.bindings);
  return db.$queryRaw<BoundEntity[]>`
    SELECT ref, name, "ownerTeamId", metadata FROM "Entity"
    WHERE (metadata->'annotations') ?| ${keys}::text[] OR name = ANY(${names}::text[]) OR ref = ANY(${names}::text[])
    ORDER BY ref`;
}

/** Entities whose annotation (or config binding) names this provider target: where a webhook's run belongs. */
export async function entitiesForTarget(db: Db | Tx, cfg: BindingConfig, provider: CiProviderKind, target: string): Promise<BoundEntity[]> {
  const all = await entitiesWithBindings(db, cfg);
  const want = target.toLowerCase();
  return all.filter((e) => bindingsOf(e, cfg).some((b) => b.provider === provider && b.target.toLowerCase() === want));
}
