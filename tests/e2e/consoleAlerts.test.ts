import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNoSeriousA11yViolations } from "../support/axe";
import {
  consoleShots,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { reportStatus } from "../support/kioskStatus";
import { createUser } from "../support/principals";
import { createDistrict, pairKiosk, useTestServer, type KioskSocket } from "../support/testServer";

const ui = useConsoleBrowser();
const sockets: KioskSocket[] = [];
afterAll(() => {
  for (const s of sockets) s.disconnect();
});

describe("the alert bell (issue 20 item 1)", () => {
  const server = useTestServer({ env: { SIGNAGE_ALERT_CHECK_SECONDS: "1" } }, (t) =>
    createDistrict(t.baseUrl, "bell"),
  );

  it("rings live for a screen of the user's district, lists it in Chinese, and clears when the cause ends", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "duty", [{ role: "operator", scope: "bell" }]);
    const kiosk = await pairKiosk(t.baseUrl, "bell", "钟楼屏");
    sockets.push(kiosk.socket);
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#dashboard",
      locale: "zh-CN",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "概览");
    const bell = page.getByRole("button", { name: /^告警：/ });
    await expect.poll(() => bell.textContent(), { timeout: 10_000 }).toBe("告警：0");

    // The kiosk's clock goes wrong: the bell rings without a reload.
    reportStatus(kiosk.socket, { clockSkewMs: -4_500 });
    await expect.poll(() => bell.textContent(), { timeout: 20_000 }).toBe("告警：1（1 条未读）");
    await bell.click();
    const panel = page.getByRole("region", { name: "您所辖屏幕的告警" });
    await expect
      .poll(() => panel.getByTestId("alert-open").first().textContent(), { timeout: 10_000 })
      .toContain("钟楼屏的时钟偏差 4.5 秒。");
    // Opened: nothing is new any more.
    await expect.poll(() => page.getByTestId("alert-unread").count(), { timeout: 10_000 }).toBe(0);
    await expectNoSeriousA11yViolations(page, "alert bell (zh-CN)");
    await page.screenshot({ path: join(consoleShots, "alert-bell-zh.png") });

    reportStatus(kiosk.socket, { clockSkewMs: 80 });
    await expect.poll(() => panel.getByTestId("alert-open").count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toContain("已于");
    expect(await bell.textContent()).toBe("告警：0");
  });
});
