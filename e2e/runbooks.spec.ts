import { expect, test, type Locator, type Page } from "@playwright/test";
import { signInDemo, shootThemes } from "./support/demo";
import { DEMO_APP } from "./support/urls";

// Runbooks in the zero-setup demo app (npm start: embedded Postgres, inline worker, the demo Kubernetes cluster).
// Carol (on-call for checkout) restarts checkout-web in staging with the shipped "restart a deployment" runbook and
// watches the live log to success; Dave (a viewer) can read the runbook but cannot run it.
test.describe.configure({ mode: "serial" });

const SHOTS = process.env.SHOTS_DIR ?? "tmp/shots-runbooks";
let runUrl = "";

/** Screenshots only when RUNBOOK_SHOTS=1. */
const shoot = (page: Page, name: string, locator?: Locator) =>
  process.env.RUNBOOK_SHOTS === "1" ? shootThemes(page, SHOTS, name, locator) : Promise.resolve();


test("an on-call engineer restarts a deployment with parameters and watches the live log to success", async ({ page }) => {
  test.setTimeout(120_000);
  await signInDemo(page, /Carol On-call/);
  await page.goto(`${DEMO_APP}/runbooks`);
  const table = page.getByTestId("runbook-table");
  await expect(table.locator("tr[data-runbook='restart-deployment']")).toBeVisible();
  await shoot(page, "list");
  await table.getByRole("link", { name: "Restart a deployment" }).click();
  await expect(page).toHaveURL(/\/runbooks\/restart-deployment$/);
  await expect(page.getByRole("heading", { name: "Restart a deployment" })).toBeVisible();
  await expect(page.getByTestId("runbook-steps").locator("li")).toHaveCount(3);

  const form = page.getByRole("form", { name: "Run restart-deployment" });
  // Client-side validation from the shared schema: a bad service name is refused at the field before anything is sent.
  await form.getByLabel(/^Service/).fill("Checkout Web!");
  await form.getByRole("button", { name: "Run" }).click();
  await expect(form.locator("#param-service-error")).toContainText("must match");
  await form.getByLabel(/^Service/).fill("checkout-web");
  await form.getByLabel(/^Environment/).selectOption("staging");
  await form.getByLabel(/^Reason/).fill("e2e: pods wedged");
  // dangerous: nothing runs until the service name is typed
  await form.getByRole("button", { name: "Run" }).click();
  await expect(form.getByRole("alert").filter({ hasText: "Type checkout-web exactly" })).toBeVisible();
  await expect(page).toHaveURL(/\/runbooks\/restart-deployment$/);
  await form.getByLabel(/This runbook is dangerous/).fill("checkout-web");
  await shoot(page, "runbook");
  await form.getByRole("button", { name: "Run" }).click();

  await expect(page).toHaveURL(/\/runbooks\/runs\/[0-9a-f-]{36}$/);
  runUrl = page.url();
  const log = page.getByTestId("run-log");
  // The log streams while the rollout happens, then the run ends as succeeded.
  await expect(log).toContainText("restarted checkout-web (rollout restart)", { timeout: 60_000 });
  await expect(page.getByTestId("run-state").first()).toHaveAttribute("data-state", "succeeded", { timeout: 60_000 });
  await expect(log).toContainText("rollout complete");
  await expect(log).toContainText("run succeeded");
  const steps = page.getByTestId("run-steps");
  await expect(steps.locator("[data-state='succeeded']")).toHaveCount(3);
  await expect(page.getByTestId("run-params")).toContainText("checkout-web");
  await shoot(page, "run");

  // The run is in the history, filtered by runbook.
  await page.goto(`${DEMO_APP}/runbooks/runs?runbook=restart-deployment`);
  await expect(page.getByTestId("run-history").locator(`tr[data-run='${runUrl.split("/").pop()}']`)).toContainText("Succeeded");
  await shoot(page, "history");
});

test("a viewer can read the runbook but cannot run it", async ({ page }) => {
  await signInDemo(page, /Dave Viewer/);
  await page.goto(`${DEMO_APP}/runbooks/restart-deployment`);
  await expect(page.getByRole("heading", { name: "Restart a deployment" })).toBeVisible();
  await expect(page.getByTestId("cannot-run")).toContainText(/may be run by|engineer role/);
  await expect(page.getByRole("form", { name: "Run restart-deployment" })).toHaveCount(0);
  // the run Carol started is readable, without a cancel button
  await page.goto(runUrl);
  await expect(page.getByTestId("run-state").first()).toHaveAttribute("data-state", "succeeded");
  await expect(page.getByRole("button", { name: /Cancel run/ })).toHaveCount(0);
});

test("the editor checks a new runbook as it is typed and shows problems at their lines", async ({ page }) => {
  await signInDemo(page, /Carol On-call/);
  await page.goto(`${DEMO_APP}/runbooks/new`);
  const editor = page.getByLabel("Runbook definition (YAML)");
  await expect(page.getByTestId("editor-check")).toContainText("Valid: my-runbook");
  const template = await editor.inputValue();
  const check = page.getByTestId("editor-check");
  await editor.fill(template.replace("type: shell", "type: shel"));
  await expect(check).toContainText("1 problem");
  await expect(check).toContainText(/line \d+\s*spec\.steps\[0\]\.type/);
  await expect(check).toContainText('unknown step type "shel"');
  await expect(page.getByRole("button", { name: "Create runbook" })).toBeDisabled();
  // once the shape is right, references are checked: the owner team must exist
  await editor.fill(template.replace(/owner: \S+/, "owner: nobody"));
  await expect(check).toContainText('no team "nobody" exists');
  await shoot(page, "editor");
});
