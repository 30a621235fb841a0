import { expect, test, type Page } from "@playwright/test";
import { signInViaIdp } from "./support/auth";

// The catalog story: an admin uploads a descriptor that depends on an existing component, finds it by search, opens its
// entity page (dependency graph, API definition, scorecard); a broken descriptor is reported per file with a line;
// a viewer browses, filters and jumps to it but cannot manage locations.
//
// The e2e database is seeded by scripts/seed.ts without OPSDECK_CATALOG_PATHS: it holds the 11 seeded demo components
// (payments-api, ledger, …) but not the demo descriptor catalog, so everything else the story needs is uploaded here.
test.describe.configure({ mode: "serial" });

const DESCRIPTOR = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: e2e-orders
  title: E2E Orders
  description: Takes orders placed in the e2e story and hands them to payments.
  tags: [e2e, orders]
  links:
    - url: https://docs.example.com/e2e-orders
      title: Docs
      type: docs
spec:
  type: service
  lifecycle: production
  owner: payments
  dependsOn:
    - component:payments-api
  providesApis:
    - e2e-orders-api
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: e2e-orders-api
  title: E2E Orders API
  description: Place and list orders (the e2e story's API).
spec:
  type: openapi
  lifecycle: production
  owner: payments
  definition: |
    openapi: 3.0.3
    info:
      title: Orders
      version: 1.2.0
    paths:
      /orders:
        get:
          summary: List orders
        post:
          summary: Place an order
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: e2e-storefront
  title: E2E Storefront
  description: The web shop of the e2e story; needs the orders service.
  tags: [e2e]
spec:
  type: website
  lifecycle: experimental
  owner: payments
  dependsOn: [e2e-orders]
  consumesApis: [e2e-orders-api]
`;

// Line 15 (the second document's spec) lacks spec.owner; the first document is fine and must still be ingested.
const BROKEN = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: e2e-good-one
spec:
  type: service
  lifecycle: production
  owner: payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: e2e-broken
spec:
  type: service
  lifecycle: production
`;

async function upload(page: Page, name: string, content: string) {
  await page.goto("/catalog/locations");
  await page.getByLabel("Descriptor file").setInputFiles({ name, mimeType: "text/yaml", buffer: Buffer.from(content) });
  await page.getByRole("button", { name: "Upload and ingest" }).click();
  return page.getByTestId("upload-result");
}

test("an admin uploads a descriptor, finds it by search and opens its entity page", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  const result = await upload(page, "catalog-info.yaml", DESCRIPTOR);
  await expect(result).toContainText("catalog-info.yaml: ingested");
  // Three entities; the owner group is not in this catalog, so its refs are reported as dangling-ref warnings, not errors.
  await expect(result.getByTestId("summary-entities")).toHaveText("3");
  await expect(result.getByTestId("summary-errors")).toHaveText("0");
  await expect(page.getByTestId("locations-table").locator("tr[data-location='catalog-info.yaml']")).toContainText(/ok|warning/);

  // Search from the catalog page; "/" focuses the search box.
  await page.goto("/catalog");
  await expect(page.getByTestId("catalog-table")).toBeVisible();
  await page.locator("body").press("/");
  await expect(page.getByRole("searchbox", { name: "Search the catalog" })).toBeFocused();
  await page.keyboard.type("e2e orders");
  await expect(page).toHaveURL(/[?&]q=e2e\+orders/);
  const rows = page.getByTestId("catalog-table").locator("tbody tr");
  await expect(rows.first()).toHaveAttribute("data-ref", "component:default/e2e-orders"); // best match first
  await rows.first().getByRole("link", { name: "E2E Orders" }).click();

  await expect(page).toHaveURL(/\/catalog\/component\/default\/e2e-orders$/);
  await expect(page.getByRole("heading", { level: 1, name: "E2E Orders" })).toBeVisible();
  await expect(page.getByTestId("entity-owner").getByRole("link", { name: "Payments" })).toHaveAttribute("href", "/teams/payments");
  await expect(page.getByTestId("entity-source")).toContainText("catalog-info.yaml:1");

  // Dependency graph: the API that needs it and the storefront upstream, payments-api downstream.
  const graph = page.getByTestId("dependency-graph");
  await expect(graph.locator("[data-node='component:default/e2e-orders']")).toBeVisible();
  await expect(graph.locator("[data-node='component:default/payments-api']")).toBeVisible();
  await expect(graph.locator("[data-node='component:default/e2e-storefront']")).toBeVisible();
  await expect(graph.locator("[data-node='api:default/e2e-orders-api']")).toBeVisible();

  // Scorecard: rules with pass/fail and how to fix the failing ones.
  const scorecard = page.getByTestId("scorecard");
  await expect(scorecard.locator("[data-rule='has-owner'][data-passed='true']")).toBeVisible();
  await expect(scorecard.locator("[data-passed='false']").first()).toContainText("How to fix");

  // The provided API's OpenAPI definition, readable.
  await page.getByRole("button", { name: "Show the definition of E2E Orders API" }).click();
  const def = page.getByTestId("api-definition");
  await expect(def).toContainText("OpenAPI 3.0.3");
  await expect(def.getByRole("row").filter({ hasText: "/orders" }).filter({ hasText: "Place an order" })).toContainText("POST");

  // Click a node to navigate.
  await graph.locator("[data-node='component:default/payments-api']").click();
  await expect(page).toHaveURL(/\/catalog\/component\/default\/payments-api$/);
  await expect(page.getByRole("heading", { level: 1, name: "Payments API" })).toBeVisible();
  await expect(page.getByTestId("dependency-graph").locator("[data-node='component:default/e2e-orders']")).toBeVisible();
});

test("a broken descriptor is reported per file with a line number; its valid entities still load", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  const result = await upload(page, "broken-catalog-info.yaml", BROKEN);
  await expect(result).toContainText("1 error");
  const problem = result.getByTestId("location-errors").locator("li[data-code='missing_field']");
  await expect(problem.getByTestId("error-position")).toHaveText("broken-catalog-info.yaml:15");
  await expect(problem).toContainText("spec.owner is missing");
  // The same problems are listed under the location.
  const row = page.getByTestId("locations-table").locator("tr[data-location='broken-catalog-info.yaml']");
  await expect(row).toContainText("error");
  await row.getByRole("button", { name: /Show problems/ }).click();
  await expect(page.getByTestId("locations-table").getByText("broken-catalog-info.yaml:15")).toBeVisible();

  await page.goto("/catalog?q=e2e-good-one");
  await expect(page.getByTestId("catalog-table").locator("tr[data-ref='component:default/e2e-good-one']")).toBeVisible();
  await page.goto("/catalog/component/default/e2e-broken");
  await expect(page.getByText("Not in the catalog")).toBeVisible();
});

test("a viewer filters the catalog, jumps to an entity from the palette and cannot manage locations", async ({ page }) => {
  await signInViaIdp(page, "vic", "vic-pw");

  // Filters live in the URL; facet counts next to each value.
  await page.goto("/catalog?tag=e2e");
  const table = page.getByTestId("catalog-table");
  await expect(table.locator("tbody tr")).toHaveCount(2);
  const facets = page.getByTestId("facets");
  await expect(facets.getByRole("checkbox", { name: /^e2e/ })).toBeChecked();
  await facets.getByRole("checkbox", { name: /^website/ }).click();
  await expect(facets.getByRole("checkbox", { name: /^website/ })).toBeChecked();
  await expect(page).toHaveURL(/type=website/);
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await expect(table).toContainText("E2E Storefront");

  // ⌘K palette: ranked catalog suggestions link to entity pages.
  await page.keyboard.press("Control+k");
  await page.getByPlaceholder(/Search pages, services/).fill("e2e-orders-api");
  await page.getByRole("option", { name: /E2E Orders API/ }).click();
  await expect(page).toHaveURL(/\/catalog\/api\/default\/e2e-orders-api$/);
  await expect(page.getByTestId("api-definition")).toContainText("List orders");

  // Team page: owned entities and the scorecard summary, members table unchanged.
  await page.goto("/teams/payments");
  await expect(page.getByTestId("members-table")).toBeVisible();
  await expect(page.getByTestId("owned-entities")).toContainText("E2E Orders");
  await expect(page.getByTestId("team-scorecard")).toContainText("average score");

  // Locations: visible, but no upload, refresh or delete for a viewer.
  await page.goto("/catalog/locations");
  await expect(page.getByTestId("locations-table")).toContainText("catalog-info.yaml");
  await expect(page.getByRole("button", { name: "Upload and ingest" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Refresh/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Delete/ })).toHaveCount(0);
});

test("the scorecard overview sorts by owner and exports CSV", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  await page.goto("/catalog/scorecards");
  const table = page.getByTestId("scorecard-overview");
  await expect(table.locator("tr[data-owner='group:default/payments']")).toBeVisible();
  await table.getByRole("button", { name: "Owner" }).click();
  await expect(page).toHaveURL(/sort=owner&dir=asc/);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^scorecards-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString("utf8"));
  expect(text.split("\n")[0]).toBe("owner,owner_ref,team,entities,average_score,gold,silver,bronze,none");
  expect(text).toContain("group:default/payments");

  // Global admins edit the rules; invalid YAML is refused with the problem shown next to the editor.
  await page.getByRole("button", { name: "Edit rules" }).click();
  await page.getByLabel(/Rules \(YAML/).fill("rules:\n  - id: Bad Id\n    title: x\n    level: gold\n    check: { tag: x }\n");
  await page.getByRole("button", { name: "Save and rescore" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "rules.0.id" })).toBeVisible();
});
