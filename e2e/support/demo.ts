import { mkdirSync } from "node:fs";
import { expect, type Locator, type Page } from "@playwright/test";
import { DEMO_APP } from "./urls";

/** Signs in to the demo app with the demo-persona picker (no IdP): `who` matches the persona's button. */
export async function signInDemo(page: Page, who: RegExp) {
  await page.goto(`${DEMO_APP}/signin`);
  await page.getByRole("button", { name: who }).click();
  await expect(page.getByTestId("current-user")).toBeVisible();
}

/**
 * Screenshots the page (full) or one locator in the light and the dark theme into `${dir}/${name}-<theme>.png`,
 * then leaves the page in the light theme.
 */
export async function shootThemes(page: Page, dir: string, name: string, locator?: Locator) {
  mkdirSync(dir, { recursive: true });
  for (const theme of ["light", "dark"] as const) {
    await page.evaluate((t) => {
      document.documentElement.classList.toggle("dark", t === "dark");
      localStorage.setItem("opsdeck-theme", t);
    }, theme);
    await (locator ?? page).screenshot({ path: `${dir}/${name}-${theme}.png`, ...(locator ? {} : { fullPage: true }) });
  }
  await page.evaluate(() => {
    document.documentElement.classList.remove("dark");
    localStorage.setItem("opsdeck-theme", "light");
  });
}
