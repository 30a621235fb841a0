import { stringify } from "yaml";
import { problem, type CatalogProblem } from "./errors";
import type { MappedDocument } from "./parse";
import { translatedLineOf } from "./line-map";
import { slugify } from "./opslevel";

/**
 * Cortex `cortex.yaml` (an OpenAPI document whose `info` carries x-cortex-* fields) → Backstage entities. Mapping:
 *  info.x-cortex-tag → metadata.name · info.title → title · info.description · x-cortex-type (service → Component,
 *  resource → Resource, domain → Domain, team → Group) · x-cortex-owners (first group, else first email's user) →
 *  spec.owner · x-cortex-groups → tags · x-cortex-link → links · x-cortex-dependency ({tag}) → spec.dependsOn ·
 *  x-cortex-oncall.pagerduty.id → annotation pagerduty.com/service-id · x-cortex-k8s.deployment[0].identifier →
 *  backstage.io/kubernetes-id · x-cortex-slos → annotation opsdeck.dev/slo · x-cortex-custom-metadata.lifecycle /
 *  .system → spec.lifecycle / spec.system (lifecycle defaults to production) · x-cortex-parents (domain) → spec.domain
 *  or spec.system. A service whose document has OpenAPI `paths` also provides an API `<tag>-api` with that definition.
 */
export function mapCortex(
  value: unknown,
  file: string,
  docLine: number | null,
  lineOf: (p: (string | number)[]) => number | null,
  problems: CatalogProblem[],
): MappedDocument[] {
  if (!isRecord(value) || !isRecord(value.info)) {
    problems.push(problem("missing_field", file, docLine, "cortex.yaml needs an `info:` mapping with x-cortex-tag."));
    return [];
  }
  const info = value.info;
  const tag = str(info["x-cortex-tag"]);
  const cortexType = (str(info["x-cortex-type"]) ?? "service").toLowerCase();
  const kind = cortexType === "resource" ? "Resource" : cortexType === "domain" ? "Domain" : cortexType === "team" ? "Group" : "Component";

  let owner: string | undefined;
  if (Array.isArray(info["x-cortex-owners"])) {
    const owners = info["x-cortex-owners"].filter(isRecord);
    const group = owners.find((o) => (str(o.type) ?? "").toLowerCase() === "group" && str(o.name));
    const email = owners.find((o) => (str(o.type) ?? "").toLowerCase() === "email" && str(o.email));
    if (group) owner = `group:${slugify(str(group.name)!)}`;
    else if (email) owner = `user:${slugify(str(email.email)!.split("@")[0]!)}`;
  }
  const annotations: Record<string, string> = { "cortex.io/source": "cortex.yaml" };
  const oncall = info["x-cortex-oncall"];
  if (isRecord(oncall) && isRecord(oncall.pagerduty) && str(oncall.pagerduty.id)) annotations["pagerduty.com/service-id"] = str(oncall.pagerduty.id)!;
  if (isRecord(oncall) && isRecord(oncall.opsgenie) && str(oncall.opsgenie.id)) annotations["opsgenie.com/team"] = str(oncall.opsgenie.id)!;
  const k8s = info["x-cortex-k8s"];
  if (isRecord(k8s) && Array.isArray(k8s.deployment) && isRecord(k8s.deployment[0]) && str(k8s.deployment[0].identifier)) {
    annotations["backstage.io/kubernetes-id"] = str(k8s.deployment[0].identifier)!.split("/").pop()!;
  }
  if (info["x-cortex-slos"] !== undefined) annotations["opsdeck.dev/slo"] = "cortex";
  const git = info["x-cortex-git"];
  if (isRecord(git) && isRecord(git.github) && str(git.github.repository)) annotations["github.com/project-slug"] = str(git.github.repository)!;

  const links = (Array.isArray(info["x-cortex-link"]) ? info["x-cortex-link"] : [])
    .filter(isRecord)
    .filter((l) => str(l.url))
    .map((l) => ({ url: str(l.url)!, ...(str(l.name) ? { title: str(l.name) } : {}), ...(str(l.type) ? { type: str(l.type)!.toLowerCase() } : {}) }));
  const tags = (Array.isArray(info["x-cortex-groups"]) ? info["x-cortex-groups"] : []).filter((g): g is string => typeof g === "string").map((g) => g.toLowerCase());
  const dependsOn = (Array.isArray(info["x-cortex-dependency"]) ? info["x-cortex-dependency"] : [])
    .map((d) => (typeof d === "string" ? d : isRecord(d) ? str(d.tag) : undefined))
    .filter((d): d is string => !!d)
    .map((d) => (d.includes(":") ? d : `component:${slugify(d)}`));
  const custom = isRecord(info["x-cortex-custom-metadata"]) ? info["x-cortex-custom-metadata"] : {};
  const parents = (Array.isArray(info["x-cortex-parents"]) ? info["x-cortex-parents"] : []).map((p) => (isRecord(p) ? str(p.tag) : str(p))).filter((p): p is string => !!p);

  const metadata = {
    name: tag ?? info["x-cortex-tag"],
    ...(str(info.title) ? { title: str(info.title) } : {}),
    ...(str(info.description) ? { description: str(info.description) } : {}),
    tags,
    annotations,
    links,
  };
  const system = str(custom.system) ?? (kind !== "Domain" ? parents[0] : undefined);
  let spec: Record<string, unknown>;
  if (kind === "Group") spec = { type: "team", children: [] };
  else if (kind === "Domain") spec = { ...(owner ? { owner } : {}), ...(parents[0] ? { subdomainOf: `domain:${slugify(parents[0])}` } : {}) };
  else {
    spec = {
      type: slugify(str(custom.type) ?? (kind === "Resource" ? "resource" : "service")),
      ...(kind === "Component" ? { lifecycle: slugify(str(custom.lifecycle) ?? "production") } : {}),
      ...(owner ? { owner } : {}),
      ...(system ? { system: `system:${slugify(system)}` } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
    };
  }
  const translate: Record<string, (string | number)[]> = {
    "metadata.name": ["info", "x-cortex-tag"],
    "spec.owner": ["info", "x-cortex-owners"],
    "spec.dependsOn": ["info", "x-cortex-dependency"],
    "spec.system": ["info", "x-cortex-custom-metadata"],
    "metadata.tags": ["info", "x-cortex-groups"],
    "metadata.links": ["info", "x-cortex-link"],
  };
  const mappedLine = translatedLineOf(lineOf, translate, ["info"]);
  const docs: MappedDocument[] = [{ doc: { apiVersion: "backstage.io/v1alpha1", kind, metadata, spec }, lineOf: mappedLine }];

  if (kind === "Component" && tag && isRecord(value.paths) && Object.keys(value.paths).length) {
    const apiName = slugify(`${tag}-api`);
    (spec as { providesApis?: string[] }).providesApis = [`api:${apiName}`];
    const { info: _info, ...rest } = value;
    const definition = stringify({ ...rest, info: { title: str(info.title) ?? tag, version: str(info.version) ?? "1.0.0", ...(str(info.description) ? { description: str(info.description) } : {}) } });
    docs.push({
      doc: {
        apiVersion: "backstage.io/v1alpha1",
        kind: "API",
        metadata: { name: apiName, title: `${str(info.title) ?? tag} API`, description: `OpenAPI definition from ${tag}'s cortex.yaml.`, tags, annotations: { "cortex.io/source": "cortex.yaml" } },
        spec: { type: "openapi", lifecycle: slugify(str(custom.lifecycle) ?? "production"), ...(owner ? { owner } : {}), ...(system ? { system: `system:${slugify(system)}` } : {}), definition },
      },
      lineOf: (p) => (p.includes("definition") ? lineOf(["paths"]) : mappedLine(p)),
    });
  }
  return docs;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : typeof v === "number" ? String(v) : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
