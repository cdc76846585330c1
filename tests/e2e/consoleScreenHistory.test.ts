import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { createUser } from "../support/principals";
import {
  createDistrict,
  pairKiosk,
  useTestServer,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const ui = useConsoleBrowser();
const sockets: KioskSocket[] = [];
afterAll(() => {
  for (const s of sockets) s.disconnect();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The names in the screens table, top to bottom. */
async function rowNames(page: Page): Promise<string[]> {
  return (await page.getByRole("rowheader").allTextContents()).map((n) => n.trim());
}

/** Gives a screen seven days of connections with two gaps, paired ten days ago. */
async function giveHistory(t: TestServer, screenId: string): Promise<void> {
  const now = Date.now();
  const iso = (ago: number) => new Date(now - ago).toISOString();
  const { db } = t.server.store;
  await db
    .updateTable("screens")
    .set({ paired_at: iso(10 * DAY) })
    .where("id", "=", screenId)
    .execute();
  await db
    .insertInto("screen_connections")
    .values([
      {
        id: randomUUID(),
        screen_id: screenId,
        connection_id: "week-before",
        connected_at: iso(8 * DAY),
        last_seen_at: iso(4 * DAY + 6 * HOUR),
        disconnected_at: iso(4 * DAY + 6 * HOUR),
      },
      {
        id: randomUUID(),
        screen_id: screenId,
        connection_id: "after-the-power-cut",
        connected_at: iso(3 * DAY + 20 * HOUR),
        last_seen_at: iso(DAY + 2 * HOUR),
        disconnected_at: iso(DAY + 2 * HOUR),
      },
    ])
    .execute();
}

function report(socket: KioskSocket, extra: Record<string, unknown>): void {
  socket.emit("screen:status", {
    width: 1920,
    height: 1080,
    appVersion: "0.4.0",
    appliedVersion: 0,
    currentSlide: "idle",
    uptimeSeconds: 3600,
    memoryMb: 240,
    clockSkewMs: 120,
    storageUsedMb: 300,
    storageQuotaMb: 2048,
    ...extra,
  });
}

describe("screens page: history and problem filter", () => {
  // The alert monitor checks every second, so a reported problem reaches the filter soon.
  const server = useTestServer({ env: { SIGNAGE_ALERT_CHECK_SECONDS: "1" } }, async (t) => {
    await createDistrict(t.baseUrl, "haizhu");
  });

  it("filters the list by problem and shows a screen's connectivity timeline and last reports, in both languages", async () => {
    const t = server();
    const well = await pairKiosk(t.baseUrl, "haizhu", "海珠广场屏");
    const dark = await pairKiosk(t.baseUrl, "haizhu", "江南西屏");
    sockets.push(well.socket);
    dark.socket.disconnect();
    await giveHistory(t, well.screenId);
    report(well.socket, { memoryMb: 230, clockSkewMs: 80 });
    await new Promise((r) => setTimeout(r, 300));
    report(well.socket, { memoryMb: 260, storageUsedMb: 1900, currentSlide: "blank" });

    const operator = await createUser(t.baseUrl, "Operator", [{ role: "operator", scope: "*" }]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#screens" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Screens");
    await expect.poll(() => rowNames(page), { timeout: 10_000 }).toHaveLength(2);

    // Only the dark screen is offline.
    await page.getByLabel("Show", { exact: true }).selectOption("offline");
    await expect.poll(() => rowNames(page), { timeout: 10_000 }).toEqual(["江南西屏"]);
    await page.getByLabel("Show", { exact: true }).selectOption("clock_skew");
    await page.getByText("No screen matches “Clock off”.").waitFor();
    // The report of storage at 93 % raises an alert; the filter reads the open alerts.
    await page.getByLabel("Show", { exact: true }).selectOption("storage_low");
    await expect.poll(() => rowNames(page), { timeout: 20_000 }).toEqual(["海珠广场屏"]);
    await page.getByLabel("Show", { exact: true }).selectOption("all");
    await page.getByLabel("Sort by").selectOption("nameDesc");
    await expect.poll(() => rowNames(page), { timeout: 10_000 }).toHaveLength(2);

    // The history of the screen that reports.
    await page.getByRole("button", { name: "History 海珠广场屏" }).click();
    await page.getByRole("heading", { name: "History: “海珠广场屏”" }).waitFor();
    const timeline = page.getByTestId("timeline");
    await timeline.waitFor();
    expect(await timeline.getAttribute("aria-label")).toMatch(
      /^Connectivity of 海珠广场屏 from .+: 3 connected spans, 2 gaps\.$/,
    );
    expect(await timeline.locator(".timeline-segment.connected").count()).toBe(3);
    expect(await timeline.locator(".timeline-segment.disconnected").count()).toBe(2);
    // A tick for each local midnight of the week.
    expect(await timeline.locator(".timeline-tick").count()).toBeGreaterThanOrEqual(6);
    await expect
      .poll(async () => (await page.getByTestId("uptime").textContent()) ?? "")
      .toMatch(/Uptime\s*\d+\.\d %Connected for \d+ d \d+ h over the last 7 days\./);
    const reports = page.getByTestId("status-reports");
    await expect.poll(() => reports.locator("tbody tr").count(), { timeout: 10_000 }).toBe(2);
    const newest = (await reports.locator("tbody tr").first().textContent()) ?? "";
    expect(newest).toContain("260 MB");
    expect(newest).toContain("1900 of 2048 MB (93 %)");
    expect(newest).toContain("Blank (outside the schedule)");
    // The district's time zone names the days.
    await page
      .getByText(/Days and times in Asia\/Shanghai \(the district's time zone\)\./)
      .waitFor();

    await checkBothLanguages(page, "screen-history", { zh: "屏幕", en: "Screens" }, async (l) => {
      if (l === "zh") {
        await page.getByRole("heading", { name: "运行历史：“海珠广场屏”" }).waitFor();
        await page.getByText("在线率").waitFor();
        await page.getByText(/最近 7 天共连接 \d+ 天 \d+ 小时。/).waitFor();
        await page.getByRole("columnheader", { name: "时钟偏差" }).waitFor();
        expect(await page.getByTestId("timeline").getAttribute("aria-label")).toMatch(
          /的连接情况：3 段连接，2 段中断。$/,
        );
      } else await page.getByRole("heading", { name: "History: “海珠广场屏”" }).waitFor();
    });
  });
});
