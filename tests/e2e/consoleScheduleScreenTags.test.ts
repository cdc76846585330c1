import { describe, expect, it } from "vitest";
import type { EffectiveSchedule } from "../../shared/schemas/schedule";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import {
  adminSessionValue,
  api,
  createDistrict,
  putSchedule,
  useTestServer,
} from "../support/testServer";

const ui = useConsoleBrowser();

async function scheduleOnServer(baseUrl: string, id: string): Promise<EffectiveSchedule> {
  const res = await api(`${baseUrl}/api/districts/${id}/schedule`);
  expect(res.status).toBe(200);
  return (await res.json()) as EffectiveSchedule;
}

describe("schedule window for tagged screens", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "ganjingzi");
    await putSchedule(t.baseUrl, "ganjingzi", {
      id: "metro",
      days: [1, 2, 3, 4, 5],
      start: "07:00",
      end: "10:00",
      playlist: [{ type: "redlist" }],
      dwellSeconds: 20,
    });
  });

  it("limits a window to screens carrying a tag, refusing a bad tag before saving", async () => {
    const t = server();
    const opened = await openSignedIn(ui.browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      hash: "#schedules",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Schedules");
    await page.getByLabel("District", { exact: true }).selectOption("ganjingzi");
    const row = page
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: "Window 1" }) });
    await expectText(row.locator("td").first(), "Mon–Fri 07:00–10:00");

    await page.getByRole("button", { name: "Edit window 1" }).click();
    const form = page.getByRole("region", { name: "Window 1" });
    const field = form.getByLabel("Only screens tagged (optional)");
    // A tag the schema refuses is named before anything is sent.
    await field.fill("metro, bus stop");
    await page.getByRole("button", { name: /^Save schedule of / }).click();
    await expectText(
      page.getByRole("alert").filter({ hasText: "Window 1" }),
      'Window 1: A screen tag is 1–32 lower-case letters, digits or hyphens, e.g. "metro" or "bus-stop".',
    );
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect((await scheduleOnServer(t.baseUrl, "ganjingzi")).schedule?.windows[0]?.screenTags).toBe(
      undefined,
    );

    await field.fill("Metro，bus-stop");
    await expectText(
      row.locator("td").first(),
      "Mon–Fri 07:00–10:00 (only screens tagged Metro, bus-stop)",
    );
    await checkBothLanguages(page, "schedules-screen-tags", { zh: "排期", en: "Schedules" });
    await page.getByRole("button", { name: /^Save schedule of / }).click();
    await expectText(page.getByRole("status"), /^Saved the schedule of /);
    // Stored normalised: lower case, sorted.
    expect(
      (await scheduleOnServer(t.baseUrl, "ganjingzi")).schedule?.windows[0]?.screenTags,
    ).toEqual(["bus-stop", "metro"]);

    // Emptied: the window plays on every screen again, and the field is left out.
    // The week's timeline marks the window's blocks with its tags.
    await expectText(
      page.locator(".tl-window .tl-label").first(),
      "1 07:00–10:00 #bus-stop #metro",
    );
    // Saving closed the form (the schedule was reloaded): open the window again.
    await page.getByRole("button", { name: "Edit window 1" }).click();
    expect(await field.inputValue()).toBe("bus-stop, metro");
    await field.fill("");
    await page.getByRole("button", { name: /^Save schedule of / }).click();
    await expect
      .poll(
        async () => (await scheduleOnServer(t.baseUrl, "ganjingzi")).schedule?.windows[0] ?? null,
        { timeout: 10_000 },
      )
      .not.toHaveProperty("screenTags");
    await expectText(row.locator("td").first(), "Mon–Fri 07:00–10:00");
  });
});
