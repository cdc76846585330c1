import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnnouncementView } from "../../shared/schemas/announcement";
import type { EntryView } from "../../shared/schemas/entryView";
import { silhouettePortrait } from "../fixtures/images";
import { publishAnnouncement } from "../support/announcements";
import { expectText, launchChromium } from "../support/browser";
import { openSignedIn } from "../support/console";
import { pairShownCode, requireDisplayBuild } from "../support/displayPage";
import { buildEntryInput } from "../support/entryFactory";
import {
  approveAsSeen,
  approveEntry,
  createEntryWithPhoto,
  displayHash,
} from "../support/entryPublishing";
import {
  emulateKioskShell,
  startKioskBundleServer,
  type KioskBundleServer,
} from "../support/kioskBundleServer";
import { createUser } from "../support/principals";
import {
  adminSessionValue,
  createDistrict,
  postJson,
  putSchedule,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const viewport = { width: 1280, height: 720 };
const HOUR_MS = 3_600_000;
/** How far the skewed kiosk's clock runs ahead of the server's. */
const SKEW_MS = 5 * HOUR_MS;
/** Text written into a damaged record: if the display ever uses that record, it shows. */
const GARBAGE = "GARBAGE-记录";

/** Reads or writes one record of the kiosk's IndexedDB from inside its page. */
function kioskRecord(
  page: Page,
  store: "state" | "photos",
  key: string,
  write?: { kind: "json"; value: unknown } | { kind: "bytes"; text: string },
): Promise<{ type: string; size: number; decodes: boolean; value: unknown }> {
  return page.evaluate(
    async ({ store, key, write }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open("signage-kiosk");
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error ?? new Error("no kiosk database"));
      });
      const tx = db.transaction(store, write ? "readwrite" : "readonly");
      const s = tx.objectStore(store);
      if (write)
        s.put(
          write.kind === "json" ? write.value : new Blob([write.text], { type: "image/jpeg" }),
          key,
        );
      const value = await new Promise<unknown>((resolve, reject) => {
        const req = s.get(key);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error ?? new Error(`cannot read ${store}`));
      });
      await new Promise<void>((resolve) => {
        tx.oncomplete = () => resolve();
      });
      db.close();
      if (value instanceof Blob) {
        const decodes = await createImageBitmap(value).then(
          () => true,
          () => false,
        );
        return { type: "blob", size: value.size, decodes, value: null };
      }
      return { type: typeof value, size: 0, decodes: false, value };
    },
    { store, key, write },
  );
}

/** Width of the decoded photo on the slide (0 until it has loaded). */
function photoWidth(page: Page): Promise<number> {
  return page.evaluate(() => {
    const img = document.querySelector<HTMLImageElement>("img[data-testid=entry-photo]");
    return img?.complete ? img.naturalWidth : 0;
  });
}

/** Every text the page showed that contains GARBAGE, collected from the page's first paint. */
async function watchForGarbage(context: BrowserContext): Promise<void> {
  await context.addInitScript((garbage: string) => {
    const seen: string[] = [];
    (window as unknown as { garbageSeen: string[] }).garbageSeen = seen;
    document.addEventListener("DOMContentLoaded", () => {
      const look = (): void => {
        const text = document.body.textContent ?? "";
        if (text.includes(garbage)) seen.push(text);
      };
      look();
      new MutationObserver(look).observe(document.body, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
  }, GARBAGE);
}

function garbageSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { garbageSeen: string[] }).garbageSeen);
}

/** Every slide title drawn since the page loaded. */
async function watchTitles(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const titles: string[] = [];
    (window as unknown as { titlesSeen: string[] }).titlesSeen = titles;
    document.addEventListener("DOMContentLoaded", () => {
      let last = "";
      const look = (): void => {
        const title = document.querySelector("[data-testid=slide-title]")?.textContent ?? "";
        if (title !== last && title !== "") titles.push(title);
        last = title;
      };
      new MutationObserver(look).observe(document.body, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
  });
}

function titlesSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { titlesSeen: string[] }).titlesSeen);
}

/** Makes the page's clock (Date and Date.now) run `offsetMs` ahead of the machine's. */
async function skewClock(context: BrowserContext, offsetMs: number): Promise<void> {
  await context.addInitScript((offset: number) => {
    const RealDate = Date;
    class SkewedDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(RealDate.now() + offset);
        else super(...(args as [string | number]));
      }
      static override now(): number {
        return RealDate.now() + offset;
      }
    }
    window.Date = SkewedDate as DateConstructor;
  }, offsetMs);
}

describe("kiosk faults in real Chromium: damaged storage and a clock hours off", () => {
  let t: TestServer;
  let bundle: KioskBundleServer;
  let browser: Browser;
  let entry: EntryView;
  /** A second listed entry of district "da", without a photo. */
  let other: { id: string; maskedName: string };
  const pageErrors: string[] = [];

  async function openPairedKiosk(
    context: BrowserContext,
    name: string,
    district: string,
  ): Promise<{ page: Page; screenId: string }> {
    await emulateKioskShell(context, t.baseUrl);
    const page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`${name}: ${err.message}`));
    await page.goto(bundle.url);
    return { page, screenId: await pairShownCode(page, t.baseUrl, name, district) };
  }

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    await createDistrict(t.baseUrl, "da");
    await createDistrict(t.baseUrl, "xi");
    await putSchedule(t.baseUrl, "da", { playlist: [{ type: "discredited" }], dwellSeconds: 3 });
    const moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
    // A drawn silhouette, not a real photo.
    entry = await createEntryWithPhoto(t, await silhouettePortrait(200), { fullName: "欧阳娜娜" });
    entry = (await approveEntry(t, moderator, entry)).entry;
    const created = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"], fullName: "司马光明" }),
    );
    expect(created.status).toBe(201);
    other = { id: (created.body as { entry: { id: string } }).entry.id, maskedName: "司马某" };
    expect((await approveAsSeen(t.baseUrl, moderator, other.id)).status).toBe(200);
    bundle = await startKioskBundleServer(t.baseUrl);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await bundle?.close();
    await t?.stop();
    if (t) removeDataDir(t.dataDir);
    expect(pageErrors).toEqual([]);
  });

  describe("a damaged record in the kiosk's IndexedDB", () => {
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      context = await browser.newContext({ viewport });
      await watchForGarbage(context);
      ({ page } = await openPairedKiosk(context, "存储损坏屏", "da"));
      await expectText(page.getByTestId("entry-name"), "欧阳某", 20_000);
    }, 60_000);

    afterAll(async () => {
      await context?.close();
    });

    it("drops a stored photo that is not an image, fetches it again and shows it", async () => {
      const hash = displayHash(entry);
      // Stored for offline play before it is damaged.
      await expect
        .poll(async () => (await kioskRecord(page, "photos", hash)).decodes, { timeout: 15_000 })
        .toBe(true);
      const damaged = await kioskRecord(page, "photos", hash, {
        kind: "bytes",
        text: `${GARBAGE} not a picture`,
      });
      expect(damaged).toMatchObject({ type: "blob", decodes: false });
      await page.reload();
      await expectText(page.getByTestId("entry-name"), "欧阳某", 20_000);
      await expect.poll(() => photoWidth(page), { timeout: 20_000 }).toBeGreaterThan(0);
      // The damaged copy is replaced by the server's.
      await expect
        .poll(async () => (await kioskRecord(page, "photos", hash)).decodes, { timeout: 15_000 })
        .toBe(true);
      expect(await garbageSeen(page)).toEqual([]);
    });

    it("plays what reads of a stored manifest with one damaged entry while offline, never shows the damage, and syncs it whole again", async () => {
      const stored = await kioskRecord(page, "state", "snapshot");
      const snapshot = stored.value as { entries: Record<string, unknown>[] };
      expect(snapshot.entries.map((e) => e["id"]).sort()).toEqual([entry.id, other.id].sort());
      // One entry's name is garbage and its version unreadable: the record is damaged.
      await kioskRecord(page, "state", "snapshot", {
        kind: "json",
        value: {
          ...snapshot,
          entries: snapshot.entries.map((e) =>
            e["id"] === other.id ? { ...e, maskedName: GARBAGE, publishedVersion: "?" } : e,
          ),
        },
      });
      // Reloaded with no server: what reads of the copy plays, photo and all.
      const { dataDir } = t;
      const port = t.server.port;
      await t.stop();
      try {
        await page.reload();
        await expectText(page.locator("#status"), /Offline/, 20_000);
        await expectText(page.getByTestId("entry-name"), "欧阳某", 20_000);
        await expect.poll(() => photoWidth(page), { timeout: 20_000 }).toBeGreaterThan(0);
      } finally {
        // The server is back (also when the above failed, for the tests after this one).
        t = await startTestServer({ dataDir, port });
      }
      // A full sync writes the record whole again.
      await expectText(page.locator("#status"), /Online/, 60_000);
      await expect
        .poll(
          async () => {
            const again = (await kioskRecord(page, "state", "snapshot")).value as {
              entries: { id: string; maskedName: string }[];
            };
            return again.entries.map((e) => [e.id, e.maskedName]).sort();
          },
          { timeout: 15_000 },
        )
        .toEqual(
          [
            [entry.id, "欧阳某"],
            [other.id, other.maskedName],
          ].sort(),
        );
      expect(await garbageSeen(page)).toEqual([]);
    }, 120_000);
  });

  describe("a kiosk whose clock runs five hours ahead", () => {
    let context: BrowserContext;
    let page: Page;
    let screenId: string;
    let ending: AnnouncementView;
    let starting: AnnouncementView;

    beforeAll(async () => {
      const now = Date.now();
      // Still on by the server's clock, over by the kiosk's.
      ending = await publishAnnouncement(t, {
        title: "今日仍有效的通知",
        target: { districtIds: ["xi"], screenTags: [] },
        endsAt: new Date(now + HOUR_MS).toISOString(),
      });
      // Not begun by the server's clock, begun by the kiosk's.
      starting = await publishAnnouncement(t, {
        title: "尚未开始的通知",
        target: { districtIds: ["xi"], screenTags: [] },
        startsAt: new Date(now + HOUR_MS).toISOString(),
        endsAt: new Date(now + 3 * HOUR_MS).toISOString(),
      });
      await putSchedule(t.baseUrl, "xi", {
        playlist: [
          { type: "announcement", id: ending.id },
          { type: "announcement", id: starting.id },
        ],
        dwellSeconds: 3,
      });
      context = await browser.newContext({ viewport });
      await skewClock(context, SKEW_MS);
      await watchTitles(context);
      ({ page, screenId } = await openPairedKiosk(context, "快钟屏", "xi"));
      expect(await page.evaluate(() => Date.now())).toBeGreaterThan(Date.now() + SKEW_MS - 60_000);
    }, 60_000);

    afterAll(async () => {
      await context?.close();
    });

    it("decides what has ended and what has begun by the server's clock", async () => {
      await expectText(page.getByTestId("slide-title"), ending.title, 20_000);
      // Several dwells: the one not yet begun never comes up, the one still on keeps coming.
      await new Promise((r) => setTimeout(r, 10_000));
      const titles = await titlesSeen(page);
      expect(titles).toContain(ending.title);
      expect(titles).not.toContain(starting.title);
    });

    it("shows the skew on the console's screens page", async () => {
      const { context: consoleContext, page: consolePage } = await openSignedIn(
        browser,
        t.baseUrl,
        adminSessionValue(t.baseUrl),
        { hash: "#screens" },
      );
      try {
        const row = consolePage.getByRole("row").filter({ hasText: "快钟屏" });
        // The kiosk reports its skew right after its first sync; the page refreshes on notice.
        await expect
          .poll(
            async () => {
              await consolePage.reload();
              await row.waitFor({ timeout: 10_000 });
              const m = /Clock off by ([\d.]+) s/.exec((await row.textContent()) ?? "");
              return m ? Number(m[1]) : null;
            },
            { timeout: 60_000, interval: 2_000 },
          )
          .toBeGreaterThan(SKEW_MS / 1000 - 60);
        const shown = /Clock off by ([\d.]+) s/.exec((await row.textContent()) ?? "");
        expect(Number(shown?.[1])).toBeLessThan(SKEW_MS / 1000 + 60);
        // And the API says which way: the server is behind the screen's clock.
        const res = await fetch(`${t.baseUrl}/api/screens/${screenId}`, {
          headers: { Cookie: `signage_session=${adminSessionValue(t.baseUrl)}` },
        });
        const { screen } = (await res.json()) as { screen: { clockSkewMs: number } };
        expect(screen.clockSkewMs).toBeLessThan(-SKEW_MS + 60_000);
      } finally {
        await consoleContext.close();
      }
    }, 90_000);
  });
});
