import type { Page } from "playwright-core";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { buildEntryInput } from "../support/entryFactory";
import { createUser } from "../support/principals";
import { adminSessionValue, api, createDistrict, useTestServer } from "../support/testServer";

const ui = useConsoleBrowser();

interface Verification {
  ok: boolean;
  records: number;
  lastSeq: number;
}

/** The "#" column (the records' sequence numbers) of the table shown. */
async function shownSeqs(page: Page): Promise<number[]> {
  return (await page.getByRole("table").getByRole("rowheader").allTextContents()).map(Number);
}

/** The "Action" column of the table shown. */
async function shownActions(page: Page): Promise<string[]> {
  return page.getByRole("table").locator("tbody td code").allTextContents();
}

describe("audit page", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "zhongshan"));

  it("shows the chain intact, filters by action, user, entry and date, pages, and exports", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Operator", [
      { role: "operator", scope: "zhongshan" },
    ]);
    const ids: string[] = [];
    const maskedNames: string[] = [];
    for (let i = 0; i < 55; i++) {
      const res = await operator.post(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({ districtIds: ["zhongshan"] }),
      );
      expect(res.status).toBe(201);
      const { entry } = (await res.json()) as { entry: { id: string; maskedName: string } };
      ids.push(entry.id);
      maskedNames.push(entry.maskedName);
    }

    const opened = await openSignedIn(ui.browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      hash: "#audit",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Audit log");
    const verified = (
      (await (await api(`${t.baseUrl}/api/audit/verify`)).json()) as {
        verification: Verification;
      }
    ).verification;
    expect(verified.ok).toBe(true);
    await page.getByText("The chain is intact.").waitFor();
    await page
      .getByText(new RegExp(`\\d+ records checked; the last is #${verified.lastSeq} `))
      .waitFor();

    // Newest first, 50 a page; the next page continues below the first.
    await page.getByRole("heading", { name: "Records, page 1 (50 shown)" }).waitFor();
    const first = await shownSeqs(page);
    expect(first[0]).toBe(verified.lastSeq);
    expect(first).toEqual([...first].sort((a, b) => b - a));
    await page.getByRole("button", { name: "Older records" }).click();
    await page.getByRole("heading", { name: /^Records, page 2 \(\d+ shown\)$/ }).waitFor();
    const second = await shownSeqs(page);
    expect(Math.max(...second)).toBeLessThan(Math.min(...first));
    await page.getByRole("button", { name: "Newer records" }).click();
    await page.getByRole("heading", { name: "Records, page 1 (50 shown)" }).waitFor();

    // By action and user: exactly the operator's 55 creations (two pages).
    await page.getByLabel("Action").selectOption("entry.created");
    await page.getByLabel("User").selectOption({ label: `Operator (${operator.email})` });
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Records, page 1 (50 shown)" }).waitFor();
    expect(new Set(await shownActions(page))).toEqual(new Set(["entry.created"]));
    expect(
      new Set(await page.getByRole("table").locator("tbody td:nth-child(3)").allTextContents()),
    ).toEqual(new Set(["Operator"]));
    await page.getByRole("button", { name: "Older records" }).click();
    await page.getByRole("heading", { name: "Records, page 2 (5 shown)" }).waitFor();
    expect(await page.getByRole("button", { name: "Older records" }).isDisabled()).toBe(true);

    // By entry: its one record.
    await page.getByLabel("Action").selectOption("");
    await page.getByLabel("User").selectOption("");
    await page.getByLabel("Entry id").fill(ids[7] ?? "");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("heading", { name: "Records, page 1 (1 shown)" }).waitFor();
    expect(await shownActions(page)).toEqual(["entry.created"]);
    // Named as people know it (its masked name), not by its id.
    expect(await page.getByRole("table").locator("tbody td").nth(3).textContent()).toBe(
      `entry ${maskedNames[7]}`,
    );
    await checkBothLanguages(page, "audit", { zh: "审计日志", en: "Audit log" });

    // A date range with nothing in it.
    await page.getByLabel("Entry id").fill("");
    await page.getByLabel("From (date)").fill("2099-01-01");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("No record matches.").waitFor();

    // A malformed entry id: the server's sentence.
    await page.getByLabel("From (date)").fill("");
    await page.getByLabel("Entry id").fill("not-a-uuid");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expectText(page.getByRole("alert"), /entry/i);

    // The export holds every record, chained.
    await page.getByLabel("Entry id").fill("");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download the log (JSON Lines)" }).click(),
    ]);
    const lines = (await readFile(await download.path(), "utf8")).trim().split("\n");
    const records = lines.map(
      (l) => JSON.parse(l) as { seq: number; hash: string; prevHash: string },
    );
    expect(records.length).toBeGreaterThanOrEqual(verified.records);
    for (let i = 1; i < records.length; i++)
      expect(records[i]?.prevHash).toBe(records[i - 1]?.hash);
  });

  it("is not offered to a district admin", async () => {
    const t = server();
    const local = await createUser(t.baseUrl, "Local", [{ role: "admin", scope: "zhongshan" }]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, local.cookie, { hash: "#audit" });
    ui.contexts.push(opened.context);
    await expectPageHeading(opened.page, "Not available to you");
    expect(await opened.page.getByRole("table").count()).toBe(0);
  });
});
