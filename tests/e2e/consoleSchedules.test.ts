import { approveDistrictSettings } from "../support/districtSettings";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import type { EffectiveSchedule } from "../../shared/schemas/schedule";
import { expectText } from "../support/browser";
import {
  checkBothLanguages,
  consoleShots,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { createUser, type TestUser } from "../support/principals";
import {
  adminSessionValue,
  api,
  createDistrict,
  pairKiosk,
  syncKiosk,
  useTestServer,
  putSchedule,
} from "../support/testServer";

const ui = useConsoleBrowser();

async function scheduleOnServer(user: TestUser, baseUrl: string, id: string) {
  const res = await user.fetch(`${baseUrl}/api/districts/${id}/schedule`);
  expect(res.status).toBe(200);
  return (await res.json()) as EffectiveSchedule;
}

/** The page y of a time of day (minutes) in a day column of the timeline. */
async function dayColumn(page: Page, isoDay: number) {
  const box = await page
    .locator(".tl-day")
    .nth(isoDay - 1)
    .boundingBox();
  if (!box) throw new Error("no timeline column");
  return {
    x: box.x + box.width / 2,
    y: (minutes: number) => box.y + (minutes / 1440) * box.height,
  };
}

/** Opens the schedules page signed in with `cookie` (the admin's unless given). */
async function openSchedulesPage(baseUrl: string, cookie = adminSessionValue(baseUrl)) {
  const opened = await openSignedIn(ui.browser, baseUrl, cookie, { hash: "#schedules" });
  ui.contexts.push(opened.context);
  await expectPageHeading(opened.page, "Schedules");
  return opened.page;
}

describe("schedules page", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "dalian");
    await createDistrict(t.baseUrl, "zhongshan", "dalian");
    // The city plays its announcements every morning; zhongshan inherits that.
    await putSchedule(t.baseUrl, "dalian", {
      id: "mornings",
      days: [1, 2, 3, 4, 5],
      start: "07:00",
      end: "10:00",
      playlist: [{ type: "announcementsTagged", tag: "city" }],
      dwellSeconds: 20,
    });
  });

  it("an admin creates a district under the city", async () => {
    const t = server();
    const page = await openSchedulesPage(t.baseUrl);
    await page.getByRole("button", { name: "New district…" }).click();
    const form = page.getByRole("form", { name: "New district" });
    await form.getByLabel("District id").fill("Xigang!");
    await form.getByLabel("Belongs to").selectOption("dalian");
    await form.getByRole("button", { name: "Create district" }).click();
    await expectText(
      form.getByRole("alert"),
      "The district id is 2–64 lowercase letters, digits or “-”, starting with a letter or digit.",
    );
    await form.getByLabel("District id").fill("xigang");
    await form.getByLabel("Chinese name").fill("西岗区");
    await form.getByLabel("English name").fill("Xigang");
    await checkBothLanguages(page, "schedules-new-district", { zh: "排期", en: "Schedules" });
    await form.getByRole("button", { name: "Create district" }).click();
    await expectText(page.getByRole("status"), "Created Xigang (xigang).");
    const res = await api(`${t.baseUrl}/api/districts/xigang`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { district: unknown }).district).toMatchObject({
      id: "xigang",
      parentId: "dalian",
      nameZh: "西岗区",
      nameEn: "Xigang",
    });
    // The new district is chosen, and it inherits the city's schedule.
    await expectText(
      page.getByTestId("schedule-source"),
      /^Xigang \(xigang\) has no schedule of its own and plays the schedule of dalian district \(dalian\)\./,
    );
  });

  it("an admin edits a district's names and contest line; a district without one shows the city's", async () => {
    const t = server();
    const cityLine = {
      id: "dalian",
      parentId: null,
      nameZh: "dalian区",
      nameEn: "dalian district",
      contestText: "请向大连市中级人民法院申请纠正",
      contestContact: "0411-12368",
    };
    const city = await api(`${t.baseUrl}/api/districts/dalian`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(cityLine),
    });
    expect(city.status).toBe(200);
    // The city's line applies once a second person approves it.
    const moderator = await createUser(t.baseUrl, "Checker", [{ role: "moderator", scope: "*" }]);
    await approveDistrictSettings(t.baseUrl, moderator, "dalian");
    await createDistrict(t.baseUrl, "lushunkou", "dalian");
    const page = await openSchedulesPage(t.baseUrl);
    await page.getByLabel("District", { exact: true }).selectOption("lushunkou");
    await page.getByRole("button", { name: "Edit district…" }).click();
    const form = page.getByRole("form", { name: "Edit district lushunkou" });
    // The form starts from the district as it is.
    expect(await form.getByLabel("English name").inputValue()).toBe("lushunkou district");
    await form.getByLabel("English name").fill("Lushunkou");
    await form
      .getByLabel("How to contest an error (shown on every list slide)")
      .fill("请到中山区法院立案窗口申请纠正");
    await form.getByLabel("Contact for corrections (phone, counter)").fill("0411-8888");
    await form.getByLabel("Web address for corrections (optional)").fill("court.example.cn");
    await form.getByRole("button", { name: "Save district" }).click();
    await expectText(
      form.getByRole("alert"),
      "The web address must start with http:// or https://.",
    );
    await form
      .getByLabel("Web address for corrections (optional)")
      .fill("https://zs.court.example.cn/");
    await checkBothLanguages(page, "schedules-edit-district", { zh: "排期", en: "Schedules" });
    await form.getByRole("button", { name: "Save district" }).click();
    await expectText(page.getByRole("status"), "Saved Lushunkou (lushunkou).");
    const saved = await api(`${t.baseUrl}/api/districts/lushunkou`);
    expect(((await saved.json()) as { district: unknown }).district).toMatchObject({
      parentId: "dalian",
      nameEn: "Lushunkou",
      contestText: "请到中山区法院立案窗口申请纠正",
      contestContact: "0411-8888",
      contestUrl: "https://zs.court.example.cn/",
    });
    // Its screens keep the city's line until another person approves the new one: the admin
    // who saved it is told so, and has nothing to approve.
    const waits = page.getByTestId("district-settings-review");
    await expectText(
      waits.getByText(/^The contest line/),
      "The contest line or emergency setting saved for Lushunkou (lushunkou) waits for a second person. Until then its slides and pages show its parent's contest line (or the general one), and its emergencies: As the parent district (a city: sent at once, reviewed after).",
    );
    await expectText(
      waits.getByText(/^You saved them/),
      "You saved them since their last approval, so another person approves them.",
    );
    expect(await waits.getByRole("button").count()).toBe(0);
    const { socket: before } = await pairKiosk(t.baseUrl, "lushunkou");
    try {
      expect((await syncKiosk(before)).district.contestText).toBe(cityLine.contestText);
    } finally {
      before.disconnect();
    }
    const review = await openSchedulesPage(t.baseUrl, moderator.cookie);
    await review.getByLabel("District", { exact: true }).selectOption("lushunkou");
    await checkBothLanguages(review, "schedules-district-settings-review", {
      zh: "排期",
      en: "Schedules",
    });
    await review
      .getByRole("button", { name: "Approve the settings of Lushunkou (lushunkou) as shown" })
      .click();
    await expectText(
      review.getByRole("status"),
      "Approved the settings of Lushunkou (lushunkou); they apply now.",
    );
    expect(await review.getByTestId("district-settings-review").count()).toBe(0);
    const { socket: after } = await pairKiosk(t.baseUrl, "lushunkou");
    try {
      expect((await syncKiosk(after)).district.contestText).toBe("请到中山区法院立案窗口申请纠正");
    } finally {
      after.disconnect();
    }

    // Emptied again in the console, the district's screens show the city's line.
    await page.getByRole("button", { name: "Edit district…" }).click();
    const again = page.getByRole("form", { name: "Edit district lushunkou" });
    for (const label of [
      "How to contest an error (shown on every list slide)",
      "Contact for corrections (phone, counter)",
      "Web address for corrections (optional)",
    ])
      await again.getByLabel(label).fill("");
    await again.getByRole("button", { name: "Save district" }).click();
    await expectText(page.getByRole("status"), "Saved Lushunkou (lushunkou).");
    const { socket } = await pairKiosk(t.baseUrl, "lushunkou");
    try {
      expect((await syncKiosk(socket)).district).toMatchObject({
        contestText: cityLine.contestText,
        contestContact: cityLine.contestContact,
      });
    } finally {
      socket.disconnect();
    }
  });

  it("draws a window by mouse, sets it up by keyboard, saves, previews it, and inherits again", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Planner", [{ role: "operator", scope: "*" }]);
    const published = await publishAnnouncement(t, {
      title: "社区献血日",
      body: "周二上午在中山广场。",
      language: "zh-CN",
    });
    const page = await openSchedulesPage(t.baseUrl, operator.cookie);
    // A plain operator cannot create districts.
    expect(await page.getByRole("button", { name: "New district…" }).count()).toBe(0);
    await page.getByLabel("District", { exact: true }).selectOption("zhongshan");
    await expectText(
      page.getByTestId("schedule-source"),
      "zhongshan district (zhongshan) has no schedule of its own and plays the schedule of dalian district (dalian). Saving here gives it its own schedule, starting from a copy of that one.",
    );
    // The inherited window is drawn on Monday to Friday.
    await expect
      .poll(() => page.getByRole("button", { name: /^Window 1, / }).count(), { timeout: 15_000 })
      .toBe(5);

    // Drag on Tuesday from 11:00 to 13:00: a new window, opened in the form.
    await page.locator(".timeline").scrollIntoViewIfNeeded();
    let tue = await dayColumn(page, 2);
    await page.mouse.move(tue.x, tue.y(11 * 60) + 1);
    await page.mouse.down();
    await page.mouse.move(tue.x, tue.y(12 * 60), { steps: 4 });
    await page.mouse.move(tue.x, tue.y(13 * 60) + 1, { steps: 4 });
    await page.mouse.up();
    await expectText(page.getByRole("status"), "Added window 2; its settings are below.");
    const form = page.getByRole("region", { name: "Window 2" });
    expect(await form.getByLabel("Start").inputValue()).toBe("11:00");
    expect(await form.getByLabel("End").inputValue()).toBe("13:00");
    expect(await form.getByRole("checkbox", { name: "Tuesday" }).isChecked()).toBe(true);

    // Stretch its bottom edge to 14:00.
    tue = await dayColumn(page, 2);
    const edge = await page
      .getByRole("button", { name: "Window 2, Tue: Tue 11:00–13:00" })
      .locator(".tl-edge.bottom")
      .boundingBox();
    if (!edge) throw new Error("no bottom edge");
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2);
    await page.mouse.down();
    await page.mouse.move(tue.x, tue.y(13.5 * 60), { steps: 4 });
    await page.mouse.move(tue.x, tue.y(14 * 60) + 1, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => form.getByLabel("End").inputValue(), { timeout: 15_000 }).toBe("14:00");

    // The rest by keyboard: Wednesday too, red list and the announcement, 5 s, priority 3.
    await form.getByRole("checkbox", { name: "Wednesday" }).focus();
    await page.keyboard.press("Space");
    await form.getByRole("checkbox", { name: "This district's red list" }).focus();
    await page.keyboard.press("Space");
    await form.getByRole("checkbox", { name: "社区献血日" }).focus();
    await page.keyboard.press("Space");
    await form.getByLabel("Seconds per slide").fill("5");
    await form.getByLabel("Priority").fill("3");
    // A wrong time is named before anything is sent.
    await form.getByLabel("Start").fill("9:00");
    await page.getByRole("button", { name: /^Save schedule of / }).click();
    await expectText(
      page.getByRole("alert").filter({ hasText: "Window 2" }),
      'Window 2: Use a 24-hour local time "HH:MM", e.g. "07:30".',
    );
    expect((await scheduleOnServer(operator, t.baseUrl, "zhongshan")).fromDistrictId).toBe(
      "dalian",
    );
    await form.getByLabel("Start").fill("09:00");
    await page.getByLabel("Idle slide title (optional)").fill("夜间休息");
    // Choosing another district with unsaved changes asks first; staying keeps the draft.
    await page.getByLabel("District", { exact: true }).selectOption("dalian");
    const ask = page.getByRole("group", { name: "Unsaved changes" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(
      "Discard and switch",
    );
    await ask.getByRole("button", { name: "Stay here" }).click();
    expect(await ask.count()).toBe(0);
    expect(await page.getByLabel("District", { exact: true }).inputValue()).toBe("zhongshan");
    expect(await form.getByLabel("Start").inputValue()).toBe("09:00");
    await checkBothLanguages(page, "schedules", { zh: "排期", en: "Schedules" });
    await page
      .getByRole("button", { name: "Save schedule of zhongshan district (zhongshan)" })
      .click();
    await expectText(
      page.getByRole("status"),
      "Saved the schedule of zhongshan district (zhongshan); its screens switch at once.",
    );
    const saved = await scheduleOnServer(operator, t.baseUrl, "zhongshan");
    expect(saved.fromDistrictId).toBe("zhongshan");
    expect(saved.schedule?.windows).toHaveLength(2);
    expect(saved.schedule).toMatchObject({
      timeZone: "Asia/Shanghai",
      idleSlide: { title: "夜间休息", body: "" },
    });
    const announcementId = published.id;
    expect(saved.schedule?.windows[1]).toMatchObject({
      days: [2, 3],
      start: "09:00",
      end: "14:00",
      dwellSeconds: 5,
      priority: 3,
      playlist: [
        { type: "discredited" },
        { type: "redlist" },
        { type: "announcement", id: announcementId },
      ],
    });
    await expectText(
      page.getByTestId("schedule-source"),
      "zhongshan district (zhongshan) has its own schedule.",
    );

    // What plays on a Tuesday at 09:30 (2026-12-01 is a Tuesday), in Shanghai time.
    const preview = page.getByRole("region", { name: "What plays at a given time" });
    await preview.getByLabel("Date and time").fill("2026-12-01T09:30");
    await preview.getByRole("button", { name: "Show what plays" }).click();
    await expectText(
      preview.getByTestId("preview-now"),
      "Announcement “社区献血日” · slide 1 of 1",
    );
    expect(await preview.getByRole("row").nth(1).getByRole("cell").first().textContent()).toBe(
      "12/01, 09:30:00",
    );
    await page.screenshot({ path: join(consoleShots, "schedules-preview-en.png"), fullPage: true });

    // The idle slide waits for a second person: the operator who set it is told what the
    // screens show meanwhile and has nothing to approve.
    await expectText(
      page.getByTestId("idle-review"),
      "This idle slide waits for a moderator's approval; until then the screens show no idle slide (they go blank).",
    );
    expect(await page.getByRole("button", { name: /^Approve idle slide/ }).count()).toBe(0);
    // A moderator reads the schedule (changing it is not theirs) and approves the slide shown.
    const moderator = await createUser(t.baseUrl, "Reviewer", [{ role: "moderator", scope: "*" }]);
    const review = await openSchedulesPage(t.baseUrl, moderator.cookie);
    await review.getByLabel("District", { exact: true }).selectOption("zhongshan");
    await expectText(
      review.getByText(/^You may read schedules/),
      "You may read schedules and approve idle slides; operators change schedules.",
    );
    await review.getByRole("button", { name: "Approve idle slide “夜间休息” as shown" }).click();
    await expectText(
      review.getByRole("status"),
      "Approved the idle slide of zhongshan district (zhongshan); its screens show it now.",
    );
    await expectText(
      review.getByTestId("idle-review"),
      "This idle slide is approved: the screens show it.",
    );
    await review.screenshot({ path: join(consoleShots, "schedules-idle-approved-en.png") });
    expect((await scheduleOnServer(moderator, t.baseUrl, "zhongshan")).idleSlideReview).toEqual({
      onScreens: { title: "夜间休息", body: "" },
      pending: false,
      changedBy: [],
    });

    // Delete the own schedule: asked first, then zhongshan inherits the city's again.
    await page.getByRole("button", { name: "Delete own schedule (inherit again)" }).click();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Yes, delete");
    await page.keyboard.press("Enter");
    await expectText(
      page.getByRole("status"),
      "Deleted the schedule of zhongshan district (zhongshan); it plays the schedule of dalian district (dalian) again.",
    );
    expect((await scheduleOnServer(operator, t.baseUrl, "zhongshan")).fromDistrictId).toBe(
      "dalian",
    );
  });

  it("ends a drawn window where the pointer is let go, even before the last move is drawn", async () => {
    const t = server();
    const page = await openSchedulesPage(t.baseUrl);
    await page.getByLabel("District", { exact: true }).selectOption("zhongshan");
    await expect
      .poll(() => page.getByRole("button", { name: /^Window 1, / }).count(), { timeout: 15_000 })
      .toBe(5);
    const wed = await dayColumn(page, 3);
    // Pressed at 12:00 in one task; then moved to 14:00 and 15:00 and let go in another, so
    // the release is handled before any render of the moves.
    const pointer = (type: string, minutes: number) => ({
      type,
      x: wed.x,
      y: wed.y(minutes) + 1,
    });
    const dispatch = (events: { type: string; x: number; y: number }[]) =>
      page.evaluate((list) => {
        const column = document.querySelectorAll(".tl-day")[2];
        if (!column) throw new Error("no Wednesday column");
        for (const { type, x, y } of list) {
          column.dispatchEvent(
            new PointerEvent(type, {
              bubbles: true,
              cancelable: true,
              pointerId: 1,
              pointerType: "mouse",
              isPrimary: true,
              button: type === "pointermove" ? -1 : 0,
              buttons: type === "pointerup" ? 0 : 1,
              clientX: x,
              clientY: y,
            }),
          );
        }
      }, events);
    await dispatch([pointer("pointerdown", 12 * 60)]);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r))));
    await dispatch([
      pointer("pointermove", 14 * 60),
      pointer("pointermove", 15 * 60),
      pointer("pointerup", 15 * 60),
    ]);
    const form = page.getByRole("region", { name: "Window 2" });
    await expect
      .poll(() => form.getByLabel("Start").inputValue(), { timeout: 15_000 })
      .toBe("12:00");
    expect(await form.getByLabel("End").inputValue()).toBe("15:00");
    expect(await form.getByRole("checkbox", { name: "Wednesday" }).isChecked()).toBe(true);
  });

  it("shows the district picked last when an earlier pick's answer arrives after it", async () => {
    const t = server();
    await createDistrict(t.baseUrl, "ganjingzi", "dalian");
    // ganjingzi plays on weekends only: two window buttons, not the city's five.
    await putSchedule(t.baseUrl, "ganjingzi", {
      id: "weekends",
      days: [6, 7],
      start: "09:00",
      end: "18:00",
      playlist: [{ type: "announcementsTagged", tag: "city" }],
      dwellSeconds: 15,
    });
    const page = await openSchedulesPage(t.baseUrl);
    let slowAnswered = false;
    await page.route("**/api/districts/ganjingzi/schedule", async (route) => {
      await new Promise((r) => setTimeout(r, 1000));
      await route.continue();
      slowAnswered = true;
    });
    const pick = page.getByLabel("District", { exact: true });
    await pick.selectOption("ganjingzi");
    await pick.selectOption("zhongshan");
    await expect.poll(() => slowAnswered, { timeout: 10_000 }).toBe(true);
    await expectText(
      page.getByTestId("schedule-source"),
      /^zhongshan district \(zhongshan\) has no schedule of its own and plays the schedule of dalian district \(dalian\)\./,
    );
    // Give the late answer time to be drawn, if it were going to be.
    await page.waitForTimeout(300);
    expect(await page.getByTestId("schedule-source").textContent()).toMatch(
      /^zhongshan district \(zhongshan\) has no schedule of its own and plays the schedule of dalian district \(dalian\)\./,
    );
    expect(await page.getByRole("button", { name: /^Window 1, / }).count()).toBe(5);
  });
});

describe("emergency notices page", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "zhongshan");
    await createDistrict(t.baseUrl, "xigang");
  });

  it("composes, previews, sends and clears a notice", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Duty", [{ role: "operator", scope: "*" }]);
    const active = async () => {
      const res = await operator.fetch(`${t.baseUrl}/api/emergencies`);
      return ((await res.json()) as { emergencies: { title: string; districtIds: string[] }[] })
        .emergencies;
    };
    const opened = await openSignedIn(ui.browser, t.baseUrl, operator.cookie, {
      hash: "#emergencies",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Emergency notices");
    await page.getByText("No emergency notice is active.").waitFor();
    const form = page.getByRole("form", { name: "New emergency notice" });
    await form.getByLabel("Title").fill("暴雨红色预警");
    await form.getByRole("button", { name: "Preview" }).click();
    await expectText(page.getByRole("alert").first(), "Pick at least one district.");
    await form.getByLabel("Text").fill("请立即停止户外活动，远离河道和低洼地带。");
    await form.getByRole("checkbox", { name: "zhongshan district (zhongshan)" }).check();
    await form.getByRole("button", { name: "Preview" }).click();
    const preview = page.getByRole("region", { name: "Preview: what the screens will show" });
    await preview.waitFor();
    await expectText(preview.getByTestId("emergency-preview"), /^暴雨红色预警/);
    expect(await active()).toEqual([]);
    await checkBothLanguages(page, "emergencies-preview", {
      zh: "紧急通知",
      en: "Emergency notices",
    });
    await preview.getByRole("button", { name: "Send to screens now" }).click();
    await expectText(
      page.getByRole("status"),
      "Sent “暴雨红色预警” to zhongshan district (zhongshan).",
    );
    expect(await active()).toMatchObject([{ title: "暴雨红色预警", districtIds: ["zhongshan"] }]);
    await page.getByRole("rowheader", { name: /^暴雨红色预警/ }).waitFor();
    await checkBothLanguages(page, "emergencies", { zh: "紧急通知", en: "Emergency notices" });

    await page.getByRole("button", { name: "Clear “暴雨红色预警”" }).click();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Yes, clear");
    await page.keyboard.press("Enter");
    await expectText(
      page.getByRole("status"),
      "Cleared “暴雨红色预警”; the screens return to their schedules.",
    );
    expect(await active()).toEqual([]);
    await page.getByText("No emergency notice is active.").waitFor();
  });
});
