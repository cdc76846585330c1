import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnnouncementViewSchema, type AnnouncementView } from "../../shared/schemas/announcement";
import { TakedownListSchema } from "../../shared/schemas/takedown";
import { expectText, launchChromium } from "../support/browser";
import { displayShots, pairShownCode, requireDisplayBuild } from "../support/displayPage";
import { drawnPoster } from "../support/posterAnnouncements";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

async function viewOf(res: Response): Promise<AnnouncementView> {
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return AnnouncementViewSchema.parse(
    ((await res.json()) as { announcement: unknown }).announcement,
  );
}

describe("every kind of content is reviewed, targeted and taken down (Chromium)", () => {
  let t: TestServer;
  let browser: Browser;
  let operator: TestUser;
  let moderator: TestUser;
  let metro: Page;
  let street: Page;
  let metroId = "";

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    await createDistrict(t.baseUrl, "lc-e2e");
    operator = await createUser(t.baseUrl, "Operator", [{ role: "operator", scope: "lc-e2e" }]);
    moderator = await createUser(t.baseUrl, "Moderator", [{ role: "moderator", scope: "lc-e2e" }]);
    browser = await launchChromium();
    const open = async (name: string): Promise<{ page: Page; id: string }> => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(`${t.baseUrl}/display/`);
      return { page, id: await pairShownCode(page, t.baseUrl, name, "lc-e2e") };
    };
    const m = await open("地铁站屏");
    metro = m.page;
    metroId = m.id;
    street = (await open("街口屏")).page;
    // The technician's tag: this screen is in the metro.
    const tagged = await operator.fetch(`${t.baseUrl}/api/screens/${metroId}/tags`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tags: ["metro"] }),
    });
    expect(tagged.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (t) removeDataDir(t.dataDir);
  });

  it("a poster for the metro tag: approved by a second person, shown on the tagged screen only, withdrawn with its acknowledgement", async () => {
    const created = await viewOf(
      await operator.post(`${t.baseUrl}/api/announcements`, {
        title: "地铁二号线夜间检修",
        body: "本周六 23 时至次日 5 时停运，请换乘公交。",
        target: { districtIds: ["lc-e2e"], screenTags: ["metro"] },
        posterLayout: "beside",
      }),
    );
    const form = new FormData();
    form.set(
      "poster",
      new Blob([new Uint8Array(await drawnPoster(1600, 900, "#1f4e79"))]),
      "poster.png",
    );
    const uploaded = await operator.fetch(`${t.baseUrl}/api/announcements/${created.id}/poster`, {
      method: "PUT",
      body: form,
    });
    expect(uploaded.status).toBe(200);
    // The face pipeline runs on the poster too; a poster without a face is ready.
    let ready: AnnouncementView = created;
    await expect
      .poll(
        async () => {
          ready = await viewOf(
            await operator.fetch(`${t.baseUrl}/api/announcements/${created.id}`),
          );
          return ready.poster.status;
        },
        // Face detection is the slow part on a loaded machine (two e2e files run at once).
        { timeout: 120_000, interval: 500 },
      )
      .toBe("done");
    const submitted = await viewOf(
      await operator.post(`${t.baseUrl}/api/announcements/${created.id}/submit`, {
        revision: ready.revision,
      }),
    );
    // Nothing is on a screen before a second person approves it.
    expect(await metro.getByTestId("slide-title").count()).toBe(0);
    const refused = await operator.post(`${t.baseUrl}/api/announcements/${created.id}/approve`, {
      revision: submitted.revision,
    });
    expect(refused.status).toBe(403);
    await viewOf(
      await moderator.post(`${t.baseUrl}/api/announcements/${created.id}/approve`, {
        revision: submitted.revision,
        posterHash: submitted.poster.hash,
      }),
    );

    await expectText(metro.getByTestId("slide-title"), "地铁二号线夜间检修", 15_000);
    const poster = metro.getByTestId("poster");
    await poster.waitFor({ state: "visible", timeout: 15_000 });
    expect(await poster.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(
      0,
    );
    // The slide fades in: the picture is taken once it is drawn in full.
    await metro.waitForTimeout(1_500);
    await metro.screenshot({ path: join(displayShots, "content-poster-metro.png") });
    // The street screen of the same district never gets it: it still waits for content.
    await street.waitForTimeout(2_000);
    expect(await street.getByText("地铁二号线夜间检修").count()).toBe(0);
    await street.getByTestId("waiting").waitFor({ state: "visible" });

    const withdrawn = await viewOf(
      await operator.post(`${t.baseUrl}/api/announcements/${created.id}/withdraw`, {
        reason: "检修取消",
      }),
    );
    expect(withdrawn.state).toBe("withdrawn");
    await metro.getByText("地铁二号线夜间检修").waitFor({ state: "detached", timeout: 15_000 });
    // Acknowledged by the one screen that showed it; the dashboard says so.
    await expect
      .poll(
        async () => {
          const res = await api(`${t.baseUrl}/api/takedowns?announcement=${created.id}`);
          const [takedown] = TakedownListSchema.parse(await res.json()).takedowns;
          return takedown && { screens: takedown.screens, acknowledged: takedown.acknowledged };
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual({ screens: 1, acknowledged: 1 });
    const context = await browser.newContext({ locale: "en-US" });
    await context.addCookies([
      {
        name: "signage_session",
        value: operator.cookie.slice(operator.cookie.indexOf("=") + 1),
        url: t.baseUrl,
      },
    ]);
    const dashboard = await context.newPage();
    await dashboard.goto(`${t.baseUrl}/console/`);
    await dashboard.getByText("地铁二号线夜间检修").first().waitFor({ timeout: 15_000 });
    await dashboard.screenshot({ path: join(displayShots, "content-withdrawn-dashboard.png") });
    await context.close();
  }, 180_000);

  it("an emergency is sent at once, shown on every screen of the district, and pulled by a moderator", async () => {
    const sent = await operator.post(`${t.baseUrl}/api/emergencies`, {
      title: "暴雨红色预警",
      body: "请勿前往低洼地带。",
      districtIds: ["lc-e2e"],
    });
    expect(sent.status).toBe(201);
    const { emergency } = (await sent.json()) as { emergency: { id: string } };
    for (const page of [metro, street])
      await expectText(page.getByTestId("emergency-title"), "暴雨红色预警", 15_000);
    // The sender may not review their own notice; a moderator pulls it with one action.
    const own = await operator.post(`${t.baseUrl}/api/emergencies/${emergency.id}/pull`, {
      reason: "误发",
    });
    expect(own.status).toBe(403);
    const pulled = await moderator.post(`${t.baseUrl}/api/emergencies/${emergency.id}/pull`, {
      reason: "误发",
    });
    expect(pulled.status).toBe(200);
    for (const page of [metro, street])
      await page.getByTestId("emergency-title").waitFor({ state: "detached", timeout: 15_000 });
  }, 120_000);
});
