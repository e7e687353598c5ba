// End-to-end test of logging in, against a `pystator up` with auth on (a user "admin" whose
// password is in E2E_PASSWORD). Saves a screenshot of the login page. Exits non-zero on failure.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, watchedPage } from "./browser.mjs";
import { expect } from "./expect.mjs";

const base = (process.env.PYSTATOR_URL ?? "http://127.0.0.1:8004").replace(/\/$/, "");
const shots = process.env.SCREENSHOTS ?? "test-results";
const password = process.env.E2E_PASSWORD ?? "";
mkdirSync(shots, { recursive: true });

const problems = [];
const context = await launch({ viewport: { width: 1440, height: 900 } });
try {
  const page = await watchedPage(context, problems);
  await page.goto(`${base}/ui/machines`);
  await expect(page.getByRole("form", { name: "Log in" })).toBeVisible();
  await page.screenshot({ path: join(shots, "10-login.png"), fullPage: true });
  await page.locator("input[name=username]").fill("admin");
  await page.locator("input[name=password]").fill("wrong password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("invalid username or password");
  await page.locator("input[name=password]").fill(password);
  await page.locator("input[name=password]").press("Enter");
  await expect(page.locator("[data-testid=machines] tbody tr").first()).toBeVisible();
  await expect(page.locator("header .who")).toContainText("admin");
  // the token is kept for the session: a reload stays logged in
  await page.reload();
  await expect(page.locator("[data-testid=machines] tbody tr").first()).toBeVisible();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("form", { name: "Log in" })).toBeVisible();
  // the browser logs the refused requests (401) as console errors: those are the point of this test
  const unexpected = problems.filter((p) => !p.includes("401"));
  if (unexpected.length) throw new Error(`the browser reported errors:\n${unexpected.join("\n")}`);
  console.log("[e2e] login passed");
} catch (error) {
  console.error(`[e2e] FAILED: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
} finally {
  await context.close();
}
