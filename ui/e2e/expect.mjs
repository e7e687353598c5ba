// Retrying assertions over playwright-core locators (playwright-core has no test runner).
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 10000);

async function poll(describe, check) {
  const deadline = Date.now() + TIMEOUT;
  let last = "";
  for (;;) {
    try {
      const [ok, seen] = await check();
      if (ok) return;
      last = seen;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`expected ${describe}; last seen: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const matches = (text, want) => (want instanceof RegExp ? want.test(text) : text.trim() === want);

export function expect(locator) {
  const name = String(locator);
  const checks = {
    toBeVisible: () => poll(`${name} to be visible`, async () => [await locator.first().isVisible(), "hidden or absent"]),
    toHaveText: (want) =>
      poll(`${name} to have text ${want}`, async () => {
        const texts = await locator.allInnerTexts();
        return [texts.length === 1 && matches(texts[0], want), JSON.stringify(texts)];
      }),
    toContainText: (want) =>
      poll(`${name} to contain ${JSON.stringify(want)}`, async () => {
        const texts = await locator.allInnerTexts();
        return [texts.some((t) => t.includes(want)), JSON.stringify(texts).slice(0, 500)];
      }),
    toHaveCount: (n) =>
      poll(`${name} to have ${n} elements`, async () => {
        const count = await locator.count();
        return [count === n, `${count} elements`];
      }),
    toBeDisabled: () => poll(`${name} to be disabled`, async () => [await locator.isDisabled(), "enabled"]),
    toHaveValue: (want) =>
      poll(`${name} to have value ${want}`, async () => {
        const value = await locator.inputValue();
        return [value === want, value];
      }),
    toHaveAttribute: (attribute, want) =>
      poll(`${name} to have ${attribute}=${want}`, async () => {
        const value = await locator.getAttribute(attribute);
        return [value === want, String(value)];
      }),
  };
  const not = {
    toHaveAttribute: (attribute, want) =>
      poll(`${name} not to have ${attribute}=${want}`, async () => {
        const value = await locator.getAttribute(attribute);
        return [value !== want, String(value)];
      }),
  };
  return { ...checks, not };
}
