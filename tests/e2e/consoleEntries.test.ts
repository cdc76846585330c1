import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import {
  badCourtExportRows,
  buildCourtExportRows,
  buildPersonRow,
  toCsv,
} from "../fixtures/courtExport";
import { silhouettePortrait } from "../fixtures/images";
import { buildZip } from "../fixtures/zip";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  createDistrict,
  pairKiosk,
  syncKiosk,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

const ui = useConsoleBrowser();
const sockets: KioskSocket[] = [];

afterAll(() => {
  for (const s of sockets) s.disconnect();
});

async function entriesOnServer(user: TestUser, baseUrl: string, query = ""): Promise<EntryView[]> {
  const res = await user.fetch(`${baseUrl}/api/entries?limit=200${query}`);
  expect(res.status).toBe(200);
  return EntryViewSchema.array().parse(((await res.json()) as { entries: unknown }).entries);
}

/** The names in the results table's first column, in order. */
function shownNames(page: Page): Promise<string[]> {
  return page
    .getByRole("table")
    .getByRole("rowheader")
    .evaluateAll((cells) => cells.map((c) => c.childNodes[0]?.textContent ?? ""));
}

describe("entries page", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } }, async (t) => {
    await createDistrict(t.baseUrl, "zhongshan");
    await createDistrict(t.baseUrl, "xigang");
  });

  it("filters and pages through entries, and revokes one with a reason", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Operator", [{ role: "operator", scope: "*" }]);
    // 27 discredited entries in zhongshan, 2 red-list entries in xigang.
    for (let i = 0; i < 27; i++) {
      const res = await operator.post(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({ districtIds: ["zhongshan"], caseNumber: `（2025）辽0202执${500 + i}号` }),
      );
      expect(res.status).toBe(201);
    }
    for (const fullName of ["欧阳娜娜", "司马光明"]) {
      const res = await operator.post(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({ kind: "redlist", fullName, districtIds: ["xigang"] }),
      );
      expect(res.status).toBe(201);
    }

    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#entries" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Entries");
    await page.getByRole("heading", { name: "Entries, page 1 (25 shown)" }).waitFor();
    expect(await page.getByRole("table").getByRole("row").count()).toBe(26);

    // Page 2 has the remaining 4; Previous comes back.
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByRole("heading", { name: "Entries, page 2 (4 shown)" }).waitFor();
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await page.getByRole("heading", { name: "Entries, page 1 (25 shown)" }).waitFor();

    // The red list of xigang only.
    await page.getByLabel("List", { exact: true }).selectOption("redlist");
    await page.getByLabel("District", { exact: true }).selectOption("xigang");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Entries, page 1 (2 shown)" }).waitFor();
    // The console shows the masked name only: the full name never leaves the server.
    expect((await shownNames(page)).sort()).toEqual(["司马某", "欧阳某"]);

    // Text search. The answer to a first search comes late, after the second one's: the table
    // keeps the second search's results.
    let slowAnswered = false;
    await page.route(
      (url) => url.pathname === "/api/entries" && url.searchParams.get("q") === "执501号",
      async (route) => {
        await new Promise((r) => setTimeout(r, 1000));
        await route.continue();
        slowAnswered = true;
      },
    );
    await page.getByLabel("List", { exact: true }).selectOption("");
    await page.getByLabel("District", { exact: true }).selectOption("");
    const search = page.getByLabel("Name or case number contains");
    await search.fill("执501号");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await search.fill("执507号");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Entries, page 1 (1 shown)" }).waitFor();
    await expect.poll(() => slowAnswered, { timeout: 10_000 }).toBe(true);
    await page.waitForTimeout(300);
    const rows = page.getByRole("table").getByRole("row");
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain("执507号");

    // A search whose answer fails says so, and shows no rows from before as its own.
    await page.route(
      (url) => url.pathname === "/api/entries" && url.searchParams.get("q") === "执999号",
      (route) =>
        route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "unavailable", message: "Try again." } }),
        }),
    );
    await search.fill("执999号");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Entries, page 1 (not loaded)" }).waitFor();
    expect(await page.getByRole("table").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await search.fill("执507号");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Entries, page 1 (1 shown)" }).waitFor();
    const [target] = await entriesOnServer(
      operator,
      t.baseUrl,
      `&q=${encodeURIComponent("执507号")}`,
    );
    expect(target).toBeDefined();
    if (!target) return;

    // Revoke: "other" needs words; then it is revoked, with the reason, on the server.
    await page
      .getByRole("button", { name: `Revoke ${target.maskedName} (${target.caseNumber})` })
      .click();
    const panel = page.getByRole("region", {
      name: `Revoke ${target.maskedName} (${target.caseNumber})`,
    });
    await panel.waitFor();
    await panel.getByLabel("Reason").selectOption("other");
    await panel.getByRole("button", { name: "Revoke from all screens" }).click();
    await expectText(page.getByRole("alert"), "Fill in “Details”.");
    expect((await entriesOnServer(operator, t.baseUrl, "&state=revoked")).length).toBe(0);
    await checkBothLanguages(page, "entries-revoke", { zh: "名单条目", en: "Entries" });
    await panel
      .getByLabel("Details (required for “Other reason”)")
      .fill("法院来函撤销（2025）第 12 号");
    await panel.getByRole("button", { name: "Revoke from all screens" }).click();
    await expectText(
      page.getByRole("status").filter({ hasText: "Revoked" }),
      `Revoked ${target.maskedName} (${target.caseNumber}). Screens are taking it down.`,
    );
    const [revoked] = await entriesOnServer(operator, t.baseUrl, "&state=revoked");
    expect(revoked).toMatchObject({
      id: target.id,
      revokeReason: { reason: "other", text: "法院来函撤销（2025）第 12 号" },
    });
    await expectText(
      page.getByRole("table").getByRole("row").nth(1).locator("td").nth(1),
      "Revoked",
    );
    expect(await page.getByRole("button", { name: /^Revoke / }).count()).toBe(0);

    // By state: the revoked one alone.
    await page.getByLabel("Name or case number contains").fill("");
    await page.getByLabel("State", { exact: true }).selectOption("revoked");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Entries, page 1 (1 shown)" }).waitFor();
    expect(await shownNames(page)).toEqual([target.maskedName]);
  });

  it("creates a person entry with a photo, which goes to review redacted", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Creator", [
      { role: "operator", scope: "zhongshan" },
    ]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#entries",
      locale: "zh-CN",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "名单条目");
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("button", { name: "New person entry…" }).click();
    const form = page.getByRole("form", { name: "New person entry" });
    await form.waitFor();

    // Missing fields are named before anything is sent.
    await form.getByRole("button", { name: "Create entry" }).click();
    await expectText(page.getByRole("alert"), "Fill in “Full name”.");
    await form.getByLabel("Full name").fill("诸葛亮明");
    await form.getByLabel("ID number (optional)").fill("210202198501011234");
    await form.getByLabel("Sex").selectOption("male");
    await form.getByLabel("Case number").fill("（2026）辽0202执1号");
    await form.getByLabel("Enforcing court").fill("大连市中山区人民法院");
    await form.getByLabel("Unmet obligation").fill("给付货款 12345.67 元");
    await form.getByLabel("Unmet amount in yuan (optional)").fill("12,345.67");
    await form.getByLabel("Listing date").fill("2026-01-10");
    await form.getByLabel("Expiry date").fill("2028-01-10");
    await form.getByRole("button", { name: "Create entry" }).click();
    await expectText(page.getByRole("alert"), "Pick at least one district.");
    await form.getByRole("checkbox", { name: "zhongshan district (zhongshan)" }).check();
    await form.getByLabel("Photo (optional)").setInputFiles({
      name: "portrait.jpg",
      mimeType: "image/jpeg",
      buffer: await silhouettePortrait(30),
    });
    await checkBothLanguages(page, "entries-create", { zh: "名单条目", en: "Entries" });
    await form.getByRole("button", { name: "Create entry" }).click();
    await expectText(
      page.getByRole("status").filter({ hasText: "Created" }),
      "Created the entry for 诸葛某 (（2026）辽0202执1号); it now waits for review by another moderator.",
    );
    const [created] = await entriesOnServer(operator, t.baseUrl);
    // The full name is sealed at intake: no answer carries it, not even to its author.
    expect(created).not.toHaveProperty("fullName");
    expect(JSON.stringify(created)).not.toContain("诸葛亮明");
    expect(created).toMatchObject({
      maskedName: "诸葛某",
      hasIdNumber: true,
      sex: "male",
      amountMinor: 1_234_567,
      districtIds: ["zhongshan"],
      hasPhoto: true,
      state: "pending_review",
    });
    // The form is empty again, ready for the next entry.
    expect(await form.getByLabel("Full name").inputValue()).toBe("");
    await page.getByRole("row").filter({ hasText: "诸葛某" }).waitFor();
  });

  it("imports a CSV export with a photo zip, shows the per-row report and offers it as CSV", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Importer", [{ role: "operator", scope: "*" }]);
    const rows = [
      buildPersonRow({ 照片: "p-1.jpg", 案号: "（2026）辽0202执70001号" }),
      buildPersonRow({ 照片: "", 案号: "（2026）辽0202执70002号" }),
      { ...badCourtExportRows.emptyCaseNumber(), 照片: "" },
      buildPersonRow({ 照片: "", 案号: "（2026）辽0202执70003号" }),
    ];
    const before = (await entriesOnServer(operator, t.baseUrl)).length;
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#entries" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Entries");
    await page.getByRole("button", { name: "Import a court export…" }).click();
    const form = page.getByRole("form", { name: "Import a court export" });
    await form.getByRole("button", { name: "Import" }).click();
    await expectText(page.getByRole("alert"), "Choose the export file.");
    await form.getByLabel("Export file (CSV or JSON)").setInputFiles({
      name: "court-2026-03.csv",
      mimeType: "text/csv",
      buffer: toCsv(rows),
    });
    await form.getByLabel("Photos (optional zip)").setInputFiles({
      name: "photos.zip",
      mimeType: "application/zip",
      buffer: buildZip([{ name: "p-1.jpg", bytes: await silhouettePortrait(120) }]),
    });
    await form.getByLabel("Expiry date for rows without one (optional)").fill("2029-12-31");
    await form.getByRole("checkbox", { name: "zhongshan district (zhongshan)" }).check();
    await form.getByRole("button", { name: "Import" }).click();

    const report = page.getByRole("region", { name: "Import report: court-2026-03.csv" });
    await report.waitFor({ timeout: 30_000 });
    await expectText(
      report.getByRole("status"),
      "4 rows: 3 accepted, 0 already present, 1 refused.",
    );
    const refusedRow = report.getByRole("row").filter({ hasText: "Refused" });
    expect(await refusedRow.count()).toBe(1);
    expect(await refusedRow.getByRole("rowheader").textContent()).toBe("4");
    expect(await refusedRow.locator("td").nth(1).textContent()).toMatch(/case number/i);
    await report.getByRole("row").filter({ hasText: "（2026）辽0202执70001号" }).waitFor();
    expect((await entriesOnServer(operator, t.baseUrl)).length).toBe(before + 3);
    const withPhoto = await entriesOnServer(
      operator,
      t.baseUrl,
      `&q=${encodeURIComponent("执70001号")}`,
    );
    expect(withPhoto[0]?.hasPhoto).toBe(true);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      report.getByRole("link", { name: "Download the report as CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("court-2026-03-import-report.csv");
    const path = await download.path();
    const csv = (await readFile(path, "utf8")).replace(/^\uFEFF/, "").split("\r\n");
    expect(csv[0]).toBe("line,status,caseNumber,entryId,reasons");
    expect(csv.filter((l) => l.includes(",accepted,"))).toHaveLength(3);
    expect(csv.find((l) => l.startsWith("4,refused,"))).toMatch(/case number/i);
    await checkBothLanguages(page, "entries-import", { zh: "名单条目", en: "Entries" });
  });

  it("shows a large import's progress while it runs, from the server's own count", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Bulk", [{ role: "operator", scope: "*" }]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#entries" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Entries");
    await page.getByRole("button", { name: "Import a court export…" }).click();
    const form = page.getByRole("form", { name: "Import a court export" });
    const rows = 4000;
    await form.getByLabel("Export file (CSV or JSON)").setInputFiles({
      name: "court-bulk.csv",
      mimeType: "text/csv",
      buffer: toCsv(buildCourtExportRows(rows, { seed: 7 })),
    });
    await form.getByLabel("Expiry date for rows without one (optional)").fill("2029-12-31");
    await form.getByRole("checkbox", { name: "zhongshan district (zhongshan)" }).check();
    // Every text the progress line shows, as it changes.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        const text = document.querySelector("[data-testid=import-progress-text]")?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await form.getByRole("button", { name: "Import" }).click();
    const report = page.getByRole("region", { name: "Import report: court-bulk.csv" });
    await report.waitFor({ timeout: 60_000 });
    const summary = (await report.getByRole("status").allTextContents()).join(" | ");
    expect(summary).toMatch(new RegExp(`^${rows} rows: \\d+ accepted`));
    const seen = await page.evaluate(
      () => (window as unknown as { progressSeen: string[] }).progressSeen,
    );
    const counted = seen.filter((s) => /^(Checking rows|Saving entries): \d+ of \d+$/.test(s));
    expect(counted.length, seen.join(" | ")).toBeGreaterThan(0);
    for (const s of counted) {
      const [done = 0, total = 0] = (s.match(/\d+/g) ?? []).map(Number);
      // Rows are checked out of all of them; entries saved out of those accepted.
      if (s.startsWith("Checking")) expect(total).toBe(rows);
      else expect(total).toBeLessThanOrEqual(rows);
      expect(done).toBeLessThanOrEqual(total);
    }
    // The progress bar is gone once the report is there.
    expect(await page.getByTestId("import-progress-text").count()).toBe(0);
  });

  it("shows where an entry was shown, per screen, from the entries list", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Shower", [{ role: "operator", scope: "*" }]);
    const moderator = await createUser(t.baseUrl, "Checker", [{ role: "moderator", scope: "*" }]);
    const created = await operator.post(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["zhongshan"], caseNumber: "（2026）辽0202执9001号" }),
    );
    const entry = EntryViewSchema.parse(((await created.json()) as { entry: unknown }).entry);
    const approved = await approveAsSeen(t.baseUrl, moderator, entry.id);
    expect(approved.status).toBe(200);
    // Two screens showed it: the east one twice, the west one once.
    for (const [name, times] of [
      ["中山东屏", 2],
      ["中山西屏", 1],
    ] as const) {
      const { socket } = await pairKiosk(t.baseUrl, "zhongshan", name);
      sockets.push(socket);
      await syncKiosk(socket, 0);
      const receipt = (await socket.timeout(5000).emitWithAck("kiosk:plays", {
        plays: Array.from({ length: times }, (_, i) => ({
          id: randomUUID(),
          kind: "entry" as const,
          contentId: entry.id,
          version: 1,
          startedAt: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
          durationMs: 8_000,
        })),
      })) as { ok: boolean };
      expect(receipt.ok).toBe(true);
    }

    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, { hash: "#entries" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Entries");
    await page.getByLabel("Name or case number contains").fill("执9001号");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Entries, page 1 (1 shown)" }).waitFor();
    await page
      .getByRole("button", { name: `Where shown ${entry.maskedName} (${entry.caseNumber})` })
      .click();
    const panel = page.getByRole("region", {
      name: `Where ${entry.maskedName} (${entry.caseNumber}) was shown`,
    });
    await expectText(panel.getByTestId("plays-summary"), /^3 plays, 24 s on screen, from /);
    const totals = panel.getByRole("table", { name: "Totals" });
    const cells = async (screen: string) =>
      totals
        .getByRole("row")
        .filter({ has: page.getByRole("rowheader", { name: screen }) })
        .locator("td")
        .allTextContents();
    expect((await cells("中山东屏"))[0]).toBe("2");
    expect((await cells("中山西屏"))[0]).toBe("1");
    await checkBothLanguages(page, "entries-plays", { zh: "名单条目", en: "Entries" });
  });
});
