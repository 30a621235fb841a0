import { expect, test } from "@playwright/test";
import { signInViaIdp, signOut } from "./support/auth";

// One story, in order: people sign in through a real OIDC IdP, groups become roles, an admin changes a membership,
// a viewer's attempt at the same change is refused, and the audit log shows both.
test.describe.configure({ mode: "serial" });

test("unauthenticated visitors are sent to sign-in", async ({ page }) => {
  await page.goto("/audit");
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("button", { name: /Continue with Test IdP/ })).toBeVisible();
  // Not demo mode (DATABASE_URL is set): no demo picker.
  await expect(page.getByText("Sign in as a demo user")).toHaveCount(0);
});

test("a viewer signs in via OIDC and sees only what a viewer may use", async ({ page }) => {
  await signInViaIdp(page, "vic", "vic-pw");
  await expect(page.getByTestId("current-user")).toHaveText(/Vic Viewer/);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Catalog" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Audit" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/me");
  await expect(page.getByRole("cell", { name: "Payments" })).toBeVisible();
  await expect(page.getByText("viewer", { exact: true })).toBeVisible();
  await signOut(page);
});

test("an engineer signs in so the team has someone to promote", async ({ page }) => {
  await signInViaIdp(page, "eddie", "eddie-pw");
  await expect(page.getByTestId("current-user")).toHaveText(/Eddie Engineer/);
  await signOut(page);
});

test("a global admin changes a membership and sees it in the audit log", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Audit" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Admin" })).toBeVisible();

  await page.goto("/teams/payments");
  const role = page.getByLabel("Role of eddie@idp.test");
  await expect(role).toHaveValue("engineer");
  await role.selectOption("oncall");
  await expect(page.getByText("Role set to oncall")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Role of eddie@idp.test")).toHaveValue("oncall");

  await page.goto("/audit?action=team.membership.set");
  const row = page.getByTestId("audit-table").locator("tr[data-action='team.membership.set']").first();
  await expect(row).toContainText("root@idp.test");
  await expect(row).toContainText("membership: payments/eddie@idp.test");
  await expect(row).toContainText("success");
  await row.click();
  await expect(page.getByText('"role": "engineer"')).toBeVisible();
  await expect(page.getByText('"role": "oncall"')).toBeVisible();
  // sign-ins are audited too
  await page.goto("/audit?action=auth.signin");
  await expect(page.getByTestId("audit-table").locator("tr[data-action='auth.signin']").filter({ hasText: "vic@idp.test" }).first()).toBeVisible(); // other specs sign vic in too
  await signOut(page);
});

test("a viewer cannot change memberships, and the denial is audited", async ({ page }) => {
  await signInViaIdp(page, "vic", "vic-pw");
  await page.goto("/teams/payments");
  await expect(page.getByTestId("members-table")).toBeVisible();
  await expect(page.getByLabel("Role of eddie@idp.test")).toHaveCount(0); // no controls for a viewer
  // Craft the request the UI would send: the server must refuse it on its own.
  const ids = await page.evaluate(async () => {
    const r = await fetch(`/api/trpc/admin.team?input=${encodeURIComponent(JSON.stringify({ json: { slug: "payments" } }))}`);
    const team = (await r.json()).result.data.json;
    return { teamId: team.id as string, userId: team.members.find((m: { email: string }) => m.email === "eddie@idp.test").userId as string };
  });
  const status = await page.evaluate(async (input) => {
    const r = await fetch("/api/trpc/admin.setMembership", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { ...input, role: "admin" } }) });
    return r.status;
  }, ids);
  expect(status).toBe(403);
  await page.goto("/audit");
  await expect(page.getByText(/You need the "audit.read" permission/)).toBeVisible();
});

// A new test is a new browser context: the IdP session of the viewer does not carry over.
test("the admin sees the viewer's denied attempt in the audit log, and nothing changed", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  await page.goto("/teams/payments");
  await expect(page.getByLabel("Role of eddie@idp.test")).toHaveValue("oncall"); // unchanged
  await page.goto("/audit?outcome=denied&action=team.membership.set");
  const denied = page.getByTestId("audit-table").locator("tr[data-outcome='denied']").first();
  await expect(denied).toContainText("vic@idp.test");
  await expect(denied).toContainText("team.membership.set");
});

test("an admin verifies the audit chain from the UI", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  await page.goto("/audit");
  await page.getByTestId("verify-panel").getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByTestId("verify-result")).toContainText(/Chain intact: \d+ events verified/, { timeout: 30_000 });
});

test("the audit export streams the current filter as CSV and JSONL", async ({ page }) => {
  await signInViaIdp(page, "root", "root-pw");
  const csv = await page.request.get("/api/audit/export?format=csv&action=team.membership.set");
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).trim().split("\n");
  expect(lines[0]).toMatch(/^seq,ts,actorId,actorLabel,action/);
  expect(lines.slice(1).every((l) => l.includes("team.membership.set"))).toBe(true);
  expect(lines.length).toBeGreaterThanOrEqual(3); // the success and the denial
  const jsonl = await page.request.get("/api/audit/export?format=jsonl&outcome=denied");
  const events = (await jsonl.text()).trim().split("\n").map((l) => JSON.parse(l));
  expect(events.length).toBeGreaterThan(0);
  expect(events.every((e) => e.outcome === "denied")).toBe(true);
  const bad = await page.request.get("/api/audit/export?format=csv&from=not-a-date");
  expect(bad.status()).toBe(400);
});
