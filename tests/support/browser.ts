import { existsSync } from "node:fs";
import { chromium, type Browser, type Locator } from "playwright-core";
import { expect } from "vitest";

const debianChromium = "/usr/bin/chromium";

/**
 * Launches Chromium: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the browser that
 * `npx playwright-core install chromium` downloaded.
 */
export async function launchChromium(): Promise<Browser> {
  const fromEnv = process.env["CHROMIUM_PATH"];
  const executablePath = fromEnv ?? (existsSync(debianChromium) ? debianChromium : undefined);
  return chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}

/** Waits until the locator's text equals (or matches) `expected`, then passes; fails with the last text. */
export async function expectText(
  locator: Locator,
  expected: string | RegExp,
  timeout = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    last =
      (await locator
        .textContent({ timeout: Math.max(1, deadline - Date.now()) })
        .catch(() => "")) ?? "";
    if (typeof expected === "string" ? last === expected : expected.test(last)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(last).toMatch(expected);
}
