import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { scriptPayloads } from "../fixtures/hostile/cases";
import { publishAnnouncement } from "../support/announcements";
import { expectText } from "../support/browser";
import { useConsoleBrowser, openSignedIn } from "../support/console";
import { pairShownCode, requireDisplayBuild } from "../support/displayPage";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  adminSessionValue,
  api,
  putSchedule,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const DISTRICT = "xss";

/** A payload by its index, for fields that each get a different one. */
const payload = (i: number): string => scriptPayloads[i % scriptPayloads.length] ?? "";

/**
 * Sends `body` (every text field holding script), and while the server refuses fields by
 * validation, puts the plain `fallback` value back into just those fields and tries again. Returns
 * the answer's JSON and the fields that kept their script: validation decides what is accepted,
 * the rendering test checks what got through is shown as text.
 */
async function createWithScript(
  send: (body: Record<string, unknown>) => Promise<Response>,
  body: Record<string, unknown>,
  fallback: Record<string, unknown>,
): Promise<{ json: unknown; kept: string[] }> {
  const current = { ...body };
  for (let attempt = 0; attempt < 10; attempt++) {
    const res = await send(current);
    const json: unknown = await res.json();
    if (res.ok) {
      return { json, kept: Object.keys(fallback).filter((k) => current[k] === body[k]) };
    }
    const issues =
      (json as { error?: { issues?: { path: string }[] } }).error?.issues?.map((i) => i.path) ?? [];
    const field = issues.map((p) => p.split(".")[0] ?? "").find((p) => p in fallback);
    if (res.status !== 400 || field === undefined || current[field] === fallback[field])
      throw new Error(`refused: ${res.status} ${JSON.stringify(json)}`);
    current[field] = fallback[field];
  }
  throw new Error("still refused after putting back every field");
}

/** Whether any script of the corpus ran in the page, or any of its markup became elements. */
function injected(page: Page): Promise<{ pwned: unknown; elements: number }> {
  return page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: unknown }).__pwned,
    elements: document.querySelectorAll('img[src="x"], svg[onload], script:not([src])').length,
  }));
}

describe("script in every text field is shown as text, never run, in the console and on the display", () => {
  const ui = useConsoleBrowser();
  let t: TestServer;
  let moderator: TestUser;
  /** Every text that held script and was accepted, by where it went. */
  const accepted: Record<string, string[]> = {};
  const dialogs: string[] = [];
  let announcementId = "";

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    moderator = await createUser(t.baseUrl, "xss-moderator", [{ role: "moderator", scope: "*" }]);

    const district = await createWithScript(
      (b) =>
        api(`${t.baseUrl}/api/districts`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(b),
        }),
      { id: DISTRICT, parentId: null, nameZh: payload(0), nameEn: payload(1) },
      { nameZh: "脚本区", nameEn: "Script district" },
    );
    accepted["district"] = district.kept.map((k) => (k === "nameZh" ? payload(0) : payload(1)));

    const user = await createWithScript(
      (b) =>
        api(`${t.baseUrl}/api/users`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(b),
        }),
      {
        email: "xss-user@example.test",
        displayName: payload(0),
        roles: [{ role: "operator", scope: DISTRICT }],
        password: "long enough password 1",
      },
      { displayName: "Plain User" },
    );
    accepted["user"] = user.kept.includes("displayName") ? [payload(0)] : [];

    const announcement = await publishAnnouncement(t, {
      title: payload(1),
      body: payload(0),
      target: { districtIds: [DISTRICT], screenTags: [] },
    });
    accepted["announcement"] = [announcement.title, announcement.body];
    announcementId = announcement.id;

    const base = buildEntryInput({ districtIds: [DISTRICT] });
    const entryFields = {
      fullName: payload(0),
      court: payload(1),
      obligation: payload(2),
      performance: payload(3),
      listingGround: payload(4),
      legalBasisIssuer: payload(0),
      legalBasisNumber: payload(3),
    };
    const entry = await createWithScript(
      (b) =>
        api(`${t.baseUrl}/api/entries`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(b),
        }),
      { ...base, ...entryFields },
      Object.fromEntries(Object.keys(entryFields).map((k) => [k, base[k as keyof typeof base]])),
    );
    const created = EntryViewSchema.parse((entry.json as { entry: unknown }).entry);
    expect((await approveAsSeen(t.baseUrl, moderator, created.id)).status).toBe(200);
    accepted["entry"] = entry.kept
      .filter((k) => k !== "fullName")
      .map((k) => entryFields[k as keyof typeof entryFields]);
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    if (t) removeDataDir(t.dataDir);
    expect(dialogs).toEqual([]);
  });

  it("accepted script somewhere in every kind of content (or the test would check nothing)", () => {
    for (const kind of ["district", "announcement", "entry"])
      expect(accepted[kind]?.length ?? 0, kind).toBeGreaterThan(0);
  });

  it.each([
    ["#announcements", "announcement"],
    ["#entries", "entry"],
    ["#review", "entry"],
    ["#users", "user"],
    ["#schedules", "district"],
    ["#screens", "district"],
    ["#dashboard", "district"],
    ["#audit", "announcement"],
  ] as const)(
    "the console's %s page shows the script as text and runs none of it",
    async (hash, kind) => {
      const { context, page } = await openSignedIn(
        ui.browser,
        t.baseUrl,
        adminSessionValue(t.baseUrl),
        { hash },
      );
      ui.contexts.push(context);
      page.on("dialog", (d) => {
        dialogs.push(`${hash}: ${d.message()}`);
        void d.dismiss();
      });
      await page.getByRole("heading", { level: 1 }).first().waitFor({ timeout: 15_000 });
      const texts = accepted[kind] ?? [];
      // Pages that list this kind show at least one of its texts, literally.
      if (hash !== "#audit" && hash !== "#dashboard" && hash !== "#review" && texts.length > 0)
        await expect
          .poll(
            async () => {
              const body = (await page.locator("body").textContent()) ?? "";
              return texts.some((s) => body.includes(s));
            },
            { timeout: 15_000 },
          )
          .toBe(true);
      // Open each row's details, where the page has them, to render every field.
      for (const button of await page
        .getByRole("button", { name: /open|details|查看|打开/i })
        .all())
        await button.click({ timeout: 2_000 }).catch(() => undefined);
      expect(await injected(page)).toEqual({ pwned: undefined, elements: 0 });
      await context.close();
    },
    60_000,
  );

  it("the display shows the announcement and the entry as text and runs none of it", async () => {
    const context = await ui.browser.newContext({ viewport: { width: 1280, height: 720 } });
    ui.contexts.push(context);
    const page = await context.newPage();
    page.on("dialog", (d) => {
      dialogs.push(`display: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`${t.baseUrl}/display/`);
    const screenId = await pairShownCode(page, t.baseUrl, "脚本屏", DISTRICT);
    // The screen's own name holds script too, where validation takes it.
    await api(`${t.baseUrl}/api/screens/${screenId}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: payload(0) }),
    });
    const announcementTitle = accepted["announcement"]?.[0] ?? "";
    await putSchedule(t.baseUrl, DISTRICT, {
      playlist: [{ type: "announcement", id: announcementId }, { type: "discredited" }],
      dwellSeconds: 4,
    });
    await expectText(page.getByTestId("slide-title"), announcementTitle, 30_000);
    await expectText(page.getByTestId("slide-body"), accepted["announcement"]?.[1] ?? "", 10_000);
    expect(await injected(page)).toEqual({ pwned: undefined, elements: 0 });
    // Then the list page of the district, with the entry's fields.
    const entryTexts = accepted["entry"] ?? [];
    await expect
      .poll(
        async () => {
          const body = (await page.locator("#stage").textContent()) ?? "";
          return entryTexts.some((s) => body.includes(s));
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    expect(await injected(page)).toEqual({ pwned: undefined, elements: 0 });
    await context.close();
  }, 120_000);
});
