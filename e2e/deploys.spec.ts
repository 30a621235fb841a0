import { expect, test, type Page } from "@playwright/test";
import { signInViaIdp, signOut } from "./support/auth";

// Deploys (issue 4) on the production-style app: real Postgres, OIDC sign-in, the demo Kubernetes cluster as the
// cluster (e2e/support/start-cluster.ts). Eddie (payments engineer) requests a prod deploy; prod is protected, so Rita
// (admin) approves it; the browser shows the pods rolling live to success; then one click rolls it back.
test.describe.configure({ mode: "serial" });

const SERVICE = "/catalog/component/default/payments-api";
const VERSION = `2.99.${Date.now() % 1000}`;
let deployUrl = "";

async function podVersions(page: Page): Promise<string[]> {
  return page.getByTestId("live-pods").getByTestId("pod-row").locator("td:last-child").allInnerTexts();
}

test("an engineer requests a prod deploy; it waits for someone else's approval", async ({ page }) => {
  await signInViaIdp(page, "eddie", "eddie-pw");
  await page.goto(SERVICE);
  const section = page.getByTestId("deploys-section");
  await section.getByTestId("env-tab-prod").click();
  const prod = section.getByTestId("env-panel-prod");
  await expect(prod).toHaveAttribute("data-status", "ok");
  await expect(prod.getByTestId("pod-row")).toHaveCount(3);
  await prod.getByTestId("deploy-prod").click();

  const dialog = page.getByTestId("deploy-dialog");
  await expect(dialog.getByText(/prod is protected/)).toBeVisible();
  await expect(dialog.getByText(/Running now:/)).toBeVisible();
  await dialog.getByLabel(/Version/).fill("not a version!");
  await dialog.getByLabel("Reason").fill("e2e: faster card authorisation");
  await dialog.getByRole("button", { name: "Request deploy" }).click();
  await expect(dialog.getByRole("alert")).toContainText(/tag like 1.4.2/); // zod error at the field
  await dialog.getByLabel(/Version/).fill(VERSION);
  await dialog.getByRole("button", { name: "Request deploy" }).click();

  await expect(page).toHaveURL(/\/deploys\/c[a-z0-9]+$/);
  deployUrl = page.url();
  const detail = page.getByTestId("deploy-detail");
  await expect(detail).toHaveAttribute("data-state", "awaiting_approval");
  // Four-eyes: the requester's Approve button is disabled, with the reason.
  await expect(page.getByTestId("approve")).toBeDisabled();
  await expect(page.getByTestId("approve-why")).toContainText("someone else");
  await signOut(page);
});

test("a second person approves; the browser shows the pods rolling live to success", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  await page.goto("/deploys");
  await expect(page.getByTestId("pending-approvals").getByTestId("pending-row").filter({ hasText: "payments-api" })).toBeVisible();
  await page.goto(deployUrl);
  const detail = page.getByTestId("deploy-detail");
  await expect(detail).toHaveAttribute("data-state", "awaiting_approval");
  await expect(page.getByTestId("live-pods").getByTestId("pod-row")).toHaveCount(3);
  await page.getByTestId("approve").click();

  // Live: new pods with the new version appear next to the old ones before the rollout finishes…
  await expect.poll(async () => {
    const v = await podVersions(page);
    return v.includes(VERSION) && v.some((x) => x !== VERSION);
  }, { timeout: 30_000, intervals: [100] }).toBe(true);
  await expect(detail).toHaveAttribute("data-state", /rolling_out|verifying/);
  await expect(page.getByTestId("timeline").locator("[data-step=rollout]")).toBeVisible();
  // …and it ends with every pod on the new version and the deploy succeeded, step by step.
  await expect(detail).toHaveAttribute("data-state", "succeeded", { timeout: 45_000 });
  await expect.poll(() => podVersions(page), { timeout: 20_000 }).toEqual([VERSION, VERSION, VERSION]);
  const steps = page.getByTestId("timeline-step");
  expect(await steps.evaluateAll((els) => els.map((e) => `${e.getAttribute("data-step")}:${e.getAttribute("data-status")}`))).toEqual([
    "requested:succeeded",
    "approval:succeeded",
    "approved:succeeded",
    "rollout:succeeded",
    "verify:succeeded",
    "succeeded:succeeded",
  ]);
});

test("one click rolls the deploy back, as its own deploy, live to the previous version", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  await page.goto(deployUrl);
  await expect(page.getByTestId("deploy-detail")).toHaveAttribute("data-state", "succeeded");
  await page.getByTestId("rollback").click();
  const dialog = page.getByTestId("rollback-dialog");
  await dialog.getByLabel("Reason").fill("e2e: error rate up");
  await dialog.getByRole("button", { name: "Roll back" }).click();

  await expect(page).not.toHaveURL(deployUrl);
  const detail = page.getByTestId("deploy-detail");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Rollback of payments-api to prod");
  await expect(detail).toHaveAttribute("data-state", "succeeded", { timeout: 45_000 });
  await expect.poll(async () => (await podVersions(page)).every((v) => v !== VERSION) && (await podVersions(page)).length === 3, { timeout: 20_000 }).toBe(true);
  // The deploy it undid now says so.
  await page.goto(deployUrl);
  await expect(page.getByTestId("deploy-detail")).toHaveAttribute("data-state", "rolled_back");
});
