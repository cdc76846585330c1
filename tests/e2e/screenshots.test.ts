import { join } from "node:path";
import type { Browser } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScreenshotSchema } from "../../shared/schemas/screenshot";
import { publishAnnouncement } from "../support/announcements";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  consoleShots,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { displayShots, pairShownCode, requireDisplayBuild } from "../support/displayPage";
import { buildAnnouncementInput } from "../support/factories";
import {
  adminSessionValue,
  api,
  createDistrict,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const DISTRICT = "jietu";
const SCREEN = "截图路口屏";

describe("screenshots on request: a browser kiosk draws its own slide, the console shows it (issue 20)", () => {
  const ui = useConsoleBrowser();
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    await createDistrict(t.baseUrl, DISTRICT);
    browser = ui.browser;
  }, 60_000);
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("Take a picture: the display answers with a real image of its slide at its size, and the console shows it", async () => {
    const display = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await display.goto(`${t.baseUrl}/display`);
    const screenId = await pairShownCode(display, t.baseUrl, SCREEN, DISTRICT);
    await publishAnnouncement(
      t,
      buildAnnouncementInput({ title: "图书馆暂停开放", body: "本周六闭馆检修，周日照常开放。" }),
    );
    await expectText(display.getByTestId("slide-title"), "图书馆暂停开放");
    await display.screenshot({ path: join(displayShots, "screenshot-display.png") });

    const opened = await openSignedIn(browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      hash: "#screens",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Screens");
    await page.getByRole("button", { name: `Picture of ${SCREEN}` }).click();
    const panel = page.getByRole("region", { name: `What ${SCREEN} shows` });
    await panel.getByText("No picture has been taken of this screen lately.").waitFor();
    await panel.getByRole("button", { name: "Take a picture" }).click();

    // The picture arrives by itself (the console's socket says so), within the kiosk's time.
    const picture = panel.getByRole("img", { name: new RegExp(`^What ${SCREEN} showed at`) });
    await picture.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth), {
        timeout: 10_000,
      })
      .toBe(1280);
    await expectText(panel.locator("figcaption"), /1280×720 pixels/);

    const list = (await (await api(`${t.baseUrl}/api/screens/${screenId}/screenshots`)).json()) as {
      screenshots: unknown[];
    };
    const shot = ScreenshotSchema.parse(list.screenshots[0]);
    expect(shot).toMatchObject({ state: "received", width: 1280, height: 720 });
    const res = await api(`${t.baseUrl}/api/screenshots/${shot.id}/image`);
    expect(res.status).toBe(200);
    const jpeg = Buffer.from(await res.arrayBuffer());
    const image = sharp(jpeg);
    expect(await image.metadata()).toMatchObject({ format: "jpeg", width: 1280, height: 720 });

    // Not blank: the slide's dark background and its light title are both in the picture.
    const { data, info } = await image.greyscale().raw().toBuffer({ resolveWithObject: true });
    let dark = 0;
    let light = 0;
    for (const v of data) {
      if (v < 60) dark += 1;
      else if (v > 180) light += 1;
    }
    const pixels = info.width * info.height;
    expect(dark / pixels).toBeGreaterThan(0.3);
    expect(light / pixels).toBeGreaterThan(0.005);
    const stats = await sharp(jpeg).stats();
    expect(stats.channels[0]?.stdev ?? 0).toBeGreaterThan(10);

    await page.screenshot({ path: join(consoleShots, "screens-screenshot.png"), fullPage: true });
    await checkBothLanguages(
      page,
      "screens-screenshot",
      { zh: "屏幕", en: "Screens" },
      async (lang) => {
        await page
          .getByRole("region", {
            name: lang === "zh" ? `${SCREEN} 正在显示的画面` : `What ${SCREEN} shows`,
          })
          .getByRole("img")
          .waitFor();
      },
    );
    await display.close();
  });
});
