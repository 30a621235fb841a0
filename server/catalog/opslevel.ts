import { problem, type CatalogProblem } from "./errors";
import type { MappedDocument } from "./parse";
import { translatedLineOf } from "./line-map";

/**
 * OpsLevel `opslevel.yml` (version 1) → a Backstage Component. Mapping:
 *  service.name → metadata.name (slugified) and title · description · owner (team alias) → spec.owner (group) ·
 *  lifecycle (generally_available → production, beta/alpha → experimental, end_of_life/deprecated → deprecated) ·
 *  tier → tag `tier-N` and annotation opslevel.com/tier · product → spec.system · language/framework → tags ·
 *  tags ({key, value} or "key:value") → tags `key:value` · tools → links · repositories → links and
 *  github.com/project-slug · dependencies ({alias} or string) → spec.dependsOn · aliases → annotation opslevel.com/aliases.
 */
export function mapOpsLevel(
  value: unknown,
  file: string,
  docLine: number | null,
  lineOf: (p: (string | number)[]) => number | null,
  problems: CatalogProblem[],
): MappedDocument[] {
  if (!isRecord(value) || !isRecord(value.service)) {
    problems.push(problem("missing_field", file, docLine, "opslevel.yml needs a `service:` mapping (OpsLevel config version 1)."));
    return [];
  }
  if (value.version !== undefined && String(value.version) !== "1") {
    problems.push(problem("unknown_api_version", file, lineOf(["version"]), `OpsLevel config version ${JSON.stringify(value.version)} is not supported (expected 1).`));
    return [];
  }
  const s = value.service;
  const displayName = str(s.name);
  const name = displayName ? slugify(displayName) : undefined;
  const tags: string[] = [];
  const annotations: Record<string, string> = { "opslevel.com/source": "opslevel.yml" };
  const links: { url: string; title?: string; type?: string }[] = [];

  const tier = str(s.tier);
  if (tier) {
    annotations["opslevel.com/tier"] = tier;
    const n = /(\d+)/.exec(tier)?.[1];
    tags.push(n ? `tier-${n}` : slugify(tier));
  }
  for (const k of ["language", "framework"] as const) {
    const v = str(s[k]);
    if (v) tags.push(slugify(v));
  }
  if (Array.isArray(s.tags)) {
    for (const t of s.tags) {
      if (typeof t === "string") tags.push(t.toLowerCase().replace(/\s+/g, "-"));
      else if (isRecord(t) && str(t.key)) tags.push(`${slugify(str(t.key)!)}${str(t.value) ? `:${slugify(str(t.value)!)}` : ""}`);
    }
  }
  if (Array.isArray(s.aliases)) {
    const aliases = s.aliases.filter((a): a is string => typeof a === "string");
    if (aliases.length) annotations["opslevel.com/aliases"] = aliases.join(",");
  }
  if (Array.isArray(s.tools)) {
    for (const t of s.tools) {
      if (isRecord(t) && str(t.url)) links.push({ url: str(t.url)!, ...(str(t.name) ? { title: str(t.name) } : {}), ...(str(t.category) ? { type: str(t.category)!.toLowerCase() } : {}) });
    }
  }
  if (Array.isArray(s.repositories)) {
    for (const r of s.repositories) {
      const repoName = isRecord(r) ? str(r.name) : typeof r === "string" ? r : undefined;
      if (!repoName) continue;
      const provider = isRecord(r) ? (str(r.provider) ?? "github") : "github";
      if (provider.toLowerCase() === "github" && !annotations["github.com/project-slug"]) annotations["github.com/project-slug"] = repoName;
      links.push({ url: /^https?:\/\//.test(repoName) ? repoName : `https://${provider.toLowerCase() === "gitlab" ? "gitlab.com" : "github.com"}/${repoName}`, title: "Repository", type: "repository" });
    }
  }
  const dependsOn: unknown[] = [];
  if (Array.isArray(s.dependencies)) {
    for (const d of s.dependencies) {
      const alias = typeof d === "string" ? d : isRecord(d) ? str(d.alias) ?? str(d.name) : undefined;
      if (alias) dependsOn.push(alias.includes(":") ? alias : `component:${slugify(alias)}`);
    }
  }
  const owner = str(s.owner);
  const doc = {
    apiVersion: "backstage.io/v1alpha1",
    kind: "Component",
    metadata: {
      name: name ?? s.name,
      ...(displayName && displayName !== name ? { title: displayName } : {}),
      ...(str(s.description) ? { description: str(s.description) } : {}),
      tags,
      annotations,
      links,
    },
    spec: {
      type: slugify(str(s.type) ?? "service"),
      lifecycle: mapLifecycle(str(s.lifecycle)),
      ...(owner !== undefined ? { owner: owner.includes(":") ? owner : `group:${slugify(owner)}` } : {}),
      ...(str(s.product) ? { system: `system:${slugify(str(s.product)!)}` } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
    },
  };
  const translate: Record<string, (string | number)[]> = {
    "metadata.name": ["service", "name"],
    "spec.owner": ["service", "owner"],
    "spec.system": ["service", "product"],
    "spec.lifecycle": ["service", "lifecycle"],
    "spec.dependsOn": ["service", "dependencies"],
    "metadata.tags": ["service", "tags"],
  };
  return [{ doc, lineOf: translatedLineOf(lineOf, translate, ["service"]) }];
}

function mapLifecycle(v: string | undefined): string {
  const l = (v ?? "").toLowerCase().replace(/[\s-]+/g, "_");
  if (!l || l === "generally_available" || l === "ga" || l === "production") return "production";
  if (l === "beta" || l === "alpha" || l === "development" || l === "experimental") return "experimental";
  if (l === "end_of_life" || l === "eol" || l === "deprecated" || l === "sunsetting") return "deprecated";
  return slugify(l);
}

export function slugify(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : typeof v === "number" ? String(v) : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
