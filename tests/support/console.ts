import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { defaultWebRoot } from "../../server/app";
import { expectNoSeriousA11yViolations } from "./axe";
import { launchChromium } from "./browser";

/** Where the console tests leave their screenshots. */
export const consoleShots = join(import.meta.dirname, "../../test-results/console");

/** The laptop the console is designed for. */
export const laptop = { width: 1100, height: 800 };

/** Fails early, with the fix, when the console has not been built. */
export function requireConsoleBuild(): void {
  if (!existsSync(join(defaultWebRoot, "console", "index.html")))
    throw new Error(
      'dist/console is missing: run "npm run build:web" before the end-to-end tests.',
    );
  mkdirSync(consoleShots, { recursive: true });
}

/** A test file's browser and the profiles it opened, all closed after the file's tests. */
export interface ConsoleBrowser {
  readonly browser: Browser;
  /** Profiles to close after the file's tests. */
  readonly contexts: BrowserContext[];
}

/**
 * Checks the console is built, launches Chromium before the file's tests, and closes every
 * profile pushed to `contexts` and the browser after them.
 */
export function useConsoleBrowser(): ConsoleBrowser {
  let launched: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    requireConsoleBuild();
    launched = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await launched?.close();
  });
  return {
    get browser(): Browser {
      if (!launched) throw new Error("the browser has not been launched yet");
      return launched;
    },
    contexts,
  };
}

/** The console's two languages, with the name of the button that switches to each. */
export const consoleLanguages = [
  { lang: "zh-CN", button: "中文", suffix: "zh" },
  { lang: "en", button: "English", suffix: "en" },
] as const;

/**
 * Opens the console at `#hash` in a fresh browser profile signed in with `sessionCookie`
 * ("signage_session=…" or its value), speaking `locale`.
 */
export async function openSignedIn(
  browser: Browser,
  baseUrl: string,
  sessionCookie: string,
  opts: { locale?: string; hash?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    locale: opts.locale ?? "en-US",
    viewport: opts.viewport ?? laptop,
  });
  const value = sessionCookie.startsWith("signage_session=")
    ? sessionCookie.slice("signage_session=".length)
    : sessionCookie;
  await context.addCookies([{ name: "signage_session", value, url: baseUrl }]);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/${opts.hash ?? ""}`);
  return { context, page };
}

/** Waits for the page's level-1 heading, and checks the keyboard focus is on it. */
export async function expectPageHeading(page: Page, name: string): Promise<void> {
  const heading = page.getByRole("heading", { level: 1, name, exact: true });
  await heading.waitFor({ timeout: 10_000 });
  await expect
    .poll(() => page.evaluate(() => document.activeElement?.tagName), { timeout: 5000 })
    .toBe("H1");
}

/**
 * In each language: switch to it, wait for the heading in it, run axe, and save a full-page
 * screenshot as test-results/console/<name>-<zh|en>.png. Leaves the page in English.
 */
export async function checkBothLanguages(
  page: Page,
  name: string,
  headings: { zh: string; en: string },
  ready?: (lang: "zh" | "en") => Promise<void>,
): Promise<void> {
  for (const l of consoleLanguages) {
    await page.getByRole("button", { name: l.button, exact: true }).click();
    await page
      .getByRole("heading", { level: 1, name: headings[l.suffix], exact: true })
      .waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(l.lang);
    await ready?.(l.suffix);
    await expectNoSeriousA11yViolations(page, `${name} (${l.lang})`);
    await page.screenshot({ path: join(consoleShots, `${name}-${l.suffix}.png`), fullPage: true });
  }
}
