import { approveDistrictSettings } from "../support/districtSettings";
import { join } from "node:path";
import jsQR from "jsqr";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntryView } from "../../shared/schemas/entryView";
import type { TimeWindow } from "../../shared/schemas/schedule";
import { silhouettePortrait } from "../fixtures/images";
import { expectNoSeriousA11yViolations } from "../support/axe";
import { expectText, launchChromium } from "../support/browser";
import { approveEntry, createEntryWithPhoto } from "../support/entryPublishing";
import { publishAnnouncement } from "../support/announcements";
import { drawnPoster, publishPosterAnnouncement } from "../support/posterAnnouncements";
import {
  emulateKioskShell,
  startKioskBundleServer,
  type KioskBundleServer,
} from "../support/kioskBundleServer";
import { createUser } from "../support/principals";
import {
  api,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
  putSchedule,
} from "../support/testServer";
import { displayShots, pairShownCode, requireDisplayBuild } from "../support/displayPage";

const shots = displayShots;
const DWELL_S = 3;
const LIST_ENTRIES = 10;
const CONTEST_TEXT = "如认为信息有误，请于工作日致电 010-12368 或到执行法院立案窗口申请纠正";
const CONTEST_URL = "https://court.example.cn/jiuzheng";
const DISTRICT = {
  id: "da",
  parentId: null,
  nameZh: "大安区",
  nameEn: "Da'an district",
  contestText: CONTEST_TEXT,
  contestUrl: CONTEST_URL,
};
/** Every screen shape a district may mount: 1080p and 4K, landscape and portrait. */
const SCREENS = {
  "1080p-landscape": { width: 1920, height: 1080 },
  "1080p-portrait": { width: 1080, height: 1920 },
  "4k-landscape": { width: 3840, height: 2160 },
  "4k-portrait": { width: 2160, height: 3840 },
} as const;

/** The longest title an announcement may have (120), in each language. */
const LONG_TITLE_ZH =
  "中山路（人民广场至解放路段）夜间路面翻修施工期间交通管制及公交线路临时调整的通告"
    .repeat(3)
    .slice(0, 120);
const LONG_TITLE_EN =
  "Traffic control on Zhongshan Road and temporary changes to bus routes during night-time resurfacing works, 1–15 Dec".slice(
    0,
    120,
  );
/** The longest text (2,000 characters), in each language. */
const LONG_BODY_ZH =
  "为保障市民出行安全，中山路（人民广场至解放路段）将于十二月一日至十二月十五日每晚二十二时至次日六时进行路面翻修施工。施工期间该路段实行单向通行，公交线路临时绕行，请过往车辆和行人注意交通标志，服从现场指挥，提前规划出行路线。\n"
    .repeat(20)
    .slice(0, 2000);
const LONG_BODY_EN =
  "To keep everyone safe, Zhongshan Road (People's Square to Jiefang Road) is resurfaced every night from 22:00 to 06:00 between 1 and 15 December. The road is one-way during the works and buses take temporary detours; please follow the signs and the marshals on site. "
    .repeat(10)
    .slice(0, 2000);

/** An announcement slide the layout test plays alone: its poster (if any), language, length. */
interface PosterSlide {
  name: string;
  layout: "beside" | "full" | null;
  language: "zh-CN" | "en";
  long: boolean;
  /** The drawn poster's size and colour (a portrait poster, or a landscape one). */
  size: [number, number];
  hue: string;
}
const POSTER_SLIDES: readonly PosterSlide[] = [
  {
    name: "beside-zh",
    layout: "beside",
    language: "zh-CN",
    long: false,
    size: [1200, 1600],
    hue: "#1f4e79",
  },
  {
    name: "beside-en",
    layout: "beside",
    language: "en",
    long: false,
    size: [1920, 1080],
    hue: "#2e6b4f",
  },
  {
    name: "full-zh",
    layout: "full",
    language: "zh-CN",
    long: false,
    size: [1920, 1080],
    hue: "#2e6b4f",
  },
  {
    name: "full-en",
    layout: "full",
    language: "en",
    long: false,
    size: [1200, 1600],
    hue: "#5b3c88",
  },
  {
    name: "beside-long-zh",
    layout: "beside",
    language: "zh-CN",
    long: true,
    size: [1200, 1600],
    hue: "#1f4e79",
  },
  { name: "long-zh", layout: null, language: "zh-CN", long: true, size: [0, 0], hue: "" },
  { name: "long-en", layout: null, language: "en", long: true, size: [0, 0], hue: "" },
];

/** The playlist of a schedule with one all-day window. */
type Playlist = TimeWindow["playlist"];

/** What the stage holds: its layers, how many have content, and every element under it. */
interface StageCount {
  layers: number;
  filled: number;
  leaving: number;
  elements: number;
  documentElements: number;
  titles: number;
  title: string;
}

function stageCount(page: Page): Promise<StageCount> {
  return page.evaluate(() => {
    const stage = document.getElementById("stage");
    const layers = stage ? Array.from(stage.children) : [];
    return {
      layers: layers.length,
      filled: layers.filter((l) => l.childElementCount > 0).length,
      leaving: layers.filter((l) => l.classList.contains("leaving")).length,
      elements: stage?.querySelectorAll("*").length ?? 0,
      documentElements: document.getElementsByTagName("*").length,
      titles: document.querySelectorAll("[data-testid=slide-title]").length,
      title: document.querySelector("[data-testid=slide-title]")?.textContent ?? "",
    };
  });
}

/**
 * Measures the slide on screen: whether any text spills off the slide or out of a box that clips
 * it, or lies over another text, the smallest text (and in the slide's own language), and how
 * many due-process facts are visible.
 */
function slideFit(page: Page) {
  return page.evaluate(() => {
    const slide = document.querySelector<HTMLElement>("#stage > .slide.shown");
    if (!slide) return null;
    const box = slide.getBoundingClientRect();
    let smallest = Infinity;
    let smallestPrimary = Infinity;
    const outside: string[] = [];
    for (const node of Array.from(slide.querySelectorAll<HTMLElement>("*"))) {
      if (!node.childNodes.length || node.children.length) continue;
      if (node.closest("svg")) continue;
      const r = node.getBoundingClientRect();
      if (r.width === 0) continue;
      const size = Number.parseFloat(getComputedStyle(node).fontSize);
      smallest = Math.min(smallest, size);
      if (!node.closest(".secondary")) smallestPrimary = Math.min(smallestPrimary, size);
      if (r.bottom > box.bottom + 1 || r.right > box.right + 1)
        outside.push(node.textContent ?? "");
      // Nor may any box that clips (a column, a row) hide text the slide holds: a line
      // clamp cuts a long text inside its own box, which is fine, but not a whole fact.
      for (let up = node.parentElement; up && up !== slide; up = up.parentElement) {
        const style = getComputedStyle(up);
        // A box of display: contents draws nothing and clips nothing.
        if (style.overflow === "visible" || style.display === "contents") continue;
        const c = up.getBoundingClientRect();
        // An inline run's box holds its font's ascent and descent, taller than the line
        // it sits on: a quarter of its size below the clip is still whole glyphs.
        if (r.bottom > c.bottom + size / 4 || r.right > c.right + 1) {
          outside.push(`${node.textContent ?? ""} (cut by ${up.className})`);
          break;
        }
      }
    }
    // No two texts drawn over each other (a box that grew into the next one). An inline
    // run's box is taller than its line by its font's ascent and descent: a fifth of its
    // size off each edge is still whole glyphs.
    const boxes = Array.from(slide.querySelectorAll<HTMLElement>("*"))
      .filter((n) => n.childNodes.length > 0 && n.children.length === 0)
      .filter((n) => !n.closest("svg") && n.getBoundingClientRect().width > 0)
      .map((n) => {
        const r = n.getBoundingClientRect();
        const inset = Number.parseFloat(getComputedStyle(n).fontSize) / 5;
        return {
          text: n.textContent ?? "",
          top: r.top + inset,
          bottom: r.bottom - inset,
          left: r.left + 1,
          right: r.right - 1,
        };
      });
    boxes.forEach((a, i) =>
      boxes.slice(i + 1).forEach((b) => {
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
          outside.push(`${a.text} over ${b.text}`);
      }),
    );
    const shown = (id: string) =>
      Array.from(slide.querySelectorAll(`[data-testid="${id}"]`)).filter(
        (n) => n.getBoundingClientRect().height > 0,
      ).length;
    return {
      smallest,
      smallestPrimary,
      outside,
      short: Math.min(innerWidth, innerHeight),
      dueProcess: Object.fromEntries(
        [
          "entry-ground",
          "entry-basis",
          "entry-listed",
          "entry-ends",
          "entry-performance",
          "entry-source",
          "entry-contest",
          "entry-qr",
          "list-ground",
          "list-ends",
        ].map((id) => [id, shown(id)]),
      ),
    };
  });
}

/** A box on the page. */
interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

/** Where the poster on screen is: its frame, its image's natural size, the title, the slide. */
function posterGeometry(page: Page) {
  return page.evaluate(() => {
    const box = (e: Element | null) => {
      const r = e?.getBoundingClientRect();
      return r
        ? {
            left: r.left,
            top: r.top,
            right: r.right,
            bottom: r.bottom,
            width: r.width,
            height: r.height,
          }
        : null;
    };
    const slide = document.querySelector("#stage > .slide.shown");
    const img = slide?.querySelector<HTMLImageElement>("img[data-testid=poster]");
    const frame = box(img ?? null);
    const title = box(slide?.querySelector("[data-testid=slide-title]") ?? null);
    const slideBox = box(slide ?? null);
    if (!img || !frame || !title || !slideBox || img.naturalWidth === 0) return null;
    return {
      frame,
      title,
      slide: slideBox,
      natural: { width: img.naturalWidth, height: img.naturalHeight },
      objectFit: getComputedStyle(img).objectFit,
    };
  });
}

/** Where an image of `natural` size is drawn inside `frame` with object-fit: contain. */
function containedRect(frame: Box, natural: { width: number; height: number }): Box {
  const scale = Math.min(frame.width / natural.width, frame.height / natural.height);
  const width = natural.width * scale;
  const height = natural.height * scale;
  const left = frame.left + (frame.width - width) / 2;
  const top = frame.top + (frame.height - height) / 2;
  return { left, top, right: left + width, bottom: top + height, width, height };
}

/**
 * The mean luminance (0–255) of a screenshot where the frame is not covered by the poster's
 * image: the bars left and right of a narrower poster, or above and below a flatter one.
 */
async function barLuminance(png: Buffer, frame: Box, content: Box): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const bars: Box[] = [];
  const band = (left: number, top: number, right: number, bottom: number) => {
    if (right - left > 8 && bottom - top > 8)
      bars.push({ left, top, right, bottom, width: right - left, height: bottom - top });
  };
  band(frame.left, frame.top, content.left, frame.bottom);
  band(content.right, frame.top, frame.right, frame.bottom);
  band(frame.left, frame.top, frame.right, content.top);
  band(frame.left, content.bottom, frame.right, frame.bottom);
  let sum = 0;
  let n = 0;
  for (const bar of bars) {
    for (let y = bar.top + 4; y < bar.bottom - 4; y += 7) {
      for (let x = bar.left + 4; x < bar.right - 4; x += 7) {
        const i = (Math.floor(y) * info.width + Math.floor(x)) * info.channels;
        sum += 0.2126 * (data[i] ?? 0) + 0.7152 * (data[i + 1] ?? 0) + 0.0722 * (data[i + 2] ?? 0);
        n += 1;
      }
    }
  }
  return n === 0 ? 0 : sum / n;
}

/** Resolves once no layer is fading out: one layer on screen, the other hidden. */
async function settled(page: Page): Promise<void> {
  await expect
    .poll(async () => (await stageCount(page)).leaving, { timeout: 5_000, interval: 50 })
    .toBe(0);
  // And the slide on screen fully opaque: a slow frame (a blurred 4K poster drawn without a
  // GPU) can end the fade's grace timer before the transition itself has ended.
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const shown = document.querySelector("#stage > .slide.shown");
          return shown ? getComputedStyle(shown).opacity : "none";
        }),
      { timeout: 5_000, interval: 50 },
    )
    .toMatch(/^(1|none)$/);
}

describe("slides on a street screen: two layers, a cross-fade, the list layout, the bundled font", () => {
  let t: TestServer;
  let browser: Browser;
  let display: Page;
  let listed: EntryView[];
  /** The full name of the i-th listed person. */
  const personName = (i: number): string => `${"赵钱孙李周吴郑王冯陈".charAt(i)}光明`;
  /** The announcements' ids, by title. */
  const announcementIds = new Map<string, string>();
  /** The poster and long announcements' ids, by POSTER_SLIDES name. */
  const posterIds = new Map<string, string>();
  /** Their titles, by POSTER_SLIDES name. */
  const posterTitles = new Map<string, string>();
  const titles = ["中山路夜间施工", "图书馆闭馆维修", "Road closed for the marathon", "社区献血日"];

  /** Sets district "da"'s language (the rest of its settings as made in beforeAll). */
  async function setLanguage(language: "zh-CN" | "en"): Promise<void> {
    const res = await api(`${t.baseUrl}/api/districts/da`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...DISTRICT, language }),
    });
    expect(res.status).toBe(200);
  }

  async function setSchedule(playlist: Playlist, dwellSeconds = DWELL_S): Promise<void> {
    await putSchedule(t.baseUrl, "da", { playlist, dwellSeconds });
  }

  /** Opens /display in `context` and pairs it in district "da" as an operator does. */
  async function openPairedDisplay(context: BrowserContext, name: string): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (err) => console.error("display page error:", err));
    await page.goto(`${t.baseUrl}/display`);
    await pairShownCode(page, t.baseUrl, name, "da");
    return page;
  }

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    const district = await postJson(`${t.baseUrl}/api/districts`, DISTRICT);
    expect(district.status).toBe(201);
    // The contest line reaches the slides once a second person approves it.
    const approver = await createUser(t.baseUrl, "approver", [{ role: "moderator", scope: "da" }]);
    await approveDistrictSettings(t.baseUrl, approver, "da");
    for (const title of titles) {
      const english = /^[A-Za-z]/.test(title);
      const published = await publishAnnouncement(t, {
        title,
        body: english ? "Use Zhongshan Road until 18:00." : "请市民注意出行安全，提前规划路线。",
        language: english ? "en" : "zh-CN",
        tags: ["slides"],
      });
      announcementIds.set(title, published.id);
    }
    // Announcements with posters, beside the text and filling the screen, in both languages, and
    // ones whose title and text run to the limits; each played alone by its own playlist below.
    for (const poster of POSTER_SLIDES) {
      const english = poster.language === "en";
      const input = {
        title: poster.long
          ? english
            ? LONG_TITLE_EN
            : LONG_TITLE_ZH
          : english
            ? "Road works on Zhongshan Road"
            : "中山路夜间施工",
        body: poster.long
          ? english
            ? LONG_BODY_EN
            : LONG_BODY_ZH
          : english
            ? "Nights of 1–15 December, 22:00–06:00: please take Jiefang Road."
            : "十二月一日至十五日每晚二十二时至次日六时，请绕行解放路。",
        language: poster.language,
        tags: ["poster-slides"],
        ...(poster.layout ? { posterLayout: poster.layout } : {}),
      };
      const published = poster.layout
        ? await publishPosterAnnouncement(t, input, await drawnPoster(...poster.size, poster.hue))
        : await publishAnnouncement(t, input);
      posterIds.set(poster.name, published.id);
      posterTitles.set(poster.name, input.title);
    }
    await setSchedule([{ type: "announcementsTagged", tag: "slides" }]);

    // Ten listed people, drawn silhouettes for photos, approved by a second user (four eyes).
    const moderator = await createUser(t.baseUrl, "moderator", [
      { role: "moderator", scope: "da" },
    ]);
    const created = await Promise.all(
      Array.from({ length: LIST_ENTRIES }, async (_, i) =>
        createEntryWithPhoto(t, await silhouettePortrait(20 + i * 33), {
          kind: "discredited",
          ...(i === 3
            ? { subjectType: "organisation", fullName: "北京市东城区宏达建筑工程有限公司" }
            : { fullName: personName(i) }),
          court: i % 2 === 0 ? "北京市东城区人民法院" : "北京市第二中级人民法院",
          amountMinor: 1_000_000 * (i + 1) + 45_600,
          listingGround: "有履行能力而拒不履行生效法律文书确定义务",
          legalBasisNumber: `（2025）京0101执恢${100 + i}号决定书`,
          legalBasisIssuer: "北京市东城区人民法院",
          performance: i % 3 === 0 ? "部分履行" : "全部未履行",
        }),
      ),
    );
    // Approved one after another, so the list's order (by publication) is the order made: the
    // organisation (the fourth) is on the first page, whatever the redactions' pace.
    listed = [];
    for (const entry of created) listed.push((await approveEntry(t, moderator, entry)).entry);
    browser = await launchChromium();
    display = await openPairedDisplay(
      await browser.newContext({ viewport: SCREENS["1080p-landscape"] }),
      "大安路口",
    );
    await expectText(display.getByTestId("slide-title"), new RegExp(`^(${titles.join("|")})$`));
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (t) removeDataDir(t.dataDir);
  });

  it("dissolves each slide into the next: the new layer fades in over the old, then the old is hidden", async () => {
    await settled(display);
    const samples = await display.evaluate(
      () =>
        new Promise<
          { shown: number; leaving: number | null; leavingFilled: boolean; at: number }[]
        >((resolve) => {
          const out: {
            shown: number;
            leaving: number | null;
            leavingFilled: boolean;
            at: number;
          }[] = [];
          let fadeStart: number | null = null;
          const sample = (): void => {
            const now = performance.now();
            const shown = document.querySelector("#stage > .slide.shown");
            const leaving = document.querySelector("#stage > .slide.leaving");
            if (leaving && fadeStart === null) fadeStart = now;
            if (fadeStart !== null && shown) {
              out.push({
                shown: Number(getComputedStyle(shown).opacity),
                leaving: leaving ? Number(getComputedStyle(leaving).opacity) : null,
                leavingFilled: (leaving?.childElementCount ?? 0) > 0,
                at: now - fadeStart,
              });
            }
            if (fadeStart !== null && now - fadeStart > 1_200) resolve(out);
            else requestAnimationFrame(sample);
          };
          requestAnimationFrame(sample);
        }),
    );
    const midway = samples.filter((s) => s.shown > 0.05 && s.shown < 0.95);
    console.info(
      `cross-fade: ${samples.length} frames sampled, ${midway.length} mid-fade ` +
        `(opacity ${midway.map((s) => s.shown.toFixed(2)).join(", ")})`,
    );
    expect(midway.length).toBeGreaterThanOrEqual(2);
    // Beneath the one fading in, the old slide stays whole (no dip to the background)...
    for (const s of midway) expect(s).toMatchObject({ leaving: 1, leavingFilled: true });
    // ...and is hidden once the fade is over, leaving one opaque slide.
    expect(samples.at(-1)).toMatchObject({ shown: 1, leaving: null });
    expect(
      await display.evaluate(() =>
        Array.from(document.querySelectorAll("#stage > .slide:not(.shown)")).map(
          (l) => getComputedStyle(l).visibility,
        ),
      ),
    ).toEqual(["hidden"]);
    expect(
      await display.evaluate(() => {
        const shown = document.querySelector("#stage > .slide.shown");
        return shown ? getComputedStyle(shown).transitionDuration : "";
      }),
    ).toBe("0.6s");
    // Whatever looks for the slide finds the one on screen only.
    expect((await stageCount(display)).titles).toBe(1);
  });

  it("cuts without a fade when the viewer prefers reduced motion", async () => {
    await display.emulateMedia({ reducedMotion: "reduce" });
    try {
      await settled(display);
      const before = (await stageCount(display)).title;
      const seen = await display.evaluate(
        (first) =>
          new Promise<{ leaving: boolean; partial: boolean }>((resolve) => {
            let leaving = false;
            let partial = false;
            const started = performance.now();
            const sample = (): void => {
              const shown = document.querySelector("#stage > .slide.shown");
              leaving ||= document.querySelector("#stage > .slide.leaving") !== null;
              if (shown) partial ||= Number(getComputedStyle(shown).opacity) < 1;
              const title = document.querySelector("[data-testid=slide-title]")?.textContent;
              const changedAgo = title !== first ? performance.now() - started : 0;
              if (changedAgo > 0 && performance.now() - started > 4_000)
                resolve({ leaving, partial });
              else requestAnimationFrame(sample);
            };
            requestAnimationFrame(sample);
          }),
        before,
      );
      expect(seen).toEqual({ leaving: false, partial: false });
    } finally {
      await display.emulateMedia({ reducedMotion: null });
    }
  });

  it("keeps the stage to two layers and a bounded DOM over 2,000 slide changes", async () => {
    // A kiosk of its own on a clock the test moves: 2,000 dwells of 3 s pass in seconds.
    const context = await browser.newContext({ viewport: SCREENS["1080p-landscape"] });
    await context.clock.install({ time: Date.now() });
    const page = await openPairedDisplay(context, "快钟屏");
    await expectText(page.getByTestId("slide-title"), new RegExp(`^(${titles.join("|")})$`));
    await settled(page);
    const first = await stageCount(page);
    const seen = new Set<string>([first.title]);
    let most = first;
    const perStep = 50;
    for (let step = 0; step < 2_000 / perStep; step += 1) {
      // An even number of titles, an even step: one more dwell so the title moves on.
      await page.clock.runFor((perStep + 1) * DWELL_S * 1000);
      const now = await stageCount(page);
      seen.add(now.title);
      if (now.documentElements > most.documentElements) most = now;
      expect(now.layers).toBe(2);
      expect(now.filled).toBeLessThanOrEqual(2);
      expect(now.titles).toBe(1);
    }
    // Once the last fade has settled: one slide on screen, the one before hidden behind it. The
    // installed clock still runs in real time, so on a loaded machine the next change may begin
    // meanwhile: read until a settled moment.
    await settled(page);
    let last = await stageCount(page);
    await expect
      .poll(async () => (last = await stageCount(page)), { timeout: 15_000, interval: 100 })
      .toMatchObject({ layers: 2, filled: 2, leaving: 0, titles: 1 });
    console.info(
      `after ${(2_000 / perStep) * (perStep + 1)} slide changes: stage ${last.elements} elements ` +
        `(${first.elements} at the start, ${most.elements} at most), document ` +
        `${last.documentElements} (${first.documentElements} at the start)`,
    );
    expect(seen.size).toBe(titles.length);
    // Two layers of three nodes each (an announcement: kind, title, body), nothing else; and
    // the rest of the document is as it was.
    expect(most.elements).toBeLessThanOrEqual(2 + 2 * 3);
    expect(last.documentElements - last.elements).toBe(first.documentElements - first.elements);
    await context.close();
  });

  it("pages the discredited list 8 entries a slide, masked, with no photo, then the next page", async () => {
    await setSchedule([{ type: "discredited", layout: "list" }]);
    // The server's own evaluation says which entries each page holds, in rotation order.
    const res = await api(`${t.baseUrl}/api/districts/da/timeline?hours=1`);
    expect(res.status).toBe(200);
    const { segments } = (await res.json()) as {
      segments: { result: { list?: { itemIds: string[]; page: number; pages: number } } }[];
    };
    const pages = new Map(segments.map((s) => [s.result.list?.page, s.result.list?.itemIds ?? []]));
    expect([...pages.keys()].sort()).toEqual([0, 1]);
    const byId = new Map(listed.map((e) => [e.id, e]));
    const onPage = (n: number) => (pages.get(n) ?? []).map((id) => byId.get(id));
    expect(onPage(0)).toHaveLength(8);

    // Each look is one snapshot of the stage, taken once it shows that page alone, so a
    // page turning between two reads cannot mix two pages.
    const stageShowing = async (listPage: string) => {
      let seen: Awaited<ReturnType<typeof stageSnapshot>> | undefined;
      await expect
        .poll(async () => (seen = await stageSnapshot()).pages, {
          timeout: (DWELL_S * 2 + 4) * 1000,
        })
        .toEqual([listPage]);
      if (!seen) throw new Error("no snapshot");
      return seen;
    };
    const stageSnapshot = () =>
      display.evaluate(() => {
        const texts = (id: string): string[] =>
          Array.from(
            document.querySelectorAll(`#stage [data-testid="${id}"]`),
            (e) => e.textContent ?? "",
          );
        return {
          pages: texts("list-page"),
          rows: texts("list-entry").length,
          names: texts("list-name"),
          cases: texts("list-case"),
          amounts: texts("list-amount"),
          contest: texts("entry-contest"),
          images: document.querySelectorAll("#stage img").length,
          html: document.documentElement.outerHTML,
        };
      });

    const first = await stageShowing("1 / 2");
    expect(first.rows).toBe(8);
    // Masked by the server's rule: a person's given name replaced, an organisation's name kept.
    expect(first.names).toEqual(onPage(0).map((e) => e?.maskedName));
    expect(first.names.filter((n) => n.endsWith("某"))).toHaveLength(7);
    expect(first.cases).toEqual(onPage(0).map((e) => e?.caseNumber));
    const amount = onPage(0)[0]?.amountMinor ?? 0;
    expect(first.amounts[0]).toBe(
      `¥${(amount / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`,
    );
    expect(first.images).toBe(0);
    expect(first.contest).toEqual([`${CONTEST_TEXT}${CONTEST_URL}`]);
    // The console never gets the full names either: they are the ones this test gave.
    listed.forEach((entry, i) => {
      if (entry.subjectType === "person") expect(first.html).not.toContain(personName(i));
    });

    const second = await stageShowing("2 / 2");
    expect(second.rows).toBe(LIST_ENTRIES - 8);
    expect(second.cases).toEqual(onPage(1).map((e) => e?.caseNumber));
    await stageShowing("1 / 2");
  });

  it("draws slide text in the bundled Noto Sans SC, fetched from the kiosk's own bundle only", async () => {
    // The renderer served from dist/display apart from the server, as the installed kiosk loads
    // it: every font it uses must come from there, none from the network.
    const bundle: KioskBundleServer = await startKioskBundleServer(t.baseUrl);
    const context = await browser.newContext({ viewport: SCREENS["1080p-landscape"] });
    try {
      await emulateKioskShell(context, t.baseUrl);
      const requests: string[] = [];
      context.on("request", (r) => requests.push(r.url()));
      const page = await context.newPage();
      await page.goto(bundle.url);
      await page.getByTestId("pairing-code").waitFor({ state: "visible", timeout: 10_000 });
      const fonts = await page.evaluate(async () => {
        await document.fonts.ready;
        const label = document.querySelector("#stage .slide.shown p");
        const loaded = new Set<string>();
        document.fonts.forEach((f) => {
          if (f.family.replace(/"/g, "") === "Noto Sans SC" && f.status === "loaded")
            loaded.add(f.weight);
        });
        return {
          status: document.fonts.status,
          family: label ? getComputedStyle(label).fontFamily : "",
          loadedWeights: Array.from(loaded),
          check: document.fonts.check('400 40px "Noto Sans SC"', "配对码"),
        };
      });
      expect(fonts.status).toBe("loaded");
      expect(fonts.family).toMatch(/^"Noto Sans SC"/);
      expect(fonts.loadedWeights).toContain("400");
      expect(fonts.check).toBe(true);
      // What Chromium actually drew the glyphs with, not only what the style asked for.
      const cdp = await context.newCDPSession(page);
      await cdp.send("DOM.enable");
      await cdp.send("CSS.enable");
      const { root } = await cdp.send("DOM.getDocument");
      const { nodeId } = await cdp.send("DOM.querySelector", {
        nodeId: root.nodeId,
        selector: "#stage .slide.shown p",
      });
      const { fonts: used } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
      console.info(`pairing label drawn with ${JSON.stringify(used)}`);
      // The name is the font file's own ("Noto Sans SC Thin": the subsets are cut from the variable
      // font); custom means a web font, which only the bundle provides.
      expect(used).toHaveLength(1);
      expect(used[0]?.familyName).toMatch(/^Noto Sans SC\b/);
      expect(used[0]?.isCustomFont).toBe(true);

      const origins = new Set(requests.map((u) => new URL(u).origin));
      origins.delete(new URL(bundle.url).origin);
      origins.delete(new URL(t.baseUrl).origin);
      expect([...origins]).toEqual([]);
      const fontRequests = requests.filter((u) => /\.woff2?$/.test(new URL(u).pathname));
      expect(fontRequests.length).toBeGreaterThan(0);
      for (const u of fontRequests) {
        expect(u.startsWith(`${bundle.url}assets/`)).toBe(true);
        expect(u).toMatch(/\.woff2$/);
      }
    } finally {
      await context.close();
      await bundle.close();
    }
  });

  it("puts a QR code on a discredited slide that a phone reads, from a screenshot, as the entry's public page", async () => {
    await setSchedule([{ type: "discredited" }], 3600);
    const byCase = new Map(listed.map((e) => [e.caseNumber, e]));
    for (const size of [SCREENS["1080p-landscape"], SCREENS["4k-portrait"]]) {
      await display.setViewportSize(size);
      await display.getByTestId("entry-qr").waitFor({ state: "visible", timeout: 10_000 });
      await settled(display);
      const caseNumber = await display.getByTestId("entry-case").textContent();
      const entry = byCase.get(caseNumber ?? "");
      expect(entry?.publicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      // A frame taken while the resized page is still being painted may not scan, as a phone's
      // first frame may not: take frames until one scans, then judge what it says.
      const scanned: { data?: string } = {};
      await expect
        .poll(
          async () => {
            const png = await display.screenshot();
            const { data, info } = await sharp(png)
              .ensureAlpha()
              .raw()
              .toBuffer({ resolveWithObject: true });
            const code = jsQR(new Uint8ClampedArray(data), info.width, info.height);
            if (code) scanned.data = code.data;
            return code !== null;
          },
          { timeout: 15_000, interval: 300 },
        )
        .toBe(true);
      expect(scanned.data).toBe(`${t.baseUrl}/n/${entry?.publicId ?? ""}`);
      // The address is the entry's own page: it names the masked name, never the full one.
      const page = await api(scanned.data ?? "", { anonymous: true });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(entry?.maskedName ?? "-");
    }
    await display.setViewportSize(SCREENS["1080p-landscape"]);
  });

  it("opens the QR code's page on a phone: readable, accessible, both languages, nothing from elsewhere", async () => {
    const entry = listed[0];
    if (!entry) throw new Error("no listed entry");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const requests: string[] = [];
      context.on("request", (r) => requests.push(r.url()));
      const page = await context.newPage();
      for (const lang of ["zh", "en"] as const) {
        const res = await page.goto(`${t.baseUrl}/n/${entry.publicId}?lang=${lang}`);
        expect(res?.status()).toBe(200);
        await expectText(page.getByRole("heading", { level: 1 }), entry.maskedName);
        // The redacted photo loads under the page's own policy.
        await expect
          .poll(() => page.evaluate(() => document.querySelector("img")?.naturalWidth ?? 0), {
            timeout: 15_000,
          })
          .toBeGreaterThan(0);
        // Mobile first: nothing wider than the phone.
        expect(
          await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        ).toBe(true);
        await expectNoSeriousA11yViolations(page, `notice page (${lang})`);
        await page.screenshot({ path: join(shots, `notice-page-${lang}.png`), fullPage: true });
      }
      expect([...new Set(requests.map((u) => new URL(u).origin))]).toEqual([
        new URL(t.baseUrl).origin,
      ]);
    } finally {
      await context.close();
    }
  });

  it("reads from across a street at 1080p and 4K, landscape and portrait, in Chinese and English: screenshots", async () => {
    for (const language of ["zh-CN", "en"] as const) {
      await setLanguage(language);
      await expect
        .poll(() => display.evaluate(() => document.querySelector("#stage")?.className ?? ""), {
          timeout: 10_000,
        })
        .toBeTruthy();
      await screenshots(language === "en" ? "en" : "zh");
    }
    await setLanguage("zh-CN");
  }, 240_000);

  it("shows posters beside the text and filling the screen, and the longest title and text, at 1080p and 4K, landscape and portrait, in Chinese and English: screenshots", async () => {
    for (const slide of POSTER_SLIDES) {
      await setSchedule([{ type: "announcement", id: posterIds.get(slide.name) ?? "" }], 3600);
      const layoutClass = slide.layout ? `poster-${slide.layout}` : "announcement";
      // This slide, with its poster if it has one, in the announcement's own language.
      await expect
        .poll(
          () =>
            display.evaluate(() => {
              const shown = document.querySelector("#stage > .slide.shown");
              const poster = shown?.querySelector<HTMLImageElement>("img[data-testid=poster]");
              return {
                layout: document.querySelector("#stage")?.className ?? "",
                lang: shown?.getAttribute("lang") ?? null,
                title: shown?.querySelector("[data-testid=slide-title]")?.textContent ?? "",
                poster: (poster?.naturalWidth ?? 0) > 0,
              };
            }),
          { timeout: 15_000 },
        )
        .toEqual({
          layout: `announcement${slide.layout ? ` ${layoutClass}` : ""}`,
          lang: slide.language,
          title: posterTitles.get(slide.name),
          poster: slide.layout !== null,
        });
      for (const [screen, size] of Object.entries(SCREENS)) {
        await display.setViewportSize(size);
        await settled(display);
        // The text is fitted again once the stage has its new size (a ResizeObserver).
        await display.evaluate(
          () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
        );
        const fit = await slideFit(display);
        const shot = await display.screenshot({
          path: join(shots, `slides-poster-${slide.name}-${screen}.png`),
        });
        expect(fit?.outside).toEqual([]);
        expect(fit?.smallestPrimary ?? 0).toBeGreaterThanOrEqual((fit?.short ?? 0) * 0.022);
        if (!slide.layout) continue;
        const g = await posterGeometry(display);
        if (!g) throw new Error("no poster on the slide");
        // The image as sent, whole: contained in its frame, never cropped, inside the slide.
        expect(g.objectFit).toBe("contain");
        expect(g.natural.width / g.natural.height).toBeCloseTo(slide.size[0] / slide.size[1], 2);
        const content = containedRect(g.frame, g.natural);
        for (const [inner, outer] of [
          [content, g.frame],
          [g.frame, g.slide],
        ] as const) {
          expect(inner.left).toBeGreaterThanOrEqual(outer.left - 1);
          expect(inner.top).toBeGreaterThanOrEqual(outer.top - 1);
          expect(inner.right).toBeLessThanOrEqual(outer.right + 1);
          expect(inner.bottom).toBeLessThanOrEqual(outer.bottom + 1);
        }
        const portrait = size.height > size.width;
        if (slide.layout === "beside") {
          // Beside the text in landscape, above it in portrait; never under it.
          if (portrait) expect(content.bottom).toBeLessThanOrEqual(g.title.top);
          else expect(content.right).toBeLessThanOrEqual(g.title.left);
          // A poster, not a thumbnail: a good part of the screen.
          expect(content.width * content.height).toBeGreaterThan(size.width * size.height * 0.12);
        } else {
          // As large as the screen allows: it touches two opposite edges of its frame, which
          // fills the slide but for the title band beneath.
          expect(
            Math.max(content.width / g.frame.width, content.height / g.frame.height),
          ).toBeGreaterThan(0.99);
          expect(g.frame.width).toBeGreaterThan(g.slide.width - 2);
          expect(g.frame.height).toBeGreaterThan(g.slide.height * 0.85);
          expect(g.title.top).toBeGreaterThanOrEqual(content.bottom - 1);
          // Where the poster's proportions leave room, no bright bar: a dark, blurred fill.
          expect(await barLuminance(shot, g.frame, content)).toBeLessThan(110);
        }
      }
      await display.setViewportSize(SCREENS["1080p-landscape"]);
    }
  }, 300_000);

  async function screenshots(language: "zh" | "en"): Promise<void> {
    const layouts: [string, Playlist, string][] = [
      ["list", [{ type: "discredited", layout: "list" }], "list-page"],
      ["discredited", [{ type: "discredited" }], "entry-photo"],
      [
        "announcement",
        [{ type: "announcement", id: announcementIds.get(titles[0] ?? "") ?? "" }],
        "slide-title",
      ],
    ];
    for (const [name, playlist, testId] of layouts) {
      // One long dwell: the same slide for every screenshot.
      await setSchedule(playlist, 3600);
      await display.getByTestId(testId).waitFor({ state: "attached", timeout: 10_000 });
      // A list slide speaks the district's language (an announcement, its own).
      if (name !== "announcement")
        await expect
          .poll(
            () =>
              display.evaluate(() =>
                document.querySelector("#stage > .slide.shown")?.getAttribute("lang"),
              ),
            { timeout: 10_000 },
          )
          .toBe(language === "en" ? "en" : "zh-CN");
      for (const [screen, size] of Object.entries(SCREENS)) {
        await display.setViewportSize(size);
        await settled(display);
        if (name === "discredited")
          await expect
            .poll(
              () =>
                display.evaluate(
                  () =>
                    document.querySelector<HTMLImageElement>("img[data-testid=entry-photo]")
                      ?.naturalWidth ?? 0,
                ),
              { timeout: 15_000 },
            )
            .toBeGreaterThan(0);
        // Nothing spills off the slide, and the smallest text is still large for the screen.
        const fit = await slideFit(display);
        await display.screenshot({
          path: join(shots, `slides-${name}-${screen}-${language}.png`),
        });
        expect(fit?.outside).toEqual([]);
        // Legible from 3 m on a 55-inch screen (README, "What a slide says"): text in the
        // slide's language at least 2.2 % of the short side (24 px at 1080p, 48 px at 4K), the
        // second-language labels beneath at least 1.3 %.
        expect(fit?.smallest ?? 0).toBeGreaterThanOrEqual((fit?.short ?? 0) * 0.013);
        expect(fit?.smallestPrimary ?? 0).toBeGreaterThanOrEqual((fit?.short ?? 0) * 0.022);
        if (name === "discredited")
          expect(fit?.dueProcess).toMatchObject({
            "entry-ground": 1,
            "entry-basis": 1,
            "entry-listed": 1,
            "entry-ends": 1,
            "entry-performance": 1,
            "entry-source": 1,
            "entry-contest": 1,
            "entry-qr": 1,
          });
        if (name === "list") {
          expect(fit?.dueProcess["list-ground"]).toBeGreaterThan(0);
          expect(fit?.dueProcess["list-ends"]).toBe(fit?.dueProcess["list-ground"]);
          expect(fit?.dueProcess["entry-source"]).toBe(1);
        }
      }
      await display.setViewportSize(SCREENS["1080p-landscape"]);
    }
  }
});
