import { identifyCodeOf } from "../../shared/schemas/screen";
import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import { ScreenSchema, type Screen } from "../../shared/schemas/screen";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  pairKiosk,
  requestPairingCode,
  syncKiosk,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

const ui = useConsoleBrowser();
const sockets: KioskSocket[] = [];

afterAll(() => {
  for (const s of sockets) s.disconnect();
});

async function listScreens(user: TestUser, baseUrl: string): Promise<Screen[]> {
  const res = await user.fetch(`${baseUrl}/api/screens`);
  expect(res.status).toBe(200);
  return ScreenSchema.array().parse(((await res.json()) as { screens: unknown }).screens);
}

/** The table row of the screen named `name`. */
function rowOf(page: Page, name: string) {
  return page.getByRole("row").filter({ has: page.getByRole("rowheader", { name }) });
}

/** The text of the cell in `name`'s row under the column headed `column`. */
async function cellOf(page: Page, name: string, column: string): Promise<string> {
  const headers = await page.getByRole("columnheader").allTextContents();
  const index = headers.indexOf(column);
  expect(index, `column ${column}`).toBeGreaterThanOrEqual(0);
  const cells = rowOf(page, name).locator("th, td");
  return (await cells.nth(index).textContent()) ?? "";
}

describe("screens page", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "zhongshan");
    await createDistrict(t.baseUrl, "xigang");
  });

  it("pairs a kiosk by its code, shows its live status, renames and moves it, rotates and revokes its token", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Operator", [{ role: "operator", scope: "*" }]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#screens" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Screens");
    await page.getByText("No screen is paired yet.").waitFor();

    // A kiosk waiting to be paired shows its code.
    const unpaired = await connectKiosk(t.baseUrl);
    sockets.push(unpaired);
    const code = await requestPairingCode(unpaired, {
      width: 1080,
      height: 1920,
      appVersion: "1.4.2",
    });
    const complete = new Promise<{ token: string; screenId: string }>((resolve) =>
      unpaired.once("pairing:complete", resolve),
    );

    // A mistyped code: the server's sentence, and nothing is paired.
    await page.getByLabel("Pairing code").fill("ZZZZ");
    await page.getByLabel("Screen name").fill("中山路口 1 号屏");
    await page.getByLabel("District", { exact: true }).selectOption("zhongshan");
    await page.getByRole("button", { name: "Pair screen" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /characters/ })
      .waitFor();
    expect(await listScreens(operator, t.baseUrl)).toEqual([]);

    // Typed as a technician reads it off the screen: lower case, with a dash.
    await page
      .getByLabel("Pairing code")
      .fill(`${code.slice(0, 3).toLowerCase()}-${code.slice(3).toLowerCase()}`);
    await page.getByLabel("Location (optional)").fill("中山路与人民路交叉口东北角");
    await page.getByRole("button", { name: "Pair screen" }).click();
    await expectText(
      page.getByRole("status").filter({ hasText: "Paired" }),
      "Paired “中山路口 1 号屏” in zhongshan district (zhongshan). The screen receives its token and starts playing.",
    );
    const { token, screenId } = await complete;
    const [paired] = await listScreens(operator, t.baseUrl);
    expect(paired).toMatchObject({
      id: screenId,
      name: "中山路口 1 号屏",
      districtId: "zhongshan",
    });

    // The kiosk connects with its token and reports what it shows.
    const kiosk = await connectKiosk(t.baseUrl, token);
    sockets.push(kiosk);
    const { version } = await syncKiosk(kiosk, 0);
    kiosk.emit("screen:status", {
      width: 1080,
      height: 1920,
      appVersion: "1.4.2",
      appliedVersion: version,
      currentSlide: "announcement:night-works",
      uptimeSeconds: 3600,
      memoryMb: 187.4,
    });
    // The report is stored without a push to the console: once the server has it, Refresh.
    await expect
      .poll(async () => (await listScreens(operator, t.baseUrl))[0]?.currentSlide, {
        timeout: 5000,
      })
      .toBe("announcement:night-works");
    await page.getByRole("button", { name: "Refresh" }).click();
    await expectText(rowOf(page, "中山路口 1 号屏").locator("td").nth(1), "Online");
    await expect
      .poll(() => cellOf(page, "中山路口 1 号屏", "Showing now"), { timeout: 5000 })
      .toBe("Announcement: no longer listed");
    expect(await cellOf(page, "中山路口 1 号屏", "Memory")).toBe("187 MB");
    expect(await cellOf(page, "中山路口 1 号屏", "Display")).toBe("1080×19201.4.2");
    expect(await cellOf(page, "中山路口 1 号屏", "Applied version")).toBe(String(version));

    // Rename and move it: the panel takes the focus, the server has the change.
    await page.getByRole("button", { name: "Manage 中山路口 1 号屏" }).click();
    await page.getByRole("heading", { name: "Manage “中山路口 1 号屏”" }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("manage-heading");
    await checkBothLanguages(page, "screens", { zh: "屏幕", en: "Screens" });

    const panel = page.getByRole("region", { name: "Manage “中山路口 1 号屏”" });
    await panel.getByLabel("Screen name").fill("西岗 2 号屏");
    await panel.getByLabel("District (moving switches the content at once)").selectOption("xigang");
    await panel.getByRole("button", { name: "Save", exact: true }).click();
    await expectText(
      page.getByRole("status").filter({ hasText: "Saved" }),
      "Saved “西岗 2 号屏” in xigang district (xigang).",
    );
    const [moved] = await listScreens(operator, t.baseUrl);
    expect(moved).toMatchObject({ name: "西岗 2 号屏", districtId: "xigang", online: true });

    // A new token goes to the connected kiosk; the old one stops working.
    const rotated = new Promise<string>((resolve) =>
      kiosk.once("screen:token", (p) => resolve(p.token)),
    );
    await page
      .getByRole("region", { name: "Manage “西岗 2 号屏”" })
      .getByRole("button", { name: "Send a new token" })
      .click();
    await expectText(
      page.getByRole("status").filter({ hasText: "new token" }),
      "“西岗 2 号屏” has a new token; the old one no longer works.",
    );
    const newToken = await rotated;
    expect(newToken).not.toBe(token);
    await expect(connectKiosk(t.baseUrl, token)).rejects.toThrow();
    // The server dropped the old connection; the kiosk comes back with its new token.
    const renewed = await connectKiosk(t.baseUrl, newToken);
    sockets.push(renewed);

    // Unpairing asks first; then the kiosk is told and the row says so.
    const revoked = new Promise<void>((resolve) => renewed.once("screen:revoked", () => resolve()));
    const manage = page.getByRole("region", { name: "Manage “西岗 2 号屏”" });
    await manage.getByRole("button", { name: "Unpair screen" }).click();
    await manage.getByRole("button", { name: "Cancel" }).click();
    expect((await listScreens(operator, t.baseUrl))[0]?.state).toBe("active");
    await manage.getByRole("button", { name: "Unpair screen" }).click();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Yes, unpair");
    await page.keyboard.press("Enter");
    await expectText(
      page.getByRole("status").filter({ hasText: "unpaired" }),
      "“西岗 2 号屏” is unpaired; its token no longer works.",
    );
    await revoked;
    expect((await listScreens(operator, t.baseUrl))[0]?.state).toBe("revoked");
    await expectText(rowOf(page, "西岗 2 号屏").locator("td").nth(1), "Unpaired");
    expect(await page.getByRole("button", { name: "Manage 西岗 2 号屏" }).count()).toBe(0);
  });

  it("shows a district operator only their district's screens, offline ones marked", async () => {
    const t = server();
    const cityOperator = await createUser(t.baseUrl, "City", [{ role: "operator", scope: "*" }]);
    for (const [name, district] of [
      ["甲屏", "zhongshan"],
      ["乙屏", "xigang"],
    ] as const) {
      const unpaired = await connectKiosk(t.baseUrl);
      sockets.push(unpaired);
      const code = await requestPairingCode(unpaired);
      const res = await cityOperator.post(`${t.baseUrl}/api/screens/pair`, {
        code,
        name,
        districtId: district,
      });
      expect(res.status).toBe(201);
    }
    const local = await createUser(t.baseUrl, "Local", [{ role: "operator", scope: "zhongshan" }]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, local.cookie, {
      hash: "#screens",
      locale: "zh-CN",
      viewport: { width: 800, height: 800 },
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "屏幕");
    await rowOf(page, "甲屏").waitFor();
    expect(await rowOf(page, "乙屏").count()).toBe(0);
    // Paired but never connected with its token: offline, never seen.
    await expectText(rowOf(page, "甲屏").locator("td").nth(1), "离线");
    // Only the operator's own district can be chosen for pairing.
    await expect
      .poll(() => page.getByLabel("辖区", { exact: true }).locator("option").allTextContents(), {
        timeout: 15_000,
      })
      .toEqual(["请选择辖区…", "zhongshan区 (zhongshan)"]);
  });

  it("identifies and reloads a connected screen, says so when it is offline, and shows its proof of play", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Technician", [{ role: "operator", scope: "*" }]);
    const { socket: kiosk, screenId } = await pairKiosk(t.baseUrl, "zhongshan", "人民路屏");
    sockets.push(kiosk);
    await syncKiosk(kiosk, 0);
    const announcement = await publishAnnouncement(t, {
      title: "图书馆闭馆维修",
      body: "下周一恢复开放。",
      language: "zh-CN",
    });
    // The kiosk reports three plays of the announcement, 10 s each, over the last minutes.
    const receipt = (await kiosk.timeout(5000).emitWithAck("kiosk:plays", {
      plays: [0, 1, 2].map((i) => ({
        id: randomUUID(),
        kind: "announcement" as const,
        contentId: announcement.id,
        version: announcement.version ?? 0,
        startedAt: new Date(Date.now() - (3 - i) * 60_000).toISOString(),
        durationMs: 10_000,
      })),
    })) as { ok: boolean };
    expect(receipt.ok).toBe(true);

    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#screens" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Screens");

    // Identify: the kiosk is told to show its code (made from its id, never the typed name)
    // for 10 s, and the console says which code.
    const identified = new Promise<{ name: string; seconds: number }>((resolve) =>
      kiosk.once("screen:identify", resolve),
    );
    await page.getByRole("button", { name: "Identify 人民路屏" }).click();
    const code = identifyCodeOf(screenId);
    expect(code).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    await expectText(
      page.getByRole("status").filter({ hasText: "人民路屏" }),
      `“人民路屏” shows its code ${code} for 10 seconds.`,
    );
    expect(await identified).toEqual({ name: code, seconds: 10 });

    // Reload asks first; Cancel sends nothing, Yes reloads and is audited.
    const reloads = async (): Promise<number> => {
      const res = await api(`${t.baseUrl}/api/audit?action=screen.reload_requested`);
      return ((await res.json()) as { records: unknown[] }).records.length;
    };
    await page.getByRole("button", { name: "Reload… 人民路屏" }).click();
    await page
      .getByRole("group", { name: "Confirm reloading" })
      .getByRole("button", { name: "Cancel" })
      .click();
    expect(await reloads()).toBe(0);
    await page.getByRole("button", { name: "Reload… 人民路屏" }).click();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Yes, reload");
    await checkBothLanguages(page, "screens-reload", { zh: "屏幕", en: "Screens" });
    const reloaded = new Promise<{ reason: string }>((resolve) =>
      kiosk.once("screen:reload", resolve),
    );
    await page.getByRole("button", { name: "Yes, reload" }).click();
    await expectText(
      page.getByRole("status").filter({ hasText: "reloading" }),
      "“人民路屏” is reloading.",
    );
    expect((await reloaded).reason).toMatch(/Technician/);
    expect(await reloads()).toBe(1);

    // Proof of play: totals, per content, the latest plays.
    await page.getByRole("button", { name: "Proof of play 人民路屏" }).click();
    const plays = page.getByRole("region", { name: "Proof of play: “人民路屏”" });
    await expectText(
      plays.getByTestId("plays-summary"),
      /^3 plays, 30 s on screen, from .+ to now\.$/,
    );
    const row = plays
      .getByRole("table", { name: "Totals" })
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: "图书馆闭馆维修" }) });
    expect(await row.locator("td").first().textContent()).toBe("3");
    expect(
      await plays.getByRole("table", { name: "Latest plays (3)" }).getByRole("row").count(),
    ).toBe(4);
    const report = await api(`${t.baseUrl}/api/screens/${screenId}/plays`);
    expect(((await report.json()) as { report: { plays: number } }).report.plays).toBe(3);
    await checkBothLanguages(page, "screens-plays", { zh: "屏幕", en: "Screens" });

    // Offline: the server's sentence, and nothing is sent.
    kiosk.disconnect();
    await page.getByRole("button", { name: "Identify 人民路屏" }).click();
    await expectText(
      page.getByRole("alert").filter({ hasText: "not connected" }),
      "“人民路屏”: The screen is not connected now; try again once it shows as online.",
    );
  });

  it("tags a screen with chips, by keyboard, refusing a bad tag, and the kiosk re-syncs", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Tagger", [{ role: "operator", scope: "*" }]);
    const { socket: kiosk, screenId } = await pairKiosk(t.baseUrl, "zhongshan", "地铁口屏");
    sockets.push(kiosk);
    await syncKiosk(kiosk, 0);
    const tagsOnServer = async () =>
      (await listScreens(operator, t.baseUrl)).find((s) => s.id === screenId)?.tags;

    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#screens" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Screens");
    await rowOf(page, "地铁口屏").waitFor();
    expect(await cellOf(page, "地铁口屏", "Tags")).toBe("—");

    await page.getByRole("button", { name: "Manage 地铁口屏" }).click();
    const panel = page.getByRole("region", { name: "Manage “地铁口屏”" });
    const editor = panel.getByRole("form", { name: "Tags" });
    const input = editor.getByLabel("New tag");

    // A tag the server would refuse is refused here, with the rule; nothing is sent.
    await input.fill("Bus Stop");
    await input.press("Enter");
    await expectText(
      editor.getByRole("alert"),
      "“Bus Stop” is not a tag: use 1–32 lower-case letters, digits or hyphens, starting with a letter or digit.",
    );
    expect(await tagsOnServer()).toEqual([]);

    // Enter adds (lower-cased), the button adds; chips are sorted; a chip's button removes it.
    await input.fill("Metro");
    await input.press("Enter");
    await input.fill("indoor");
    await editor.getByRole("button", { name: "Add tag" }).click();
    const chips = editor.getByRole("list", { name: "Tags of 地铁口屏" }).getByRole("listitem");
    await expect
      .poll(() => chips.allTextContents(), { timeout: 5000 })
      .toEqual(["indoor×", "metro×"]);
    await editor.getByRole("button", { name: "Remove tag indoor" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => chips.allTextContents(), { timeout: 5000 }).toEqual(["metro×"]);
    // The removed chip's button is gone: the keyboard continues in the input.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("autocomplete")), {
        timeout: 5000,
      })
      .toBe("off");
    expect(await tagsOnServer()).toEqual([]);
    await checkBothLanguages(page, "screens-tags", { zh: "屏幕", en: "Screens" });

    // Saving sends the set; the kiosk is told to re-sync at once, and the table shows the chip.
    const resync = new Promise<{ version: number; ids: string[] }>((resolve) =>
      kiosk.once("content:changed", resolve),
    );
    await editor.getByRole("button", { name: "Save tags" }).click();
    await expectText(
      page.getByRole("status").filter({ hasText: "tagged" }),
      "“地铁口屏” is tagged metro; it fetches its content again now.",
    );
    expect(await tagsOnServer()).toEqual(["metro"]);
    expect(await resync).toEqual({ version: 0, ids: [] });
    expect((await syncKiosk(kiosk, 1)).full).toBe(true);
    await expect.poll(() => cellOf(page, "地铁口屏", "Tags"), { timeout: 5000 }).toBe("metro");
    expect(await editor.getByRole("button", { name: "Save tags" }).isDisabled()).toBe(true);
  });
});
