import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import { expectText, launchChromium } from "../support/browser";
import { pairShownCode, requireDisplayBuild } from "../support/displayPage";
import {
  postJson,
  putSchedule,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const DWELL_S = 3;
/** Two: withdrawing the one drawn ahead leaves the other on screen, so only the drop clears it. */
const TITLES = ["提前绘制一", "提前绘制二"];

/** The stage's hidden layer as a viewer, a screen reader and a test would find it. */
interface HiddenLayer {
  filled: boolean;
  ariaHidden: string | null;
  visibility: string;
  testIds: number;
  keptTestIds: number;
  title: string;
  /** Slide titles a test can find in the whole document. */
  documentTitles: number;
  shownTitle: string;
}

function hiddenLayer(page: Page): Promise<HiddenLayer> {
  return page.evaluate(() => {
    const layer = document.querySelector<HTMLElement>("#stage > .slide:not(.shown)");
    if (!layer) throw new Error("no hidden layer");
    return {
      filled: layer.childElementCount > 0,
      ariaHidden: layer.getAttribute("aria-hidden"),
      visibility: getComputedStyle(layer).visibility,
      testIds: layer.querySelectorAll("[data-testid]").length,
      keptTestIds: layer.querySelectorAll("[data-ahead-testid]").length,
      title: layer.querySelector("h1")?.textContent ?? "",
      documentTitles: document.querySelectorAll("[data-testid=slide-title]").length,
      shownTitle: document.querySelector("[data-testid=slide-title]")?.textContent ?? "",
    };
  });
}

describe("the next slide drawn ahead: hidden until its change, gone with its takedown", () => {
  let t: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    const district = await postJson(`${t.baseUrl}/api/districts`, {
      id: "ah",
      parentId: null,
      nameZh: "提前区",
      nameEn: "Ahead district",
    });
    expect(district.status).toBe(201);
    for (const title of TITLES) {
      const published = await publishAnnouncement(t, {
        title,
        body: "请市民注意出行安全。",
        language: "zh-CN",
        tags: ["ahead"],
      });
      ids.set(title, published.id);
    }
    await putSchedule(t.baseUrl, "ah", {
      playlist: [{ type: "announcementsTagged", tag: "ahead" }],
      dwellSeconds: DWELL_S,
    });
    browser = await launchChromium();
    // A clock the test moves: the moments between changes are the test's to choose.
    context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.clock.install({ time: Date.now() });
    page = await context.newPage();
    page.on("pageerror", (err) => console.error("display page error:", err));
    await page.goto(`${t.baseUrl}/display`);
    await pairShownCode(page, t.baseUrl, "提前屏", "ah");
    await expectText(page.getByTestId("slide-title"), new RegExp(`^(${TITLES.join("|")})$`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (t) removeDataDir(t.dataDir);
  });

  /** Moves the page's clock to just after the next slide change, then past its fade. */
  async function justAfterAChange(): Promise<void> {
    const before = (await hiddenLayer(page)).shownTitle;
    for (let i = 0; i < 10 * DWELL_S * 2; i += 1) {
      await page.clock.runFor(100);
      if ((await hiddenLayer(page)).shownTitle !== before) break;
    }
    expect((await hiddenLayer(page)).shownTitle).not.toBe(before);
    await page.clock.runFor(1_300);
  }

  it("lays the next slide out hidden, with no test id, and shows those very nodes at the change", async () => {
    await justAfterAChange();
    const ahead = await hiddenLayer(page);
    const next = TITLES[(TITLES.indexOf(ahead.shownTitle) + 1) % TITLES.length];
    expect(ahead).toEqual({
      filled: true,
      ariaHidden: "true",
      visibility: "hidden",
      testIds: 0,
      keptTestIds: 2,
      title: next,
      documentTitles: 1,
      shownTitle: ahead.shownTitle,
    });
    // The change shows the nodes drawn ahead (the same title element), test ids back on them.
    await page.evaluate(() => {
      const w = window as unknown as { aheadTitle: Element | null };
      w.aheadTitle = document.querySelector("#stage > .slide:not(.shown) h1");
    });
    await page.clock.runFor(DWELL_S * 1000 - 1_300);
    expect(
      await page.evaluate(() => {
        const w = window as unknown as { aheadTitle: Element | null };
        const shown = document.querySelector("[data-testid=slide-title]");
        return { same: shown !== null && shown === w.aheadTitle, title: shown?.textContent };
      }),
    ).toEqual({ same: true, title: next });
  });

  it("empties the hidden layer the moment the announcement drawn ahead is withdrawn", async () => {
    await justAfterAChange();
    const ahead = await hiddenLayer(page);
    expect(ahead.filled).toBe(true);
    const id = ids.get(ahead.title);
    expect(id).toBeDefined();
    const res = await postJson(`${t.baseUrl}/api/announcements/${id}/withdraw`, {
      reason: "活动取消",
    });
    expect(res.status).toBe(200);
    // Off the page entirely (hidden or not): the test moves no clock, and with one announcement
    // left the slide on screen stays, so no change would redraw the hidden layer; only the drop.
    await expect
      .poll(() => page.evaluate(() => document.body.textContent ?? ""), { timeout: 10_000 })
      .not.toContain(ahead.title);
    expect((await hiddenLayer(page)).shownTitle).toBe(ahead.shownTitle);
    // And it is never drawn again, ahead or on screen, as the rotation goes on.
    for (let i = 0; i < 4; i += 1) {
      await page.clock.runFor(DWELL_S * 1000);
      expect(await page.evaluate(() => document.body.textContent ?? "")).not.toContain(ahead.title);
    }
  });
});
