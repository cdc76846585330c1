import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import { expectText, launchChromium } from "../support/browser";
import { displayShots, pairShownCode, requireDisplayBuild } from "../support/displayPage";
import { buildAnnouncementInput } from "../support/factories";
import {
  createDistrict,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

/** Whether the offline shell (the display's service worker) controls the page. */
function controlled(page: Page): Promise<boolean> {
  return page.evaluate(() => navigator.serviceWorker.controller !== null);
}

describe("a browser display served by the server, reloaded while the server is down (issue 19)", () => {
  let t: TestServer;
  let port: number;
  let dataDir: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    port = t.server.port;
    dataDir = t.dataDir;
    await createDistrict(t.baseUrl, "zhongshan");
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${t.baseUrl}/display`);
    await pairShownCode(page, t.baseUrl, "路口离线", "zhongshan");
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop().catch(() => undefined);
    if (dataDir) removeDataDir(dataDir);
  });

  it("comes back from its own files and storage, then reconnects when the server does", async () => {
    await publishAnnouncement(
      t,
      buildAnnouncementInput({ title: "中山路夜间施工", body: "请绕行。" }),
    );
    await expectText(page.getByTestId("slide-title"), "中山路夜间施工", 15_000);
    await expect.poll(() => controlled(page), { timeout: 15_000 }).toBe(true);

    // The shell keeps the display's own files only: no photo, no API answer, no token.
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys())
        for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
      return urls;
    });
    expect(cached.length).toBeGreaterThan(0);
    for (const url of cached) expect(new URL(url).pathname).toMatch(/^\/display\//);

    await t.stop();
    await expect(fetch(`${t.baseUrl}/display/`)).rejects.toThrow();
    await page.reload();
    await expectText(page.getByTestId("slide-title"), "中山路夜间施工", 15_000);
    await expectText(page.locator("#status"), /Offline/, 15_000);
    await page.screenshot({ path: join(displayShots, "display-offline-reload.png") });

    // The server comes back on its address: the display reconnects by itself.
    t = await startTestServer({ dataDir, port });
    await expectText(page.locator("#status"), /Online/, 60_000);
    await expectText(page.getByTestId("slide-title"), "中山路夜间施工");
  });
});
