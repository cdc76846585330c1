import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { buildPersonRow, toCsv } from "../fixtures/courtExport";
import { silhouettePortrait } from "../fixtures/images";
import { buildZip } from "../fixtures/zip";
import { expectText } from "../support/browser";
import { consoleShots, expectPageHeading, laptop, useConsoleBrowser } from "../support/console";
import { fetchAs } from "../support/principals";
import {
  removeDataDir,
  setupTokenFromLog,
  startTestServer,
  type TestServer,
} from "../support/testServer";

let t: TestServer;
const ui = useConsoleBrowser();

beforeAll(async () => {
  t = await startTestServer({ signIn: false, env: { SIGNAGE_REDACTION_WORKERS: "1" } });
});
afterAll(async () => {
  await t.stop();
  removeDataDir(t.dataDir);
});

let step = 0;
/** Saves a numbered screenshot of the journey: test-results/console/journey-NN-<name>.png. */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  step += 1;
  await page.screenshot({
    path: join(consoleShots, `journey-${String(step).padStart(2, "0")}-${name}.png`),
    fullPage,
  });
}

/** A fresh browser profile on the console, in English. */
async function openConsole(hash = ""): Promise<Page> {
  const context = await ui.browser.newContext({ locale: "en-US", viewport: laptop });
  ui.contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${t.baseUrl}/console/${hash}`);
  return page;
}

/** Follows a navigation link and waits for the page's heading. */
async function go(page: Page, link: string): Promise<void> {
  await page
    .getByRole("navigation", { name: "Console pages" })
    .getByRole("link", { name: link })
    .click();
  await expectPageHeading(page, link);
}

/** Signs in with a one-time password, replaces it, and lands on the overview. */
async function firstSignIn(email: string, oneTime: string, password: string): Promise<Page> {
  const page = await openConsole();
  await expectPageHeading(page, "Sign in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(oneTime);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expectPageHeading(page, "Choose your own password");
  await page.getByLabel("One-time password").fill(oneTime);
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Repeat the new password").fill(password);
  await page.getByRole("button", { name: "Change password" }).click();
  await expectPageHeading(page, "Overview");
  return page;
}

describe("the whole job, in the browser only", () => {
  it("from a fresh server to an entry on a street screen and its takedown", async () => {
    // 1. First-run set-up of the first admin, with the set-up token from the server's log.
    const admin = await openConsole();
    await expectPageHeading(admin, "First-run set-up");
    await shot(admin, "setup");
    await admin.getByLabel("Set-up token").fill(setupTokenFromLog(t.logLines) ?? "");
    await admin.getByLabel("Email").fill("chief@example.test");
    await admin.getByLabel("Display name").fill("值班主任 王芳");
    await admin.getByLabel("Password", { exact: true }).fill("four quiet lanterns by the river");
    await admin.getByLabel("Repeat the password").fill("four quiet lanterns by the river");
    await admin.getByRole("button", { name: "Create administrator and sign in" }).click();
    await expectPageHeading(admin, "Overview");
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
    await go(admin, "Schedules");
    await admin.getByRole("button", { name: "New district…" }).click();
    const districtForm = admin.getByRole("form", { name: "New district" });
    await districtForm.getByLabel("District id").fill("zhongshan");
    await districtForm.getByLabel("Chinese name").fill("中山区");
    await districtForm.getByLabel("English name").fill("Zhongshan");
    await districtForm.getByRole("button", { name: "Create district" }).click();
    await expectText(admin.getByRole("status"), "Created Zhongshan (zhongshan).");
    await shot(admin, "district-created");
    const { districts } = await readJson<{ districts: { id: string }[] }>("/api/districts");
    expect(districts.map((d) => d.id)).toEqual(["zhongshan"]);

    // 3. An operator and a moderator of the district, each with a one-time password.
    await go(admin, "Users");
    const createUser = async (email: string, name: string, role: string): Promise<string> => {
      await admin.getByRole("button", { name: "New user…" }).click();
      const form = admin.getByRole("form", { name: "New user" });
      await form.getByLabel("Email").fill(email);
      await form.getByLabel("Display name").fill(name);
      await form.getByRole("button", { name: "Add a role" }).click();
      await form.getByLabel("Role 1").selectOption(role);
      await form.getByLabel("Over 1").selectOption("zhongshan");
      await form.getByRole("button", { name: "Create user" }).click();
      const code = admin
        .getByRole("region", { name: `One-time password for ${name}`, exact: true })
        .locator("code");
      await code.waitFor();
      const oneTime = (await code.textContent()) ?? "";
      await shot(admin, `user-${role}`);
      await admin.getByRole("button", { name: "I have passed it on" }).click();
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

    // 4. The operator signs in in a second browser profile, the moderator in another.
    const operator = await firstSignIn(
      "li.lei@example.test",
      operatorOtp,
      "maple tram winter kettle",
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
    await go(operator, "Screens");
    await operator.getByLabel("Pairing code").fill(code);
    await operator.getByLabel("Screen name").fill("中山路口 1 号屏");
    await operator.getByLabel("District", { exact: true }).selectOption("zhongshan");
    await operator.getByRole("button", { name: "Pair screen" }).click();
    await expectText(
      operator.getByRole("status").filter({ hasText: "Paired" }),
      "Paired “中山路口 1 号屏” in Zhongshan (zhongshan). The screen receives its token and starts playing.",
    );
    await expectText(display.locator("#status"), /Online/, 15_000);
    await shot(operator, "screen-paired");
    const { screens } = await readJson<{ screens: { name: string; state: string }[] }>(
      "/api/screens",
    );
    expect(screens).toMatchObject([{ name: "中山路口 1 号屏", state: "active" }]);

    // 6. The district plays its discredited list all day, 3 seconds a slide.
    await go(operator, "Schedules");
    await operator.getByRole("button", { name: "Add a window" }).click();
    const window1 = operator.getByRole("region", { name: "Window 1" });
    await window1.getByLabel("Start").fill("00:00");
    await window1.getByLabel("End").fill("24:00");
    await window1.getByLabel("Seconds per slide").fill("3");
    await operator.getByRole("button", { name: "Save schedule of Zhongshan (zhongshan)" }).click();
    await expectText(
      operator.getByRole("status"),
      "Saved the schedule of Zhongshan (zhongshan); its screens switch at once.",
    );
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
    await go(operator, "Entries");
    await operator.getByRole("button", { name: "Import a court export…" }).click();
    const importForm = operator.getByRole("form", { name: "Import a court export" });
    await importForm.getByLabel("Export file (CSV or JSON)").setInputFiles({
      name: "court-2026-11.csv",
      mimeType: "text/csv",
      buffer: toCsv(rows),
    });
    await importForm.getByLabel("Photos (optional zip)").setInputFiles({
      name: "photos.zip",
      mimeType: "application/zip",
      buffer: buildZip([
        { name: "p-1.jpg", bytes: await silhouettePortrait(120) },
        { name: "p-2.jpg", bytes: await silhouettePortrait(30) },
      ]),
    });
    await importForm.getByLabel("Expiry date for rows without one (optional)").fill("2029-12-31");
    await importForm.getByRole("checkbox", { name: "Zhongshan (zhongshan)" }).check();
    await importForm.getByRole("button", { name: "Import" }).click();
    const report = operator.getByRole("region", { name: "Import report: court-2026-11.csv" });
    await report.waitFor({ timeout: 30_000 });
    await expectText(
      report.getByRole("status"),
      "2 rows: 2 accepted, 0 already present, 0 refused.",
    );
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
    await go(moderator, "Review queue");
    await moderator.getByRole("button", { name: "Refresh" }).click();
    await moderator.getByRole("heading", { name: "Waiting (2)" }).waitFor();
    for (const e of imported) {
      await moderator
        .getByRole("navigation", { name: /^Waiting/ })
        .getByRole("button")
        .filter({ hasText: e.caseNumber })
        .click();
      await moderator
        .getByText("No face was found in the photo: mark every face by hand before approving.")
        .waitFor();
      await moderator.getByRole("button", { name: "Open the original (audited)" }).click();
      const original = moderator.getByRole("img", {
        name: `Original photo of ${e.maskedName}, unredacted`,
      });
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
      await moderator.getByRole("button", { name: /^Region 1:/ }).waitFor();
      await moderator.getByRole("button", { name: "Save regions and re-redact" }).click();
      await moderator
        .getByRole("status")
        .filter({ hasText: "Re-rendered with your regions and verified by the detectors" })
        .waitFor({ timeout: 90_000 });
      await shot(moderator, `regions-${/(\d+)号$/.exec(e.caseNumber)?.[1] ?? e.id}`);
      await moderator
        .getByText(
          "You made the last change to this entry; another moderator must review it (four eyes).",
        )
        .waitFor();
    }
    await go(admin, "Review queue");
    await admin.getByRole("button", { name: "Refresh" }).click();
    await admin.getByRole("heading", { name: "Waiting (2)" }).waitFor();
    for (const e of imported) {
      await admin
        .getByRole("navigation", { name: /^Waiting/ })
        .getByRole("button")
        .filter({ hasText: e.caseNumber })
        .click();
      await admin.getByRole("button", { name: "Approve and publish" }).click();
      // The page's own status line comes first; the emergency and announcement panels have theirs.
      await expectText(
        admin.getByRole("status").first(),
        `Approved ${e.maskedName} (${e.caseNumber}); it goes to the screens.`,
      );
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
    await operator
      .getByRole("button", { name: `Revoke ${gone.maskedName} (${gone.caseNumber})` })
      .click();
    const revokePanel = operator.getByRole("region", {
      name: `Revoke ${gone.maskedName} (${gone.caseNumber})`,
    });
    await revokePanel.getByLabel("Reason").selectOption("court_order");
    await revokePanel.getByRole("button", { name: "Revoke from all screens" }).click();
    await expectText(
      operator.getByRole("status").filter({ hasText: "Revoked" }),
      `Revoked ${gone.maskedName} (${gone.caseNumber}). Screens are taking it down.`,
    );
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
    await go(operator, "Overview");
    const row = operator
      .getByRole("table", { name: "Takedowns: screens that acknowledged" })
      .getByRole("row")
      .filter({
        has: operator.getByRole("rowheader", { name: `${gone.maskedName} · ${gone.caseNumber}` }),
      });
    await expectText(row.locator("td").nth(0), "Revoked");
    await expectText(row.locator("td").nth(2), "1 of 1", 15_000);
    await shot(operator, "overview-takedown");
    const { takedowns } = await readJson<{
      takedowns: { entryId: string; screens: number; acknowledged: number }[];
    }>("/api/takedowns");
    expect(takedowns).toMatchObject([{ entryId: gone.id, screens: 1, acknowledged: 1 }]);
  }, 300_000);
});
