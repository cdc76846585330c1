import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TakedownListSchema } from "../../shared/schemas/takedown";
import { publishAnnouncement } from "../support/announcements";
import { expectText, launchChromium } from "../support/browser";
import { displayShots, pairShownCode, requireDisplayBuild } from "../support/displayPage";
import {
  emulateKioskShell,
  startKioskBundleServer,
  type KioskBundleServer,
} from "../support/kioskBundleServer";
import { drawnPoster, publishPosterAnnouncement } from "../support/posterAnnouncements";
import {
  api,
  postJson,
  putSchedule,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const viewport = { width: 1280, height: 720 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the kiosk keeps in its IndexedDB: the announcements it would play, the images stored. */
function kioskStorage(
  page: Page,
): Promise<{ announcements: string[] | null; photos: string[]; scheduled: boolean }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open("signage-kiosk");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error("no kiosk database"));
    });
    const read = <T>(store: string, op: (s: IDBObjectStore) => IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        const req = op(db.transaction(store).objectStore(store));
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error ?? new Error(`cannot read ${store}`));
      });
    const snapshot = (await read("state", (s) => s.get("snapshot"))) as
      { announcements: { id: string }[]; schedule: unknown } | undefined;
    const photos = (await read("photos", (s) => s.getAllKeys())).map(String);
    db.close();
    return {
      announcements: snapshot ? snapshot.announcements.map((a) => a.id) : null,
      photos,
      scheduled: Boolean(snapshot?.schedule),
    };
  });
}

/** Starts logging, in the page, every slide title drawn, with the page's clock. */
async function recordTitles(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: [number, string][] = [];
    (window as unknown as { titleLog: typeof log }).titleLog = log;
    let last: string | null = null;
    const look = (): void => {
      const title = document.querySelector("[data-testid=slide-title]")?.textContent ?? "";
      if (title !== last) log.push([Date.now(), (last = title)]);
    };
    look();
    new MutationObserver(look).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  });
}

/** Resolves once no slide is fading: the one on screen fully opaque, none leaving. */
async function settled(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const shown = document.querySelector("#stage > .slide.shown");
          const leaving = document.querySelector("#stage > .slide.leaving");
          return leaving === null && (shown ? getComputedStyle(shown).opacity : "1") === "1";
        }),
      { timeout: 10_000, interval: 50 },
    )
    .toBe(true);
}

function titleLog(page: Page): Promise<[number, string][]> {
  return page.evaluate(() => (window as unknown as { titleLog: [number, string][] }).titleLog);
}

describe("announcements on a kiosk, in real Chromium: windows, posters, tags, withdrawal", () => {
  let t: TestServer;
  let bundle: KioskBundleServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    for (const [id, nameZh, nameEn] of [
      ["da", "大安区", "Da'an district"],
      ["xi", "西城区", "Xicheng district"],
      ["nan", "南湖区", "Nanhu district"],
    ] as const) {
      const res = await postJson(`${t.baseUrl}/api/districts`, {
        id,
        parentId: null,
        nameZh,
        nameEn,
      });
      expect(res.status).toBe(201);
    }
    bundle = await startKioskBundleServer(t.baseUrl);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await bundle?.close();
    await t?.stop().catch(() => undefined);
    if (t) removeDataDir(t.dataDir);
    expect(pageErrors).toEqual([]);
  });

  /** A kiosk as installed (renderer bundled apart from the server), paired in `district`. */
  async function openPairedKiosk(
    name: string,
    district: string,
  ): Promise<{ page: Page; context: BrowserContext; screenId: string }> {
    const context = await browser.newContext({ viewport });
    await emulateKioskShell(context, t.baseUrl);
    const page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`${name}: ${err.message}`));
    await page.goto(bundle.url);
    const screenId = await pairShownCode(page, t.baseUrl, name, district);
    return { page, context, screenId };
  }

  it("shows an announcement only from its start, by the kiosk's own reckoning", async () => {
    const { page, context } = await openPairedKiosk("定时屏", "xi");
    const startsAt = new Date(Date.now() + 30_000).toISOString();
    const later = await publishAnnouncement(t, {
      title: "明日停水通知",
      body: "西城区部分路段明日八时至十八时停水。",
      target: { districtIds: ["xi"], screenTags: [] },
      startsAt,
    });
    await putSchedule(t.baseUrl, "xi", {
      playlist: [{ type: "announcement", id: later.id }],
      dwellSeconds: 3600,
    });
    // The kiosk holds it already (it came in the push or the sync), but shows nothing yet.
    await expect
      .poll(async () => (await kioskStorage(page)).announcements, { timeout: 10_000 })
      .toContain(later.id);
    await recordTitles(page);
    await page.getByTestId("blank").waitFor({ state: "attached", timeout: 10_000 });
    // Held, scheduled, and still not shown until shortly before its start.
    const start = Date.parse(startsAt);
    expect(Date.now()).toBeLessThan(start - 5_000);
    await sleep(start - 2_000 - Date.now());
    expect((await titleLog(page)).map(([, title]) => title).filter((x) => x)).toEqual([]);
    await expectText(page.getByTestId("slide-title"), "明日停水通知", 30_000);
    const shown = (await titleLog(page)).filter(([, title]) => title === "明日停水通知");
    expect(shown.length).toBeGreaterThan(0);
    // At its start by the kiosk's reckoning: the server's clock as the kiosk estimates it (this
    // machine's, within a round trip), never a second early.
    for (const [at] of shown) expect(at).toBeGreaterThan(start - 1_000);
    await settled(page);
    await page.screenshot({ path: join(displayShots, "display-announcement-started.png") });
    await context.close();
  }, 90_000);

  it("plays a window meant for tagged screens on the tagged screen only, and an announcement for a tag likewise", async () => {
    const tagged = await openPairedKiosk("地铁屏", "da");
    const plain = await openPairedKiosk("路边屏", "da");
    const res = await api(`${t.baseUrl}/api/screens/${tagged.screenId}/tags`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tags: ["metro"] }),
    });
    expect(res.status).toBe(200);
    const everywhere = await publishAnnouncement(t, {
      title: "全区通告",
      target: { districtIds: ["da"], screenTags: [] },
      tags: ["tag-test"],
    });
    const metroOnly = await publishAnnouncement(t, {
      title: "地铁站内通告",
      target: { districtIds: ["da"], screenTags: ["metro"] },
      tags: ["tag-test"],
    });
    // A window only for screens tagged "metro", playing both.
    await putSchedule(t.baseUrl, "da", {
      playlist: [{ type: "announcementsTagged", tag: "tag-test" }],
      dwellSeconds: 3,
      screenTags: ["metro"],
    });
    // Until a kiosk has the schedule it rotates everything it holds (the district had none):
    // the record starts once both hold it.
    for (const kiosk of [tagged, plain]) {
      await expect
        .poll(async () => (await kioskStorage(kiosk.page)).scheduled, { timeout: 15_000 })
        .toBe(true);
      await recordTitles(kiosk.page);
    }
    await expectText(tagged.page.getByTestId("slide-title"), "地铁站内通告", 15_000);
    await expectText(tagged.page.getByTestId("slide-title"), "全区通告", 15_000);
    // The screen without the tag is outside that window: it blanks, and never holds the
    // announcement meant for the tag.
    await plain.page.getByTestId("blank").waitFor({ state: "attached", timeout: 10_000 });
    const blankedAt = (await titleLog(plain.page)).length;
    await sleep(5_000);
    expect(
      (await titleLog(plain.page))
        .slice(blankedAt)
        .map(([, title]) => title)
        .filter((x) => x),
    ).toEqual([]);
    const held = (await kioskStorage(plain.page)).announcements ?? [];
    expect(held).toContain(everywhere.id);
    expect(held).not.toContain(metroOnly.id);

    // The same window for every screen: the untagged one plays the district's announcement,
    // still never the one meant for the tag.
    await putSchedule(t.baseUrl, "da", {
      playlist: [{ type: "announcementsTagged", tag: "tag-test" }],
      dwellSeconds: 3,
    });
    await expectText(plain.page.getByTestId("slide-title"), "全区通告", 15_000);
    await sleep(5_000);
    expect((await titleLog(plain.page)).map(([, title]) => title)).not.toContain("地铁站内通告");
    await settled(tagged.page);
    await tagged.page.screenshot({ path: join(displayShots, "display-tagged-metro.png") });
    await api(`${t.baseUrl}/api/districts/da/schedule`, { method: "DELETE" });
    await tagged.context.close();
    await plain.context.close();
  }, 120_000);

  it("a withdrawn poster announcement leaves at once, is acknowledged, and does not come back after a restart without the server", async () => {
    const { page, screenId } = await openPairedKiosk("撤回屏", "nan");
    const withdrawn = await publishPosterAnnouncement(
      t,
      {
        title: "马拉松封路",
        body: "周日六时至十四时封闭滨江路。",
        target: { districtIds: ["nan"], screenTags: [] },
        posterLayout: "full",
        tags: ["withdraw-test"],
      },
      await drawnPoster(1600, 900, "#1f4e79"),
    );
    const stays = await publishAnnouncement(t, {
      title: "图书馆开放时间调整",
      target: { districtIds: ["nan"], screenTags: [] },
      tags: ["withdraw-stays"],
    });
    const posterHash = withdrawn.poster.hash ?? "";
    expect(posterHash).toMatch(/^[0-9a-f]{64}$/);
    // The withdrawn one alone, for an hour: only a takedown can take it off the screen.
    await putSchedule(t.baseUrl, "nan", {
      playlist: [{ type: "announcement", id: withdrawn.id }],
      dwellSeconds: 3600,
    });
    await expectText(page.getByTestId("slide-title"), "马拉松封路", 15_000);
    // Its poster is on screen, fetched with the device token, and stored for offline play.
    await expect
      .poll(
        () =>
          page.evaluate(
            () =>
              document.querySelector<HTMLImageElement>("img[data-testid=poster]")?.naturalWidth ??
              0,
          ),
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    await expect
      .poll(async () => (await kioskStorage(page)).photos, { timeout: 10_000 })
      .toContain(posterHash);
    await settled(page);
    await page.screenshot({ path: join(displayShots, "display-poster-before-withdrawal.png") });

    await recordTitles(page);
    const res = await postJson(`${t.baseUrl}/api/announcements/${withdrawn.id}/withdraw`, {
      reason: "活动取消",
    });
    expect(res.status).toBe(200);
    // Off the screen: an hour's dwell cannot explain it, only the takedown.
    await page.getByTestId("blank").waitFor({ state: "attached", timeout: 5_000 });
    expect(await page.locator("img[data-testid=poster]").count()).toBe(0);
    // Out of storage, the poster's bytes too.
    await expect
      .poll(async () => (await kioskStorage(page)).announcements, { timeout: 10_000 })
      .not.toContain(withdrawn.id);
    await expect
      .poll(async () => (await kioskStorage(page)).photos, { timeout: 10_000 })
      .not.toContain(posterHash);
    // Acknowledged by this screen, the only one of its district, as the dashboard shows it.
    await expect
      .poll(
        async () => {
          const list = TakedownListSchema.parse(
            await (await api(`${t.baseUrl}/api/takedowns`)).json(),
          );
          const mine = list.takedowns.find(
            (d) => d.contentId === withdrawn.id && d.kind === "announcement.withdrawn",
          );
          return mine
            ? {
                contentType: mine.contentType,
                missing: mine.missing.map((m) => m.id).includes(screenId),
                complete: mine.acknowledged >= mine.screens && mine.screens > 0,
              }
            : null;
        },
        { timeout: 15_000 },
      )
      .toEqual({ contentType: "announcement", missing: false, complete: true });

    // Restarted with no server: it plays what it stored, and the withdrawn one is not in it.
    await putSchedule(t.baseUrl, "nan", {
      playlist: [
        { type: "announcement", id: withdrawn.id },
        { type: "announcement", id: stays.id },
      ],
      dwellSeconds: 3,
    });
    await expectText(page.getByTestId("slide-title"), "图书馆开放时间调整", 10_000);
    await t.stop();
    await expectText(page.locator("#status"), /Offline/);
    await page.reload();
    await expectText(page.getByTestId("slide-title"), "图书馆开放时间调整", 15_000);
    await recordTitles(page);
    await sleep(8_000);
    expect((await titleLog(page)).map(([, title]) => title)).not.toContain("马拉松封路");
    expect(await page.locator("img[data-testid=poster]").count()).toBe(0);
    await settled(page);
    await page.screenshot({ path: join(displayShots, "display-after-withdrawal-offline.png") });
  }, 300_000);
});
