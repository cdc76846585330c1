import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { EntryInput } from "../../shared/schemas/entry";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { silhouettePortrait } from "../fixtures/images";
import { singleFacePortrait } from "../fixtures/singleFace";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { buildEntryInput } from "../support/entryFactory";
import { createUser, type TestUser } from "../support/principals";
import { api, createDistrict, useTestServer, waitForRedaction } from "../support/testServer";

const ui = useConsoleBrowser();

/** Creates an entry as `user`, with a photo when given; answers it as the server made it. */
async function createEntry(
  user: TestUser,
  baseUrl: string,
  input: EntryInput,
  photo?: Buffer,
): Promise<EntryView> {
  const res = photo
    ? await user.fetch(`${baseUrl}/api/entries`, {
        method: "POST",
        body: (() => {
          const form = new FormData();
          form.set("entry", JSON.stringify(input));
          form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
          return form;
        })(),
      })
    : await user.post(`${baseUrl}/api/entries`, input);
  expect(res.status).toBe(201);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

async function entryOnServer(baseUrl: string, id: string): Promise<EntryView> {
  const res = await api(`${baseUrl}/api/entries/${id}`);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

/** The queue's button for an entry. */
function queueItem(page: Page, e: EntryView) {
  return page
    .getByRole("navigation", { name: /^Waiting/ })
    .getByRole("button")
    .filter({ hasText: e.caseNumber });
}

async function selectedCase(page: Page): Promise<string> {
  return (
    (await page.locator(".queue button[aria-current='true'] .small-text").first().textContent()) ??
    ""
  );
}

describe("review queue page", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "2" } }, (t) =>
    createDistrict(t.baseUrl, "zhongshan"),
  );

  it("bulk-approves clean entries, keeps four eyes, rejects with a reason, and fixes regions on the audited original", async () => {
    const t = server();
    const district = { districtIds: ["zhongshan"] };
    const operator = await createUser(t.baseUrl, "Operator", [
      { role: "operator", scope: "zhongshan" },
    ]);
    const moderator = await createUser(t.baseUrl, "Moderator", [
      { role: "moderator", scope: "zhongshan" },
      { role: "operator", scope: "zhongshan" },
    ]);
    // Oldest first in the queue: two clean (real faces, redacted), one without a face (a
    // drawn silhouette), one without a photo, and one the moderator made themselves.
    const clean1 = await createEntry(
      operator,
      t.baseUrl,
      buildEntryInput(district),
      await singleFacePortrait(),
    );
    const clean2 = await createEntry(
      operator,
      t.baseUrl,
      buildEntryInput(district),
      await singleFacePortrait(),
    );
    const faceless = await createEntry(
      operator,
      t.baseUrl,
      buildEntryInput({ ...district, fullName: "司马某某" }),
      await silhouettePortrait(200),
    );
    const noPhoto = await createEntry(operator, t.baseUrl, buildEntryInput(district));
    const own = await createEntry(moderator, t.baseUrl, buildEntryInput(district));
    for (const e of [clean1, clean2, faceless]) await waitForRedaction(t, e.id);
    expect((await entryOnServer(t.baseUrl, clean1.id)).redactionStatus).toBe("done");
    expect((await entryOnServer(t.baseUrl, faceless.id)).redactionStatus).toBe("needs_review");

    const opened = await openSignedIn(ui.browser, t.baseUrl, moderator.cookie, { hash: "#review" });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Review queue");
    await page.getByRole("heading", { name: "Waiting (5)" }).waitFor();

    // Bulk approval takes exactly the two clean ones.
    await page.getByRole("button", { name: "Approve all clean entries (2)" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Approve and publish 2" }).click();
    // The page's own status line comes first; the emergency and announcement panels have theirs.
    await expectText(page.getByRole("status").first(), "Approved 2 clean entries; 0 refused.");
    expect((await entryOnServer(t.baseUrl, clean1.id)).state).toBe("approved");
    expect((await entryOnServer(t.baseUrl, clean2.id)).state).toBe("approved");
    await page.getByRole("heading", { name: "Waiting (3)" }).waitFor();

    // Four eyes: the moderator's own entry says why, and offers no decision.
    await queueItem(page, own).click();
    await page
      .getByText("You created this entry; another moderator must review it (four eyes).")
      .waitFor();
    expect(await page.getByRole("button", { name: "Approve and publish" }).count()).toBe(0);
    await page.keyboard.press("a");
    expect((await entryOnServer(t.baseUrl, own.id)).state).toBe("pending_review");

    // j / k move through the queue (oldest first), and the focus follows.
    await page.keyboard.press("k");
    await expect.poll(() => selectedCase(page), { timeout: 15_000 }).toBe(noPhoto.caseNumber);
    await page.keyboard.press("k");
    await expect.poll(() => selectedCase(page), { timeout: 15_000 }).toBe(faceless.caseNumber);
    await page.keyboard.press("j");
    await expect.poll(() => selectedCase(page), { timeout: 15_000 }).toBe(noPhoto.caseNumber);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-current")), {
        timeout: 15_000,
      })
      .toBe("true");

    // r goes to the reason; an empty reason is refused before anything is sent.
    await page.getByText("No photo: check the entry's text alone.").waitFor();
    await page.keyboard.press("r");
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("TEXTAREA");
    await page.getByRole("button", { name: "Reject", exact: true }).click();
    // The form's own alert (the emergency panel above has one of its own).
    await expectText(
      page.getByRole("form", { name: "Reject", exact: true }).getByRole("alert"),
      "Fill in “Reason for rejecting”.",
    );
    await page.getByLabel("Reason for rejecting").fill("案号与法院公告不符，请核对。");
    await page.getByRole("button", { name: "Reject", exact: true }).click();
    await expectText(
      page.getByRole("status").first(),
      `Rejected ${noPhoto.maskedName} (${noPhoto.caseNumber}).`,
    );
    expect(await entryOnServer(t.baseUrl, noPhoto.id)).toMatchObject({
      state: "rejected",
      reviewNote: "案号与法院公告不符，请核对。",
    });

    // The faceless photo: no redacted image, the reason, and the original only on request.
    await queueItem(page, faceless).click();
    await page
      .getByText("No face was found in the photo: mark every face by hand before approving.")
      .waitFor();
    await page.getByText("No verified redacted image yet.", { exact: false }).waitFor();
    await page
      .getByText("Opening the original is written to the audit log under your name.", {
        exact: false,
      })
      .waitFor();
    const auditedViews = async (): Promise<number> => {
      const res = await api(`${t.baseUrl}/api/audit?entry=${faceless.id}&action=entry.raw_viewed`);
      return ((await res.json()) as { records: unknown[] }).records.length;
    };
    expect(await auditedViews()).toBe(0);
    await page.getByRole("button", { name: "Open the original (audited)" }).click();
    const original = page.getByRole("img", {
      name: `Original photo of ${faceless.maskedName}, unredacted`,
    });
    await original.waitFor();
    expect(await auditedViews()).toBe(1);

    // Draw a box over the drawn head (centre 300,300, radius 120 of 600 × 800) with the mouse.
    await original.scrollIntoViewIfNeeded();
    const box = await original.boundingBox();
    if (!box) throw new Error("the original photo has no box");
    const at = (fx: number, fy: number) =>
      [box.x + fx * box.width, box.y + fy * box.height] as const;
    await page.mouse.move(...at(0.28, 0.21));
    await page.mouse.down();
    await page.mouse.move(...at(0.5, 0.4), { steps: 4 });
    await page.mouse.move(...at(0.72, 0.54), { steps: 4 });
    await page.mouse.up();
    const region1 = page.getByRole("button", { name: /^Region 1:/ });
    expect(await region1.getAttribute("aria-label")).toBe(
      "Region 1: 28% from left, 21% from top, 44% wide, 33% high",
    );
    // A second one by keyboard, moved, then deleted again.
    await page.getByRole("button", { name: "Add region" }).click();
    const region2 = page.getByRole("button", { name: /^Region 2:/ });
    await region2.focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Shift+ArrowDown");
    expect(await region2.getAttribute("aria-label")).toBe(
      "Region 2: 36% from left, 20% from top, 30% wide, 31% high",
    );
    await page.keyboard.press("Delete");
    await expect
      .poll(() => page.getByRole("button", { name: /^Region \d/ }).count(), { timeout: 15_000 })
      .toBe(1);
    await page.getByText("1 of at most 20 regions").waitFor();
    await checkBothLanguages(page, "review", { zh: "审核队列", en: "Review queue" });

    await page.getByRole("button", { name: "Save regions and re-redact" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "Re-rendered with your regions and verified by the detectors" })
      .waitFor({ timeout: 90_000 });
    const fixed = await entryOnServer(t.baseUrl, faceless.id);
    expect(fixed.redactionStatus).toBe("done");
    expect(fixed.manualRegions).toHaveLength(1);
    const [r] = fixed.manualRegions;
    expect(r?.x).toBeCloseTo(0.28, 2);
    expect(r?.y).toBeCloseTo(0.21, 2);
    expect(r?.width).toBeCloseTo(0.44, 2);
    expect(r?.height).toBeCloseTo(0.33, 2);
    const redacted = page.getByRole("img", { name: `Redacted photo of ${faceless.maskedName}` });
    await redacted.waitFor();
    await expect
      .poll(() => redacted.evaluate((img) => (img as HTMLImageElement).naturalWidth), {
        timeout: 10_000,
      })
      .toBe(600);
    await page.screenshot({
      path: "test-results/console/review-regions-done-en.png",
      fullPage: true,
    });

    // Whoever drew the regions changed what screens show: another moderator must approve.
    await page
      .getByText(
        "You made the last change to this entry; another moderator must review it (four eyes).",
      )
      .waitFor();
    expect(await page.getByRole("button", { name: "Approve and publish" }).count()).toBe(0);

    // The last resort: cover the whole photo, after a confirmation.
    await page.getByRole("button", { name: "Cover whole photo" }).click();
    await page.getByRole("group", { name: "Cover whole photo" }).waitFor();
    await page.getByRole("button", { name: "Yes, cover the whole photo" }).click();
    await expect
      .poll(
        async () => {
          const now = await entryOnServer(t.baseUrl, faceless.id);
          return now.coverAll && now.redactionStatus === "done";
        },
        { timeout: 90_000 },
      )
      .toBe(true);
    await page.getByText("The whole photo is covered.", { exact: true }).waitFor({
      timeout: 30_000,
    });

    // A second moderator opens it; the operator edits it meanwhile: the open queue hears of it
    // at once and says what changed since the moderator opened it, before any approval (the
    // server's refusal of a stale revision is checked in reviewRevision and consoleErrorWords).
    const second = await createUser(t.baseUrl, "Moderator2", [
      { role: "moderator", scope: "zhongshan" },
    ]);
    const other = await openSignedIn(ui.browser, t.baseUrl, second.cookie, { hash: "#review" });
    ui.contexts.push(other.context);
    const page2 = other.page;
    await expectPageHeading(page2, "Review queue");
    await queueItem(page2, faceless).click();
    await page2.getByRole("button", { name: "Approve and publish" }).waitFor();
    const edit = await operator.fetch(`${t.baseUrl}/api/entries/${faceless.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ obligation: "给付 9,000 元" }),
    });
    expect(edit.status).toBe(200);
    await page2
      .getByText("Edited after you opened it (changed: unmet obligation)", { exact: false })
      .waitFor({ timeout: 30_000 });
    // In Chinese the changed field is named in Chinese, not by its key.
    await page2.getByRole("button", { name: "中文", exact: true }).click();
    await page2
      .getByText("您打开后已被修改（改动：未履行的义务）", { exact: false })
      .waitFor({ timeout: 10_000 });
    expect(await page2.getByText("obligation", { exact: false }).count()).toBe(0);
    await page2.getByRole("button", { name: "English", exact: true }).click();
    await page2.getByText("Edited after you opened it", { exact: false }).waitFor();
    expect((await entryOnServer(t.baseUrl, faceless.id)).state).toBe("pending_review");
    await page2.getByText("给付 9,000 元").waitFor();
    await page2.getByRole("heading", { level: 1 }).focus();
    await page2.keyboard.press("a");
    await expectText(
      page2.getByRole("status").first(),
      `Approved ${faceless.maskedName} (${faceless.caseNumber}); it goes to the screens.`,
    );
    expect((await entryOnServer(t.baseUrl, faceless.id)).state).toBe("approved");
    await page2.getByRole("heading", { name: "Waiting (1)" }).waitFor();
  }, 240_000);
});
