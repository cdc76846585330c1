import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { UserViewSchema, type UserView } from "../../shared/schemas/account";
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
  signIn,
  TEST_ADMIN,
  useTestServer,
} from "../support/testServer";

const ui = useConsoleBrowser();

async function userOnServer(baseUrl: string, email: string): Promise<UserView | undefined> {
  const res = await api(`${baseUrl}/api/users`);
  const users = UserViewSchema.array().parse(((await res.json()) as { users: unknown }).users);
  return users.find((u) => u.email === email);
}

/** Reads the one-time password shown once on the page. */
async function shownPassword(page: Page, name: string): Promise<string> {
  const code = page
    .getByRole("region", { name: `One-time password for ${name}`, exact: true })
    .locator("code");
  await code.waitFor();
  return (await code.textContent()) ?? "";
}

describe("users page", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "zhongshan");
    await createDistrict(t.baseUrl, "xigang");
  });

  it("creates a user with a one-time password shown once, changes roles, disables and resets", async () => {
    const t = server();
    const opened = await openSignedIn(ui.browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      hash: "#users",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Users");
    await page.getByRole("rowheader", { name: `${TEST_ADMIN.displayName} (you)` }).waitFor();
    // An admin does not edit themselves here (the server refuses own role changes).
    expect(await page.getByRole("button", { name: `Edit ${TEST_ADMIN.displayName}` }).count()).toBe(
      0,
    );

    await page.getByRole("button", { name: "New user…" }).click();
    const form = page.getByRole("form", { name: "New user" });
    await form.getByRole("button", { name: "Create user" }).click();
    await expectText(page.getByRole("alert"), "Fill in “Email”.");
    await form.getByLabel("Email").fill("Zhang.Wei@Example.test");
    await form.getByLabel("Display name").fill("张伟");
    await form.getByRole("button", { name: "Add a role" }).click();
    // A new role starts at the least privilege: operator of a district, not the whole city.
    await expect
      .poll(() => form.getByLabel("Role 1").inputValue(), { timeout: 15_000 })
      .toBe("operator");
    await expect
      .poll(() => form.getByLabel("Over 1").inputValue(), { timeout: 15_000 })
      .not.toBe("*");
    await form.getByLabel("Role 1").selectOption("operator");
    await form.getByLabel("Over 1").selectOption("zhongshan");
    await form.getByRole("button", { name: "Add a role" }).click();
    await form.getByLabel("Role 2").selectOption("admin");
    await form.getByRole("button", { name: "Remove role 2" }).click();
    await checkBothLanguages(page, "users-new", { zh: "用户", en: "Users" });
    await form.getByRole("button", { name: "Create user" }).click();

    // The password is shown once, focused, and works for signing in.
    const otp = await shownPassword(page, "张伟");
    expect(otp.length).toBeGreaterThanOrEqual(12);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 15_000 })
      .toBe("otp-heading");
    const created = await userOnServer(t.baseUrl, "zhang.wei@example.test");
    expect(created).toMatchObject({
      displayName: "张伟",
      roles: [{ role: "operator", scope: "zhongshan" }],
      mustChangePassword: true,
      disabled: false,
    });
    await signIn(t.baseUrl, "zhang.wei@example.test", otp);
    await page.getByRole("button", { name: "I have passed it on" }).click();
    expect(await page.getByText(otp).count()).toBe(0);
    await page
      .getByRole("row")
      .filter({ hasText: "张伟" })
      .getByText("Must choose a password")
      .waitFor();

    // New name and roles.
    await page.getByRole("button", { name: "Edit 张伟" }).click();
    const panel = page.getByRole("region", { name: "Edit 张伟" });
    await panel.getByLabel("Display name").fill("张伟（西岗）");
    await panel.getByLabel("Role 1").selectOption("moderator");
    await panel.getByLabel("Over 1").selectOption("xigang");
    await panel.getByRole("button", { name: "Save name and roles" }).click();
    await expectText(page.getByRole("status"), "Saved 张伟（西岗）.");
    expect(await userOnServer(t.baseUrl, "zhang.wei@example.test")).toMatchObject({
      displayName: "张伟（西岗）",
      roles: [{ role: "moderator", scope: "xigang" }],
    });
    await page
      .getByRole("row")
      .filter({ hasText: "张伟（西岗）" })
      .getByText("moderator (district xigang)")
      .waitFor();

    // Disabled: the password no longer signs in.
    await page
      .getByRole("region", { name: "Edit 张伟（西岗）" })
      .getByRole("button", { name: "Disable" })
      .click();
    await expectText(
      page.getByRole("status"),
      "张伟（西岗） is disabled and signed out everywhere.",
    );
    expect((await userOnServer(t.baseUrl, "zhang.wei@example.test"))?.disabled).toBe(true);
    await expect(signIn(t.baseUrl, "zhang.wei@example.test", otp)).rejects.toThrow();

    // Enabled again, and a reset gives a new one-time password; the old one is dead.
    const edit = page.getByRole("region", { name: "Edit 张伟（西岗）" });
    await edit.getByRole("button", { name: "Enable" }).click();
    await expectText(page.getByRole("status"), "张伟（西岗） can sign in again.");
    await edit.getByRole("button", { name: "Reset password" }).click();
    const second = await shownPassword(page, "张伟（西岗）");
    expect(second).not.toBe(otp);
    await checkBothLanguages(page, "users-reset", { zh: "用户", en: "Users" });
    await signIn(t.baseUrl, "zhang.wei@example.test", second);
    await expect(signIn(t.baseUrl, "zhang.wei@example.test", otp)).rejects.toThrow();
  });

  it("a district admin manages only that district and cannot grant the whole city", async () => {
    const t = server();
    const local = await createUser(t.baseUrl, "LocalAdmin", [
      { role: "admin", scope: "zhongshan" },
    ]);
    await createUser(t.baseUrl, "InZhongshan", [{ role: "operator", scope: "zhongshan" }]);
    await createUser(t.baseUrl, "InXigang", [{ role: "operator", scope: "xigang" }]);
    const opened = await openSignedIn(ui.browser, t.baseUrl, local.cookie, { hash: "#users" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Users");
    await page.getByRole("rowheader", { name: "InZhongshan" }).waitFor();
    expect(await page.getByRole("rowheader", { name: "InXigang" }).count()).toBe(0);
    // Nav: a district admin has no audit log (it needs an admin of the whole city).
    expect(
      await page
        .getByRole("navigation", { name: "Console pages" })
        .getByRole("link", { name: "Audit log" })
        .count(),
    ).toBe(0);
    await page.getByRole("button", { name: "New user…" }).click();
    const form = page.getByRole("form", { name: "New user" });
    await form.getByRole("button", { name: "Add a role" }).click();
    expect(await form.getByLabel("Over 1").locator("option").allTextContents()).toEqual([
      "zhongshan district (zhongshan)",
    ]);
  });
});
