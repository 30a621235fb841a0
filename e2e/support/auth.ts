import { expect, type Page } from "@playwright/test";

/** Signs in through the real IdP: the app's sign-in button, the IdP's password form, back to the app. */
export async function signInViaIdp(page: Page, login: string, password: string) {
  await page.goto("/signin");
  await page.getByRole("button", { name: /Continue with Test IdP/ }).click();
  await page.getByLabel("Username").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-user")).toBeVisible();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
}
