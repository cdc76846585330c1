import { describe, expect, it } from "vitest";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { createUser } from "../support/principals";
import {
  adminSessionValue,
  api,
  createDistrict,
  pairKiosk,
  syncKiosk,
  useTestServer,
} from "../support/testServer";

const ui = useConsoleBrowser();

describe("emergency review in the console", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "zhongshan");
    await createDistrict(t.baseUrl, "xigang");
    await createDistrict(t.baseUrl, "xigang-port", "xigang");
  });

  it("an operator's text with a phone number is refused; a notice sent at once is pulled by a moderator, and its screen drops it", async () => {
    const t = server();
    // A screen of the district that applies what it is told and acknowledges, as a kiosk does.
    const kiosk = await pairKiosk(t.baseUrl, "zhongshan", "中山一号屏");
    let applied = 0;
    let showing: string[] = [];
    let queue = Promise.resolve();
    const apply = () =>
      (queue = queue.then(async () => {
        const delta = await syncKiosk(kiosk.socket, applied);
        applied = delta.version;
        showing = delta.emergencies.map((e) => e.title);
        kiosk.socket.emit("kiosk:applied", {
          version: delta.version,
          ...(delta.full ? { full: true } : {}),
        });
      }));
    await apply();
    let closing = false;
    // A sync cut short by the test's own disconnect at the end is no failure; any other is.
    kiosk.socket.on("content:changed", () => {
      apply().catch((err: unknown) => {
        if (!closing) throw err;
      });
    });
    try {
      const operator = await createUser(t.baseUrl, "Duty", [{ role: "operator", scope: "*" }]);
      const supervisor = await createUser(t.baseUrl, "Supervisor", [
        { role: "operator", scope: "*" },
        { role: "moderator", scope: "*" },
      ]);
      const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
        hash: "#emergencies",
      });
      ui.contexts.push(opened.context);
      const { page } = opened;
      await expectPageHeading(page, "Emergency notices");
      const form = page.getByRole("form", { name: "New emergency notice" });
      await form.getByLabel("Title").fill("燃气泄漏 请联系13800138000");
      await form.getByRole("checkbox", { name: "zhongshan district (zhongshan)" }).check();
      await form.getByRole("button", { name: "Preview" }).click();
      await expectText(
        form.getByRole("alert"),
        /personal data \(in the title, a mobile phone number at characters 9–19\)/,
      );
      await form.getByLabel("Title").fill("燃气泄漏 请绕行");
      await form.getByRole("button", { name: "Preview" }).click();
      const preview = page.getByRole("region", { name: "Preview: what the screens will show" });
      await preview.getByText("It goes out at once; a moderator then reviews it").waitFor();
      await preview.getByRole("button", { name: "Send to screens now" }).click();
      await expectText(page.getByRole("status").first(), /^Sent “燃气泄漏 请绕行”/);
      const row = page.getByRole("row", { name: /燃气泄漏 请绕行/ });
      await expectText(row, /Sent, waiting for a moderator's review/);
      await expectText(row.getByTestId("emergency-reach"), "1 of 1 screens show it.", 15_000);
      await expect.poll(() => showing, { timeout: 10_000 }).toEqual(["燃气泄漏 请绕行"]);
      // The sender holds no review right: no review panel for them.
      expect(await page.getByRole("heading", { name: "Emergency notices to review" }).count()).toBe(
        0,
      );

      const second = await openSignedIn(ui.browser, t.baseUrl, supervisor.cookie, {
        hash: "#emergencies",
      });
      ui.contexts.push(second.context);
      const mod = second.page;
      await expectPageHeading(mod, "Emergency notices");
      const panel = mod.getByRole("region", { name: "Emergency notices to review" });
      await panel.getByRole("heading", { name: "燃气泄漏 请绕行" }).waitFor();
      await panel.getByRole("button", { name: "Pull “燃气泄漏 请绕行”" }).click();
      const pull = panel.getByRole("form", { name: "Pull “燃气泄漏 请绕行”" });
      await pull.getByRole("button", { name: "Pull it now" }).click();
      await expectText(pull.getByRole("alert"), "Fill in “Why is it pulled?”.");
      await pull.getByLabel("Why is it pulled?").fill("内容有误");
      await checkBothLanguages(mod, "emergency-review-pull", {
        zh: "紧急通知",
        en: "Emergency notices",
      });
      await pull.getByRole("button", { name: "Pull it now" }).click();
      await expectText(panel.getByRole("status"), "Pulled “燃气泄漏 请绕行”.");
      await panel.getByText("No emergency notice waits for review.").waitFor();
      await expect.poll(() => showing, { timeout: 10_000 }).toEqual([]);

      // The operator's page drops it as the screens acknowledge.
      await page.getByText("No emergency notice is active.").waitFor({ timeout: 20_000 });
      await checkBothLanguages(page, "emergencies-after-pull", {
        zh: "紧急通知",
        en: "Emergency notices",
      });
    } finally {
      closing = true;
      kiosk.socket.disconnect();
    }
  });

  it("an admin makes a city two-person; an operator's notice for a district of it waits for approval", async () => {
    const t = server();
    const admin = await openSignedIn(ui.browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      hash: "#schedules",
    });
    ui.contexts.push(admin.context);
    await expectPageHeading(admin.page, "Schedules");
    await admin.page.getByLabel("District", { exact: true }).selectOption("xigang");
    await admin.page.getByRole("button", { name: "Edit district…" }).click();
    const edit = admin.page.getByRole("form", { name: "Edit district xigang" });
    await edit
      .getByLabel("Emergency notices", { exact: true })
      .selectOption({ label: "Two people: a moderator approves before sending" });
    await edit.getByRole("button", { name: "Save district" }).click();
    await expectText(admin.page.getByRole("status").first(), /^Saved xigang district/);
    const saved = await api(`${t.baseUrl}/api/districts/xigang`);
    expect(
      ((await saved.json()) as { district: { emergencyApproval: unknown } }).district,
    ).toMatchObject({ emergencyApproval: "two-person" });

    const operator = await createUser(t.baseUrl, "Port", [{ role: "operator", scope: "*" }]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#emergencies",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Emergency notices");
    const form = page.getByRole("form", { name: "New emergency notice" });
    await form.getByLabel("Title").fill("港区大风预警");
    await form.getByRole("checkbox", { name: "xigang-port district (xigang-port)" }).check();
    await form.getByRole("button", { name: "Preview" }).click();
    const preview = page.getByRole("region", { name: "Preview: what the screens will show" });
    await expectText(
      preview.getByTestId("emergency-preview-where"),
      /^A second person is required for xigang-port district \(xigang-port\): the notice waits/,
    );
    await preview.getByRole("button", { name: "Ask for approval" }).click();
    await expectText(
      page.getByRole("status").first(),
      "“港区大风预警” waits for a moderator's approval; nothing was sent yet.",
    );
    const row = page.getByRole("row", { name: /港区大风预警/ });
    await expectText(row, /Waiting for approval: not sent yet/);
    await expectText(row, /Not sent to any screen\./);
    await checkBothLanguages(page, "emergencies-awaiting", {
      zh: "紧急通知",
      en: "Emergency notices",
    });
  });
});
