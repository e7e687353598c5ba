// End-to-end test of the web UI in headless chromium against a running `pystator up`.
//   PYSTATOR_URL=http://127.0.0.1:8004 SCREENSHOTS=test-results node e2e/run.mjs
// Creates a machine from YAML (seeing a validation error appear inline and fixing it), saves a new
// version after the compatibility report, creates an entity, sends events, and sees the state change
// on the diagram and in the live feed. Saves a screenshot of every page. Exits non-zero on failure.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "./expect.mjs";
import { launch, watchedPage } from "./browser.mjs";

const base = (process.env.PYSTATOR_URL ?? "http://127.0.0.1:8004").replace(/\/$/, "");
const shots = process.env.SCREENSHOTS ?? "test-results";
const suffix = process.env.E2E_SUFFIX ?? String(Date.now() % 100000);
const machineId = `e2e_order_${suffix}`;
const entityId = `order-${suffix}`;
mkdirSync(shots, { recursive: true });

const BROKEN = `meta:
  machine_name: ${machineId}
  description: "An order, created by the UI test"
states:
  - name: pending
    type: initial
  - name: open
  - name: filled
    type: terminal
transitions:
  - trigger: exchange_ack
    source: pending
    dest: opened
  - trigger: fill
    source: open
    dest: filled
    guards:
      - expr: "fill_qty >= order_qty"
`;
const FIXED = BROKEN.replace("dest: opened", "dest: open");
const V2 = FIXED.replace(
  "  - name: filled\n",
  "  - name: cancelled\n    type: terminal\n  - name: filled\n",
).concat("  - trigger: cancel\n    source: [pending, open]\n    dest: cancelled\n");

const problems = [];
const context = await launch({ viewport: { width: 1440, height: 900 } });
const shot = async (page, name) => {
  await page.waitForTimeout(150); // let the diagram's layout settle into the frame
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
};

async function replaceEditorText(page, text) {
  const content = page.locator(".cm-content");
  await content.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

try {
  const page = await watchedPage(context, problems);
  const step = (name) => console.log(`[e2e] ${name}`);

  step("machines list");
  await page.goto(`${base}/ui/`);
  await expect(page.locator("h1", { hasText: "Machines" })).toBeVisible();
  await expect(page.locator("[data-testid=machines] tbody tr").first()).toBeVisible();
  await shot(page, "01-machines");

  step("new machine: a validation error appears inline and is fixed");
  await page.getByRole("link", { name: "New machine" }).click();
  await expect(page.locator("[data-testid=validation-status]")).toHaveText(/Valid/);
  await replaceEditorText(page, BROKEN);
  await expect(page.locator("[data-testid=problems]")).toContainText("unknown state 'opened'");
  await expect(page.locator("[data-testid=problems]")).toContainText("line 13");
  await expect(page.locator(".cm-lintRange-error")).toHaveText("dest: opened");
  await expect(page.getByRole("button", { name: "Create machine" })).toBeDisabled();
  await shot(page, "02-editor-error");
  // fix it by typing, as a user would
  await page.locator(".cm-lintRange-error").click();
  await page.keyboard.press("End");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await expect(page.locator("[data-testid=validation-status]")).toHaveText(/^Valid/);
  await expect(page.locator(".cm-lintRange-error")).toHaveCount(0);
  step("create the machine");
  await page.getByRole("button", { name: "Create machine" }).click();
  await page.waitForURL(`**/ui/machines/${machineId}`);
  await expect(page.locator("[data-testid=diagram] [data-state=pending]")).toBeVisible();
  await expect(page.locator("[data-testid=diagram] [data-state=filled]")).toBeVisible();
  await expect(page.locator("[data-testid=diagram] .edge-label", { hasText: "fill [fill_qty >= order_qty]" })).toBeVisible();
  await shot(page, "03-machine");

  step("save a new version after the compatibility report");
  await replaceEditorText(page, V2);
  await expect(page.locator("[data-testid=validation-status]")).toHaveText(/^Valid/);
  await expect(page.locator("[data-testid=diagram] [data-state=cancelled]")).toBeVisible();
  await page.getByRole("button", { name: /Review changes/ }).click();
  await expect(page.locator("[data-testid=compatibility]")).toContainText("Added states");
  await expect(page.locator("[data-testid=compatibility]")).toContainText("cancelled");
  await shot(page, "04-compatibility");
  await page.getByRole("button", { name: "Save as version 2" }).click();
  await expect(page.locator("p.ok", { hasText: "Saved version 2" })).toBeVisible();
  await expect(page.locator("select").first()).toHaveValue("2");

  step("create an entity");
  await page.getByRole("link", { name: "Entities", exact: true }).click();
  await page.locator("select[name=filter-machine]").selectOption(machineId);
  await page.locator("input[name=entity_id]").fill(entityId);
  await page.locator("select[name=machine_id]").selectOption(machineId);
  await page.locator("textarea[name=context]").fill('{"order_qty": 10}');
  await page.getByRole("button", { name: "Create entity" }).click();
  await page.waitForURL(`**/ui/entities/${entityId}`);
  await expect(page.locator("[data-testid=entity-state]")).toHaveText("pending");
  await expect(page.locator("[data-testid=diagram] [data-state=pending].active")).toBeVisible();

  step("open the live feed in another tab");
  const feed = await watchedPage(context, problems);
  await feed.goto(`${base}/ui/feed`);
  await expect(feed.locator("[data-testid=feed-status]")).toHaveText("live");

  step("send events");
  await page.bringToFront();
  await page.getByRole("button", { name: "exchange_ack" }).click();
  await page.getByRole("button", { name: "Send event" }).click();
  await expect(page.locator("[data-testid=event-result]")).toContainText("Transition committed");
  await expect(page.locator("[data-testid=entity-state]")).toHaveText("open");
  await expect(page.locator("[data-testid=diagram] [data-state=open].active")).toBeVisible();
  await expect(page.locator("[data-testid=diagram] [data-state=pending].active")).toHaveCount(0);
  await expect(page.locator("[data-testid=timeline] li")).toHaveCount(2);
  // a guard refuses an event, and the form says so
  await page.locator("input[name=trigger]").fill("fill");
  await page.locator("textarea[name=payload]").fill('{"fill_qty": 3}');
  await page.getByRole("button", { name: "Send event" }).click();
  await expect(page.locator("[data-testid=event-result]")).toContainText("Not applied");
  await expect(page.locator("[data-testid=entity-state]")).toHaveText("open");
  await page.locator("textarea[name=payload]").fill('{"fill_qty": 10}');
  await page.getByRole("button", { name: "Send event" }).click();
  await expect(page.locator("[data-testid=event-result]")).toContainText("Transition committed");
  await expect(page.locator("[data-testid=entity-state]")).toHaveText("filled");
  await expect(page.locator("[data-testid=diagram] [data-state=filled].active")).toBeVisible();
  await shot(page, "05-entity");

  step("the feed shows the transitions as they happen");
  await feed.bringToFront();
  const rows = feed.locator("[data-testid=feed] tbody tr", { hasText: entityId });
  await expect(rows.filter({ hasText: "exchange_ack" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "fill" }).filter({ hasText: "filled" })).toHaveCount(1);
  await shot(feed, "06-feed");
  await feed.close();

  step("entities filtered by state, fleet overview");
  await page.goto(`${base}/ui/entities?machine=${machineId}&state=filled`);
  await expect(page.locator("[data-testid=entities] tbody tr")).toHaveCount(1);
  await expect(page.locator("[data-testid=entities]")).toContainText(entityId);
  await shot(page, "07-entities");
  await page.goto(`${base}/ui/fleet`);
  await expect(page.locator("[data-testid=kpis]")).toContainText("entities");
  await expect(page.locator(".card", { hasText: machineId })).toContainText("filled");
  await shot(page, "08-fleet");

  step("dead letters: an event the worker cannot apply, replayed, then discarded");
  page.on("dialog", (dialog) => dialog.accept());
  const queued = await fetch(`${base}/api/v1/entities/${entityId}/apply-data`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ data: { note: "late data" } }),
  });
  if (queued.status !== 202) throw new Error(`apply-data answered ${queued.status}: ${await queued.text()}`);
  await page.getByRole("link", { name: "Dead letters" }).click();
  const letter = page.locator("[data-testid=dead-letters] tbody tr", { hasText: entityId });
  // Refresh at least once, and wait for each answer before looking: a row still on screen from
  // before a replay must not count, and a click while a request is out aborts that request.
  const refreshUntil = async (count) => {
    const deadline = Date.now() + 30000;
    do {
      const answered = page.waitForResponse((r) => r.url().includes("/api/v1/worker/dead-letters?"));
      await page.getByRole("button", { name: "Refresh" }).click();
      await answered;
      await page.waitForTimeout(100);
    } while ((await letter.count()) !== count && Date.now() < deadline);
    await expect(letter).toHaveCount(count);
  };
  await refreshUntil(1);
  await expect(letter).toContainText("apply_data");
  await shot(page, "09-dead-letters");
  await letter.getByRole("button", { name: "Replay" }).click();
  await expect(page.locator("p.ok", { hasText: "Queued again" })).toBeVisible();
  await refreshUntil(1); // the worker fails it again: the trigger is still unknown to the machine
  await letter.getByRole("button", { name: "Discard" }).click();
  await expect(page.locator("p.ok", { hasText: "Discarded" })).toBeVisible();
  await expect(letter).toHaveCount(0);

  step("keyboard: reach a machine by Tab and Enter, zoom the diagram with keys");
  await page.goto(`${base}/ui/machines`);
  await page.locator("body").press("Tab"); // skip link
  await page.keyboard.press("Tab"); // brand
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate((id) => document.activeElement?.textContent === id, machineId);
  }
  if (!reached) throw new Error(`could not reach the link to ${machineId} with the Tab key`);
  await page.keyboard.press("Enter");
  await page.waitForURL(`**/ui/machines/${machineId}`);
  const frame = page.locator(".diagram-frame");
  await frame.focus();
  const before = await page.locator("[data-testid=diagram] > g").getAttribute("transform");
  await page.keyboard.press("+");
  await page.keyboard.press("ArrowLeft");
  await expect(page.locator("[data-testid=diagram] > g")).not.toHaveAttribute("transform", before ?? "");

  if (problems.length) throw new Error(`the browser reported errors:\n${problems.join("\n")}`);
  console.log("[e2e] passed");
} catch (error) {
  console.error(`[e2e] FAILED: ${error instanceof Error ? error.stack : error}`);
  if (problems.length) console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await context.close();
}
