import { identifyCodeOf } from "../../shared/schemas/screen";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaces } from "../../shared/protocol/namespaces";
import { DEFAULT_TIME_ZONE } from "../../shared/schemas/schedule";
import type { EntryView } from "../../shared/schemas/entryView";
import { entryExpiresAt } from "../../shared/schedule/entryExpiresAt";
import { silhouettePortrait } from "../fixtures/images";
import { expectText, launchChromium } from "../support/browser";
import { approveEntry, createEntryWithPhoto, displayHash } from "../support/entryPublishing";
import {
  emulateKioskShell,
  startKioskBundleServer,
  type KioskBundleServer,
} from "../support/kioskBundleServer";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
  putSchedule,
} from "../support/testServer";
import { displayShots, pairShownCode, requireDisplayBuild } from "../support/displayPage";

const shots = displayShots;
const viewport = { width: 1280, height: 720 };
const DAY_MS = 86_400_000;
const DWELL_S = 3;
/** Long enough to see every slide of a two-entry rotation at least twice. */
const TWO_ROUNDS_MS = 4 * DWELL_S * 1000 + 1000;

const ONLINE = /Online/;
const OFFLINE = /Offline/;

/** What the kiosk keeps in its IndexedDB, read the way the kiosk itself stores it. */
interface KioskStorage {
  entryIds: string[] | null;
  photos: string[];
  plays: { id: string; contentId: string; durationMs: number }[];
}

function kioskStorage(page: Page): Promise<KioskStorage> {
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
      { entries: { id: string }[] } | undefined;
    const photos = (await read("photos", (s) => s.getAllKeys())).map(String);
    const plays = (
      (await read("plays", (s) => s.getAll())) as {
        play: { id: string; contentId: string; durationMs: number };
      }[]
    ).map((p) => p.play);
    db.close();
    return { entryIds: snapshot ? snapshot.entries.map((e) => e.id) : null, photos, plays };
  });
}

/** Starts logging, in the page, each masked name drawn and each status change, with the page's time. */
async function recordDraws(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: [number, "name" | "status", string][] = [];
    (window as unknown as { drawLog: typeof log }).drawLog = log;
    let lastName = "";
    let lastStatus = "";
    const look = (): void => {
      const name = document.querySelector("[data-testid=entry-name]")?.textContent ?? "";
      const status = document.getElementById("status")?.textContent ?? "";
      if (status !== lastStatus) log.push([Date.now(), "status", (lastStatus = status)]);
      if (name !== lastName) log.push([Date.now(), "name", (lastName = name)]);
    };
    look();
    new MutationObserver(look).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  });
}

function drawLog(page: Page): Promise<[number, "name" | "status", string][]> {
  return page.evaluate(
    () => (window as unknown as { drawLog: [number, "name" | "status", string][] }).drawLog,
  );
}

/** Width of the decoded photo on the slide (0 until it has loaded). */
function photoWidth(page: Page): Promise<number> {
  return page.evaluate(() => {
    const img = document.querySelector<HTMLImageElement>("img[data-testid=entry-photo]");
    return img?.complete ? img.naturalWidth : 0;
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The date `days` from now in the district's zone, as YYYY-MM-DD. */
function localDate(days: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: DEFAULT_TIME_ZONE }).format(
    Date.now() + days * DAY_MS,
  );
}

describe("a kiosk with its renderer bundled apart from the server, offline, in real Chromium", () => {
  let t: TestServer;
  let port: number;
  let dataDir: string;
  let bundle: KioskBundleServer;
  let browser: Browser;
  let moderator: TestUser;
  let withA: EntryView;
  let withB: EntryView;
  /** A kiosk with a correct clock. */
  let main: Page;
  /** A kiosk whose own clock is a day behind, on a fake clock the test moves. */
  let slow: Page;
  let slowContext: BrowserContext;
  let slowScreenId: string;
  let mainScreenId: string;
  const pageErrors: string[] = [];

  const restart = async (): Promise<void> => {
    t = await startTestServer({ dataDir, port });
  };

  async function openPairedKiosk(context: BrowserContext, name: string) {
    await emulateKioskShell(context, t.baseUrl);
    const page = await context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`${name}: ${err.message}`));
    await page.goto(bundle.url);
    const screenId = await pairShownCode(page, t.baseUrl, name, "da");
    await expectText(page.getByTestId("entry-name"), /^(欧阳某|司马某)$/);
    return { page, screenId };
  }

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    port = t.server.port;
    dataDir = t.dataDir;
    expect(
      (
        await postJson(`${t.baseUrl}/api/districts`, {
          id: "da",
          parentId: null,
          nameZh: "大安区",
          nameEn: "Da'an district",
        })
      ).status,
    ).toBe(201);
    await putSchedule(t.baseUrl, "da", {
      playlist: [{ type: "discredited" }],
      dwellSeconds: DWELL_S,
    });
    moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "da" }]);
    // Drawn silhouettes, not real photos: these are shown as listed people.
    [withA, withB] = await Promise.all([
      createEntryWithPhoto(t, await silhouettePortrait(210), { fullName: "欧阳娜娜" }),
      createEntryWithPhoto(t, await silhouettePortrait(140), { fullName: "司马光明" }),
    ]);
    withA = (await approveEntry(t, moderator, withA)).entry;
    withB = (await approveEntry(t, moderator, withB)).entry;
    bundle = await startKioskBundleServer(t.baseUrl);
    browser = await launchChromium();
    ({ page: main, screenId: mainScreenId } = await openPairedKiosk(
      await browser.newContext({ viewport }),
      "主屏",
    ));
    slowContext = await browser.newContext({ viewport });
    await slowContext.clock.install({ time: Date.now() - DAY_MS });
    ({ page: slow, screenId: slowScreenId } = await openPairedKiosk(slowContext, "慢钟屏"));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await bundle?.close();
    await t?.stop().catch(() => undefined);
    if (dataDir) removeDataDir(dataDir);
    expect(pageErrors).toEqual([]);
  });

  it("keeps rotating both entries, photos and all, when the server is killed", async () => {
    // Both photos are stored for offline play before anything goes down.
    for (const page of [main, slow])
      await expect
        .poll(async () => (await kioskStorage(page)).photos.sort(), { timeout: 10_000 })
        .toEqual([displayHash(withA), displayHash(withB)].sort());
    await t.stop();
    await expectText(main.locator("#status"), OFFLINE);
    await recordDraws(main);
    await sleep(TWO_ROUNDS_MS);
    const names = (await drawLog(main)).filter(([, kind]) => kind === "name").map(([, , n]) => n);
    expect(names.filter((n) => n === "欧阳某").length).toBeGreaterThanOrEqual(2);
    expect(names.filter((n) => n === "司马某").length).toBeGreaterThanOrEqual(2);
    await expect.poll(() => photoWidth(main), { timeout: 15_000 }).toBeGreaterThan(0);
  });

  it("reloaded while the server is down, plays from its own storage at once", async () => {
    await expect(fetch(`${t.baseUrl}/display`)).rejects.toThrow();
    const reloadedAt = Date.now();
    await main.reload();
    await expectText(main.getByTestId("entry-name"), /^(欧阳某|司马某)$/, 15_000);
    await expect.poll(() => photoWidth(main), { timeout: 15_000 }).toBeGreaterThan(0);
    const shownAfter = Date.now() - reloadedAt;
    await expectText(main.locator("#status"), OFFLINE);
    await main.screenshot({ path: join(shots, "offline-after-reload.png") });
    console.info(`offline reload: entry with its photo on screen ${shownAfter} ms after reload`);
  });

  it("proof of play made during a 10-minute outage reaches the server once it is back, exactly once", async () => {
    await expectText(slow.locator("#status"), OFFLINE);
    const before = (await kioskStorage(slow)).plays.length;
    // Ten minutes pass on the kiosk's clock, slides changing all along (an odd number of
    // dwells per step, so each step lands on the other entry).
    for (let i = 0; i < 19; i += 1) {
      await slowContext.clock.fastForward(11 * DWELL_S * 1000);
      await sleep(100);
    }
    // Plays are written to IndexedDB as slides change: wait for the last steps' to land.
    await expect
      .poll(async () => (await kioskStorage(slow)).plays.length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(before + 15);
    const buffered = (await kioskStorage(slow)).plays;
    expect(buffered.map((p) => p.contentId)).toEqual(expect.arrayContaining([withA.id, withB.id]));
    await restart();
    // The kiosk's own reconnect timer runs on its fake clock: move it along.
    await slowContext.clock.fastForward(31_000);
    await expectText(slow.locator("#status"), ONLINE, 20_000);
    const ids = buffered.map((p) => p.id);
    const db = t.server.store.db;
    const stored = async () =>
      (await db.selectFrom("plays").select("play_id").where("play_id", "in", ids).execute()).length;
    await expect.poll(stored, { timeout: 15_000 }).toBe(ids.length);
    await expect
      .poll(async () => (await kioskStorage(slow)).plays.filter((p) => ids.includes(p.id)), {
        timeout: 10_000,
      })
      .toEqual([]);
    // Each play once, and the console's report counts them so.
    const rows = await db
      .selectFrom("plays")
      .select(["play_id", "duration_ms"])
      .where("screen_id", "=", slowScreenId)
      .execute();
    expect(new Set(rows.map((r) => r.play_id)).size).toBe(rows.length);
    const report = await api(`${t.baseUrl}/api/screens/${slowScreenId}/plays?limit=500`);
    expect(report.status).toBe(200);
    const body = (await report.json()) as { report: { plays: number; recent: { id: string }[] } };
    expect(body.report.plays).toBe(rows.length);
    expect(body.report.recent.map((r) => r.id)).toEqual(expect.arrayContaining(ids));
  });

  it("an entry revoked while the kiosk was offline is never drawn after it reconnects", async () => {
    await t.stop();
    await expectText(main.locator("#status"), OFFLINE);
    // The server is back for the operator, not for the screens (they know one address).
    const elsewhere = await startTestServer({ dataDir });
    const revoke = await api(`${elsewhere.baseUrl}/api/entries/${withA.id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "court_order" }),
    });
    expect(revoke.status).toBe(200);
    await elsewhere.stop();
    await recordDraws(main);
    await restart();
    await expectText(main.locator("#status"), ONLINE, 20_000);
    await expect
      .poll(async () => (await kioskStorage(main)).entryIds, { timeout: 10_000 })
      .toEqual([withB.id]);
    await sleep(TWO_ROUNDS_MS);
    const log = await drawLog(main);
    const connected = log.findIndex(([, kind, text]) => kind === "status" && ONLINE.test(text));
    expect(connected).toBeGreaterThanOrEqual(0);
    const drawnAfter = log.slice(connected).filter(([, kind]) => kind === "name");
    expect(drawnAfter.map(([, , name]) => name)).not.toContain("欧阳某");
    await expectText(main.getByTestId("entry-name"), "司马某");
    expect((await kioskStorage(main)).photos).toEqual([displayHash(withB)]);
    // Both screens of the district acknowledge the takedown they missed.
    await expect
      .poll(
        async () => {
          const res = await api(`${t.baseUrl}/api/takedowns?entry=${withA.id}`);
          const { takedowns } = (await res.json()) as {
            takedowns: { screens: number; acknowledged: number }[];
          };
          return takedowns[0];
        },
        { timeout: 40_000 },
      )
      .toMatchObject({ screens: 2, acknowledged: 2 });
  });

  it("an entry expiring while the kiosk is offline leaves at its expiry by the server's clock, not the kiosk's", async () => {
    const expiryDate = localDate(1);
    const expiresAt = Date.parse(entryExpiresAt(expiryDate, [DEFAULT_TIME_ZONE]));
    const soon = await createEntryWithPhoto(t, await silhouettePortrait(30), {
      fullName: "钱多多",
      expiryDate,
    });
    await approveEntry(t, moderator, soon);
    await expect
      .poll(async () => (await kioskStorage(slow)).entryIds?.sort(), { timeout: 15_000 })
      .toEqual([withB.id, soon.id].sort());
    await t.stop();
    await expectText(slow.locator("#status"), OFFLINE);
    // To a minute before the expiry: it still rotates.
    await slowContext.clock.fastForward(Math.max(0, expiresAt - 60_000 - Date.now()));
    await recordDraws(slow);
    // Slide by slide (at most ten, 30 s of the minute left), until it has been drawn.
    let beforeExpiry: string[] = [];
    for (let i = 0; i < 10 && !beforeExpiry.includes("钱某"); i += 1) {
      await slowContext.clock.fastForward(DWELL_S * 1000);
      await sleep(200);
      beforeExpiry = (await drawLog(slow)).map(([, , text]) => text);
    }
    expect(beforeExpiry).toContain("钱某");
    // Past it: gone, though by the kiosk's own (slow) clock it has a day to run.
    await slowContext.clock.fastForward(90_000);
    await recordDraws(slow);
    for (let i = 0; i < 4; i += 1) {
      await slowContext.clock.fastForward(DWELL_S * 1000);
      await sleep(200);
    }
    const afterExpiry = (await drawLog(slow)).map(([, , text]) => text);
    expect(afterExpiry).not.toContain("钱某");
    expect(afterExpiry).toContain("司马某");
    expect(await slow.evaluate(() => Date.now())).toBeLessThan(expiresAt);
  });

  it("a malformed message from the server does not stop playback", async () => {
    await restart();
    await expectText(main.locator("#status"), ONLINE, 20_000);
    // Main's clock is right: 钱某 has not expired there, so it rotates with 司马某.
    await expectText(main.getByTestId("entry-name"), /^(钱某|司马某)$/);
    await recordDraws(main);
    const raw = t.server.app.io.of(namespaces.kiosk) as unknown as {
      emit(event: string, ...args: unknown[]): void;
    };
    raw.emit("content:changed", { version: "latest", ids: "all" });
    raw.emit("content:changed", null);
    raw.emit("screen:revoked", 42);
    raw.emit("pairing:complete", { token: 7 });
    raw.emit("screen:token", {});
    await sleep(TWO_ROUNDS_MS);
    const names = (await drawLog(main)).filter(([, kind]) => kind === "name").map(([, , n]) => n);
    expect(names).toEqual(expect.arrayContaining(["钱某", "司马某"]));
    await expectText(main.locator("#status"), ONLINE);
    expect(await main.evaluate(() => localStorage.getItem("e2e.shellToken"))).not.toBeNull();
  });

  it("identify flashes the screen's code (never its typed name) over the slides; reload brings the page back playing", async () => {
    const identify = await api(`${t.baseUrl}/api/screens/${mainScreenId}/identify`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ seconds: 2 }),
    });
    expect(identify.status).toBe(200);
    expect(await identify.json()).toEqual({ screenId: mainScreenId, reached: 1 });
    await expectText(main.getByTestId("identify"), new RegExp(identifyCodeOf(mainScreenId)), 3_000);
    expect(await main.getByTestId("identify").textContent()).not.toContain("主屏");
    await expectText(main.getByTestId("entry-name"), /^(钱某|司马某)$/);
    await main.screenshot({ path: join(shots, "identify.png") });
    await main.getByTestId("identify").waitFor({ state: "detached", timeout: 4_000 });

    await main.evaluate(
      () => ((window as unknown as { beforeReload: boolean }).beforeReload = true),
    );
    const reload = await api(`${t.baseUrl}/api/screens/${mainScreenId}/reload`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(reload.status).toBe(200);
    await expect
      .poll(() => main.evaluate(() => "beforeReload" in window).catch(() => true), {
        timeout: 5_000,
      })
      .toBe(false);
    await expectText(main.getByTestId("entry-name"), /^(钱某|司马某)$/, 5_000);
    await expectText(main.locator("#status"), ONLINE);
    const audit = await api(`${t.baseUrl}/api/audit?action=screen.reload_requested`);
    expect(JSON.stringify(await audit.json())).toContain(mainScreenId);

    // Bad input and an unreachable screen are refused with a code and a sentence.
    const identifyAt = (body: unknown) =>
      api(`${t.baseUrl}/api/screens/${mainScreenId}/identify`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const tooLong = await identifyAt({ seconds: 99 });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ error: { code: "validation_failed" } });
    await main.close();
    await expect.poll(async () => (await identifyAt({})).status, { timeout: 10_000 }).toBe(409);
    expect(await (await identifyAt({})).json()).toMatchObject({
      error: { code: "conflict", message: expect.stringMatching(/not connected/) as unknown },
    });
  });
});
