import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeConnection, openConnection } from "../../server/store/screenHistory";
import { insertPlays } from "../../server/store/plays";
import { publishAnnouncement } from "../support/announcements";
import {
  checkBothLanguages,
  consoleShots,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

const ui = useConsoleBrowser();
const sockets: KioskSocket[] = [];
afterAll(() => {
  for (const s of sockets) s.disconnect();
});

describe("district report page (issue 20 item 5)", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "harbour"));

  it("shows a district's uptime, plays per content and takedowns for chosen dates, in Chinese and English", async () => {
    const t = server();
    const db = t.server.store.db;
    const operator = await createUser(t.baseUrl, "Operator", [
      { role: "operator", scope: "harbour" },
    ]);
    const moderator = await createUser(t.baseUrl, "Moderator", [
      { role: "moderator", scope: "harbour" },
    ]);
    const kiosk = await pairKiosk(t.baseUrl, "harbour", "Harbour gate");
    sockets.push(kiosk.socket);
    await db
      .updateTable("screens")
      .set({ paired_at: "2026-02-01T00:00:00.000Z" })
      .where("id", "=", kiosk.screenId)
      .execute();
    // 36 hours connected, well inside the first week of March in any time zone: 21.4 %.
    const connection = randomUUID();
    await openConnection(db, kiosk.screenId, connection, "2026-03-03T00:00:00.000Z");
    await closeConnection(db, connection, "2026-03-04T12:00:00.000Z");
    const created = await operator.post(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["harbour"], fullName: "欧阳娜娜" }),
    );
    expect(created.status).toBe(201);
    const { entry } = (await created.json()) as { entry: { id: string } };
    const announcement = await publishAnnouncement(t, { title: "Road works on Pier Street" });
    const play = (kind: "entry" | "announcement", contentId: string, at: string, ms: number) => ({
      screen_id: kiosk.screenId,
      play_id: randomUUID(),
      kind,
      content_id: contentId,
      version: 1,
      started_at: at,
      duration_ms: ms,
      received_at: at,
    });
    const today = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    // Stored as the kiosks' uploads are, so the daily rollup the report reads is kept.
    await insertPlays(db, [
      ...[0, 1, 2].map((h) => play("entry", entry.id, `2026-03-03T1${h}:00:00.000Z`, 20_000)),
      ...[3, 4].map((h) =>
        play("announcement", announcement.id, `2026-03-03T1${h}:00:00.000Z`, 90_000),
      ),
      // Today, then taken down: the screen never acknowledges.
      ...[90, 60].map((m) => play("entry", entry.id, today(m), 30_000)),
    ]);
    expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
    const revoked = await api(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "court_order" }),
    });
    expect(revoked.status).toBe(200);

    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#reports",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "District report");
    const figure = (name: string) => page.locator(`[data-figure="${name}"]`);
    // The last 7 days at once: the screen, online now, today's plays and the takedown.
    await expect.poll(() => figure("screens").textContent(), { timeout: 10_000 }).toBe("1");
    await page.getByText("1 online now").waitFor();
    expect(await figure("plays").textContent()).toBe("2");
    expect(await figure("takedowns").textContent()).toBe("1");
    const takedownRow = async (name: string) =>
      page.getByRole("table", { name }).locator("tbody tr").first().innerText();
    expect(await takedownRow("Takedowns")).toMatch(/欧阳某\s+Entry revoked\s+1\s+0\s+1\s+—/);
    await page.getByText("1 not acknowledged by every screen").waitFor();

    await page.getByLabel("Period").selectOption({ label: "Custom dates" });
    await page.getByLabel("First day").fill("2026-03-01");
    await page.getByLabel("Last day").fill("2026-03-07");
    await page.getByRole("button", { name: "Show report" }).click();
    await expect.poll(() => figure("uptime").textContent(), { timeout: 10_000 }).toBe("21.4 %");
    expect(await figure("plays").textContent()).toBe("5");
    expect(await figure("takedowns").textContent()).toBe("0");
    const screens = page.getByRole("table", { name: "Screens" });
    expect(await screens.locator("tbody tr").first().innerText()).toMatch(
      /Harbour gate\s+harbour\s+Active\s+Online\s+36 h 0 min\s+21.4 %/,
    );
    const plays = page.getByRole("table", { name: "Plays per content" });
    const rows = await plays.locator("tbody tr").allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/欧阳某\s+List entry\s+3\s+1 min/);
    expect(rows[1]).toMatch(/Road works on Pier Street\s+Announcement\s+2\s+3 min/);
    expect(await page.locator("main").innerText()).not.toContain("欧阳娜娜");
    await page.getByText("No takedown reached these screens in this period.").waitFor();
    await expect
      .poll(() => page.getByRole("link", { name: "Plays per content (CSV)" }).getAttribute("href"))
      .toMatch(/^\/api\/districts\/harbour\/report\?from=.+&to=.+&format=csv&table=plays$/);

    // Back to the last 7 days for both languages and the printout.
    await page.getByLabel("Period").selectOption({ label: "Last 7 days" });
    await page.getByRole("button", { name: "Show report" }).click();
    await expect.poll(() => figure("takedowns").textContent(), { timeout: 10_000 }).toBe("1");
    await checkBothLanguages(
      page,
      "district-report",
      { zh: "辖区报告", en: "District report" },
      async (lang) => {
        if (lang === "zh") {
          await page.getByText("当前在线 1 块").waitFor();
          await page.getByText("1 项尚未得到所有屏幕确认").waitFor();
          const zhRows = await page
            .getByRole("table", { name: "各内容播放情况" })
            .locator("tbody tr")
            .allInnerTexts();
          expect(zhRows[0]).toMatch(/欧阳某\s+名单条目\s+2\s+1 分钟/);
          expect(await takedownRow("撤下记录")).toMatch(/欧阳某\s+条目已撤销\s+1\s+0\s+1\s+—/);
        } else await page.getByText("1 online now").waitFor();
      },
    );
    // In an 800 px window the tables scroll in their own box; the page does not.
    await page.setViewportSize({ width: 800, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      800,
    );
    await page.screenshot({ path: join(consoleShots, "narrow-reports-en.png"), fullPage: true });
    await page.setViewportSize({ width: 1100, height: 800 });
    // On paper: no navigation, no form, the figures and tables only.
    await page.emulateMedia({ media: "print" });
    expect(await page.getByRole("button", { name: "Show report" }).isVisible()).toBe(false);
    expect(await figure("uptime").isVisible()).toBe(true);
    await page.screenshot({
      path: join(consoleShots, "district-report-print.png"),
      fullPage: true,
    });
  });
});
