import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { expectNoSeriousA11yViolations } from "../support/axe";
import { expectText, launchChromium } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  requireConsoleBuild,
} from "../support/console";
import { displayShots, pairShownCode, requireDisplayBuild } from "../support/displayPage";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  putSchedule,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const DISTRICT = "ob-e2e";
/** The fictional objector, typed on a phone. */
const OBJECTOR = {
  name: "令狐晴川",
  contact: "139 0000 1234",
  text: "本人的债务已于上月结清，法院已出具结案通知书，请撤下此公示。",
};

describe("an objection from a phone reaches a moderator and takes the entry off the street", () => {
  let t: TestServer;
  let browser: Browser;
  let moderator: TestUser;
  let entry: EntryView;
  let display: Page;

  beforeAll(async () => {
    requireDisplayBuild();
    requireConsoleBuild();
    t = await startTestServer();
    await createDistrict(t.baseUrl, DISTRICT);
    moderator = await createUser(t.baseUrl, "ob-e2e-moderator", [
      { role: "moderator", scope: DISTRICT },
    ]);
    const created = await api(`${t.baseUrl}/api/entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(buildEntryInput({ districtIds: [DISTRICT] })),
    });
    expect(created.status).toBe(201);
    entry = EntryViewSchema.parse(((await created.json()) as { entry: unknown }).entry);
    expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
    await putSchedule(t.baseUrl, DISTRICT, {
      playlist: [{ type: "discredited" }],
      dwellSeconds: 3600,
    });
    browser = await launchChromium();
    display = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await display.goto(`${t.baseUrl}/display`);
    await pairShownCode(display, t.baseUrl, "异议测试屏", DISTRICT);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (t) removeDataDir(t.dataDir);
  });

  it("files on a phone, the moderator suspends in the console, the display drops it, the status page says so", async () => {
    // The display shows the entry.
    await expectText(display.getByTestId("entry-case"), entry.caseNumber, 20_000);

    // A phone-sized browser opens the notice page (the QR code's address) and files.
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: "en-GB",
    });
    try {
      const page = await phone.newPage();
      const opened = await page.goto(`${t.baseUrl}/n/${entry.publicId}`);
      expect(opened?.status()).toBe(200);
      await expectText(page.getByRole("heading", { level: 1 }), entry.maskedName);
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      ).toBe(true);
      await expectNoSeriousA11yViolations(page, "notice page with the objection form");
      await page.goto(`${t.baseUrl}/n/${entry.publicId}?lang=zh`);
      await expectText(page.getByRole("heading", { level: 2, name: "提出异议" }), "提出异议");
      await expectNoSeriousA11yViolations(page, "notice page with the objection form (zh)");
      await page.goto(`${t.baseUrl}/n/${entry.publicId}?lang=en`);
      await page.getByLabel("Your name").fill(OBJECTOR.name);
      await page.getByLabel("How to reach you (phone or email)").fill(OBJECTOR.contact);
      await page.getByLabel("What is wrong").fill(OBJECTOR.text);
      await page.getByLabel(/I agree that what I enter is stored/).check();
      await page.screenshot({ path: join(displayShots, "objection-form-en.png"), fullPage: true });
      await page.getByRole("button", { name: "Send objection" }).click();
      await expectText(page.getByRole("heading", { level: 1 }), "Your objection was received");
      const reference = ((await page.locator("[data-reference]").textContent()) ?? "").trim();
      expect(reference).toMatch(/^OBJ-[A-Z2-7]{10}$/);
      await expectNoSeriousA11yViolations(page, "objection receipt");
      await page.screenshot({
        path: join(displayShots, "objection-receipt-en.png"),
        fullPage: true,
      });

      // The moderator of the district opens it in the console and suspends the entry.
      const { context, page: console } = await openSignedIn(browser, t.baseUrl, moderator.cookie, {
        hash: "#objections",
      });
      try {
        await expectPageHeading(console, "Objections");
        await console.getByRole("button", { name: `Open objection ${reference}` }).click();
        const panel = console.getByTestId("objection-panel");
        await expectText(panel.getByRole("heading", { level: 2 }), `Objection ${reference}`);
        await expectText(panel.locator("dd").first(), OBJECTOR.name);
        await checkBothLanguages(console, "objections-opened", { zh: "异议", en: "Objections" });
        await console.getByRole("button", { name: "Suspend the entry pending review" }).click();
        await console.getByRole("button", { name: "Suspend now" }).click();
        await expectText(console.getByTestId("objection-state"), "Entry suspended");
        await console.screenshot({
          path: join(displayShots, "objection-console-en.png"),
          fullPage: true,
        });
      } finally {
        await context.close();
      }

      // The display stops showing the entry.
      await expect
        .poll(
          async () =>
            (await display.getByTestId("entry-case").allTextContents()).includes(entry.caseNumber),
          { timeout: 15_000, interval: 250 },
        )
        .toBe(false);

      // The objector's status page shows the decision.
      // The objector comes back later with the reference, typed into the lookup form.
      await page.goto(`${t.baseUrl}/n/${entry.publicId}/objections?lang=en`);
      await expectText(page.getByRole("heading", { level: 1 }), "Check an objection's status");
      await expectNoSeriousA11yViolations(page, "objection lookup");
      await page.getByLabel("Reference number").fill(reference.toLowerCase());
      await page.getByRole("button", { name: "Check" }).click();
      await expectText(page.getByRole("heading", { level: 1 }), `Objection ${reference}`);
      await expectText(
        page.locator("[data-state]"),
        /^Under review: the listing was taken off the screens/,
      );
      expect(await page.content()).not.toContain(OBJECTOR.name);
      await expectNoSeriousA11yViolations(page, "objection status");
      // Both languages: the page and its decision in Chinese too.
      await page.getByRole("link", { name: "中文" }).click();
      await expectText(page.locator("[data-state]"), /^审核中：该公示已暂停显示/);
      await expectNoSeriousA11yViolations(page, "objection status (zh)");
      await page.screenshot({
        path: join(displayShots, "objection-status-zh.png"),
        fullPage: true,
      });
      await page.screenshot({
        path: join(displayShots, "objection-status-en.png"),
        fullPage: true,
      });
    } finally {
      await phone.close();
    }
  }, 120_000);
});
