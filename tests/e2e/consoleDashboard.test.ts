import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser } from "../support/principals";
import {
  adminSessionValue,
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

/** The row of a table whose row header is `name`. */
function rowOf(page: Page, table: string, name: string | RegExp) {
  return page
    .getByRole("table", { name: table })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name }) });
}

describe("overview page", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "zhongshan");
    await createDistrict(t.baseUrl, "xigang");
  });

  it("counts pending entries, follows a takedown's acknowledgements live, and shows screens per district", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Operator", [{ role: "operator", scope: "*" }]);
    const moderator = await createUser(t.baseUrl, "Moderator", [{ role: "moderator", scope: "*" }]);
    const east = await pairKiosk(t.baseUrl, "zhongshan", "中山东屏");
    const west = await pairKiosk(t.baseUrl, "zhongshan", "中山西屏");
    const far = await pairKiosk(t.baseUrl, "xigang", "西岗屏");
    sockets.push(east.socket, west.socket, far.socket);
    far.socket.disconnect();

    // One entry on the zhongshan screens, then revoked; three more wait for review.
    const res = await operator.post(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["zhongshan"], caseNumber: "（2026）辽0202执888号" }),
    );
    const shown = ((await res.json()) as { entry: { id: string; maskedName: string } }).entry;
    expect((await approveAsSeen(t.baseUrl, moderator, shown.id)).status).toBe(200);
    for (let i = 0; i < 3; i++)
      await operator.post(`${t.baseUrl}/api/entries`, buildEntryInput({ districtIds: ["xigang"] }));
    const revoked = await operator.post(`${t.baseUrl}/api/entries/${shown.id}/revoke`, {
      reason: "obligation_fulfilled",
    });
    expect(revoked.status).toBe(200);
    const { version } = await syncKiosk(east.socket, 0);
    east.socket.emit("kiosk:applied", { version });

    const opened = await openSignedIn(ui.browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      hash: "#dashboard",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Overview");
    await expectText(page.getByRole("region", { name: "Waiting for review" }).locator(".big"), "3");
    await expectText(
      page.getByRole("region", { name: "Screens online" }).locator(".big"),
      "2 of 3",
    );

    const takedowns = "Takedowns: screens that acknowledged";
    const row = rowOf(page, takedowns, `${shown.maskedName} · （2026）辽0202执888号`);
    await expectText(row.locator("td").nth(0), "Revoked");
    await expectText(row.locator("td").nth(2), "1 of 2");
    await expectText(
      row.locator("td").nth(3),
      /^中山西屏 zhongshan district \(zhongshan\) · last seen/,
    );

    const byDistrict = "Screens by district";
    await expectText(
      rowOf(page, byDistrict, "zhongshan district (zhongshan)").locator("td").nth(0),
      "2",
    );
    await expectText(rowOf(page, byDistrict, "xigang district (xigang)").locator("td").nth(1), "1");
    await page.getByRole("heading", { name: "Latest audit records" }).waitFor();
    await page.getByText("entry.revoked").first().waitFor();
    await checkBothLanguages(page, "dashboard", { zh: "概览", en: "Overview" });

    // The second screen acknowledges: the server's push updates the page at once (its own
    // refresh is every 30 s, so only the push can do it within 5 s).
    const synced = await syncKiosk(west.socket, 0);
    west.socket.emit("kiosk:applied", { version: synced.version });
    await expectText(row.locator("td").nth(2), "2 of 2", 5_000);
    await expectText(row.locator("td").nth(3), "—");
    // A screen going away shows as soon as it does.
    west.socket.disconnect();
    await expectText(
      page.getByRole("region", { name: "Screens online" }).locator(".big"),
      "1 of 3",
      5_000,
    );
  });

  it("shows an operator no audit records", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Plain", [{ role: "operator", scope: "xigang" }]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#dashboard",
    });
    ui.contexts.push(opened.context);
    await expectPageHeading(opened.page, "Overview");
    await opened.page.getByText(/^Updates live as screens and takedowns change/).waitFor();
    expect(await opened.page.getByRole("heading", { name: "Latest audit records" }).count()).toBe(
      0,
    );
    expect(
      await opened.page
        .getByRole("navigation", { name: "Console pages" })
        .getByRole("link")
        .allTextContents(),
    ).toEqual([
      "Overview",
      "Entries",
      "Screens",
      "Schedules",
      "Emergency notices",
      "Announcements",
      "District report",
      "API",
    ]);
  });
});
