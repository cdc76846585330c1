import { describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { singleFacePortrait } from "../fixtures/singleFace";
import { expectText } from "../support/browser";
import { expectPageHeading, openSignedIn, useConsoleBrowser } from "../support/console";
import { createEntryWithPhoto } from "../support/entryPublishing";
import { buildEntryInput } from "../support/entryFactory";
import { createUser } from "../support/principals";
import {
  api,
  createDistrict,
  postJson,
  useTestServer,
  waitForRedaction,
} from "../support/testServer";

const ui = useConsoleBrowser();

async function stateOf(baseUrl: string, id: string): Promise<EntryView["state"]> {
  const res = await api(`${baseUrl}/api/entries/${id}`);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry).state;
}

describe("bulk approval asks first (issue 19 item 5)", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } }, (t) =>
    createDistrict(t.baseUrl, "da"),
  );

  it("shows the count, the masked names and the redacted thumbnails, in both languages, and publishes only on Confirm", async () => {
    const t = server();
    const moderator = await createUser(t.baseUrl, "Moderator", [
      { role: "moderator", scope: "da" },
    ]);
    // A person with a verified photo, one without (never clean) and an organisation without
    // one (no face to redact: clean when nothing else flags it).
    const people = [
      await createEntryWithPhoto(t, await singleFacePortrait(), { fullName: "夏雨荷" }),
    ];
    const faceless = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"], fullName: "欧阳娜娜" }),
    );
    expect(faceless.status).toBe(201);
    const org = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({
        districtIds: ["da"],
        subjectType: "organisation",
        fullName: "北京市东城区宏达建筑工程有限公司",
      }),
    );
    expect(org.status).toBe(201);
    const company = EntryViewSchema.parse((org.body as { entry: unknown }).entry);
    for (const e of people)
      expect((await waitForRedaction(t, e.id, 200_000)).redactionStatus).toBe("done");
    const all = [...people, company];

    const { context, page } = await openSignedIn(ui.browser, t.baseUrl, moderator.cookie, {
      hash: "#review",
      locale: "zh-CN",
    });
    ui.contexts.push(context);
    await expectPageHeading(page, "审核队列");

    // Chinese: the dialog names the count and shows each entry as the street will see it.
    await page.getByRole("button", { name: "批准全部无问题条目（2）" }).click();
    const dialog = page.getByRole("dialog", { name: "批准并发布 2 条条目？" });
    await dialog.waitFor({ timeout: 10_000 });
    for (const name of ["夏某", company.maskedName])
      await dialog.getByText(name, { exact: true }).waitFor();
    await dialog.getByText("无照片", { exact: true }).waitFor();
    // Masked names only; the person without a photo waits to be reviewed alone.
    expect(await dialog.textContent()).not.toMatch(/夏雨荷|欧阳/);
    const thumbs = dialog.getByRole("img");
    expect(await thumbs.count()).toBe(1);
    // The thumbnail is the redacted rendition, loaded.
    await expect
      .poll(
        () =>
          thumbs.evaluateAll((imgs) =>
            imgs.every((i) => i instanceof HTMLImageElement && i.naturalWidth > 0),
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(await thumbs.first().getAttribute("src")).toContain(
      `/api/entries/${people[0]?.id ?? ""}/renditions/thumb`,
    );
    await dialog.getByRole("button", { name: "取消" }).click();
    await dialog.waitFor({ state: "hidden" });
    for (const e of all) expect(await stateOf(t.baseUrl, e.id)).toBe("pending_review");

    // English, and Escape cancels too.
    await page.getByRole("button", { name: "English", exact: true }).click();
    await page.getByRole("button", { name: "Approve all clean entries (2)" }).click();
    const en = page.getByRole("dialog", { name: "Approve and publish 2 entries?" });
    await en.waitFor({ timeout: 10_000 });
    await en.getByText("No photo", { exact: true }).waitFor();
    await page.keyboard.press("Escape");
    await en.waitFor({ state: "hidden" });
    for (const e of all) expect(await stateOf(t.baseUrl, e.id)).toBe("pending_review");

    // Confirm publishes exactly what was shown.
    await page.getByRole("button", { name: "Approve all clean entries (2)" }).click();
    await en.getByRole("button", { name: "Approve and publish 2" }).click();
    await expectText(page.getByRole("status").first(), "Approved 2 clean entries; 0 refused.");
    for (const e of all) expect(await stateOf(t.baseUrl, e.id)).toBe("approved");
    // Redacting a real photo on a loaded machine takes a while: the waits above say so.
  }, 300_000);
});
