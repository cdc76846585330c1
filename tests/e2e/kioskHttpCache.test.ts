import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silhouettePortrait } from "../fixtures/images";
import { launchChromium } from "../support/browser";
import { pairShownCode, requireDisplayBuild } from "../support/displayPage";
import { approveEntry, createEntryWithPhoto, displayHash } from "../support/entryPublishing";
import { drawnPoster, publishPosterAnnouncement } from "../support/posterAnnouncements";
import { createUser } from "../support/principals";
import {
  api,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

/** The photo hashes in the kiosk's own store (its IndexedDB vault): the one place they may stay. */
function vaultHashes(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open("signage-kiosk");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error("no kiosk database"));
    });
    const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
      const req = db.transaction("photos").objectStore("photos").getAllKeys();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error("cannot read photos"));
    });
    db.close();
    return keys.map(String);
  });
}

/**
 * Whether Chromium's HTTP cache holds a response for `url`, asked from the page itself (the
 * same cache partition as the kiosk's own requests): `only-if-cached` answers from the cache,
 * whatever its freshness, and never goes to the network.
 */
function inHttpCache(page: Page, url: string, token: string): Promise<string> {
  return page.evaluate(
    ([u, bearer]) =>
      fetch(u, {
        cache: "only-if-cached",
        mode: "same-origin",
        headers: { Authorization: `Bearer ${bearer}` },
      }).then(
        (res) => `cached (HTTP ${String(res.status)})`,
        () => "not cached",
      ),
    [url, token] as const,
  );
}

describe("a street screen's browser keeps no copy of a photo or a poster, in real Chromium", () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    const district = await postJson(`${t.baseUrl}/api/districts`, {
      id: "da",
      parentId: null,
      nameZh: "大安区",
      nameEn: "Da'an district",
    });
    expect(district.status).toBe(201);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("holds a taken-down entry's photo and a withdrawn poster only in its own store, which the takedown empties", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on("pageerror", (err) => console.error("display page error:", err));
    // Every content image the kiosk fetches, with the caching the server asked for.
    const fetched = new Map<string, string | undefined>();
    page.on("response", (res) => {
      if (/\/kiosk\/(renditions|posters)\//.test(res.url()))
        fetched.set(res.url(), res.headers()["cache-control"]);
    });
    await page.goto(`${t.baseUrl}/display`);
    await pairShownCode(page, t.baseUrl, "大安路口", "da");
    const token = (await page.evaluate(() => localStorage.getItem("signage.deviceToken"))) ?? "";
    expect(token).not.toBe("");

    const moderator = await createUser(t.baseUrl, "moderator", [
      { role: "moderator", scope: "da" },
    ]);
    const [entry, announcement] = await Promise.all([
      createEntryWithPhoto(t, await silhouettePortrait(180), { kind: "discredited" }),
      publishPosterAnnouncement(
        t,
        { title: "道路施工", target: { districtIds: ["da"], screenTags: [] } },
        await drawnPoster(1600, 900, "#1f4e79"),
      ),
    ]);
    const photoHash = displayHash((await approveEntry(t, moderator, entry)).entry);
    const posterHash = announcement.poster.hash ?? "";
    expect(posterHash).toMatch(/^[0-9a-f]{64}$/);
    const rendition = `${t.baseUrl}/kiosk/renditions/${photoHash}`;
    const poster = `${t.baseUrl}/kiosk/posters/${posterHash}`;

    // Fetched whole with the device token and stored in the kiosk's own vault.
    await expect
      .poll(async () => (await vaultHashes(page)).sort(), { timeout: 60_000 })
      .toEqual([photoHash, posterHash].sort());
    expect([...fetched.keys()].sort()).toEqual([poster, rendition].sort());
    const cached = async () => ({
      rendition: await inHttpCache(page, rendition, token),
      poster: await inHttpCache(page, poster, token),
    });
    const whileHeld = await cached();
    // The probe does see what the browser stores: a public, storable answer fetched once.
    const control = `${t.baseUrl}/api/openapi.json`;
    await page.evaluate((u) => fetch(u).then((r) => r.text()), control);
    expect(await inHttpCache(page, control, token)).toMatch(/^cached/);

    // Taken down: the revocation and the withdrawal empty the kiosk's store...
    const revoked = await api(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "court_order" }),
    });
    expect(revoked.status).toBe(200);
    const withdrawn = await postJson(`${t.baseUrl}/api/announcements/${announcement.id}/withdraw`, {
      reason: "活动取消",
    });
    expect(withdrawn.status).toBe(200);
    await expect.poll(() => vaultHashes(page), { timeout: 15_000 }).toEqual([]);
    // ...and nothing is left behind in the browser's HTTP cache, where no takedown reaches.
    const afterTakedown = await cached();
    expect({ whileHeld, afterTakedown }).toEqual({
      whileHeld: { rendition: "not cached", poster: "not cached" },
      afterTakedown: { rendition: "not cached", poster: "not cached" },
    });
    // The server forbids storing them too, for any browser that would fetch them otherwise.
    for (const cacheControl of fetched.values()) expect(cacheControl).toMatch(/\bno-store\b/);
    await page.close();
  }, 300_000);
});
