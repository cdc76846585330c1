import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultWebRoot } from "../../server/app";
import { expectText, launchChromium } from "../support/browser";
import { AnnouncementListSchema } from "../../shared/schemas/announcement";
import { announcementApprover, publishAnnouncement } from "../support/announcements";
import { buildAnnouncementInput } from "../support/factories";
import {
  adminSessionValue,
  api,
  createDistrict,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
  putSchedule,
} from "../support/testServer";
import { pairShownCode } from "../support/displayPage";

const shots = join(import.meta.dirname, "../../test-results/e2e");

/** The console's announcements page in English, signed in as the test server's admin (its cookie). */
async function signedInConsole(browser: Browser, baseUrl: string): Promise<Page> {
  const context = await browser.newContext({ locale: "en-US" });
  await context.addCookies([
    { name: "signage_session", value: adminSessionValue(baseUrl), url: baseUrl },
  ]);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/#announcements`);
  return page;
}

describe("from console to screen, in real Chromium", () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    for (const app of ["display", "console"]) {
      if (!existsSync(join(defaultWebRoot, app, "index.html"))) {
        throw new Error(
          `dist/${app} is missing: run "npm run build:web" before the end-to-end tests.`,
        );
      }
    }
    mkdirSync(shots, { recursive: true });
    t = await startTestServer();
    await createDistrict(t.baseUrl, "zhongshan");
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
    removeDataDir(t.dataDir);
  });

  /** Opens a display and pairs it the way a technician and an operator do. */
  async function openPairedDisplay(name: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${t.baseUrl}/display`);
    await pairShownCode(page, t.baseUrl, name, "zhongshan");
    return page;
  }

  it("a new display shows a pairing code; once paired it keeps its token across reloads", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${t.baseUrl}/display`);
    const code = page.getByTestId("pairing-code");
    await expectText(code, /^[A-HJKMNP-Z2-9]{3} [A-HJKMNP-Z2-9]{3}$/);
    await expectText(page.locator("#status"), /Not paired/);
    await page.screenshot({ path: join(shots, "display-pairing.png") });
    const shown = ((await code.textContent()) ?? "").replace(/\s/g, "");
    const res = await postJson(`${t.baseUrl}/api/screens/pair`, {
      code: shown,
      name: "路口一号",
      districtId: "zhongshan",
    });
    expect(res.status).toBe(201);
    await expectVisible(page.getByTestId("waiting"));
    await page.reload();
    await expectVisible(page.getByTestId("waiting"));
    await expectText(page.locator("#status"), /Online/);

    // A rotated token reaches the display, which reconnects with it and keeps it.
    const screenId = (res.body as { screen: { id: string } }).screen.id;
    const rotated = await api(`${t.baseUrl}/api/screens/${screenId}/rotate-token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(rotated.status).toBe(200);
    await expectText(page.locator("#status"), /Online/);
    await page.reload();
    await expectVisible(page.getByTestId("waiting"));
    await expectText(page.locator("#status"), /Online/);

    // Unpairing sends the screen straight back to a new pairing code.
    await api(`${t.baseUrl}/api/screens/${screenId}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    await expectText(page.getByTestId("pairing-code"), /^[A-HJKMNP-Z2-9]{3} [A-HJKMNP-Z2-9]{3}$/);
    await page.close();
  });

  it("shows the waiting screen, then an announcement posted through the API appears live", async () => {
    const page = await openPairedDisplay("路口二号");
    await expectVisible(page.getByTestId("waiting"));
    await expectText(page.locator("#status"), /Online/);
    await page.screenshot({ path: join(shots, "display-waiting.png") });

    // Written, submitted, and approved by a second person: only then does it reach screens.
    await publishAnnouncement(
      t,
      buildAnnouncementInput({
        title: "中山路夜间施工",
        body: "11月28日22时至次日6时，请绕行。",
      }),
    );

    await expectText(page.getByTestId("slide-title"), "中山路夜间施工");
    await expectText(page.getByTestId("slide-body"), "11月28日22时至次日6时，请绕行。");
    await page.screenshot({ path: join(shots, "display-announcement.png") });
    await page.close();
  });

  it("an announcement written in the console reaches an open display once a second person approves it", async () => {
    const display = await openPairedDisplay("路口三号");

    const console = await signedInConsole(browser, t.baseUrl);
    await console.getByRole("button", { name: "New announcement" }).click();
    await console.getByLabel("Title").fill("Library closed for repairs");
    await console.getByLabel("Text").fill("Reopens on Monday.");
    await console.getByLabel("Screen language").selectOption("en");
    await console.getByRole("button", { name: "Save and submit for review" }).click();
    await expectText(console.getByRole("status"), /Library closed for repairs/);
    await console.screenshot({ path: join(shots, "console-published.png") });

    // In review, it is on no screen; a second person approves the revision they saw.
    const list = AnnouncementListSchema.parse(
      await (await api(`${t.baseUrl}/api/announcements?state=in_review`)).json(),
    );
    const submitted = list.announcements.find((a) => a.title === "Library closed for repairs");
    if (!submitted) throw new Error("the submitted announcement is not in review");
    const approver = await announcementApprover(t);
    const approved = await approver.post(`${t.baseUrl}/api/announcements/${submitted.id}/approve`, {
      revision: submitted.revision,
    });
    expect(approved.status).toBe(200);

    // The display rotates every 10 s; both announcements take turns, so wait up to one full cycle.
    await expectText(display.getByTestId("slide-title"), "Library closed for repairs", 25_000);
    await display.screenshot({ path: join(shots, "display-from-console.png") });
  });

  it("two screens of a district follow its schedule in step, and an emergency takes over both", async () => {
    for (const title of ["同步一", "同步二"])
      await publishAnnouncement(t, buildAnnouncementInput({ title, tags: ["sync"] }));
    await putSchedule(t.baseUrl, "zhongshan", {
      playlist: [{ type: "announcementsTagged", tag: "sync" }],
      dwellSeconds: 3,
    });
    const pages = [await openPairedDisplay("同步屏甲"), await openPairedDisplay("同步屏乙")];
    for (const page of pages) {
      await expectText(page.getByTestId("slide-title"), /^同步[一二]$/);
      // Record when each slide appears, by the page's own clock (both share this machine's).
      await page.evaluate(() => {
        const log: [number, string][] = [];
        const w = window as unknown as { slideLog: [number, string][]; slideLogFrom: number };
        w.slideLog = log;
        w.slideLogFrom = performance.timeOrigin + performance.now();
        new MutationObserver(() => {
          const title = document.querySelector("[data-testid=slide-title]")?.textContent ?? "";
          const last = log[log.length - 1];
          if (!last || last[1] !== title)
            log.push([performance.timeOrigin + performance.now(), title]);
        }).observe(document.getElementById("stage") as HTMLElement, {
          childList: true,
          subtree: true,
        });
      });
    }
    await new Promise((r) => setTimeout(r, 9_000));
    const logs = await Promise.all(
      pages.map((p) =>
        p.evaluate(() => {
          const w = window as unknown as { slideLog: [number, string][]; slideLogFrom: number };
          return {
            from: w.slideLogFrom,
            to: performance.timeOrigin + performance.now(),
            log: w.slideLog,
          };
        }),
      ),
    );
    // Compared over the time both pages were watched (the observers start and are read one
    // after the other): every change one page made in that time, with a margin wider than
    // the tolerance at each end, the other made too, in the same dwell. In step means the same
    // slide in the same 3 s slot; a page a slot behind or out of order is 3 s off. How close
    // the two changes come is a matter of speed (a loaded machine draws late), not of
    // correctness: 1 s allows for it and still tells a slot apart.
    const from = Math.max(...logs.map((l) => l.from)) + 1_000;
    const to = Math.min(...logs.map((l) => l.to)) - 1_000;
    const [a, b] = logs.map((l) => l.log);
    if (!a || !b) throw new Error("two logs expected");
    const within = (log: [number, string][]) => log.filter(([at]) => at > from && at < to);
    expect(within(a).length).toBeGreaterThanOrEqual(2);
    for (const [mine, other] of [
      [a, b],
      [b, a],
    ] as const) {
      for (const [at, title] of within(mine)) {
        const match = other.find(([o, t]) => t === title && Math.abs(o - at) < 1_000);
        expect(match, `"${title}" at ${Math.round(at - from)} ms on one page only`).toBeDefined();
      }
    }

    const posted = await postJson(`${t.baseUrl}/api/emergencies`, {
      title: "暴雨红色预警",
      body: "请立即前往安全地点。",
      districtIds: ["zhongshan"],
    });
    expect(posted.status).toBe(201);
    for (const page of pages)
      await expectText(page.getByTestId("emergency-title"), "暴雨红色预警", 15_000);
    await pages[0]?.screenshot({ path: join(shots, "display-emergency.png") });
    const id = (posted.body as { emergency: { id: string } }).emergency.id;
    await api(`${t.baseUrl}/api/emergencies/${id}/clear`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    for (const page of pages)
      await expectText(page.getByTestId("slide-title"), /^同步[一二]$/, 2_000);
    await api(`${t.baseUrl}/api/districts/zhongshan/schedule`, { method: "DELETE" });
    for (const page of pages) await page.close();
  });

  it("the console refuses an announcement without a title, with a sentence naming the field", async () => {
    const console = await signedInConsole(browser, t.baseUrl);
    await console.getByRole("button", { name: "New announcement" }).click();
    // Whitespace passes the browser's `required`, not the form's own check (nor the server's).
    await console.getByLabel("Title").fill("   ");
    await console.getByRole("button", { name: "Save and submit for review" }).click();
    // The form's own alert (the page has one of its own too, empty).
    await expectText(console.getByRole("alert").filter({ hasText: "Title" }), /Fill in “Title”/);
  });
});

async function expectVisible(locator: Locator, timeout = 10_000): Promise<void> {
  await locator.waitFor({ state: "visible", timeout });
}
