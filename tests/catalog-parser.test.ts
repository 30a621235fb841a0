import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CATALOG_ERROR_CODES } from "@/server/catalog/errors";
import { parseDescriptorFile } from "@/server/catalog/parse";
import { displayRef, normalizeRef, parseRef } from "@/server/catalog/refs";

const component = (name: string, extra = "") => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  description: The ${name} service
  tags: [go, PCI]
spec:
  type: service
  lifecycle: production
  owner: payments
  system: payments${extra}
`;

describe("entity refs", () => {
  it("parses [kind:][namespace/]name with defaults, case-insensitively", () => {
    expect(normalizeRef("payments", { kind: "Group" })).toBe("group:default/payments");
    expect(normalizeRef("Component:Default/Payments-API")).toBe("component:default/payments-api");
    expect(normalizeRef("api:billing/invoices-v2")).toBe("api:billing/invoices-v2");
    expect(normalizeRef({ kind: "System", name: "Edge" })).toBe("system:default/edge");
    expect(parseRef("payments")).toBeNull(); // no kind and no default
    expect(normalizeRef("widget:foo")).toBeNull(); // unknown kind
    expect(normalizeRef("component:bad name", {})).toBeNull();
    expect(normalizeRef("component:-x")).toBeNull();
    expect(displayRef("component:default/ledger")).toBe("component:ledger");
    expect(displayRef("api:billing/x")).toBe("api:billing/x");
  });
});

describe("Backstage descriptors", () => {
  it("reads a multi-document file into normalised entities with relations and lines", () => {
    const text = [
      component("payments-api", "\n  providesApis: [payments]\n  consumesApis: [api:ledger-api]\n  dependsOn: [resource:payments-db, component:ledger]\n  dependencyOf: [checkout-web]"),
      `apiVersion: backstage.io/v1alpha1
kind: api
metadata: { name: payments, title: Payments API }
spec: { type: openapi, lifecycle: production, owner: group:payments, definition: "openapi: 3.0.0" }
`,
      `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: payments }
spec: { type: team, profile: { displayName: Payments team }, parent: engineering, children: [], members: [bob] }
`,
    ].join("---\n");
    const r = parseDescriptorFile("services/catalog-info.yaml", text);
    expect(r.problems).toEqual([]);
    expect(r.readable).toBe(true);
    expect(r.entities.map((e) => e.ref)).toEqual(["component:default/payments-api", "api:default/payments", "group:default/payments"]);
    const [c, api, group] = r.entities;
    expect(c).toMatchObject({ kind: "Component", type: "service", lifecycle: "production", ownerRef: "group:default/payments", systemRef: "system:default/payments", tags: ["go", "pci"], line: 1, format: "backstage" });
    expect(c!.relations.map((x) => `${x.fromRef} ${x.type} ${x.toRef}`)).toEqual([
      "component:default/payments-api ownedBy group:default/payments",
      "component:default/payments-api partOf system:default/payments",
      "component:default/payments-api providesApi api:default/payments",
      "component:default/payments-api consumesApi api:default/ledger-api",
      "component:default/payments-api dependsOn resource:default/payments-db",
      "component:default/payments-api dependsOn component:default/ledger",
      "component:default/checkout-web dependsOn component:default/payments-api",
    ]);
    expect(c!.relations[1]!.line).toBe(11);
    expect(api).toMatchObject({ kind: "API", title: "Payments API", spec: { definition: "openapi: 3.0.0" } });
    expect(group).toMatchObject({ kind: "Group", title: "Payments team", type: "team" });
    expect(group!.relations.map((x) => `${x.fromRef} ${x.type} ${x.toRef}`)).toEqual([
      "group:default/payments childOf group:default/engineering",
      "user:default/bob memberOf group:default/payments",
    ]);
    expect(c!.etag).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives each bad document a typed error with its line, and keeps the good ones", () => {
    const text = [
      component("good-one"),
      "apiVersion: backstage.io/v1alpha1\nkind: Widget\nmetadata: { name: w }\nspec: {}\n",
      "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not Valid!\nspec: { type: service, lifecycle: production, owner: x }\n",
      "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: no-owner\nspec:\n  type: service\n  lifecycle: production\n",
      "apiVersion: example.com/v9\nkind: Component\nmetadata: { name: v }\n",
      "just a string\n",
      "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: badref }\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n  dependsOn:\n    - 'component:has space'\n",
      "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: bad-type, tags: [ok, 'Not OK!'] }\nspec: { type: 7, lifecycle: production, owner: t }\n",
    ].join("---\n");
    const r = parseDescriptorFile("x/catalog-info.yaml", text);
    expect(r.entities.map((e) => e.name)).toEqual(["good-one"]);
    expect(r.problems.map((p) => [p.code, p.line])).toEqual([
      ["unknown_kind", 14],
      ["invalid_name", 21],
      ["missing_field", 29],
      ["unknown_api_version", 32],
      ["not_an_object", 36],
      ["invalid_ref", 46],
      ["invalid_field", 51],
    ]);
    expect(r.problems[2]!.message).toBe("spec.owner is missing.");
    expect(r.problems[2]!.entityRef).toBe("component:default/no-owner");
    expect(r.invalidRefs).toContain("component:default/no-owner");
    expect(r.problems.every((p) => p.file === "x/catalog-info.yaml" && p.severity === "error")).toBe(true);
  });

  it("refuses invalid YAML and oversized files as a whole (unreadable: the ingest keeps what was there)", () => {
    const bad = parseDescriptorFile("a.yaml", component("a") + "---\nkind: [unclosed\n");
    expect(bad.readable).toBe(false);
    expect(bad.entities).toEqual([]);
    expect(bad.problems[0]).toMatchObject({ code: "yaml_syntax", line: expect.any(Number) });
    const dupKey = parseDescriptorFile("d.yaml", "apiVersion: a\napiVersion: b\n");
    expect(dupKey.problems[0]).toMatchObject({ code: "yaml_syntax", line: 2 });
    const big = parseDescriptorFile("big.yaml", component("big") + "#".repeat(2000), { maxBytes: 1000 });
    expect(big).toMatchObject({ readable: false, entities: [], problems: [{ code: "file_too_large" }] });
  });

  it("survives alias bombs", () => {
    const bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
    const r = parseDescriptorFile("bomb.yaml", bomb);
    expect(r.entities).toEqual([]);
    expect(r.problems[0]!.code).toBe("yaml_syntax");
  });

  it("resolves $text placeholders through readRelative, and refuses them without it", () => {
    const text = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: { name: ledger-api }\nspec:\n  type: openapi\n  lifecycle: production\n  owner: payments\n  definition:\n    $text: ./openapi.yaml\n";
    const ok = parseDescriptorFile("apis/catalog-info.yaml", text, { readRelative: (from, target) => `from ${from} read ${target}` });
    expect(ok.entities[0]!.spec.definition).toBe("from apis/catalog-info.yaml read ./openapi.yaml");
    const upload = parseDescriptorFile("upload.yaml", text);
    expect(upload.problems[0]).toMatchObject({ code: "placeholder_failed", line: 9 });
    const missing = parseDescriptorFile("apis/c.yaml", text, { readRelative: () => { throw new Error("no such file"); } });
    expect(missing.problems[0]!.message).toMatch(/no such file/);
  });

  it("reads Location entities' targets", () => {
    const r = parseDescriptorFile("all.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: all }\nspec:\n  targets: [./a/catalog-info.yaml, ./b/catalog-info.yaml]\n");
    expect(r.entities[0]!.locationTargets).toEqual(["./a/catalog-info.yaml", "./b/catalog-info.yaml"]);
  });
});

describe("OpsLevel opslevel.yml", () => {
  it("maps a service onto a Component", () => {
    const r = parseDescriptorFile("shop/opslevel.yml", `version: 1
service:
  name: Shopping Cart
  description: Keeps carts
  owner: checkout
  lifecycle: generally_available
  tier: tier_1
  product: storefront
  language: Ruby
  framework: rails
  aliases: [cart, shopping-cart]
  tags:
    - key: env
      value: prod
    - pci
  tools:
    - name: Runbook
      category: runbooks
      url: https://wiki.example.com/cart
  repositories:
    - name: acme/shopping-cart
      provider: github
  dependencies:
    - alias: payments-api
`);
    expect(r.problems).toEqual([]);
    expect(r.entities).toHaveLength(1);
    expect(r.entities[0]).toMatchObject({
      kind: "Component",
      name: "shopping-cart",
      title: "Shopping Cart",
      description: "Keeps carts",
      type: "service",
      lifecycle: "production",
      ownerRef: "group:default/checkout",
      systemRef: "system:default/storefront",
      tags: ["tier-1", "ruby", "rails", "env:prod", "pci"],
      format: "opslevel",
      metadata: {
        annotations: { "opslevel.com/tier": "tier_1", "opslevel.com/aliases": "cart,shopping-cart", "github.com/project-slug": "acme/shopping-cart" },
        links: [{ url: "https://wiki.example.com/cart", title: "Runbook", type: "runbooks" }, { url: "https://github.com/acme/shopping-cart", title: "Repository", type: "repository" }],
      },
    });
    expect(r.entities[0]!.relations.map((x) => `${x.type} ${x.toRef}`)).toContain("dependsOn component:default/payments-api");
  });

  it("reports a missing owner on the owner's source line and an unknown version", () => {
    const r = parseDescriptorFile("opslevel.yml", "version: 1\nservice:\n  name: lonely\n");
    expect(r.problems).toMatchObject([{ code: "missing_field", message: "spec.owner is missing.", line: 3 }]);
    expect(parseDescriptorFile("opslevel.yml", "version: 2\nservice: { name: x }\n").problems[0]!.code).toBe("unknown_api_version");
    expect(parseDescriptorFile("opslevel.yml", "nothing: here\n").problems[0]!.code).toBe("missing_field");
  });
});

describe("Cortex cortex.yaml", () => {
  it("maps a service (and its OpenAPI paths) onto a Component and an API", () => {
    const r = parseDescriptorFile("svc/cortex.yaml", `openapi: 3.0.1
info:
  title: Payments Gateway
  description: Card gateway
  version: 2.1.0
  x-cortex-tag: payments-gateway
  x-cortex-type: service
  x-cortex-owners:
    - type: group
      name: Payments
      provider: CORTEX
  x-cortex-groups: [tier-1, java]
  x-cortex-link:
    - name: Runbook
      type: runbook
      url: https://runbooks.example.com/pgw
  x-cortex-dependency:
    - tag: ledger
  x-cortex-oncall:
    pagerduty: { id: PX12345, type: SERVICE }
  x-cortex-k8s:
    deployment:
      - identifier: payments/payments-gateway
        cluster: prod
  x-cortex-custom-metadata:
    lifecycle: production
    system: payments
paths:
  /charges:
    post:
      summary: Create a charge
`);
    expect(r.problems).toEqual([]);
    expect(r.entities.map((e) => e.ref)).toEqual(["component:default/payments-gateway", "api:default/payments-gateway-api"]);
    const [c, api] = r.entities;
    expect(c).toMatchObject({
      title: "Payments Gateway",
      ownerRef: "group:default/payments",
      systemRef: "system:default/payments",
      lifecycle: "production",
      tags: ["tier-1", "java"],
      format: "cortex",
      metadata: { annotations: { "pagerduty.com/service-id": "PX12345", "backstage.io/kubernetes-id": "payments-gateway" }, links: [{ type: "runbook", title: "Runbook" }] },
    });
    expect(c!.relations.map((x) => `${x.type} ${x.toRef}`)).toEqual([
      "ownedBy group:default/payments",
      "partOf system:default/payments",
      "providesApi api:default/payments-gateway-api",
      "dependsOn component:default/ledger",
    ]);
    expect(api!.kind).toBe("API");
    expect(String(api!.spec.definition)).toMatch(/\/charges/);
  });

  it("maps owners by email and other entity types", () => {
    const r = parseDescriptorFile("cortex.yaml", "info:\n  x-cortex-tag: orders-db\n  x-cortex-type: resource\n  x-cortex-owners:\n    - type: email\n      email: Jane.Doe@example.com\n");
    expect(r.entities[0]).toMatchObject({ kind: "Resource", ownerRef: "user:default/jane-doe", type: "resource" });
    expect(parseDescriptorFile("cortex.yaml", "openapi: 3.0.0\n").problems[0]!.code).toBe("missing_field");
  });
});

describe("fuzz: the parser never throws and only returns typed problems", () => {
  const codes = new Set<string>(CATALOG_ERROR_CODES);
  const check = (file: string, input: string) => {
    const r = parseDescriptorFile(file, input, { maxBytes: 64 * 1024 });
    for (const p of r.problems) {
      expect(codes.has(p.code)).toBe(true);
      expect(p.file).toBe(file);
      expect(p.line === null || (Number.isInteger(p.line) && p.line >= 1)).toBe(true);
      expect(typeof p.message).toBe("string");
    }
    for (const e of r.entities) expect(e.ref).toMatch(/^[a-z]+:[a-z0-9-]+\/[a-z0-9._-]+$/);
    if (!r.readable) expect(r.entities).toEqual([]);
  };

  it("arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), fc.constantFrom("catalog-info.yaml", "opslevel.yml", "cortex.yaml"), (s, f) => check(f, s)), { numRuns: 400 });
  });

  it("YAML-ish token soup", () => {
    const token = fc.constantFrom("apiVersion: backstage.io/v1alpha1", "kind: Component", "kind: Group", "metadata:", "  name: x", "  name: 'a b'", "spec:", "  owner: t", "  type: service", "  lifecycle: production", "  dependsOn: [a, 'b:c', {}]", "---", "- ", "&a x", "*a", "? ", ": ", "{", "}", "[", "]", "\t", "#", "'", '"', "|", ">", "!!binary", "%YAML 1.2", "service:", "info:", "  x-cortex-tag: t", "...");
    fc.assert(fc.property(fc.array(token, { maxLength: 40 }), fc.constantFrom("catalog-info.yaml", "opslevel.yml", "cortex.yaml"), (parts, f) => check(f, parts.join("\n"))), { numRuns: 600 });
  });

  it("structured documents with arbitrary values", () => {
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const doc = fc.record({ apiVersion: fc.oneof(fc.constant("backstage.io/v1alpha1"), anyJson), kind: fc.oneof(fc.constantFrom("Component", "API", "Group", "User", "System", "Domain", "Resource", "Location"), anyJson), metadata: fc.oneof(fc.record({ name: fc.oneof(fc.string(), anyJson), tags: anyJson, links: anyJson, annotations: anyJson }), anyJson), spec: fc.oneof(fc.dictionary(fc.constantFrom("type", "owner", "lifecycle", "system", "dependsOn", "children", "memberOf", "definition", "providesApis"), anyJson), anyJson) }, { requiredKeys: [] });
    fc.assert(fc.property(fc.array(doc, { maxLength: 4 }), (docs) => check("catalog-info.yaml", docs.map((d) => JSON.stringify(d)).join("\n---\n"))), { numRuns: 500 });
  });
});
