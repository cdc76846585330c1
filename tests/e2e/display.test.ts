import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultWebRoot } from "../../server/app";
import { launchChromium } from "../support/browser";
import { buildAnnouncementInput } from "../support/factories";
import { postJson, removeDataDir, startTestServer, type TestServer } from "../support/testServer";

const shots = join(import.meta.dirname, "../../test-results/e2e");

describe("from console to screen, in real Chromium", () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    for (const app of ["display", "console"]) {
      if (!existsSync(join(defaultWebRoot, app, "index.html"))) {
        throw new Error(
          `dist/${app} is missing: run "npm run build:web" before the end-to-end tests.`,
        );
      }
    }
    mkdirSync(shots, { recursive: true });
    t = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("shows the waiting screen, then an announcement posted through the API appears live", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${t.baseUrl}/display`);
    await expectVisible(page.getByTestId("waiting"));
    await expectText(page.locator("#status"), /Online/);
    await page.screenshot({ path: join(shots, "display-waiting.png") });

    const input = buildAnnouncementInput({
      title: "中山路夜间施工",
      body: "11月28日22时至次日6时，请绕行。",
    });
    const res = await postJson(`${t.baseUrl}/api/announcements`, input);
    expect(res.status).toBe(201);

    await expectText(page.getByTestId("slide-title"), "中山路夜间施工");
    await expectText(page.getByTestId("slide-body"), "11月28日22时至次日6时，请绕行。");
    await page.screenshot({ path: join(shots, "display-announcement.png") });
    await page.close();
  });

  it("an announcement published in the console reaches an open display", async () => {
    const display = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await display.goto(`${t.baseUrl}/display/`);
    await expectText(display.locator("#status"), /Online/);

    const console = await browser.newPage();
    await console.goto(`${t.baseUrl}/console/`);
    await console.getByLabel("Title").fill("Library closed for repairs");
    await console.getByLabel("Text").fill("Reopens on Monday.");
    await console.getByLabel("Screen language").selectOption("en");
    await console.getByRole("button", { name: "Publish to screens" }).click();
    await expectText(console.getByRole("status"), /Published “Library closed for repairs”/);
    await console.screenshot({ path: join(shots, "console-published.png") });

    // The display rotates every 10 s; both announcements take turns, so wait up to one full cycle.
    await expectText(display.getByTestId("slide-title"), "Library closed for repairs", 25_000);
    await display.screenshot({ path: join(shots, "display-from-console.png") });
  });

  it("the console shows the server's sentence when input is refused", async () => {
    const console = await browser.newPage();
    await console.goto(`${t.baseUrl}/console/`);
    // Whitespace passes the browser's `required` but not the server's validation.
    await console.getByLabel("Title").fill("   ");
    await console.getByRole("button", { name: "Publish to screens" }).click();
    await expectText(
      console.getByRole("alert"),
      /The announcement is not valid \(title: Title is required\.\)/,
    );
  });
});

async function expectVisible(locator: Locator, timeout = 10_000): Promise<void> {
  await locator.waitFor({ state: "visible", timeout });
}

async function expectText(
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
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(last).toMatch(expected);
}
