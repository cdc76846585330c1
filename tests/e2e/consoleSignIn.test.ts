import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  removeDataDir,
  setupTokenFromLog,
  startTestServer,
  TEST_ADMIN,
  type TestServer,
} from "../support/testServer";
import { useConsoleBrowser } from "../support/console";

const shots = join(import.meta.dirname, "../../test-results/console");
const viewport = { width: 1100, height: 800 };

const ui = useConsoleBrowser();

/** A fresh browser profile (no cookies, no stored language) whose browser speaks `locale`. */
async function openConsole(t: TestServer, locale: string): Promise<Page> {
  const context = await ui.browser.newContext({ locale, viewport });
  ui.contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${t.baseUrl}/console/`);
  return page;
}

async function expectHeading(page: Page, name: string): Promise<void> {
  await page.getByRole("heading", { level: 1, name, exact: true }).waitFor({ timeout: 10_000 });
}

/** Waits for an alert saying exactly `text`, and checks the keyboard focus moved onto it. */
async function expectAlert(page: Page, text: string | RegExp): Promise<void> {
  const alert = page.getByRole("alert").filter({ hasText: text });
  // Each sign-in hashes a password: slow when another e2e file runs beside this one.
  await alert.waitFor({ timeout: 30_000 });
  const shown = (await alert.textContent()) ?? "";
  if (typeof text === "string") expect(shown).toBe(text);
  else expect(shown).toMatch(text);
  // The alert takes the focus in an effect, after the render that shows it.
  await expect
    .poll(() => page.evaluate(() => document.activeElement?.getAttribute("role")), {
      timeout: 15_000,
    })
    .toBe("alert");
}

function htmlLang(page: Page): Promise<string> {
  return page.evaluate(() => document.documentElement.lang);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe("console on a fresh server, in real Chromium", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ signIn: false });
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("sets up the first admin, keeps the session across a reload, signs out and in again", async () => {
    const page = await openConsole(t, "zh-CN");
    const admin = {
      email: "duty.manager@example.test",
      name: "值班主任 王芳",
      password: "四月 晴天 公交车 风筝 2024",
    };

    // A Chinese browser gets the Chinese console; the page asks for the set-up token.
    await expectHeading(page, "首次设置");
    await expect.poll(() => htmlLang(page), { timeout: 15_000 }).toBe("zh-CN");
    await page.getByText("请输入服务器启动时在日志中打印的一次性设置令牌").waitFor();
    await shot(page, "setup-zh");
    await page.getByRole("button", { name: "English" }).click();
    await expectHeading(page, "First-run set-up");
    await shot(page, "setup-en");
    await page.getByRole("button", { name: "中文" }).click();
    await expectHeading(page, "首次设置");

    await page.getByLabel("设置令牌").fill("a-token-someone-guessed");
    await page.getByLabel("电子邮箱").fill(admin.email);
    await page.getByLabel("显示名称").fill(admin.name);
    await page.getByLabel("密码", { exact: true }).fill(admin.password);
    await page.getByLabel("再次输入密码").fill(`${admin.password}!`);
    await page.getByRole("button", { name: "创建管理员并登录" }).click();
    await expectAlert(page, "两次输入的密码不一致，请输入相同的密码。");

    // A wrong token: the server's refusal in the console's language; then the token as the
    // admin reads it in the log.
    await page.getByLabel("再次输入密码").fill(admin.password);
    await page.getByRole("button", { name: "创建管理员并登录" }).click();
    await expectAlert(page, /^设置令牌不对；/);
    await page.getByLabel("设置令牌").fill(setupTokenFromLog(t.logLines) ?? "");
    await page.getByRole("button", { name: "创建管理员并登录" }).click();
    await expectHeading(page, "概览");
    await page.getByText(`当前用户：${admin.name}`).waitFor();
    await page.getByText("角色：管理员（全市）").waitFor();

    await page.reload();
    await expectHeading(page, "概览");
    await page.getByText(`当前用户：${admin.name}`).waitFor();

    await page.getByRole("button", { name: "退出登录" }).click();
    await expectHeading(page, "登录");
    await page.getByRole("status").filter({ hasText: "您已退出登录。" }).waitFor();

    await page.getByLabel("电子邮箱").fill(admin.email);
    await page.getByLabel("密码").fill(admin.password);
    await page.getByRole("button", { name: "登录" }).click();
    await expectHeading(page, "概览");
    await page.getByText(`当前用户：${admin.name}`).waitFor();

    // A wrong password: the server's refusal in the console's language, announced and focused.
    await page.getByRole("button", { name: "退出登录" }).click();
    await expectHeading(page, "登录");
    await page.getByLabel("电子邮箱").fill(admin.email);
    await page.getByLabel("密码").fill("not the password at all");
    await page.getByRole("button", { name: "登录" }).click();
    await expectAlert(page, "电子邮箱或密码不正确。");
    await shot(page, "sign-in-zh");
    await page.getByRole("button", { name: "English" }).click();
    await expectHeading(page, "Sign in");
    await shot(page, "sign-in-en");

    // Repeated failures: the 429 sentence, the wait included, as the server said it.
    await page.getByLabel("Email").fill("nobody@example.test");
    for (let i = 1; i <= 5; i++) {
      await page.getByLabel("Password").fill(`wrong guess ${i}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expectAlert(page, "The email or password is wrong.");
    }
    // The sixth must wait 1 s after the fifth, the next 2 s, then 4 s…: on a loaded machine an
    // attempt may come later than its wait, so the test tries on until one comes within it.
    let refused = false;
    for (let i = 6; i <= 12 && !refused; i++) {
      await page.getByLabel("Password").fill(`wrong guess ${i}`);
      const answered = page.waitForResponse((r) => r.url().endsWith("/api/auth/login"), {
        timeout: 30_000,
      });
      await page.getByRole("button", { name: "Sign in" }).click();
      refused = (await answered).status() === 429;
    }
    expect(refused).toBe(true);
    await expectAlert(
      page,
      /^Too many failed sign-ins for this account; try again in \d+ seconds?\.$/,
    );
  }, 120_000);
});

describe("console with accounts made by an admin, in real Chromium", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("a new operator must replace the one-time password, then submits an announcement", async () => {
    const created = await api(`${t.baseUrl}/api/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        email: "operator@example.test",
        displayName: "Li Lei 李雷",
        roles: [{ role: "operator", scope: "*" }],
      }),
    });
    expect(created.status).toBe(201);
    const { oneTimePassword } = (await created.json()) as { oneTimePassword: string };
    const newPassword = "lantern river autumn bicycle";

    // An English browser gets the English console.
    const page = await openConsole(t, "en-US");
    await expectHeading(page, "Sign in");
    await expect.poll(() => htmlLang(page), { timeout: 15_000 }).toBe("en");
    await page.getByLabel("Email").fill("operator@example.test");
    await page.getByLabel("Password").fill(oneTimePassword);
    await page.getByRole("button", { name: "Sign in" }).click();

    await expectHeading(page, "Choose your own password");
    await page.getByText("You signed in with a one-time password from an administrator.").waitFor();
    // Nothing else is reachable until the password is changed.
    expect(await page.getByRole("link", { name: "Change password" }).count()).toBe(0);
    await shot(page, "change-password-en");
    await page.getByRole("button", { name: "中文" }).click();
    await expectHeading(page, "请设置您自己的密码");
    await shot(page, "change-password-zh");
    await page.getByRole("button", { name: "English" }).click();

    await page.getByLabel("One-time password").fill(oneTimePassword);
    await page.getByLabel("New password", { exact: true }).fill("too short");
    await page.getByLabel("Repeat the new password").fill("too short");
    await page.getByRole("button", { name: "Change password" }).click();
    await expectAlert(page, "The password needs at least 12 characters.");

    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("Repeat the new password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();

    await expectHeading(page, "Overview");
    // Sign-in lands on the overview; the announcements are one link away.
    await page.getByRole("link", { name: "Announcements" }).click();
    await expectHeading(page, "Announcements");
    await page.getByText("Signed in as Li Lei 李雷").waitFor();
    await page.getByText("Roles: operator (whole city)").waitFor();
    await page.getByRole("button", { name: "New announcement" }).click();
    await page.getByLabel("Title", { exact: true }).fill("中山路夜间施工");
    await page.getByLabel("Text", { exact: true }).fill("11月28日22时至次日6时，请绕行。");
    await page.getByLabel("Screen language").selectOption("zh-CN");
    // A city-wide operator may address the whole city, and does unless they choose districts.
    expect(await page.getByRole("radio", { name: "The whole city" }).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Save and submit for review" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /^Sent “中山路夜间施工” for review: a second person approves it/ })
      .waitFor();
    await page.getByRole("rowheader").filter({ hasText: "中山路夜间施工" }).waitFor();

    // The console's check passes and the server's does not: its refusal, worded by the console
    // with the server's detail.
    await page.getByRole("button", { name: "New announcement" }).click();
    await page.getByLabel("Title", { exact: true }).fill("热线");
    await page.getByLabel("Text", { exact: true }).fill("咨询电话 13800138000");
    await page.getByRole("button", { name: "Save draft" }).click();
    const refusal = page.getByRole("alert").filter({ hasText: "personal data" });
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /^Refused: the text looks like it holds personal data .*\(The body: .+\)$/,
    );

    const listed = await api(`${t.baseUrl}/api/announcements`);
    const { announcements } = (await listed.json()) as {
      announcements: { title: string; state: string }[];
    };
    expect(announcements.map((a) => [a.title, a.state])).toEqual([["中山路夜间施工", "in_review"]]);

    // The new password is the one that works now.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expectHeading(page, "Sign in");
    await page.getByLabel("Email").fill("operator@example.test");
    await page.getByLabel("Password").fill(newPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expectHeading(page, "Overview");
  });

  it("switching to 中文 and back to English changes the strings and <html lang>, and is remembered", async () => {
    const page = await openConsole(t, "en-US");
    await expectHeading(page, "Sign in");

    // Keyboard only: the heading has focus, Tab reaches the fields, Enter submits.
    await page.keyboard.press("Tab");
    await page.keyboard.type(TEST_ADMIN.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(TEST_ADMIN.password);
    await page.keyboard.press("Enter");
    await expectHeading(page, "Overview");
    await page.getByText(`Signed in as ${TEST_ADMIN.displayName}`).waitFor();
    await expect.poll(() => htmlLang(page), { timeout: 15_000 }).toBe("en");
    await shot(page, "shell-en");

    await page.getByRole("button", { name: "中文" }).focus();
    await page.keyboard.press("Enter");
    await expectHeading(page, "概览");
    await expect.poll(() => htmlLang(page), { timeout: 15_000 }).toBe("zh-CN");
    expect(await page.getByRole("button", { name: "中文" }).getAttribute("aria-pressed")).toBe(
      "true",
    );
    await page.getByRole("link", { name: "公告" }).waitFor();
    await page.getByRole("link", { name: "修改密码" }).waitFor();
    await page.getByRole("button", { name: "退出登录" }).waitFor();
    await page.getByText("角色：管理员（全市）").waitFor();
    await shot(page, "shell-zh");

    // The choice outlives a reload, over the browser's own English.
    await page.reload();
    await expectHeading(page, "概览");
    await expect.poll(() => htmlLang(page), { timeout: 15_000 }).toBe("zh-CN");
    await expect.poll(() => page.title(), { timeout: 15_000 }).toBe("概览 · 公共信息屏控制台");

    await page.getByRole("link", { name: "修改密码" }).click();
    await expectHeading(page, "修改密码");
    await page.getByRole("button", { name: "English" }).click();
    await expectHeading(page, "Change password");
    await expect.poll(() => htmlLang(page), { timeout: 15_000 }).toBe("en");
    await page.getByRole("link", { name: "Back to the overview" }).click();
    await expectHeading(page, "Overview");
    await page.getByRole("heading", { name: "Waiting for review" }).waitFor();
    await page.getByRole("link", { name: "Announcements" }).click();
    await expectHeading(page, "Announcements");
    await page.getByRole("button", { name: "New announcement" }).waitFor();
  });
});
