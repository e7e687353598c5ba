// Launch Debian's chromium through playwright-core (nothing downloads a browser).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

/** A browser context in a fresh profile directory (close it to end the browser). */
export async function launch(options = {}) {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  const profile = mkdtempSync(join(tmpdir(), "pystator-ui-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    ...options,
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  context.on("close", () => {
    // chromium may still be writing its profile as it exits: retry, and leave it to /tmp if it must
    setTimeout(() => {
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      } catch {}
    }, 200);
  });
  return context;
}

/** A page that records console errors and uncaught exceptions into ``problems``. */
export async function watchedPage(context, problems) {
  // Use the tab the browser opened with: a second, background tab gets no animation frames.
  const blank = context.pages().find((p) => p.url() === "about:blank" && !p.__watched);
  const page = blank ?? (await context.newPage());
  page.__watched = true;
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught on ${page.url()}: ${error.message}`));
  return page;
}
