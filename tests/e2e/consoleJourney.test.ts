import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { buildPersonRow, toCsv } from "../fixtures/courtExport";
import { silhouettePortrait } from "../fixtures/images";
import { buildZip } from "../fixtures/zip";
import { expectText } from "../support/browser";
import { consoleShots, expectPageHeading, laptop, useConsoleBrowser } from "../support/console";
import { journeyLanguages, type JourneyWords } from "../support/journeyWords";
import { fetchAs } from "../support/principals";
import {
  removeDataDir,
  setupTokenFromLog,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const ui = useConsoleBrowser();

// The same first day in each console language: every heading, label, status line and refusal the
// people meet on the way is checked as shown in that language (issue 19).
describe.each(journeyLanguages)("the whole job, in the browser only ($locale)", (words) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ signIn: false, env: { SIGNAGE_REDACTION_WORKERS: "1" } });
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  let step = 0;
  /** Saves a numbered screenshot: test-results/console/journey-<en|zh>-NN-<name>.png. */
  async function shot(page: Page, name: string, fullPage = true): Promise<void> {
    step += 1;
    await page.screenshot({
      path: join(
        consoleShots,
        `journey-${words.suffix}-${String(step).padStart(2, "0")}-${name}.png`,
      ),
      fullPage,
    });
  }

  /** A fresh browser profile on the console, in the journey's language. */
  async function openConsole(): Promise<Page> {
    const context = await ui.browser.newContext({ locale: words.locale, viewport: laptop });
    ui.contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/console/`);
    return page;
  }

  /** Follows a navigation link and waits for the page's heading. */
  async function go(page: Page, link: keyof JourneyWords["page"]): Promise<void> {
    await page
      .getByRole("navigation", { name: words.nav })
      .getByRole("link", { name: words.page[link] })
      .click();
    await expectPageHeading(page, words.page[link]);
  }

  /**
   * Signs in with a one-time password (after mistyping it first, when `mistype`), replaces it,
   * and lands on the overview.
   */
  async function firstSignIn(
    email: string,
    oneTime: string,
    password: string,
    opts: { mistype?: boolean } = {},
  ): Promise<Page> {
    const page = await openConsole();
    await expectPageHeading(page, words.page.signIn);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(words.htmlLang);
    await page.getByLabel(words.field.email).fill(email);
    if (opts.mistype) {
      await page.getByLabel(words.field.password).fill(`${oneTime}x`);
      await page.getByRole("button", { name: words.signInSubmit }).click();
      await expectText(page.getByRole("alert"), words.wrongPassword);
      await shot(page, "wrong-password");
    }
    await page.getByLabel(words.field.password).fill(oneTime);
    await page.getByRole("button", { name: words.signInSubmit }).click();
    await expectPageHeading(page, words.page.ownPassword);
    await page.getByLabel(words.field.oneTimePassword).fill(oneTime);
    await page.getByLabel(words.field.newPassword, { exact: true }).fill(password);
    await page.getByLabel(words.field.newPasswordRepeat).fill(password);
    await page.getByRole("button", { name: words.changePassword }).click();
    await expectPageHeading(page, words.page.overview);
    return page;
  }

  it("from a fresh server to an entry on a street screen and its takedown, every refusal on the way in the page's language", async () => {
    // 1. First-run set-up of the first admin, with the set-up token from the server's log.
    const admin = await openConsole();
    await expectPageHeading(admin, words.page.setup);
    expect(await admin.evaluate(() => document.documentElement.lang)).toBe(words.htmlLang);
    await shot(admin, "setup");
    await admin.getByLabel(words.field.setupToken).fill(setupTokenFromLog(t.logLines) ?? "");
    await admin.getByLabel(words.field.email).fill("chief@example.test");
    await admin.getByLabel(words.field.displayName).fill("值班主任 王芳");
    await admin
      .getByLabel(words.field.password, { exact: true })
      .fill("four quiet lanterns by the river");
    await admin.getByLabel(words.field.passwordRepeat).fill("four quiet lanterns by the river");
    await admin.getByRole("button", { name: words.setupSubmit }).click();
    await expectPageHeading(admin, words.page.overview);
    await shot(admin, "admin-overview");
    const adminCookie = (await admin.context().cookies()).find((c) => c.name === "signage_session");
    if (!adminCookie) throw new Error("the admin has no session cookie");
    // Reads of the server's state, to check each step; nothing is changed through them.
    const read = fetchAs(`signage_session=${adminCookie.value}`);
    const readJson = async <T>(path: string): Promise<T> => {
      const res = await read(`${t.baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    };

    // 2. A district.
    await go(admin, "schedules");
    await admin.getByRole("button", { name: words.district.open }).click();
    const districtForm = admin.getByRole("form", { name: words.district.form });
    await districtForm.getByLabel(words.district.id).fill("zhongshan");
    await districtForm.getByLabel(words.district.nameZh).fill("中山区");
    await districtForm.getByLabel(words.district.nameEn).fill("Zhongshan");
    await districtForm.getByRole("button", { name: words.district.create }).click();
    await expectText(admin.getByRole("status"), words.district.created);
    await shot(admin, "district-created");
    const { districts } = await readJson<{ districts: { id: string }[] }>("/api/districts");
    expect(districts.map((d) => d.id)).toEqual(["zhongshan"]);

    // 3. An operator and a moderator of the district, each with a one-time password.
    await go(admin, "users");
    const createUser = async (email: string, name: string, role: string): Promise<string> => {
      await admin.getByRole("button", { name: words.user.open }).click();
      const form = admin.getByRole("form", { name: words.user.form });
      await form.getByLabel(words.field.email).fill(email);
      await form.getByLabel(words.field.displayName).fill(name);
      await form.getByRole("button", { name: words.user.addRole }).click();
      await form.getByLabel(words.user.role(1)).selectOption(role);
      await form.getByLabel(words.user.over(1)).selectOption("zhongshan");
      await form.getByRole("button", { name: words.user.create }).click();
      const code = admin
        .getByRole("region", { name: words.user.oneTimeFor(name), exact: true })
        .locator("code");
      await code.waitFor();
      const oneTime = (await code.textContent()) ?? "";
      await shot(admin, `user-${role}`);
      await admin.getByRole("button", { name: words.user.passedOn }).click();
      return oneTime;
    };
    const operatorOtp = await createUser("li.lei@example.test", "李雷", "operator");
    const moderatorOtp = await createUser("han.mei@example.test", "韩梅", "moderator");
    const { users } = await readJson<{ users: { email: string; roles: unknown[] }[] }>(
      "/api/users",
    );
    expect(users.find((u) => u.email === "li.lei@example.test")?.roles).toEqual([
      { role: "operator", scope: "zhongshan" },
    ]);
    expect(users.find((u) => u.email === "han.mei@example.test")?.roles).toEqual([
      { role: "moderator", scope: "zhongshan" },
    ]);

    // 4. The operator signs in in a second browser profile (mistyping the one-time password
    // first), the moderator in another.
    const operator = await firstSignIn(
      "li.lei@example.test",
      operatorOtp,
      "maple tram winter kettle",
      { mistype: true },
    );
    await shot(operator, "operator-overview");
    const moderator = await firstSignIn(
      "han.mei@example.test",
      moderatorOtp,
      "cedar harbour violet drum",
    );

    // 5. A street screen opens /display and shows its code; the operator pairs it.
    const displayContext = await ui.browser.newContext({ viewport: { width: 1280, height: 720 } });
    ui.contexts.push(displayContext);
    const display = await displayContext.newPage();
    await display.goto(`${t.baseUrl}/display`);
    const pairingCode = display.getByTestId("pairing-code");
    await pairingCode.waitFor({ state: "visible", timeout: 15_000 });
    await shot(display, "display-pairing-code", false);
    const code = ((await pairingCode.textContent()) ?? "").replace(/\s/g, "");
    await go(operator, "screens");
    const pairForm = operator.getByRole("form", { name: words.pair.form });
    await pairForm.getByLabel(words.pair.name).fill("中山路口 1 号屏");
    await pairForm.getByLabel(words.pair.district, { exact: true }).selectOption("zhongshan");
    // A character left out, then a code no screen shows: each refused in the page's language.
    await pairForm.getByLabel(words.pair.code).fill(code.slice(0, 5));
    await pairForm.getByRole("button", { name: words.pair.submit }).click();
    await expectText(pairForm.getByRole("alert"), words.pair.codeLength(5));
    const wrongCode = code === "ZZZZZZ" ? "YYYYYY" : "ZZZZZZ";
    await pairForm.getByLabel(words.pair.code).fill(wrongCode);
    await pairForm.getByRole("button", { name: words.pair.submit }).click();
    await expectText(pairForm.getByRole("alert"), words.pair.unknownCode(wrongCode));
    await shot(operator, "pairing-code-unknown");
    await pairForm.getByLabel(words.pair.code).fill(code);
    await pairForm.getByRole("button", { name: words.pair.submit }).click();
    await expectText(
      operator.getByRole("status").filter({ hasText: "中山路口 1 号屏" }),
      words.pair.paired("中山路口 1 号屏"),
    );
    await expectText(display.locator("#status"), /Online/, 15_000);
    await shot(operator, "screen-paired");
    const { screens } = await readJson<{ screens: { name: string; state: string }[] }>(
      "/api/screens",
    );
    expect(screens).toMatchObject([{ name: "中山路口 1 号屏", state: "active" }]);

    // 6. The district plays its discredited list all day, 3 seconds a slide.
    await go(operator, "schedules");
    await operator.getByRole("button", { name: words.schedule.addWindow }).click();
    const window1 = operator.getByRole("region", { name: words.schedule.window(1) });
    await window1.getByLabel(words.schedule.start).fill("00:00");
    await window1.getByLabel(words.schedule.end).fill("24:00");
    await window1.getByLabel(words.schedule.dwell).fill("3");
    await operator.getByRole("button", { name: words.schedule.save }).click();
    await expectText(operator.getByRole("status"), words.schedule.saved);
    await shot(operator, "schedule-saved");
    const schedule = await readJson<{ fromDistrictId: string | null }>(
      "/api/districts/zhongshan/schedule",
    );
    expect(schedule.fromDistrictId).toBe("zhongshan");

    // 7. The operator imports a court export of two people with their (fictional) photos.
    const rows = [
      buildPersonRow({
        "被执行人姓名/名称": "欧阳娜娜",
        照片: "p-1.jpg",
        案号: "（2026）辽0202执80001号",
      }),
      buildPersonRow({
        "被执行人姓名/名称": "司马光明",
        照片: "p-2.jpg",
        案号: "（2026）辽0202执80002号",
      }),
    ];
    await go(operator, "entries");
    await operator.getByRole("button", { name: words.importing.open }).click();
    const importForm = operator.getByRole("form", { name: words.importing.form });
    await importForm.getByLabel(words.importing.file).setInputFiles({
      name: "court-2026-11.csv",
      mimeType: "text/csv",
      buffer: toCsv(rows),
    });
    await importForm.getByLabel(words.importing.photos).setInputFiles({
      name: "photos.zip",
      mimeType: "application/zip",
      buffer: buildZip([
        { name: "p-1.jpg", bytes: await silhouettePortrait(120) },
        { name: "p-2.jpg", bytes: await silhouettePortrait(30) },
      ]),
    });
    await importForm.getByLabel(words.importing.expiry).fill("2029-12-31");
    await importForm.getByRole("checkbox", { name: words.zhongshan }).check();
    await importForm.getByRole("button", { name: words.importing.submit, exact: true }).click();
    const report = operator.getByRole("region", {
      name: words.importing.report("court-2026-11.csv"),
    });
    await report.waitFor({ timeout: 30_000 });
    await expectText(report.getByRole("status"), words.importing.summary);
    await shot(operator, "imported");
    const entriesNow = async (): Promise<EntryView[]> =>
      EntryViewSchema.array().parse(
        (await readJson<{ entries: unknown }>("/api/entries?limit=10")).entries,
      );
    const imported = await entriesNow();
    expect(imported.map((e) => e.maskedName).sort()).toEqual(["司马某", "欧阳某"]);
    expect(imported.every((e) => e.hasPhoto && e.state === "pending_review")).toBe(true);
    // The drawn silhouettes have no face the detectors find: each waits for manual regions.
    await expect
      .poll(async () => (await entriesNow()).map((e) => e.redactionStatus), {
        timeout: 120_000,
        interval: 500,
      })
      .toEqual(["needs_review", "needs_review"]);

    // 8. The moderator marks each head in the review queue; having changed what screens show,
    // they may not approve it (four eyes): the administrator, a second moderator, approves.
    await go(moderator, "review");
    await moderator.getByRole("button", { name: words.review.refresh }).click();
    await moderator.getByRole("heading", { name: words.review.waiting(2) }).waitFor();
    for (const e of imported) {
      await moderator
        .getByRole("navigation", { name: words.review.waitingList })
        .getByRole("button")
        .filter({ hasText: e.caseNumber })
        .click();
      await moderator.getByText(words.review.noFace).waitFor();
      await moderator.getByRole("button", { name: words.review.openOriginal }).click();
      const original = moderator.getByRole("img", { name: words.review.original(e.maskedName) });
      await original.waitFor();
      await original.scrollIntoViewIfNeeded();
      const box = await original.boundingBox();
      if (!box) throw new Error("the original photo has no box");
      // The drawn head: the square 190–410 px in a 600 × 800 photo.
      const at = (fx: number, fy: number) =>
        [box.x + fx * box.width, box.y + fy * box.height] as const;
      await moderator.mouse.move(...at(0.27, 0.2));
      await moderator.mouse.down();
      await moderator.mouse.move(...at(0.5, 0.4), { steps: 4 });
      await moderator.mouse.move(...at(0.73, 0.55), { steps: 4 });
      await moderator.mouse.up();
      await moderator.getByRole("button", { name: words.review.region1 }).waitFor();
      await moderator.getByRole("button", { name: words.review.saveRegions }).click();
      // The server's word that this entry's new redaction is done: the status line may still say
      // "re-rendered" of the previous entry, and the queue shows the change before it settles.
      await expect
        .poll(async () => (await entriesNow()).find((x) => x.id === e.id)?.redactionStatus, {
          timeout: 90_000,
          interval: 500,
        })
        .toBe("done");
      await expectText(
        moderator.getByRole("status").filter({ hasText: words.review.rerendered }),
        words.review.rerendered,
        30_000,
      );
      await shot(moderator, `regions-${/(\d+)号$/.exec(e.caseNumber)?.[1] ?? e.id}`);
      await moderator.getByText(words.review.ownChange).waitFor();
    }
    await go(admin, "review");
    await admin.getByRole("button", { name: words.review.refresh }).click();
    await admin.getByRole("heading", { name: words.review.waiting(2) }).waitFor();
    for (const e of imported) {
      await admin
        .getByRole("navigation", { name: words.review.waitingList })
        .getByRole("button")
        .filter({ hasText: e.caseNumber })
        .click();
      await admin.getByRole("button", { name: words.review.approve, exact: true }).click();
      // The line says so once the queue has reloaded (slow on a loaded machine); a refusal would
      // take its place as an alert, and is named rather than waited out.
      const approved = words.review.approved(e.maskedName, e.caseNumber);
      const refusal = admin.getByRole("alert").filter({ hasText: /\S/ });
      await admin
        .getByRole("status")
        .filter({ hasText: approved })
        .or(refusal)
        .first()
        .waitFor({ timeout: 30_000 });
      expect(await refusal.allTextContents()).toEqual([]);
      // The page's own status line comes first; the emergency and announcement panels have theirs.
      await expectText(admin.getByRole("status").first(), approved);
    }
    await shot(admin, "queue-done");
    expect((await entriesNow()).map((e) => e.state)).toEqual(["approved", "approved"]);

    // 9. Both rotate on the street screen, masked.
    const seen = new Set<string>();
    const nameOnScreen = display.getByTestId("entry-name");
    await expect
      .poll(
        async () => {
          const name = await nameOnScreen.textContent({ timeout: 1000 }).catch(() => null);
          if (name) seen.add(name);
          return [...seen].sort();
        },
        { timeout: 30_000, interval: 250 },
      )
      .toEqual(["司马某", "欧阳某"]);
    await shot(display, "display-rotating", false);

    // 10. The operator revokes one; it leaves the screen, the other stays.
    const [gone, stays] = imported;
    if (!gone || !stays) throw new Error("two entries were imported");
    // Still on the entries page since the import.
    const revokeName = words.revoke.open(gone.maskedName, gone.caseNumber);
    await operator.getByRole("button", { name: revokeName }).click();
    const revokePanel = operator.getByRole("region", { name: revokeName });
    await revokePanel.getByLabel(words.revoke.reason).selectOption("court_order");
    await revokePanel.getByRole("button", { name: words.revoke.submit }).click();
    const revoked = words.revoke.done(gone.maskedName, gone.caseNumber);
    await expectText(operator.getByRole("status").filter({ hasText: revoked }), revoked);
    await shot(operator, "revoked");
    // The takedown reaches the screen within a second; from then on only the other one shows,
    // over several 3 s rotations.
    const revokedAt = Date.now();
    const names: string[] = [];
    while (Date.now() < revokedAt + 10_000) {
      const name = await nameOnScreen.textContent({ timeout: 1000 }).catch(() => null);
      if (name && Date.now() > revokedAt + 1500) names.push(name);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(names.length).toBeGreaterThan(10);
    expect(names).not.toContain(gone.maskedName);
    expect(names).toContain(stays.maskedName);
    await shot(display, "display-after-takedown", false);

    // 11. The overview: the takedown reached 1 of 1 screens.
    await go(operator, "overview");
    const row = operator
      .getByRole("table", { name: words.overview.takedowns })
      .getByRole("row")
      .filter({
        has: operator.getByRole("rowheader", { name: `${gone.maskedName} · ${gone.caseNumber}` }),
      });
    await expectText(row.locator("td").nth(0), words.overview.revoked);
    await expectText(row.locator("td").nth(2), words.overview.oneOfOne, 15_000);
    await shot(operator, "overview-takedown");
    const { takedowns } = await readJson<{
      takedowns: { entryId: string; screens: number; acknowledged: number }[];
    }>("/api/takedowns");
    expect(takedowns).toMatchObject([{ entryId: gone.id, screens: 1, acknowledged: 1 }]);
  }, 300_000);
});
