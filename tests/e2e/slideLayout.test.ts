import { approveDistrictSettings } from "../support/districtSettings";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import type { TimeWindow } from "../../shared/schemas/schedule";
import { announcementApprover, publishAnnouncement } from "../support/announcements";
import { launchChromium } from "../support/browser";
import { buildEntryInput } from "../support/entryFactory";
import { approveEntry, createEntryWithPhoto } from "../support/entryPublishing";
import { displayShots, pairShownCode, requireDisplayBuild } from "../support/displayPage";
import { drawnPoster, publishPosterAnnouncement } from "../support/posterAnnouncements";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  postJson,
  putSchedule,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

/** Every screen shape a district may mount, at device scale 1. */
const SCREENS = {
  "1080p-landscape": { width: 1920, height: 1080 },
  "1080p-portrait": { width: 1080, height: 1920 },
  "4k-landscape": { width: 3840, height: 2160 },
  "4k-portrait": { width: 2160, height: 3840 },
} as const;
const LANGUAGES = ["zh-CN", "en"] as const;
type ScreenLanguage = (typeof LANGUAGES)[number];

/** The longest values a court export realistically carries. */
const LONG = {
  /** A company name of 40 characters (an organisation's name is shown unmasked). */
  company: "新疆生产建设兵团第十二师五一农场宏达建筑安装工程劳务分包有限责任公司第三十分公司",
  court: "新疆维吾尔自治区高级人民法院生产建设兵团分院第十二师中级人民法院",
  obligation:
    "被执行人应于判决生效之日起十日内偿还申请执行人借款本金人民币一亿二千三百四十五万六千七百八十九元及自二〇二三年三月一日起按全国银行间同业拆借中心公布的一年期贷款市场报价利率计算至实际清偿之日止的利息，并承担案件受理费、保全费及律师代理费",
  ground: "有履行能力而拒不履行生效法律文书确定义务，违反财产报告制度，违反限制消费令",
  legalBasisNumber: "（2025）新40民初12345号民事判决书及（2025）新40执恢6789号执行裁定书",
  reason: "连续五年依法纳税、按期足额履行全部生效法律文书确定的义务并主动协助法院执行其他案件",
  /** ¥123,456,789.00: nine digits before the point. */
  amountMinor: 12_345_678_900,
  /** ¥1,234,567.00: the seven-digit amount that ran past the list's right edge. */
  sevenDigitMinor: 123_456_700,
};
const TITLE_ZH = "中山路（人民广场至解放路段）夜间路面翻修施工期间交通管制及公交线路临时调整的通告"
  .repeat(2)
  .slice(0, 120);
const TITLE_EN =
  "Traffic control on Zhongshan Road and temporary changes to bus routes during night-time resurfacing works, 1–15 Dec".slice(
    0,
    120,
  );
const BODY_ZH =
  "为保障市民出行安全，中山路（人民广场至解放路段）将于十二月一日至十二月十五日每晚二十二时至次日六时进行路面翻修施工。施工期间该路段实行单向通行，公交线路临时绕行，请过往车辆和行人注意交通标志，服从现场指挥。\n"
    .repeat(12)
    .slice(0, 2000);
const BODY_EN =
  "To keep everyone safe, Zhongshan Road (People's Square to Jiefang Road) is resurfaced every night from 22:00 to 06:00 between 1 and 15 December. The road is one-way during the works and buses take temporary detours; please follow the signs and the marshals on site. "
    .repeat(8)
    .slice(0, 2000);

/** A district's settings as made here (its language set per pass). */
function districtBody(id: string, language: ScreenLanguage) {
  return {
    id,
    parentId: null,
    nameZh: `${id}区`,
    nameEn: `${id} district`,
    language,
    contestText: "如认为信息有误，请于工作日致电 010-12368 或到执行法院立案窗口申请纠正",
    contestContact: "执行局立案窗口 010-12368",
    contestUrl: "https://court.example.cn/jiuzheng",
  };
}

/**
 * A drawn photo that is not 3:4 (no face: a dark ground, a square head, shoulders), so its
 * rendition is letterboxed by the server; dark, so a white bar beside it cannot hide.
 */
function drawnPhoto(width: number, height: number, hue: number): Promise<Buffer> {
  const s = Math.min(width, height) / 800;
  const cx = width / 2;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="hsl(${hue},40%,26%)"/>
    <rect x="${cx - 110 * s}" y="${height - 610 * s}" width="${220 * s}" height="${220 * s}" fill="hsl(${hue},20%,12%)"/>
    <path d="M${cx - 210 * s} ${height} C${cx - 200 * s} ${height - 240 * s} ${cx - 100 * s} ${height - 330 * s} ${cx} ${height - 330 * s} C${cx + 100 * s} ${height - 330 * s} ${cx + 200 * s} ${height - 240 * s} ${cx + 210 * s} ${height} Z" fill="hsl(${hue},20%,12%)"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

/** What one measured slide breaks; empty when it is laid out right. */
interface Measure {
  kind: string;
  problems: string[];
  texts: number;
  words: number;
  labels: number;
  photo: { crop: Box; figure: Box; ratio: number } | null;
}
interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

/**
 * Measures the slide on screen in the page: every element that holds text lies inside the
 * viewport, the slide and every box that clips it, none is wider than its box (scrollWidth), no
 * Latin word or number (an amount) is split over two lines, every text in the slide's language
 * is at least 2.2 % of the short side, and every second-language label at least 70 % of its
 * first-language label and 1.6 % of the short side.
 */
function measureSlide(page: Page): Promise<Measure> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const slide = document.querySelector<HTMLElement>("#stage > .slide.shown");
    if (!slide)
      return { kind: "", problems: ["no slide"], texts: 0, words: 0, labels: 0, photo: null };
    const short = Math.min(innerWidth, innerHeight);
    const s = slide.getBoundingClientRect();
    const name = (n: Element): string =>
      `${n.tagName.toLowerCase()}.${n.className || "-"} “${(n.textContent ?? "").slice(0, 40)}”`;
    let texts = 0;
    let words = 0;
    const holders = Array.from(slide.querySelectorAll<HTMLElement>("*")).filter(
      (n) =>
        !n.closest("svg") &&
        Array.from(n.childNodes).some(
          (c) => c.nodeType === Node.TEXT_NODE && (c.textContent ?? "").trim() !== "",
        ),
    );
    for (const node of holders) {
      const r = node.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      texts += 1;
      const style = getComputedStyle(node);
      const size = Number.parseFloat(style.fontSize);
      // An inline run's box holds its font's ascent and descent, taller than its line.
      const slack = size / 4;
      if (
        r.left < 0 - 1 ||
        r.top < 0 - slack ||
        r.right > innerWidth + 1 ||
        r.bottom > innerHeight + slack
      )
        problems.push(`${name(node)} leaves the viewport`);
      if (
        r.left < s.left - 1 ||
        r.top < s.top - slack ||
        r.right > s.right + 1 ||
        r.bottom > s.bottom + slack
      )
        problems.push(`${name(node)} leaves the slide`);
      // Wider than its own box: text runs past its edge, clipped or not. An ellipsis is a cut
      // the viewer sees, allowed for a title on one line, never for an amount.
      const ellipsis =
        style.textOverflow === "ellipsis" && !node.closest(".amount, [data-fit=line]");
      if (style.display !== "inline" && node.scrollWidth > node.clientWidth + 1 && !ellipsis)
        problems.push(
          `${name(node)} is wider than its box (${node.scrollWidth} > ${node.clientWidth})`,
        );
      for (let up = node.parentElement; up && up !== slide.parentElement; up = up.parentElement) {
        const upStyle = getComputedStyle(up);
        if (upStyle.display === "contents") continue;
        if (up.scrollWidth > up.clientWidth + 1 && upStyle.display !== "inline")
          problems.push(`${name(up)} overflows sideways (${up.scrollWidth} > ${up.clientWidth})`);
        if (upStyle.overflow === "visible") continue;
        const c = up.getBoundingClientRect();
        if (r.left < c.left - 1 || r.right > c.right + 1 || r.bottom > c.bottom + slack) {
          problems.push(`${name(node)} is cut by ${name(up)}`);
          break;
        }
      }
      if (!node.closest(".secondary") && size < short * 0.022 - 0.01)
        problems.push(`${name(node)} is ${size.toFixed(1)} px, under 2.2 % of ${short}`);
      // No word of Latin script nor number broken over two lines (CJK breaks between any two
      // characters). A break after a hyphen or a dash is a line break, not a broken word.
      for (const text of Array.from(node.childNodes)) {
        if (text.nodeType !== Node.TEXT_NODE) continue;
        const value = text.textContent ?? "";
        for (const match of value.matchAll(/[A-Za-z0-9¥$€](?:[A-Za-z0-9'’.,¥$€]*[A-Za-z0-9])?/g)) {
          const range = document.createRange();
          range.setStart(text, match.index);
          range.setEnd(text, match.index + match[0].length);
          const lines = new Set(
            Array.from(range.getClientRects())
              .filter((b) => b.width > 0)
              .map((b) => Math.round(b.top)),
          );
          words += 1;
          if (lines.size > 1) problems.push(`“${match[0]}” is broken over ${lines.size} lines`);
        }
      }
    }
    // No two texts drawn over each other (a box grown into the next one, a column spilling
    // over the footer). An inline run's box is taller than its line by its font's ascent and
    // descent: a fifth of its size off each edge is still whole glyphs.
    const drawn = holders
      .filter((n) => n.getBoundingClientRect().width > 0)
      .map((n) => {
        const r = n.getBoundingClientRect();
        const inset = Number.parseFloat(getComputedStyle(n).fontSize) / 5;
        return {
          n,
          top: r.top + inset,
          bottom: r.bottom - inset,
          left: r.left + 1,
          right: r.right - 1,
        };
      });
    drawn.forEach((a, i) =>
      drawn.slice(i + 1).forEach((b) => {
        if (a.n.contains(b.n) || b.n.contains(a.n)) return;
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
          problems.push(`${name(a.n)} lies over ${name(b.n)}`);
      }),
    );
    // Every bilingual label: the second language large enough to read at a distance.
    const labels = Array.from(slide.querySelectorAll<HTMLElement>(".label")).filter(
      (l) => l.getBoundingClientRect().width > 0,
    );
    for (const label of labels) {
      const primary = label.querySelector(".primary");
      const secondary = label.querySelector(".secondary");
      if (!primary || !secondary) continue;
      const p = Number.parseFloat(getComputedStyle(primary).fontSize);
      const q = Number.parseFloat(getComputedStyle(secondary).fontSize);
      if (q < p * 0.7 - 0.01)
        problems.push(`${name(secondary)} is ${q.toFixed(1)} px beside ${p.toFixed(1)} px`);
      if (q < short * 0.016 - 0.01)
        problems.push(`${name(secondary)} is ${q.toFixed(1)} px, under 1.6 % of ${short}`);
    }
    const crop = slide.querySelector(".entry-photo .photo-crop");
    const box = (e: Element): Box => {
      const b = e.getBoundingClientRect();
      return {
        left: b.left,
        top: b.top,
        right: b.right,
        bottom: b.bottom,
        width: b.width,
        height: b.height,
      };
    };
    const figure = crop?.closest("figure");
    const photo =
      crop && figure
        ? {
            crop: box(crop),
            figure: box(figure),
            ratio: crop.getBoundingClientRect().width / crop.getBoundingClientRect().height,
          }
        : null;
    return { kind: slide.className, problems, texts, words, labels: labels.length, photo };
  });
}

/** The mean luminance (0–255) of a band of a screenshot. */
async function luminance(
  png: Buffer,
  band: Pick<Box, "left" | "top" | "right" | "bottom">,
): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  let n = 0;
  const bottom = Math.min(info.height, Math.floor(band.bottom));
  const right = Math.min(info.width, Math.floor(band.right));
  for (let y = Math.max(0, Math.ceil(band.top)); y < bottom; y += 2) {
    for (let x = Math.max(0, Math.ceil(band.left)); x < right; x += 2) {
      const i = (y * info.width + x) * info.channels;
      sum += 0.2126 * (data[i] ?? 0) + 0.7152 * (data[i + 1] ?? 0) + 0.0722 * (data[i + 2] ?? 0);
      n += 1;
    }
  }
  return n === 0 ? 0 : sum / n;
}

/** Resolves once the slide on screen is alone and opaque (no fade under way). */
async function settled(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const shown = document.querySelector("#stage > .slide.shown");
          const leaving = document.querySelector("#stage > .slide.leaving");
          return !leaving && shown !== null && Number(getComputedStyle(shown).opacity) > 0.99;
        }),
      // A blurred 4K poster drawn without a GPU takes long frames on a loaded machine.
      { timeout: 30_000, interval: 50 },
    )
    .toBe(true);
  // The text is fitted again once the stage has its new size (a ResizeObserver), and the
  // glyphs of the bundled font it needs have loaded.
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
}

type Playlist = TimeWindow["playlist"];

describe("slide layout: nothing leaves the slide or wraps mid-word, at every size, in both languages", () => {
  let t: TestServer;
  let browser: Browser;
  let moderator: TestUser;
  const ids = new Map<string, string>();
  const measured: string[] = [];

  async function setLanguage(district: string, language: ScreenLanguage): Promise<void> {
    const res = await api(`${t.baseUrl}/api/districts/${district}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(districtBody(district, language)),
    });
    expect(res.status).toBe(200);
  }

  /** Creates and publishes an entry without a photo (an organisation's, usually). */
  async function publishWithoutPhoto(input: Parameters<typeof buildEntryInput>[0]) {
    const res = await api(`${t.baseUrl}/api/entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(buildEntryInput(input)),
    });
    expect(res.status).toBe(201);
    const entry = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    const approved = await moderator.post(`${t.baseUrl}/api/entries/${entry.id}/approve`, {
      revision: entry.revision,
    });
    expect(approved.status).toBe(200);
  }

  /** A paired display of `district` in a context of its own (its own storage, its own token). */
  async function displayOf(district: string): Promise<Page> {
    const context = await browser.newContext({ viewport: SCREENS["1080p-landscape"] });
    const page = await context.newPage();
    page.on("pageerror", (err) => console.error("display page error:", err));
    await page.goto(`${t.baseUrl}/display`);
    await pairShownCode(page, t.baseUrl, `${district} 屏`, district);
    return page;
  }

  /**
   * Measures the slide the page shows at every screen size; fails with every problem found.
   * `ready` says when the slide (with its photo, if it has one) is on screen.
   */
  async function measureEverywhere(
    page: Page,
    label: string,
    ready: () => Promise<boolean>,
    photoRatio?: number,
  ): Promise<void> {
    const problems: string[] = [];
    for (const [screen, size] of Object.entries(SCREENS)) {
      await page.setViewportSize(size);
      await expect.poll(ready, { timeout: 15_000 }).toBe(true);
      await settled(page);
      const m = await measureSlide(page);
      // A 4K screenshot takes a while: the whole slide at 1080p only, to look at.
      if (screen.startsWith("1080p"))
        await page.screenshot({ path: join(displayShots, `slide-layout-${label}-${screen}.png`) });
      measured.push(`${label} ${screen}: ${m.texts} texts, ${m.words} words, ${m.labels} labels`);
      problems.push(...m.problems.map((p) => `${label} ${screen}: ${p}`));
      expect(m.texts).toBeGreaterThan(0);
      if (photoRatio === undefined) continue;
      // The photo in its own proportions, on the slide's dark background: no white bar, at its
      // edges nor around it in its frame.
      if (!m.photo) throw new Error(`${label} ${screen}: no photo`);
      const { crop, figure } = m.photo;
      expect(m.photo.ratio).toBeCloseTo(photoRatio, 1);
      const shot = await page.screenshot({
        clip: { x: figure.left, y: figure.top, width: figure.width, height: figure.height },
      });
      const inFrame = (left: number, top: number, right: number, bottom: number) =>
        luminance(shot, {
          left: left - figure.left,
          top: top - figure.top,
          right: right - figure.left,
          bottom: bottom - figure.top,
        });
      const inset = 4;
      const edges = [
        [crop.left + inset, crop.top + inset, crop.right - inset, crop.top + inset + 6],
        [crop.left + inset, crop.bottom - inset - 6, crop.right - inset, crop.bottom - inset],
        [crop.left + inset, crop.top + inset, crop.left + inset + 6, crop.bottom - inset],
        [crop.right - inset - 6, crop.top + inset, crop.right - inset, crop.bottom - inset],
      ] as const;
      for (const edge of edges) expect(await inFrame(...edge)).toBeLessThan(140);
      const around = [
        [figure.left, figure.top, crop.left - 2, figure.bottom],
        [crop.right + 2, figure.top, figure.right, figure.bottom],
        [figure.left, figure.top, figure.right, crop.top - 2],
        [figure.left, crop.bottom + 2, figure.right, figure.bottom],
      ] as const;
      for (const [left, top, right, bottom] of around)
        if (right - left > 8 && bottom - top > 8)
          expect(await inFrame(left, top, right, bottom)).toBeLessThan(110);
    }
    expect(problems).toEqual([]);
  }

  /** Whether the slide on screen is of `kind`, in `language`, with its photo decoded if `photo`. */
  function showing(page: Page, kind: string, language: string | null, photo = false) {
    return () =>
      page.evaluate(
        ({ kind, language, photo }) => {
          const shown = document.querySelector("#stage > .slide.shown");
          if (!shown || !shown.classList.contains(kind)) return false;
          if (language !== null && shown.getAttribute("lang") !== language) return false;
          if (!photo) return true;
          const img = shown.querySelector<HTMLImageElement>("img[data-testid=entry-photo]");
          return (img?.naturalWidth ?? 0) > 0;
        },
        { kind, language, photo },
      );
  }

  beforeAll(async () => {
    requireDisplayBuild();
    t = await startTestServer();
    for (const id of ["one", "org", "red", "lst"]) {
      const res = await postJson(`${t.baseUrl}/api/districts`, districtBody(id, "zh-CN"));
      expect(res.status).toBe(201);
    }
    moderator = await createUser(
      t.baseUrl,
      "moderator",
      ["one", "org", "red", "lst"].map((scope) => ({ role: "moderator" as const, scope })),
    );
    // The contest line reaches the slides once a second person approves it.
    for (const id of ["one", "org", "red", "lst"])
      await approveDistrictSettings(t.baseUrl, moderator, id);
    const entries: EntryView[] = [];
    // A person on the discredited list with every field at its longest and a 3:2 photo.
    entries.push(
      await createEntryWithPhoto(t, await drawnPhoto(1200, 800, 215), {
        kind: "discredited",
        fullName: "欧阳娜娜",
        districtIds: ["one", "lst"],
        court: LONG.court,
        obligation: LONG.obligation,
        amountMinor: LONG.amountMinor,
        listingGround: LONG.ground,
        legalBasisNumber: LONG.legalBasisNumber,
        legalBasisIssuer: LONG.court,
        performance: "部分履行",
      }),
    );
    // A commendation with a tall (9:16) photo and a long reason.
    entries.push(
      await createEntryWithPhoto(t, await drawnPhoto(900, 1600, 150), {
        kind: "redlist",
        fullName: "司马光明",
        districtIds: ["red"],
        listingGround: LONG.reason,
      }),
    );
    // Seven-digit amounts, for the list (which shows no photo).
    for (let i = 0; i < 4; i += 1)
      await publishWithoutPhoto({
        kind: "discredited",
        districtIds: ["lst"],
        court: LONG.court,
        amountMinor: LONG.sevenDigitMinor * (i + 1) + 89,
        listingGround: LONG.ground,
      });
    for (const entry of entries) await approveEntry(t, moderator, entry);
    // An organisation, unmasked, with its 40-character name and no photo.
    await publishWithoutPhoto({
      kind: "discredited",
      subjectType: "organisation",
      fullName: LONG.company,
      districtIds: ["org", "lst"],
      court: LONG.court,
      obligation: LONG.obligation,
      amountMinor: LONG.amountMinor,
      listingGround: LONG.ground,
      legalBasisNumber: LONG.legalBasisNumber,
      legalBasisIssuer: LONG.court,
    });
    for (const [name, language, title, body] of [
      ["notice-zh", "zh-CN", TITLE_ZH, BODY_ZH],
      ["notice-en", "en", TITLE_EN, BODY_EN],
    ] as const)
      ids.set(name, (await publishAnnouncement(t, { title, body, language })).id);
    for (const [name, layout, size] of [
      ["poster-beside", "beside", [1920, 1080]],
      ["poster-full", "full", [1200, 1600]],
    ] as const)
      ids.set(
        name,
        (
          await publishPosterAnnouncement(
            t,
            { title: TITLE_EN, body: BODY_EN, language: "en", posterLayout: layout },
            await drawnPoster(size[0], size[1], "#1f4e79"),
          )
        ).id,
      );
    browser = await launchChromium();
  }, 420_000);

  afterAll(async () => {
    console.info(`measured:\n${measured.join("\n")}`);
    await browser?.close();
    await t?.stop();
    if (t) removeDataDir(t.dataDir);
  });

  it("the pairing screen", async () => {
    const context = await browser.newContext({ viewport: SCREENS["1080p-landscape"] });
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/display`);
    await measureEverywhere(page, "pairing", showing(page, "pairing", null));
    await context.close();
  });

  it("a person's discredited-list slide: the longest values, a 3:2 photo without white bars", async () => {
    const page = await displayOf("one");
    await putSchedule(t.baseUrl, "one", {
      playlist: [{ type: "discredited" }],
      dwellSeconds: 3600,
    });
    for (const language of LANGUAGES) {
      await setLanguage("one", language);
      await measureEverywhere(
        page,
        `person-${language}`,
        showing(page, "discredited", language, true),
        3 / 2,
      );
      const amount = await page.getByTestId("entry-amount").textContent();
      // The currency once: its symbol, not its name after it as well.
      expect(amount).toBe(language === "en" ? "CN¥123,456,789.00" : "¥123,456,789.00");
    }
    await page.context().close();
  }, 120_000);

  it("an organisation's slide: a 40-character name, no photo", async () => {
    const page = await displayOf("org");
    await putSchedule(t.baseUrl, "org", {
      playlist: [{ type: "discredited" }],
      dwellSeconds: 3600,
    });
    for (const language of LANGUAGES) {
      await setLanguage("org", language);
      await measureEverywhere(
        page,
        `organisation-${language}`,
        showing(page, "discredited", language),
      );
      expect(await page.getByTestId("entry-name").textContent()).toBe(LONG.company);
    }
    await page.context().close();
  }, 120_000);

  it("a red-list slide: a long reason, a 9:16 photo without white bars", async () => {
    const page = await displayOf("red");
    await putSchedule(t.baseUrl, "red", { playlist: [{ type: "redlist" }], dwellSeconds: 3600 });
    for (const language of LANGUAGES) {
      await setLanguage("red", language);
      await measureEverywhere(
        page,
        `redlist-${language}`,
        showing(page, "redlist", language, true),
        9 / 16,
      );
    }
    await page.context().close();
  }, 120_000);

  it("the list layout: nine-digit and seven-digit amounts on one line inside the row", async () => {
    const page = await displayOf("lst");
    await putSchedule(t.baseUrl, "lst", {
      playlist: [{ type: "discredited", layout: "list" }],
      dwellSeconds: 3600,
    });
    for (const language of LANGUAGES) {
      await setLanguage("lst", language);
      await measureEverywhere(page, `list-${language}`, showing(page, "list", language));
      const amounts = await page.getByTestId("list-amount").allTextContents();
      expect(amounts).toContain(language === "en" ? "CN¥123,456,789.00" : "¥123,456,789.00");
    }
    await page.context().close();
  }, 120_000);

  it("announcements, posters, an emergency and the idle slide, with the longest title and text", async () => {
    const page = await displayOf("one");
    const play = async (playlist: Playlist) =>
      putSchedule(t.baseUrl, "one", { playlist, dwellSeconds: 3600 });
    for (const name of ["notice-zh", "notice-en"]) {
      await play([{ type: "announcement", id: ids.get(name) ?? "" }]);
      await measureEverywhere(
        page,
        name,
        showing(page, "announcement", name.endsWith("zh") ? "zh-CN" : "en"),
      );
    }
    for (const name of ["poster-beside", "poster-full"]) {
      await play([{ type: "announcement", id: ids.get(name) ?? "" }]);
      await measureEverywhere(page, name, () =>
        page.evaluate(
          (layout) =>
            (document
              .querySelector(`#stage > .slide.shown.${layout}`)
              ?.querySelector<HTMLImageElement>("img[data-testid=poster]")?.naturalWidth ?? 0) > 0,
          name,
        ),
      );
    }
    for (const [name, title, body] of [
      ["emergency-zh", TITLE_ZH, BODY_ZH],
      ["emergency-en", TITLE_EN, BODY_EN],
    ] as const) {
      const posted = await postJson(`${t.baseUrl}/api/emergencies`, {
        title,
        body,
        districtIds: ["one"],
      });
      expect(posted.status).toBe(201);
      await measureEverywhere(page, name, showing(page, "emergency", null));
      const id = (posted.body as { emergency: { id: string } }).emergency.id;
      const cleared = await api(`${t.baseUrl}/api/emergencies/${id}/clear`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
      });
      expect(cleared.status).toBe(200);
    }
    // Outside every window, the idle slide: a window that opens twelve hours from now.
    const hour = Number(
      new Date(Date.now() + 12 * 3600_000).toLocaleString("en-GB", {
        timeZone: "Asia/Shanghai",
        hour: "2-digit",
        hourCycle: "h23",
      }),
    );
    const at = `${String(hour).padStart(2, "0")}`;
    const res = await api(`${t.baseUrl}/api/districts/one/schedule`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        windows: [
          {
            id: "later",
            days: [1, 2, 3, 4, 5, 6, 7],
            start: `${at}:00`,
            end: `${at}:30`,
            playlist: [{ type: "discredited" }],
            dwellSeconds: 3600,
          },
        ],
        idleSlide: { title: TITLE_EN, body: BODY_EN },
      }),
    });
    expect(res.status).toBe(200);
    // A second person approves the idle slide as written; only then do screens show it.
    const approver = await announcementApprover(t);
    const approved = await approver.post(
      `${t.baseUrl}/api/districts/one/schedule/idle-slide/approval`,
      {
        idleSlide: { title: TITLE_EN, body: BODY_EN },
      },
    );
    expect(approved.status).toBe(200);
    await measureEverywhere(page, "idle", showing(page, "idle", null));
    await page.context().close();
  }, 240_000);
});
