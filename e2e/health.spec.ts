import { expect, test } from "@playwright/test";
import { signInViaIdp } from "./support/auth";
import { DEMO_APP } from "./support/urls";

// Health section (issue 5, first part). The demo-mode server answers with the demo metrics generator; the production-style
// app (DATABASE_URL, no OPSDECK_PROMETHEUS_URL) has no data source and says how to configure one.
// The Prometheus provider itself is tested against a real Prometheus in tests/metrics-prometheus.test.ts.

test("health: a service's golden-signal charts with demo data, time range presets and tooltips with units", async ({ page }) => {
  await page.goto(`${DEMO_APP}/signin`);
  await page.getByRole("button", { name: /Alice Admin/ }).click();
  await expect(page.getByTestId("current-user")).toBeVisible();
  await page.goto(`${DEMO_APP}/catalog/component/default/payments-api`);
  const health = page.getByTestId("health-section");
  await expect(health).toBeVisible();
  await expect(health.getByText("demo data")).toBeVisible();
  for (const id of ["requestRate", "errorRatio", "latency", "cpu", "memory"]) {
    const panel = health.getByTestId(`health-panel-${id}`);
    await expect(panel.locator("svg.recharts-surface")).toBeVisible();
    await expect(panel).toHaveAttribute("data-failed", "0");
    // a drawn line with many points, not an empty chart
    await expect.poll(async () => (await panel.locator("path.recharts-line-curve").first().getAttribute("d"))?.length ?? 0).toBeGreaterThan(500);
  }
  await expect(health.getByTestId("health-panel-latency")).toHaveAttribute("data-series", "3");
  await expect(health.getByText(/step 15s/)).toBeVisible();

  await health.getByRole("button", { name: "7d", exact: true }).click();
  await expect(health.getByRole("button", { name: "7d", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(health.getByText(/step 600s/)).toBeVisible();

  const chart = health.getByTestId("health-panel-latency").locator("svg.recharts-surface");
  await chart.scrollIntoViewIfNeeded();
  await chart.hover({ position: { x: 200, y: 60 } });
  await expect(page.getByTestId("chart-tooltip")).toContainText(/p99\s*[\d.]+ (ms|s)/);

  // series toggle
  const p50 = health.getByRole("button", { name: "p50" });
  await p50.click();
  await expect(p50).toHaveAttribute("aria-pressed", "false");
  await p50.click();
  await expect(p50).toHaveAttribute("aria-pressed", "true");

  // drag across a chart to zoom: a fixed custom range, finer step
  const rate = health.getByTestId("health-panel-requestRate").locator("svg.recharts-surface");
  await rate.scrollIntoViewIfNeeded();
  const box = (await rate.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await expect(health.getByTestId("health-custom-range")).toContainText("Reset zoom");
  await expect(health.getByRole("button", { name: "Custom" })).toHaveAttribute("aria-pressed", "true");
  await expect(health.getByText(/step (60|120)s/)).toBeVisible();
  await expect(health.getByTestId("health-panel-requestRate")).toHaveAttribute("data-failed", "0");
  await health.getByRole("button", { name: "Reset zoom" }).click();
  await expect(health.getByRole("button", { name: "6h", exact: true })).toHaveAttribute("aria-pressed", "true");
});

test("health: without a metrics data source the section says how to configure one", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  await page.goto("/catalog/component/default/payments-api"); // seeded by scripts/seed.ts
  await expect(page.getByTestId("health-section")).toContainText("No metrics data source is configured");
  await expect(page.getByTestId("health-section")).toContainText("OPSDECK_PROMETHEUS_URL");
});

test("dashboards: every service grouped by team with a status, sortable and filtered by team (in the URL)", async ({ page }) => {
  await page.goto(`${DEMO_APP}/signin`);
  await page.getByRole("button", { name: /Alice Admin/ }).click();
  await expect(page.getByTestId("current-user")).toBeVisible();
  await page.goto(`${DEMO_APP}/dashboards`);
  await expect(page.getByText("demo data")).toBeVisible();
  const table = page.getByTestId("overview-table");
  await expect(table).toBeVisible();
  const teams = table.getByTestId("overview-team");
  expect(await teams.count()).toBeGreaterThanOrEqual(5);
  await expect(table.locator('[data-testid="overview-team"][data-team="payments"]')).toBeVisible();
  const rows = table.getByTestId("overview-row");
  expect(await rows.count()).toBeGreaterThanOrEqual(20);
  for (const status of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))) {
    expect(["healthy", "degraded", "failing", "unknown"]).toContain(status);
  }
  // demo data answers for every service: no unknowns, values shown
  await expect(table.locator('[data-testid="overview-row"][data-status="unknown"]')).toHaveCount(0);
  await expect(rows.first()).toContainText(/%/);
  await expect(rows.first()).toContainText(/ms|s/);

  await table.getByRole("button", { name: "p95 / objective" }).click();
  await expect(page).toHaveURL(/sort=p95&dir=desc/);

  await page.getByLabel("Team").selectOption("payments");
  await expect(page).toHaveURL(/team=payments/);
  await expect(table.getByTestId("overview-team")).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-team", "payments");
  const paymentRows = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-team")));
  expect(paymentRows.length).toBeGreaterThan(1);
  expect(new Set(paymentRows)).toEqual(new Set(["payments"]));

  // the filter survives a reload (it is in the URL), and a service links to its entity page
  await page.reload();
  await expect(page.getByTestId("overview-team")).toHaveCount(1);
  const link = page.getByTestId("overview-row").first().getByRole("link").first();
  await expect(link).toHaveAttribute("href", /^\/catalog\/component\/default\/[a-z0-9-]+$/);
  await link.click();
  await expect(page.getByTestId("health-section")).toBeVisible();
});
