import { expect, test } from "@playwright/test";
import { DEMO_APP } from "./support/urls";

// `npm start` with nothing configured: embedded Postgres, demo data, the demo sign-in picker, a visible demo banner.
test.describe.configure({ mode: "serial" });

test("zero-setup: the demo picker signs in a seeded user and the banner says demo mode", async ({ page }) => {
  await page.goto(`${DEMO_APP}/signin`);
  await expect(page.getByText("Sign in as a demo user")).toBeVisible();
  await expect(page.getByRole("button", { name: /Continue with/ })).toHaveCount(0); // no OIDC configured
  await page.getByRole("button", { name: /Alice Admin/ }).click();
  await expect(page.getByTestId("current-user")).toHaveText(/Alice Admin/);
  await expect(page.getByRole("status").filter({ hasText: "Demo mode" })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Admin" })).toBeVisible();
});

test("zero-setup: a demo admin's membership change is audited in the embedded database", async ({ page }) => {
  await page.goto(`${DEMO_APP}/signin`);
  await page.getByRole("button", { name: /Alice Admin/ }).click();
  await expect(page.getByTestId("current-user")).toBeVisible();
  await page.goto(`${DEMO_APP}/teams/payments`);
  const role = page.getByLabel("Role of dave@demo.opsdeck.dev");
  await expect(role).toHaveValue("viewer");
  await role.selectOption("engineer");
  await expect(page.getByText("Role set to engineer")).toBeVisible();
  await page.goto(`${DEMO_APP}/audit?action=team.membership.set`);
  const row = page.getByTestId("audit-table").locator("tr[data-action='team.membership.set']").first();
  await expect(row).toContainText("alice@demo.opsdeck.dev");
  await expect(row).toContainText("payments/dave@demo.opsdeck.dev");
  // the demo sign-in itself is audited
  await page.goto(`${DEMO_APP}/audit?action=auth.signin`);
  await expect(page.getByTestId("audit-table").locator("tr[data-action='auth.signin']").first()).toContainText("alice@demo.opsdeck.dev");
  // Put Dave back: later specs on the same demo database rely on him being the demo viewer.
  await page.goto(`${DEMO_APP}/teams/payments`);
  await page.getByLabel("Role of dave@demo.opsdeck.dev").selectOption("viewer");
  await expect(page.getByText("Role set to viewer")).toBeVisible();
});

test("zero-setup: readiness reports the embedded database migrated", async ({ request }) => {
  const ready = await request.get(`${DEMO_APP}/api/ready`);
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ready", database: "ok" });
});
