import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { AnnouncementViewSchema, type AnnouncementView } from "../../shared/schemas/announcement";
import type { SyncDelta } from "../../shared/schemas/sync";
import { demoPhoto } from "../fixtures/images";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { publishAnnouncement } from "../support/announcements";
import { createUser, type TestUser } from "../support/principals";
import {
  adminSessionValue,
  api,
  createDistrict,
  pairKiosk,
  syncKiosk,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

const ui = useConsoleBrowser();
const sockets: KioskSocket[] = [];

afterAll(() => {
  for (const s of sockets) s.disconnect();
});

/** The row of a table whose row header is `name`. */
function rowOf(page: Page, table: string | RegExp, name: string | RegExp) {
  return page
    .getByRole("table", { name: table })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name }) });
}

/** The page's status line, once it says `text`. */
async function expectStatus(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole("status").filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
}

/** Acknowledges a sync as the kiosk does: the version applied, and whether it was a full manifest. */
function applied(socket: KioskSocket, delta: SyncDelta): void {
  socket.emit("kiosk:applied", { version: delta.version, ...(delta.full ? { full: true } : {}) });
}

/** Tags a screen as the admin (the screens page's own API). */
async function tagScreen(baseUrl: string, screenId: string, tags: string[]): Promise<void> {
  const res = await api(`${baseUrl}/api/screens/${screenId}/tags`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ tags }),
  });
  expect(res.status).toBe(200);
}

/** The announcements of the server, as the admin sees them. */
async function announcementsOnServer(baseUrl: string): Promise<AnnouncementView[]> {
  const res = await api(`${baseUrl}/api/announcements`);
  const body = (await res.json()) as { announcements: unknown[] };
  return body.announcements.map((a) => AnnouncementViewSchema.parse(a));
}

/** Creates an announcement through the API as `user`, straight into review. */
async function submitAs(
  user: TestUser,
  baseUrl: string,
  input: Record<string, unknown>,
): Promise<AnnouncementView> {
  const res = await user.post(`${baseUrl}/api/announcements`, { ...input, submit: true });
  expect(res.status).toBe(201);
  return AnnouncementViewSchema.parse(
    ((await res.json()) as { announcement: unknown }).announcement,
  );
}

describe("announcements in the console", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "2" } }, async (t) => {
    await createDistrict(t.baseUrl, "zhongshan");
    await createDistrict(t.baseUrl, "xigang");
  });

  it("an operator drafts and submits a tagged announcement, a moderator approves it, the operator withdraws it and the overview follows its takedown", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Operator", [
      { role: "operator", scope: "zhongshan" },
    ]);
    const moderator = await createUser(t.baseUrl, "Moderator", [{ role: "moderator", scope: "*" }]);
    const metro = await pairKiosk(t.baseUrl, "zhongshan", "中山地铁屏");
    const street = await pairKiosk(t.baseUrl, "zhongshan", "中山街边屏");
    sockets.push(metro.socket, street.socket);
    await tagScreen(t.baseUrl, metro.screenId, ["metro"]);

    // The operator of one district: no "whole city" choice, only their district to tick.
    const op = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#announcements",
    });
    ui.contexts.push(op.context);
    const page = op.page;
    await expectPageHeading(page, "Announcements");
    await page.getByRole("button", { name: "New announcement" }).click();
    await page.getByRole("heading", { name: "New announcement", level: 2 }).waitFor();
    expect(await page.getByRole("radio", { name: "The whole city" }).count()).toBe(0);
    expect(
      await page.getByRole("group", { name: "Districts (and their sub-districts)" }).textContent(),
    ).not.toContain("xigang");

    // The console's own checks: a title, a district, screen tags as the server takes them.
    await page.getByRole("button", { name: "Save and submit for review" }).click();
    await expectText(page.getByRole("alert").first(), "Fill in “Title”.");
    await page.getByLabel("Title", { exact: true }).fill("地铁站夜间施工");
    await page.getByLabel("Text", { exact: true }).fill("11月28日22时至次日6时，请绕行。");
    await page.getByRole("button", { name: "Save and submit for review" }).click();
    await expectText(page.getByRole("alert").first(), "Choose at least one district.");
    await page.getByRole("checkbox", { name: "zhongshan district (zhongshan)" }).check();
    await page.getByLabel("Only on screens tagged").fill("Metro Line!");
    await page.getByRole("button", { name: "Save and submit for review" }).click();
    await expectText(page.getByRole("alert").first(), /^A screen tag is 1–32 lower-case letters/);
    await page.getByLabel("Only on screens tagged").fill("metro");

    // The preview shows it as a screen will, in both orientations.
    for (const o of ["landscape", "portrait"])
      await expectText(page.getByTestId(`preview-${o}`), /^公告地铁站夜间施工11月28日/);
    await checkBothLanguages(page, "announcement-form", { zh: "公告", en: "Announcements" });

    await page.getByRole("button", { name: "Save and submit for review" }).click();
    await expectStatus(page, "Sent “地铁站夜间施工” for review");
    const table = /^Announcements \(/;
    const row = rowOf(page, table, /^地铁站夜间施工/);
    await expectText(row.locator("td").nth(0), "In review");
    await expectText(
      row.locator("td").nth(1),
      "zhongshan district (zhongshan); screens tagged metro",
    );
    const [submitted] = await announcementsOnServer(t.baseUrl);
    expect(submitted).toMatchObject({
      state: "in_review",
      target: { districtIds: ["zhongshan"], screenTags: ["metro"] },
      createdBy: operator.id,
    });

    // A second person approves it on the review page.
    const mod = await openSignedIn(ui.browser, t.baseUrl, moderator.cookie, { hash: "#review" });
    ui.contexts.push(mod.context);
    await expectPageHeading(mod.page, "Review queue");
    const item = mod.page.getByRole("article", { name: "地铁站夜间施工" });
    await item.waitFor({ timeout: 10_000 });
    await expectText(
      item.locator("dd").first(),
      "zhongshan district (zhongshan); screens tagged metro",
    );
    await checkBothLanguages(mod.page, "review-announcement", {
      zh: "审核队列",
      en: "Review queue",
    });
    await item.getByRole("button", { name: "Approve for the screens" }).click();
    await expectStatus(mod.page, "Approved “地铁站夜间施工”: it plays on its screens.");
    await mod.page.getByText("No announcement waits for review.").waitFor();

    // The operator's list follows at once (pushed), and the tagged screen gets it.
    await expectText(row.locator("td").nth(0), "Published", 5_000);
    const published = await syncKiosk(metro.socket, 0);
    expect(published.announcements.map((a) => a.title)).toContain("地铁站夜间施工");
    applied(metro.socket, published);
    applied(street.socket, await syncKiosk(street.socket, 0));

    // Withdrawn in one confirm step, with a reason.
    await page.getByRole("button", { name: "Withdraw “地铁站夜间施工”" }).click();
    const confirm = page.getByRole("form", { name: "Withdraw “地铁站夜间施工”" });
    await confirm.getByRole("button", { name: "Withdraw from the screens" }).click();
    await expectText(confirm.getByRole("alert"), "Fill in “Why is it withdrawn?”.");
    await confirm.getByLabel("Why is it withdrawn?").fill("施工提前结束");
    await confirm.getByRole("button", { name: "Withdraw from the screens" }).click();
    await expectStatus(page, "Withdrew “地铁站夜间施工”: it leaves the screens now.");
    await expectText(row.locator("td").nth(0), /^Withdrawn/);
    await checkBothLanguages(page, "announcements", { zh: "公告", en: "Announcements" });

    // The overview names the takedown and the screen that has not acknowledged it yet.
    const admin = await openSignedIn(ui.browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      hash: "#dashboard",
    });
    ui.contexts.push(admin.context);
    await expectPageHeading(admin.page, "Overview");
    const takedown = rowOf(
      admin.page,
      "Takedowns: screens that acknowledged",
      "Announcement “地铁站夜间施工”",
    );
    await expectText(takedown.locator("td").nth(0), "Withdrawn");
    await expectText(takedown.locator("td").nth(2), /^0 of [12]$/);
    await expectText(takedown.locator("td").nth(3), /中山地铁屏/);

    // The screens acknowledge: the overview follows at once (pushed; its own refresh is 30 s).
    for (const k of [metro, street]) {
      const after = await syncKiosk(k.socket, published.version);
      expect(after.announcements.map((a) => a.title)).not.toContain("地铁站夜间施工");
      applied(k.socket, after);
    }
    await expectText(takedown.locator("td").nth(2), /^([12]) of \1$/, 5_000);
    await expectText(takedown.locator("td").nth(3), "—");
  });

  it("keeps four eyes: the author of an announcement finds no approve button for it", async () => {
    const t = server();
    const both = await createUser(t.baseUrl, "Both", [
      { role: "operator", scope: "zhongshan" },
      { role: "moderator", scope: "zhongshan" },
    ]);
    const own = await submitAs(both, t.baseUrl, {
      title: "Own notice",
      language: "en",
      target: { districtIds: ["zhongshan"] },
    });
    const opened = await openSignedIn(ui.browser, t.baseUrl, both.cookie, { hash: "#review" });
    ui.contexts.push(opened.context);
    await expectPageHeading(opened.page, "Review queue");
    const item = opened.page.getByRole("article", { name: "Own notice" });
    await item.waitFor({ timeout: 10_000 });
    await expectText(
      item.getByRole("note"),
      "You created or last changed this announcement; another person must approve it (four eyes).",
    );
    expect(await item.getByRole("button", { name: "Approve for the screens" }).count()).toBe(0);
    // The server refuses it too, and the console words that refusal in either language.
    const refused = await both.post(`${t.baseUrl}/api/announcements/${own.id}/approve`, {
      revision: own.revision,
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("four_eyes");
  });

  it("uploads a poster with an announcement, previews it in both orientations, and a moderator confirms its covered faces before approving it", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Designer", [{ role: "operator", scope: "*" }]);
    const moderator = await createUser(t.baseUrl, "Checker", [{ role: "moderator", scope: "*" }]);
    const op = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#announcements",
    });
    ui.contexts.push(op.context);
    const page = op.page;
    await expectPageHeading(page, "Announcements");
    await page.getByRole("button", { name: "New announcement" }).click();
    await page.getByLabel("Title", { exact: true }).fill("社区献血日");
    await page.getByLabel("Text", { exact: true }).fill("12月12日 9时至16时，社区中心。");
    // A photo with faces: the server covers them, and a moderator must look before it plays.
    await page.getByLabel("Poster image (optional)").setInputFiles({
      name: "poster.jpg",
      mimeType: "image/jpeg",
      buffer: await demoPhoto(1),
    });
    for (const o of ["landscape", "portrait"]) {
      const screen = page.getByTestId(`preview-${o}`);
      await screen.getByRole("img", { name: "Poster of “社区献血日”" }).waitFor();
      await expectText(screen, /^公告社区献血日/);
    }
    await page.getByText("The poster shown is your file").waitFor();
    // Full screen: the poster alone, as the screens will show it.
    await page.getByLabel("Poster layout").selectOption("full");
    await expect
      .poll(() => page.getByTestId("preview-portrait").textContent(), { timeout: 5_000 })
      .toBe("");
    await page
      .getByTestId("preview-portrait")
      .getByRole("img", { name: "Poster of “社区献血日”" })
      .waitFor();
    await page.getByLabel("Poster layout").selectOption("beside");
    await page.getByRole("button", { name: "Save and submit for review" }).click();
    await expectStatus(page, "Sent “社区献血日” for review");
    const row = rowOf(page, /^Announcements \(/, /^社区献血日/);
    await expectText(row.locator("td").nth(0), "In review");
    await expectText(
      row.locator("td").nth(3),
      /^Faces covered \(\d+\): needs a moderator's look$/,
      120_000,
    );

    const mod = await openSignedIn(ui.browser, t.baseUrl, moderator.cookie, { hash: "#review" });
    ui.contexts.push(mod.context);
    await expectPageHeading(mod.page, "Review queue");
    const item = mod.page.getByRole("article", { name: "社区献血日" });
    await item.waitFor({ timeout: 10_000 });
    const covered = item.getByRole("img", {
      name: "The poster of “社区献血日” with the faces covered",
    });
    await covered.waitFor();
    await expect
      .poll(() => covered.evaluate((img: HTMLImageElement) => img.naturalWidth), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    await checkBothLanguages(mod.page, "review-poster", { zh: "审核队列", en: "Review queue" });
    // Not approvable before the covered faces have been looked at.
    const approve = item.getByRole("button", { name: "Approve for the screens" });
    expect(await approve.isDisabled()).toBe(true);
    await item.getByRole("button", { name: "Faces covered, looks right" }).click();
    await expectStatus(mod.page, "Confirmed the covered poster of “社区献血日”.");
    const confirmed = mod.page.getByRole("article", { name: "社区献血日" });
    await confirmed.getByRole("button", { name: "Approve for the screens" }).click();
    await expectStatus(mod.page, "Approved “社区献血日”: it plays on its screens.");
    await expectText(row.locator("td").nth(0), "Published", 5_000);
    const [shown] = await announcementsOnServer(t.baseUrl);
    expect(shown).toMatchObject({ title: "社区献血日", state: "published" });
    expect(shown?.poster.status).toBe("done");
  }, 240_000);

  it("edits a published announcement back into review, and words a stale edit's refusal", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Editor", [{ role: "operator", scope: "*" }]);
    const shown = await publishAnnouncement(t, { title: "Road works", language: "en" });
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#announcements",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Announcements");
    await page.getByRole("button", { name: "Published", exact: true }).click();
    const row = rowOf(page, /^Announcements \(/, /^Road works/);
    await expectText(row.locator("td").nth(0), "Published");
    await page.getByRole("button", { name: "Edit “Road works”" }).click();
    const form = page.getByRole("form", { name: "Edit “Road works”" });
    await form
      .getByText("This announcement is on the screens. Saving a change takes it off them")
      .waitFor();
    await form.getByLabel("Title", { exact: true }).fill("Road works, Zhongshan Road");

    // Someone else changes it meanwhile: the edit made on the old revision is refused.
    const meanwhile = await api(`${t.baseUrl}/api/announcements/${shown.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ revision: shown.revision, body: "Until Friday." }),
    });
    expect(meanwhile.status).toBe(200);
    await form.getByRole("button", { name: "Save and send back to review" }).click();
    await expectText(form.getByRole("alert"), /^This announcement changed after you opened it/);
    // In Chinese, the server's refusal worded by its reason in the console's language.
    await page.getByRole("button", { name: "中文" }).click();
    await page.getByRole("button", { name: "保存并重新送审" }).click();
    await expectText(
      page.getByRole("alert").filter({ hasText: "您打开此公告之后" }),
      /^您打开此公告之后它又被修改过（您看到的是第 \d+ 版，现在是第 \d+ 版）；请重新查看。$/,
    );
    await page.getByRole("button", { name: "English" }).click();
    await form.getByRole("button", { name: "Cancel" }).click();

    // Opened again as it is now (in review after that change), the edit goes through.
    await page.getByRole("button", { name: "All", exact: true }).click();
    await expectText(row.locator("td").nth(0), "In review");
    await page.getByRole("button", { name: "Edit “Road works”" }).click();
    const again = page.getByRole("form", { name: "Edit “Road works”" });
    expect(await again.getByRole("textbox", { name: "Text", exact: true }).inputValue()).toBe(
      "Until Friday.",
    );
    await again.getByLabel("Title", { exact: true }).fill("Road works, Zhongshan Road");
    await again.getByRole("button", { name: "Save changes" }).click();
    await expectStatus(page, "Saved “Road works, Zhongshan Road”; it waits for review.");
    const edited = rowOf(page, /^Announcements \(/, /^Road works, Zhongshan Road/);
    await expectText(edited.locator("td").nth(0), "In review");
    const [now] = await announcementsOnServer(t.baseUrl);
    expect(now).toMatchObject({ title: "Road works, Zhongshan Road", state: "in_review" });
    expect(now?.changedBy).toContain(operator.id);
  });
});
