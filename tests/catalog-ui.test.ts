import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { layoutGraph, NODE_W } from "@/components/catalog/graph-layout";
import { toggleValue, viewFromParams, viewToParams } from "@/components/catalog/url-state";
import { entityHref, refFromSegments } from "@/components/catalog/refs";
import { parseDefinitionText, summarizeApi } from "@/components/catalog/api-spec";

// Pure helpers behind the catalog UI (no browser, no database).

describe("graph layout", () => {
  const nodes = [
    { id: "r", side: "root" as const, depth: 0, label: "root" },
    { id: "u1", side: "upstream" as const, depth: 1, label: "u1" },
    { id: "u2", side: "upstream" as const, depth: 2, label: "u2" },
    { id: "d1", side: "downstream" as const, depth: 1, label: "d1" },
    { id: "d2", side: "downstream" as const, depth: 1, label: "d2" },
  ];
  const edges = [
    { from: "u2", to: "u1" },
    { from: "u1", to: "r" },
    { from: "r", to: "d1" },
    { from: "r", to: "d2" },
    { from: "d1", to: "d2" }, // same column: routed around
    { from: "r", to: "missing" }, // ignored
  ];
  it("puts upstream left of the root and downstream right, without overlaps", () => {
    const l = layoutGraph(nodes, edges);
    const x = (id: string) => l.nodes.get(id)!.x;
    expect(x("u2")).toBeLessThan(x("u1"));
    expect(x("u1")).toBeLessThan(x("r"));
    expect(x("r")).toBeLessThan(x("d1"));
    expect(x("d1")).toBe(x("d2"));
    expect(Math.abs(l.nodes.get("d1")!.y - l.nodes.get("d2")!.y)).toBeGreaterThanOrEqual(l.nodeHeight);
    expect(l.edges).toHaveLength(5);
    expect(l.width).toBeGreaterThanOrEqual(4 * NODE_W);
    for (const p of l.nodes.values()) expect(p.y + l.nodeHeight).toBeLessThanOrEqual(l.height);
  });
  it("handles a lone root and an empty graph", () => {
    expect(layoutGraph([nodes[0]!], []).nodes.size).toBe(1);
    expect(layoutGraph([], []).width).toBe(0);
  });
});

describe("catalog URL state", () => {
  it("round-trips q, multi-valued filters and sort", () => {
    const v = viewFromParams(new URLSearchParams("q=pay&kind=Component&kind=API&tag=pci&sort=updated"));
    expect(v).toEqual({ q: "pay", filters: { kind: ["Component", "API"], tag: ["pci"] }, sort: "updated" });
    expect(viewToParams(v).toString()).toBe("q=pay&kind=Component&kind=API&tag=pci&sort=updated");
  });
  it("drops relevance without a search and unknown sorts", () => {
    expect(viewFromParams(new URLSearchParams("sort=relevance")).sort).toBeUndefined();
    expect(viewFromParams(new URLSearchParams("sort=bogus")).sort).toBeUndefined();
  });
  it("toggles values and removes empty dimensions", () => {
    expect(toggleValue({ tag: ["a"] }, "tag", "a")).toEqual({});
    expect(toggleValue({}, "owner", "group:default/x")).toEqual({ owner: ["group:default/x"] });
  });
});

describe("entity routes", () => {
  it("maps refs to /catalog/<kind>/<namespace>/<name> and back", () => {
    expect(entityHref("component:default/payments-api")).toBe("/catalog/component/default/payments-api");
    expect(entityHref("api:ops/x.y_z")).toBe("/catalog/api/ops/x.y_z");
    expect(refFromSegments("API", "default", "Payments-REST")).toBe("api:default/payments-rest");
    expect(refFromSegments("component", "default", "%E0%A4")).toBe("component:default/%e0%a4"); // malformed escapes do not throw
  });
});

describe("API definitions", () => {
  it("lists OpenAPI operations from YAML", () => {
    const text = "openapi: 3.0.3\ninfo: { title: Orders, version: 1.0.0 }\nservers: [{ url: https://x }]\npaths:\n  /orders:\n    get: { summary: List }\n    post: { operationId: place }\n";
    const s = summarizeApi(parseDefinitionText(text, parse).value);
    expect(s.format).toBe("openapi");
    if (s.format !== "openapi") return;
    expect(s.operations.map((o) => `${o.method} ${o.path} ${o.summary || o.operationId}`)).toEqual(["GET /orders List", "POST /orders place"]);
    expect(s.servers).toEqual(["https://x"]);
  });
  it("lists AsyncAPI channels, and reports what it cannot read", () => {
    const s = summarizeApi(parseDefinitionText('{"asyncapi":"2.6.0","channels":{"orders.placed":{"subscribe":{"summary":"Placed"}}}}', parse).value);
    expect(s.format === "asyncapi" && s.channels[0]).toEqual({ name: "orders.placed", operations: [{ action: "subscribe", summary: "Placed" }] });
    expect(summarizeApi(parseDefinitionText("type Query { a: Int }", parse).value).format).toBe("other");
    expect(parseDefinitionText("a: [", parse).error).toBeTruthy();
  });
});
