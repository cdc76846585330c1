import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { wordError } from "../../shared/messages/errorMessages";
import { AnnouncementViewSchema } from "../../shared/schemas/announcement";
import { publishAnnouncement } from "../support/announcements";
import { expectText } from "../support/browser";
import { expectPageHeading, openSignedIn, useConsoleBrowser } from "../support/console";
import { createUser } from "../support/principals";
import { api, TEST_ADMIN, useTestServer } from "../support/testServer";

const ui = useConsoleBrowser();
const server = useTestServer();

/** Three English words in a row: an English sentence, where the Chinese console shows none. */
const ENGLISH = /[A-Za-z]+ [A-Za-z]+ [A-Za-z]+/;

/** Each language's console, with the words its sign-in page and the edit form use. */
const languages = [
  {
    language: "zh-CN",
    locale: "zh-CN",
    signIn: { heading: "登录", email: "电子邮箱", password: "密码", submit: "登录" },
  },
  {
    language: "en",
    locale: "en-US",
    signIn: { heading: "Sign in", email: "Email", password: "Password", submit: "Sign in" },
  },
] as const;

/** The console's sign-in page in a fresh profile whose browser speaks `locale`. */
async function signInPage(locale: string, heading: string): Promise<Page> {
  const context = await ui.browser.newContext({ locale, viewport: { width: 1100, height: 800 } });
  ui.contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${server().baseUrl}/console/`);
  await page.getByRole("heading", { level: 1, name: heading, exact: true }).waitFor();
  return page;
}

/** The text of the alert the page shows now (it replaces any earlier one). */
async function alertText(page: Page, expected: string | RegExp): Promise<string> {
  const alert = page.getByRole("alert").filter({ hasText: expected });
  await expectText(alert, expected);
  return (await alert.textContent()) ?? "";
}

describe("the console words the server's refusals in its own language", () => {
  for (const { language, locale, signIn } of languages) {
    it(`says a wrong password and an overlong email in ${language}`, async () => {
      const page = await signInPage(locale, signIn.heading);
      await page.getByLabel(signIn.email).fill(TEST_ADMIN.email);
      await page.getByLabel(signIn.password, { exact: true }).fill("not the password at all");
      await page.getByRole("button", { name: signIn.submit, exact: true }).click();
      const wrong = wordError("auth.wrongPassword", {}, language);
      expect(await alertText(page, wrong)).toBe(wrong);

      // The server's schema refuses an address longer than any mailbox: the field is named in
      // the console's language.
      await page.getByLabel(signIn.email).fill(`${"a".repeat(250)}@example.test`);
      await page.getByRole("button", { name: signIn.submit, exact: true }).click();
      if (language === "zh-CN") {
        const invalid = "提交的登录表单中，“电子邮箱”一项不符合要求。";
        expect(await alertText(page, invalid)).toBe(invalid);
        expect(invalid).not.toMatch(ENGLISH);
      } else {
        await alertText(page, /^The sign-in form is not valid \(email: .+\)\.$/);
      }
    });

    it(`says a stale revision in ${language}`, async () => {
      const t = server();
      const operator = await createUser(t.baseUrl, "Editor", [{ role: "operator", scope: "*" }]);
      const title = `Road works ${language}`;
      const shown = await publishAnnouncement(t, { title, language: "en" });
      // The form opens in English (its labels are known), then the console switches language.
      const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
        hash: "#announcements",
      });
      ui.contexts.push(opened.context);
      const { page } = opened;
      await expectPageHeading(page, "Announcements");
      await page.getByRole("button", { name: "Published", exact: true }).click();
      await page.getByRole("button", { name: `Edit “${title}”` }).click();
      const form = page.getByRole("form", { name: `Edit “${title}”` });
      await form.getByLabel("Title", { exact: true }).fill(`${title}, Zhongshan Road`);

      // Someone else changes it meanwhile: the edit made on the old revision is refused.
      const meanwhile = await api(`${t.baseUrl}/api/announcements/${shown.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ revision: shown.revision, body: "Until Friday." }),
      });
      expect(meanwhile.status).toBe(200);
      const now = AnnouncementViewSchema.parse(
        ((await meanwhile.json()) as { announcement: unknown }).announcement,
      ).revision;
      const stale = wordError(
        "announcement.staleRevision",
        { seen: shown.revision, now },
        language,
      );
      if (language === "zh-CN") await page.getByRole("button", { name: "中文" }).click();
      await page.locator("form button[type=submit]").last().click();
      expect(await alertText(page, stale)).toBe(stale);
      if (language === "zh-CN") expect(stale).not.toMatch(ENGLISH);
    });
  }
});
