import { expect, test } from "@playwright/test";
import { signInDemo, shootThemes } from "./support/demo";
import { DEMO_APP } from "./support/urls";

// CI/CD and cloud in the zero-setup demo app: GitHub/GitLab/Jenkins runs and the cloud inventory come from RECORDED
// vendor API responses (labelled demo, no real GitHub/GitLab/Jenkins/cloud is reachable); the built-in runner is real.
test.describe.configure({ mode: "serial" });

const SHOTS = process.env.SHOTS_DIR ?? "tmp/shots-ci";
const SERVICE = `${DEMO_APP}/catalog/component/default/payments-api`;

test("the CI tab shows recorded runs from GitHub, GitLab and Jenkins, labelled demo, with a durations chart", async ({ page }) => {
  await signInDemo(page, /Alice Admin/);
  await page.goto(SERVICE);
  const ci = page.getByTestId("ci-section");
  await ci.scrollIntoViewIfNeeded();
  await expect(ci.getByText("demo: recorded runs")).toBeVisible();
  const providers = ci.getByRole("list", { name: "CI providers" });
  for (const p of ["github", "gitlab", "jenkins", "builtin"]) await expect(providers.locator(`[data-provider='${p}']`)).toBeVisible();
  await expect(providers.locator("[data-provider='github']").getByText("demo")).toBeVisible();
  const runs = ci.getByRole("table", { name: "CI runs" });
  await expect(runs.locator("tr[data-status='succeeded']").first()).toBeVisible();
  await expect(runs.locator("tr[data-status='failed']").first()).toBeVisible();
  await expect(ci.locator(".recharts-bar-rectangle").first()).toBeVisible();
  // Filter to one provider.
  await ci.getByLabel("Filter runs by provider").selectOption("jenkins");
  await expect(runs.locator("tr[data-run]").first()).toContainText("Jenkins");
  await ci.getByLabel("Filter runs by provider").selectOption("");
  await shootThemes(page, SHOTS, "ci-section", ci);
});

test("trigger the built-in pipeline and watch its live log to success; the build is a deploy candidate", async ({ page }) => {
  await signInDemo(page, /Alice Admin/);
  await page.goto(SERVICE);
  const ci = page.getByTestId("ci-section");
  await ci.scrollIntoViewIfNeeded();
  await ci.getByRole("button", { name: "Run pipeline" }).click();
  const form = ci.getByRole("form", { name: "Trigger a pipeline" });
  await form.getByLabel("Pipeline").selectOption({ label: "Built-in runner · build" });
  await form.getByLabel(/^channel/).selectOption("beta");
  await form.getByRole("button", { name: "Run pipeline" }).click();
  const log = ci.getByTestId("run-log");
  await expect(log).toBeVisible();
  // Live: lines appear while it runs, then it passes.
  await expect(log.getByLabel("Run log")).toContainText("ok   capture 1 -> accept", { timeout: 30_000 });
  await expect(log).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(log.getByLabel("Run log")).toContainText("✔ pipeline build succeeded: version 1.8.");
  await expect(log.getByLabel("Run log")).toContainText("artefact dist/payments-api.tgz");
  await shootThemes(page, SHOTS, "ci-run-log", ci);
  // The successful build is what the deploy dialog offers (ci.recentBuilds).
  const builtin = ci.getByRole("table", { name: "CI runs" }).locator("tr[data-status='succeeded']").filter({ hasText: "Built-in" }).first();
  await expect(builtin).toContainText(/1\.8\.\d+/);
});

test("the inventory page lists cloud resources (recorded, labelled demo) and flags risky ones", async ({ page }) => {
  await signInDemo(page, /Alice Admin/);
  await page.goto(`${DEMO_APP}/cloud`);
  await expect(page.getByRole("heading", { name: /Cloud inventory/ })).toBeVisible();
  await expect(page.getByText("demo: recorded API responses")).toBeVisible();
  const table = page.getByRole("table", { name: "Cloud resources" });
  const exports = table.locator("tr[data-resource='example-data-exports']");
  await expect(exports).toContainText("public storage");
  await expect(exports).toContainText("unencrypted");
  await expect(table.locator("tr[data-resource='legacy-batch']")).toContainText("stopped, still billed");
  await page.getByLabel("Risk", { exact: true }).selectOption("any");
  await expect(page).toHaveURL(/risk=any/);
  await expect(table.locator("tr[data-resource='payments-api-1']")).toHaveCount(0);
  await table.getByRole("button", { name: "Show details of example-data-exports" }).click();
  await expect(page.getByText("BlockPublicAcls, IgnorePublicAcls")).toBeVisible();
  await shootThemes(page, SHOTS, "cloud-inventory");
  // And on the service page, what payments-api runs on.
  await page.goto(SERVICE);
  const cloud = page.getByTestId("cloud-section");
  await cloud.scrollIntoViewIfNeeded();
  await expect(cloud.locator("tr[data-resource='payments-api-asg']")).toBeVisible();
  await expect(cloud.locator("tr[data-resource='payments-db-primary']")).toBeVisible();
  await shootThemes(page, SHOTS, "cloud-section", cloud);
});
