import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkBothLanguages,
  consoleShots,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { createUser } from "../support/principals";
import { adminSessionValue, createDistrict, useTestServer } from "../support/testServer";

const ui = useConsoleBrowser();

async function open(baseUrl: string, cookie: string, hash = "") {
  const opened = await openSignedIn(ui.browser, baseUrl, cookie, { hash });
  ui.contexts.push(opened.context);
  return opened.page;
}

describe("the console's navigation, by role", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "zhongshan"));

  it("lists every page to a city admin, moves by keyboard, focuses each heading, and Back works", async () => {
    const t = server();
    const page = await open(t.baseUrl, adminSessionValue(t.baseUrl));
    // Without a page in the address, the console opens on the overview.
    await expectPageHeading(page, "Overview");
    const nav = page.getByRole("navigation", { name: "Console pages" });
    expect(await nav.getByRole("link").allTextContents()).toEqual([
      "Overview",
      "Entries",
      "Review queue",
      "Objections",
      "Screens",
      "Schedules",
      "Emergency notices",
      "Users",
      "Audit log",
      "Announcements",
      "Kiosk releases",
      "District report",
      "API",
    ]);
    expect(await nav.getByRole("link", { name: "Overview" }).getAttribute("aria-current")).toBe(
      "page",
    );

    // The skip link is the first thing the keyboard reaches; it lands on the heading.
    expect(
      await page.evaluate(() => document.querySelector("a, button, input, select")?.textContent),
    ).toBe("Skip to content");
    await page.getByRole("link", { name: "Skip to content" }).focus();
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H1");

    // Keyboard only: focus the link, Enter, and the new page's heading has the focus.
    await nav.getByRole("link", { name: "Screens" }).focus();
    await page.keyboard.press("Enter");
    await expectPageHeading(page, "Screens");
    expect(new URL(page.url()).hash).toBe("#screens");
    expect(await page.title()).toBe("Screens · Civic signage console");
    expect(await nav.getByRole("link", { name: "Screens" }).getAttribute("aria-current")).toBe(
      "page",
    );

    await page.goBack();
    await expectPageHeading(page, "Overview");
    await checkBothLanguages(page, "navigation", { zh: "概览", en: "Overview" });
  });

  it("shows a district moderator only the pages a moderator has", async () => {
    const t = server();
    const moderator = await createUser(t.baseUrl, "Moderator", [
      { role: "moderator", scope: "zhongshan" },
    ]);
    const page = await open(t.baseUrl, moderator.cookie, "#screens");
    await expectPageHeading(page, "Screens");
    const nav = page.getByRole("navigation", { name: "Console pages" });
    expect(await nav.getByRole("link").allTextContents()).toEqual([
      "Overview",
      "Entries",
      "Review queue",
      "Objections",
      "Screens",
      "Schedules",
      "Announcements",
      "District report",
      "API",
    ]);
    // A moderator sees screens but cannot pair them.
    expect(await page.getByRole("button", { name: "Pair screen" }).count()).toBe(0);
    // Schedules they read (to approve idle slides), without the means to change them.
    await nav.getByRole("link", { name: "Schedules" }).click();
    await expectPageHeading(page, "Schedules");
    await page
      .getByText("You may read schedules and approve idle slides; operators change schedules.")
      .waitFor();
    expect(await page.getByRole("button", { name: /^Save schedule of / }).count()).toBe(0);
  });

  it("fits every page into an 800 px wide window without sideways scrolling", async () => {
    const t = server();
    const opened = await openSignedIn(ui.browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      viewport: { width: 800, height: 800 },
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    const pages = [
      ["#dashboard", "Overview"],
      ["#entries", "Entries"],
      ["#review", "Review queue"],
      ["#objections", "Objections"],
      ["#screens", "Screens"],
      ["#schedules", "Schedules"],
      ["#emergencies", "Emergency notices"],
      ["#users", "Users"],
      ["#audit", "Audit log"],
      ["#announcements", "Announcements"],
      ["#releases", "Kiosk releases"],
      ["#reports", "District report"],
      ["#api", "API"],
    ] as const;
    for (const [hash, heading] of pages) {
      await page.goto(`${t.baseUrl}/console/${hash}`);
      await expectPageHeading(page, heading);
      // Wide tables scroll inside their own box; the page itself does not.
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        `${hash} at 800 px`,
      ).toBeLessThanOrEqual(800);
      await page.screenshot({
        path: join(consoleShots, `narrow-${hash.slice(1)}-en.png`),
        fullPage: true,
      });
    }
  });

  it("tells a user without roles that a page is not theirs, and offers only the public API description", async () => {
    const t = server();
    const nobody = await createUser(t.baseUrl, "Nobody", []);
    const page = await open(t.baseUrl, nobody.cookie, "#screens");
    await expectPageHeading(page, "Not available to you");
    expect(
      await page
        .getByRole("navigation", { name: "Console pages" })
        .getByRole("link")
        .allTextContents(),
    ).toEqual(["API"]);
    expect(await page.getByRole("table").count()).toBe(0);
    await checkBothLanguages(page, "not-allowed", {
      zh: "您无权使用此页面",
      en: "Not available to you",
    });
    await page.getByRole("link", { name: "Change password" }).click();
    await expectPageHeading(page, "Change password");
    await checkBothLanguages(page, "password", { zh: "修改密码", en: "Change password" });
  });
});
