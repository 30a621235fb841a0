import { expect, test, type Page } from "@playwright/test";
import { DEMO_APP } from "./support/urls";

// Issue 5, second part, in the demo-mode server (demo metrics in three environments, 12 weeks of seeded deploy history):
// deploy markers, SLOs and DORA on the entity page; the overview's SLO/deploy columns and filters; the DORA page;
// composing a saved dashboard and opening its shared link. Real-Prometheus paths are covered by tests/metrics-*.test.ts.

async function signIn(page: Page) {
  await page.goto(`${DEMO_APP}/signin`);
  await page.getByRole("button", { name: /Alice Admin/ }).click();
  await expect(page.getByTestId("current-user")).toBeVisible();
}

test("entity page: a deploy marker with version and who, another data source, SLOs with burn-down, the DORA card", async ({ page }) => {
  await signIn(page);
  await page.goto(`${DEMO_APP}/catalog/component/default/payments-api`);
  const health = page.getByTestId("health-section");
  await expect(health.getByTestId("health-panel-requestRate").locator("svg.recharts-surface")).toBeVisible();

  // staging deploys more often than prod: its last deploy is hours old, well inside 7 days
  await health.getByLabel("Data source").selectOption("staging");
  await expect(health).toContainText("staging (demo)");
  await health.getByRole("button", { name: "7d", exact: true }).click();
  await expect(health.getByText(/step 600s/)).toBeVisible();
  const panel = health.getByTestId("health-panel-requestRate");
  await expect(panel).toHaveAttribute("data-failed", "0");
  const marker = panel.getByTestId("deploy-marker").last();
  await expect(marker).toBeVisible();
  await expect(marker).toHaveAccessibleName(/^(Deploy|Rollback to) \d+\.\d+\.\d+$/);
  await marker.hover();
  const tip = page.getByTestId("deploy-tooltip");
  await expect(tip).toContainText(/→ \d+\.\d+\.\d+/);
  await expect(tip).toContainText(/by (Alice|Bob|Carol|Erin)\b.* · staging/);
  await expect(panel.locator(".recharts-reference-line").first()).toBeAttached();

  const slo = page.getByTestId("slo-section");
  const availability = slo.getByTestId("slo-availability");
  await expect(availability).toContainText("Availability 99.5 %");
  await expect(availability).toHaveAttribute("data-status", /^(healthy|degraded|failing)$/);
  await expect(availability.getByTestId("slo-budget")).toContainText("%");
  await expect(availability.locator("tr[data-firing]")).toHaveCount(3);
  await expect(slo.getByTestId("slo-latency-p95").locator("svg.recharts-surface")).toBeVisible();

  const dora = page.getByTestId("dora-card");
  await expect(dora.getByTestId("dora-frequency")).toContainText(/\/ (day|week|month)/);
  await expect(dora.getByTestId("dora-cfr")).toContainText("%");
  await expect(dora.getByTestId("dora-trend-deploys").locator("svg.recharts-surface")).toBeVisible();
});

test("overview: SLO budgets and last deploys; filtered by team, status and name (in the URL)", async ({ page }) => {
  await signIn(page);
  await page.goto(`${DEMO_APP}/dashboards?team=payments`);
  const table = page.getByTestId("overview-table");
  await expect(table.getByTestId("overview-team")).toHaveCount(1);
  const pay = table.locator('[data-testid="overview-row"][data-name="payments-api"]');
  await expect(pay.getByTestId("overview-budget")).toContainText("%");
  await expect(pay).toContainText("/ 0.5 %"); // errors against what 99.5 % allows
  await expect(pay.getByTestId("overview-deploy")).toHaveAttribute("href", /^\/deploys\/demo-(prod|staging)-payments-api-\d{3}$/);
  for (const team of await table.getByTestId("overview-row").evaluateAll((els) => els.map((e) => e.getAttribute("data-team")))) expect(team).toBe("payments");

  await page.getByLabel("Filter services").fill("ledg");
  await expect(page).toHaveURL(/q=ledg/);
  await expect(table.getByTestId("overview-row")).toHaveCount(1);
  await page.getByLabel("Filter services").fill("");
  const status = (await pay.getAttribute("data-status"))!;
  await page.getByLabel("Status").selectOption(status);
  await expect(page).toHaveURL(new RegExp(`status=${status}`));
  for (const s of await table.getByTestId("overview-row").evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))) expect(s).toBe(status);

  await table.getByRole("button", { name: "Error budget" }).click();
  await expect(page).toHaveURL(/sort=slo/);
});

test("DORA page: organisation with bands and weekly trends, then one team", async ({ page }) => {
  await signIn(page);
  await page.goto(`${DEMO_APP}/dashboards/dora`);
  const dora = page.getByTestId("dora-page");
  await expect(dora.getByTestId("dora-frequency")).toHaveAttribute("data-band", /^(elite|high|medium|low)$/);
  for (const id of ["deploys", "lead", "cfr", "restore"]) await expect(dora.getByTestId(`dora-trend-${id}`).locator("svg.recharts-surface")).toBeVisible();
  await expect(dora.getByTestId("dora-table-teams").getByTestId("dora-row").first()).toBeVisible();
  await page.getByLabel("Team").selectOption("payments");
  await expect(page).toHaveURL(/team=payments/);
  await expect(dora.getByTestId("dora-table-teams")).toHaveCount(0);
  const services = dora.getByTestId("dora-table-services");
  await expect(services.getByRole("link", { name: "Payments API" })).toHaveAttribute("href", "/catalog/component/default/payments-api#dora");
});

test("custom dashboard: a PromQL panel checked by the data source, saved, opened from its shared link", async ({ page, context }) => {
  await signIn(page);
  await page.goto(`${DEMO_APP}/dashboards/d`);
  await page.getByRole("link", { name: "New dashboard" }).click();
  await expect(page).toHaveURL(/\/dashboards\/d\/new$/);
  await page.getByLabel("Dashboard title").fill("Payments at a glance");
  await page.getByLabel("Owner team").selectOption({ label: "Payments" });

  await page.getByRole("button", { name: "Add panel" }).click();
  const form = page.getByTestId("panel-form");
  await form.getByLabel("Panel title").fill("Payments API requests");
  await form.getByLabel("PromQL expression").fill('sum(rate(http_requests_total{service="payments-api"}[$__rate_interval])');
  await form.getByRole("button", { name: "Check query" }).click();
  await expect(form.getByTestId("query-check")).toContainText(/bad_data: .*parse error/);
  await form.getByLabel("PromQL expression").fill('sum(rate(http_requests_total{service="payments-api"}[$__rate_interval]))');
  await form.getByRole("button", { name: "Check query" }).click();
  await expect(form.getByTestId("query-check")).toContainText("The data source parses this query.");
  await form.getByLabel("Unit").selectOption("req/s");
  await form.getByRole("button", { name: "Apply panel" }).click();

  // a golden-signal panel too, then make the first one full width
  await page.getByRole("button", { name: "Add panel" }).click();
  await form.getByLabel("Golden signal of a service").check();
  await form.getByLabel("Panel title").fill("Ledger latency");
  await form.getByRole("textbox", { name: "Service", exact: true }).fill("component:ledger");
  await form.getByRole("combobox", { name: "Signal", exact: true }).selectOption("latency");
  await form.getByRole("button", { name: "Apply panel" }).click();
  await page.getByLabel("Size of Payments API requests").selectOption("xl");
  const preview = page.getByTestId("dashboard-panel");
  await expect(preview).toHaveCount(2);
  await expect(preview.first().locator("svg.recharts-surface")).toBeVisible();

  await page.getByRole("button", { name: "Save dashboard" }).click();
  await expect(page).toHaveURL(/\/dashboards\/d\/(?!new$)[a-z0-9]+$/);
  await expect(page.getByRole("heading", { name: "Payments at a glance" })).toBeVisible();
  const link = page.url();

  // the shared link in a fresh tab
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByRole("heading", { name: "Payments at a glance" })).toBeVisible();
  const panels = other.getByTestId("dashboard-grid").getByTestId("dashboard-panel");
  await expect(panels).toHaveCount(2);
  await expect(panels.first()).toHaveAttribute("data-failed", "0");
  await expect(panels.first().locator("svg.recharts-surface")).toBeVisible();
  await expect(panels.nth(1)).toHaveAttribute("data-series", "3"); // p50, p95, p99
  await expect(other.getByRole("button", { name: "Edit" })).toBeVisible();
  await other.getByRole("button", { name: "24h", exact: true }).click();
  await expect(panels.first()).toContainText("step 60s");
});
