import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPersonRow, toCsv } from "../fixtures/courtExport";
import { expectText } from "../support/browser";
import {
  consoleShots,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { createUser } from "../support/principals";
import { createDistrict, useTestServer } from "../support/testServer";

const ui = useConsoleBrowser();

describe("importing in the Chinese console (issue 19 item 6)", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "zhongshan"));

  it("counts the same reason once, in Chinese, and imports the rows again without their photos", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Importer", [{ role: "operator", scope: "*" }]);
    const rows = [1, 2, 3].map((i) =>
      buildPersonRow({ 照片: `p-${i}.jpg`, 案号: `（2026）辽0202执8000${i}号` }),
    );
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#entries",
      locale: "zh-CN",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "名单条目");
    await page.getByRole("button", { name: "导入法院导出文件…" }).click();
    const form = page.getByRole("form", { name: "导入法院导出文件" });
    await form.getByLabel("导出文件（CSV 或 JSON）").setInputFiles({
      name: "court.csv",
      mimeType: "text/csv",
      buffer: toCsv(rows),
    });
    await form.getByLabel("无到期日期的行所用的到期日期（可选）").fill("2029-12-31");
    await form.getByRole("checkbox", { name: /zhongshan/ }).check();
    await form.getByRole("button", { name: "导入", exact: true }).click();

    const report = page.getByRole("region", { name: "导入报告：court.csv" });
    await report.waitFor({ timeout: 30_000 });
    const groups = report.getByTestId("import-group");
    await expect.poll(() => groups.count(), { timeout: 10_000 }).toBe(1);
    const group = (await groups.first().textContent()) ?? "";
    expect(group).toContain("3 行被拒绝（第 2–4 行）。例如第 2 行：");
    expect(group).toContain("未提供照片 p-1.jpg");
    // The rows' own reasons are Chinese too, and nothing reads like a command line.
    const refusedRow = report.getByRole("row").filter({ hasText: "已拒绝" }).first();
    expect(await refusedRow.locator("td").nth(1).textContent()).toContain("未提供照片");
    expect(await report.textContent()).not.toMatch(/--|was not supplied/);
    await page.screenshot({ path: join(consoleShots, "import-report-zh.png"), fullPage: true });

    await report.getByRole("button", { name: "不带缺少的照片，重新导入同一文件" }).click();
    const again = page.getByRole("region", { name: "导入报告：court.csv" });
    await expectText(again.getByRole("status"), "共 3 行：接受 3 行，已存在 0 行，拒绝 0 行。");
    await expect
      .poll(async () => (await again.getByTestId("import-group").first().textContent()) ?? "", {
        timeout: 10_000,
      })
      .toContain("3 行已导入但没有照片");
  });
});
