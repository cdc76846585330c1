import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { expectText } from "../support/browser";
import { expectPageHeading, openSignedIn, useConsoleBrowser } from "../support/console";
import { requireDisplayBuild } from "../support/displayPage";
import { buildEntryInput } from "../support/entryFactory";
import {
  adminSessionValue,
  api,
  createDistrict,
  postJson,
  useTestServer,
} from "../support/testServer";

const ui = useConsoleBrowser();

/** A code's shape: every letter or digit an X, so "5M9 93S" and "K7M 2QX" compare equal. */
function shape(code: string): string {
  return code.replace(/[A-Z0-9]/gi, "X");
}

/** Opens the console page at `hash` as the default admin, in English. */
async function openAsAdmin(baseUrl: string, hash: string): Promise<Page> {
  const { context, page } = await openSignedIn(ui.browser, baseUrl, adminSessionValue(baseUrl), {
    hash,
  });
  ui.contexts.push(context);
  return page;
}

describe("small things that cost trust (issue 19 item 8)", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "da");
  });

  it("the pairing hint shows the code as the screen does, and a short code is refused in the console's language", async () => {
    const t = server();
    requireDisplayBuild();
    const display = await ui.browser.newContext({ locale: "en-US" });
    ui.contexts.push(display);
    const screen = await display.newPage();
    await screen.goto(`${t.baseUrl}/display`);
    const shown = screen.getByTestId("pairing-code");
    await expectText(shown, /^\S+ \S+$/);

    const page = await openAsAdmin(t.baseUrl, "#screens");
    await expectPageHeading(page, "Screens");
    const code = page.getByLabel("Pairing code");
    const hint =
      (await page.locator(`[id="${await code.getAttribute("aria-describedby")}"]`).textContent()) ??
      "";
    const example = /e\.g\. (\S+(?: \S+)?)\./.exec(hint)?.[1] ?? "";
    expect(shape(example)).toBe(shape((await shown.textContent()) ?? ""));

    // Five characters: a sentence in English, then in Chinese; nothing is sent.
    await code.fill("K7M 2Q");
    await page.getByLabel("Screen name").fill("东城路口屏");
    await page.getByLabel("District", { exact: true }).selectOption("da");
    let asked = 0;
    page.on("request", (r) => {
      if (r.url().endsWith("/api/screens/pair")) asked += 1;
    });
    await page.getByRole("button", { name: "Pair screen" }).click();
    await expectText(
      page.getByRole("alert").first(),
      "A pairing code has 6 characters; this one has 5. Type it again as the screen shows it.",
    );
    await page.getByRole("button", { name: "中文", exact: true }).click();
    await expectText(
      page.getByRole("alert").first(),
      "配对码为 6 个字符，这里是 5 个。请按屏幕上显示的重新输入。",
    );
    await page.getByLabel("配对码").fill("K0M 2QX");
    await page.getByRole("button", { name: "配对屏幕" }).click();
    await expectText(
      page.getByRole("alert").first(),
      "配对码只含字母和数字，不含 0、O、1、I、L：请对照屏幕检查“0”。",
    );
    expect(asked).toBe(0);
  });

  it("the photo hint names the formats the server takes (AVIF, not HEIC)", async () => {
    const t = server();
    const page = await openAsAdmin(t.baseUrl, "#entries");
    await expectPageHeading(page, "Entries");
    await page.getByRole("button", { name: "New person entry…" }).click();
    const photo = page.getByLabel("Photo (optional)");
    const hint =
      (await page
        .locator(`[id="${await photo.getAttribute("aria-describedby")}"]`)
        .textContent()) ?? "";
    expect(hint).toMatch(/^JPEG, PNG, WebP, or AVIF up to 15 MB\./);
    expect(hint).not.toMatch(/HEIC/);
    expect(await photo.getAttribute("accept")).toBe("image/jpeg,image/png,image/webp,image/avif");
  });

  it("a revoked entry does not read as on screens", async () => {
    const t = server();
    const made = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"], fullName: "夏雨荷" }),
    );
    expect(made.status).toBe(201);
    const entry = EntryViewSchema.parse((made.body as { entry: unknown }).entry);
    const revoked = await postJson(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
      reason: "obligation_fulfilled",
    });
    expect(revoked.status).toBe(200);

    const page = await openAsAdmin(t.baseUrl, "#entries");
    await expectPageHeading(page, "Entries");
    await page.getByRole("searchbox").fill(entry.caseNumber);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const row = page.getByRole("row").filter({ hasText: entry.caseNumber });
    await row
      .getByRole("button", { name: "Where it was shown: 夏某" })
      .waitFor({ timeout: 10_000 });
    expect(await row.getByRole("button").allTextContents()).toEqual(["Where it was shown"]);
    expect(
      await row
        .getByRole("button", {
          name: `Where it was shown: 夏某 (${entry.caseNumber}), before it came down`,
        })
        .count(),
    ).toBe(1);
  });

  it("the schedules page says only what is true of a district without a schedule", async () => {
    const t = server();
    const res = await api(`${t.baseUrl}/api/districts/da/schedule`);
    // No schedule of its own or above it: the screens rotate everything (playbackPlan's fallback).
    expect(((await res.json()) as { fromDistrictId: string | null }).fromDistrictId).toBeNull();
    const page = await openAsAdmin(t.baseUrl, "#schedules");
    await expectPageHeading(page, "Schedules");
    await page.getByLabel("District", { exact: true }).selectOption("da");
    await page.getByTestId("schedule-source").waitFor({ timeout: 10_000 });
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text).toContain("its screens rotate everything they hold");
    expect(text).not.toContain("the screens stay blank all week");
    expect(text).toContain(
      "No window yet. Until a schedule is saved here, the screens go on rotating everything they hold.",
    );
  });
});
