import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { singleFacePortrait } from "../fixtures/singleFace";
import { expectPageHeading, openSignedIn, useConsoleBrowser } from "../support/console";
import { createEntryWithPhoto } from "../support/entryPublishing";
import { buildEntryInput } from "../support/entryFactory";
import { createUser } from "../support/principals";
import {
  adminSessionValue,
  createDistrict,
  pairKiosk,
  postJson,
  syncKiosk,
  useTestServer,
  waitForRedaction,
  type KioskSocket,
} from "../support/testServer";

const ui = useConsoleBrowser();
const sockets: KioskSocket[] = [];
afterAll(() => {
  for (const s of sockets) s.disconnect();
});

/** Creates an organisation entry without a photo (clean: no face to redact) as the admin. */
async function createOrganisation(baseUrl: string, fullName: string): Promise<EntryView> {
  const res = await postJson(
    `${baseUrl}/api/entries`,
    buildEntryInput({ districtIds: ["da"], subjectType: "organisation", fullName }),
  );
  expect(res.status).toBe(201);
  return EntryViewSchema.parse((res.body as { entry: unknown }).entry);
}

/** The text of the first data row's cell in the column headed `column`. */
async function firstRowCell(page: Page, column: string): Promise<string> {
  const headers = await page.getByRole("columnheader").allTextContents();
  const index = headers.indexOf(column);
  expect(index, `column ${column}`).toBeGreaterThanOrEqual(0);
  return (
    (await page
      .getByRole("table")
      .getByRole("row")
      .nth(1)
      .locator("th, td")
      .nth(index)
      .textContent()) ?? ""
  );
}

describe("console lists follow the server without a reload (issue 19 item 4)", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } }, (t) =>
    createDistrict(t.baseUrl, "da"),
  );

  it("the review queue drops an entry another moderator approved, without Refresh", async () => {
    const t = server();
    const moderator = await createUser(t.baseUrl, "Moderator", [
      { role: "moderator", scope: "da" },
    ]);
    const other = await createUser(t.baseUrl, "Other", [{ role: "moderator", scope: "da" }]);
    const first = await createOrganisation(t.baseUrl, "东城区宏达建筑工程有限公司");
    await createOrganisation(t.baseUrl, "东城区顺意商贸有限公司");

    const { context, page } = await openSignedIn(ui.browser, t.baseUrl, moderator.cookie, {
      hash: "#review",
    });
    ui.contexts.push(context);
    await page
      .getByRole("heading", { level: 1, name: "Review queue" })
      .waitFor({ timeout: 10_000 });
    await page.getByRole("heading", { name: "Waiting (2)" }).waitFor({ timeout: 10_000 });

    const approved = await other.post(`${t.baseUrl}/api/entries/${first.id}/approve`, {
      revision: first.revision,
    });
    expect(approved.status).toBe(200);
    await page.getByRole("heading", { name: "Waiting (1)" }).waitFor({ timeout: 15_000 });
    expect(await page.getByText(first.caseNumber).count()).toBe(0);
  });

  it("the review queue shows a new entry without a photo and drops one another moderator rejected, without Refresh", async () => {
    const t = server();
    await createDistrict(t.baseUrl, "dr");
    const scope = [{ role: "moderator" as const, scope: "dr" }];
    const moderator = await createUser(t.baseUrl, "Moderator", scope);
    const other = await createUser(t.baseUrl, "Other", scope);
    const create = async (fullName: string): Promise<EntryView> => {
      const res = await postJson(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({ districtIds: ["dr"], fullName }),
      );
      expect(res.status).toBe(201);
      return EntryViewSchema.parse((res.body as { entry: unknown }).entry);
    };
    const first = await create("柳青松");

    const { context, page } = await openSignedIn(ui.browser, t.baseUrl, moderator.cookie, {
      hash: "#review",
    });
    ui.contexts.push(context);
    await expectPageHeading(page, "Review queue");
    await page.getByRole("heading", { name: "Waiting (1)" }).waitFor({ timeout: 10_000 });

    // A person entered without a photo waits for review: it arrives in the open queue.
    const second = await create("白晓梅");
    await page.getByRole("heading", { name: "Waiting (2)" }).waitFor({ timeout: 15_000 });
    await page.getByText(second.caseNumber).first().waitFor();

    const rejected = await other.post(`${t.baseUrl}/api/entries/${first.id}/reject`, {
      reason: "The court's record names another person.",
    });
    expect(rejected.status).toBe(200);
    await page.getByRole("heading", { name: "Waiting (1)" }).waitFor({ timeout: 15_000 });
    expect(await page.getByText(first.caseNumber).count()).toBe(0);
  });

  it("the screens page names what a screen shows and follows its reports, in both languages", async () => {
    const t = server();
    const entry = await createOrganisation(t.baseUrl, "东城区恒通物流有限公司");
    const { socket } = await pairKiosk(t.baseUrl, "da", "东城路口屏");
    sockets.push(socket);
    const { version } = await syncKiosk(socket, 0);
    const report = (currentSlide: string) =>
      socket.emit("screen:status", {
        width: 1920,
        height: 1080,
        appVersion: "test",
        appliedVersion: version,
        currentSlide,
        uptimeSeconds: 10,
        memoryMb: null,
      });

    const { context, page } = await openSignedIn(
      ui.browser,
      t.baseUrl,
      adminSessionValue(t.baseUrl),
      { hash: "#screens" },
    );
    ui.contexts.push(context);
    await expectPageHeading(page, "Screens");
    report(`entry:${entry.id}`);
    await expect
      .poll(() => firstRowCell(page, "Showing now"), { timeout: 15_000 })
      .toBe(`Entry: ${entry.maskedName}`);
    report(`list:2/3:${entry.id}`);
    await expect
      .poll(() => firstRowCell(page, "Showing now"), { timeout: 15_000 })
      .toBe(`List, page 2 of 3: ${entry.maskedName} and others`);
    await page.getByRole("button", { name: "中文", exact: true }).click();
    await expect
      .poll(() => firstRowCell(page, "正在显示"), { timeout: 15_000 })
      .toBe(`名单第 2/3 页：${entry.maskedName} 等`);
  });

  it("the entries list shows a redaction finishing after Search, without a reload", async () => {
    const t = server();
    const entry = await createEntryWithPhoto(t, await singleFacePortrait(), {
      fullName: "夏雨荷",
    });
    const { context, page } = await openSignedIn(
      ui.browser,
      t.baseUrl,
      adminSessionValue(t.baseUrl),
      { hash: "#entries" },
    );
    ui.contexts.push(context);
    await expectPageHeading(page, "Entries");
    await page.getByRole("searchbox").fill(entry.caseNumber);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect
      .poll(() => firstRowCell(page, "Photo"), { timeout: 10_000 })
      .toMatch(/^(Redaction queued|Being redacted|Redacted and verified)$/);
    // Once the server has the redaction done (a loaded machine is slow), it tells the console,
    // and the row follows without a click.
    expect((await waitForRedaction(t, entry.id, 200_000)).redactionStatus).toBe("done");
    await expect
      .poll(() => firstRowCell(page, "Photo"), { timeout: 15_000 })
      .toBe("Redacted and verified");
  }, 260_000);
});
