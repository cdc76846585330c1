import type { Announcement, Language, ScreenPoster } from "../../../shared/schemas/announcement";
import type { Emergency, IdleSlide } from "../../../shared/schemas/schedule";
import { groupPairingCode } from "../../../shared/schemas/screen";
import type { ScreenEntry } from "../../../shared/schemas/screenEntry";
import type { ScreenDistrict } from "../../../shared/schemas/sync";
import { formatAmount, formatCalendarDate } from "./format";
import type { Slide } from "./playback";
import { noticeUrl, qrCodeSvg } from "./qrCode";

/** Connection state shown in the status bar. */
export type ConnectionState = "connecting" | "online" | "offline" | "pairing";

const labels: Record<ConnectionState, string> = {
  connecting: "正在连接 · Connecting",
  online: "已连接 · Online",
  offline: "离线 · Offline",
  pairing: "等待配对 · Not paired",
};

/** How long one slide takes to dissolve into the next. */
export const FADE_MS = 600;

/** After this, a fade whose `transitionend` never came (hidden page, cancelled) is settled anyway. */
const FADE_GRACE_MS = 250;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: { className?: string; text?: string; testId?: string; lang?: string } = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (attrs.className) node.className = attrs.className;
  // textContent only: content from the server is never parsed as HTML.
  if (attrs.text !== undefined) node.textContent = attrs.text;
  if (attrs.testId) node.dataset["testid"] = attrs.testId;
  if (attrs.lang) node.lang = attrs.lang;
  return node;
}

/** A fixed label in both screen languages. */
interface Bilingual {
  zh: string;
  en: string;
}

/** A label in the district's language, followed by the other language in smaller type. */
function bilingual(text: Bilingual, language: Language, className: string): HTMLElement {
  const secondLanguage: Language = language === "en" ? "zh-CN" : "en";
  const node = el("span", { className });
  node.append(
    el("span", { className: "primary", text: language === "en" ? text.en : text.zh }),
    el("span", {
      className: "secondary",
      text: language === "en" ? text.zh : text.en,
      lang: secondLanguage,
    }),
  );
  return node;
}

/** What one slide puts on a layer: its classes (the slide's kind), language and nodes. */
interface SlideContent {
  className: string;
  lang?: Language;
  nodes: Node[];
}

/**
 * The stage's two slide layers. A slide is drawn into the hidden one, which then dissolves in
 * over the one on screen; the stage never holds more than these two, however long it plays.
 */
interface Layers {
  /** The layer on screen (or fading in). */
  front: HTMLElement;
  /**
   * The layer drawn next: fading out under `front`, then hidden with the previous slide still
   * in it (without its test ids) until the next slide is drawn into it, ahead or at its change;
   * empty after a cut or once what was drawn ahead is dropped.
   */
  back: HTMLElement;
  /** Ends the fade under way, if any: hides the layer that faded out. */
  settle: (() => void) | null;
  /**
   * The slide drawn ahead into `back` while nothing fades (see drawAhead): its key, and the
   * classes it names the stage with once shown. Null when `back` holds no such slide.
   */
  ahead: { key: string; className: string } | null;
}

const stages = new WeakMap<HTMLElement, Layers>();

function newLayer(): HTMLElement {
  const layer = el("div", { className: "slide" });
  layer.setAttribute("aria-hidden", "true");
  return layer;
}

/** The stage's layers, made on first use (replacing whatever markup the stage started with). */
function layersOf(stage: HTMLElement): Layers {
  let layers = stages.get(stage);
  if (!layers || layers.front.parentNode !== stage || layers.back.parentNode !== stage) {
    layers = { front: newLayer(), back: newLayer(), settle: null, ahead: null };
    stage.replaceChildren(layers.back, layers.front);
    stage.style.setProperty("--slide-fade", `${FADE_MS}ms`);
    if (!stages.has(stage)) refitOnResize(stage);
    stages.set(stage, layers);
  }
  return layers;
}

/**
 * Fits the slide on screen again whenever the stage changes size (a screen turned, a window
 * resized) and once the bundled font has loaded (its lines are not the fallback's).
 */
function refitOnResize(stage: HTMLElement): void {
  const refit = (): void => {
    const layers = stages.get(stage);
    if (!layers) return;
    fitText(layers.front);
    if (layers.ahead) fitText(layers.back);
  };
  if (typeof ResizeObserver === "function") new ResizeObserver(refit).observe(stage);
  // Each glyph subset of the font loads when first used: the lines may change after the fit.
  document.fonts?.addEventListener("loadingdone", refit);
}

function prefersReducedMotion(): boolean {
  return window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
}

/** Empties a layer, so it keeps no node (nor a photo) of an old slide. */
function clearLayer(layer: HTMLElement): void {
  layer.replaceChildren();
  layer.className = "slide";
  layer.removeAttribute("lang");
  layer.setAttribute("aria-hidden", "true");
}

/** Fills a layer with a slide's nodes and classes (still hidden: `show` brings it on). */
function fill(layer: HTMLElement, content: SlideContent): void {
  layer.replaceChildren(...content.nodes);
  layer.className = `slide ${content.className}`;
  if (content.lang) layer.lang = content.lang;
  else layer.removeAttribute("lang");
}

/**
 * Puts a slide on the stage: drawn into the hidden layer (its old slide, and any photo in it,
 * dropped), which dissolves in over the one on screen; the old layer is hidden once the fade
 * ends. `immediate` cuts instead, and both layers lose the old slide at once (a takedown, the
 * pairing screen, an emergency), as when the viewer prefers reduced motion or nothing was on
 * screen. The DOM under the stage changes only when a slide is drawn (now, or ahead: see
 * drawAhead) or shown: whatever watches its nodes sees each slide come on.
 */
function present(stage: HTMLElement, content: SlideContent, immediate: boolean): void {
  const layers = layersOf(stage);
  // A fade still under way ends now: its outgoing layer is the one drawn into next.
  layers.settle?.();
  // Whatever was drawn ahead into that layer is replaced.
  layers.ahead = null;
  fill(layers.back, content);
  fitText(layers.back);
  show(stage, layers, content.className, immediate);
}

/** Test ids of a slide drawn ahead, kept aside until it is shown (see drawAhead). */
const AHEAD_TESTID = "aheadTestid";

/**
 * Draws a slide ahead into the hidden layer while the one on screen stays still (no fade under
 * way): laid out and fitted now, so the change to it (`drawSlide` with the same key) only swaps
 * the layers, and no slide change does layout. Until then the layer stays hidden to viewers and
 * to assistive technology, and its test ids are kept aside, so a test or an observer looking
 * for the slide finds the one on screen only. False when nothing was drawn: a fade is under
 * way, or the slide is an emergency (always drawn at once). The caller drops it (`dropAhead`)
 * as soon as its content may no longer be shown.
 */
export function drawAhead(stage: HTMLElement, slide: Slide, ctx: DrawContext): boolean {
  const layers = layersOf(stage);
  if (layers.settle || ctx.key === undefined || slide.kind === "emergency") return false;
  const content = contentOf(slide, ctx);
  const layer = layers.back;
  fill(layer, content);
  // Known as drawn ahead from here on, so a drop clears it whatever happens below.
  layers.ahead = { key: ctx.key, className: content.className };
  layer.setAttribute("aria-hidden", "true");
  layer.querySelectorAll<HTMLElement>("[data-testid]").forEach((node) => {
    node.dataset[AHEAD_TESTID] = node.dataset["testid"];
    delete node.dataset["testid"];
  });
  fitText(layer);
  return true;
}

/** Empties the slide drawn ahead, if there is one: the hidden layer keeps nothing of it. */
export function dropAhead(stage: HTMLElement): void {
  const layers = stages.get(stage);
  if (!layers?.ahead) return;
  layers.ahead = null;
  clearLayer(layers.back);
}

/**
 * Brings the hidden layer, drawn and fitted, on over the one on screen: a fade, or a cut when
 * `immediate` (or reduced motion, or nothing on screen).
 */
function show(stage: HTMLElement, layers: Layers, className: string, immediate: boolean): void {
  const { front: outgoing, back: incoming } = layers;
  incoming.removeAttribute("aria-hidden");
  // The stage names the slide on screen (its kind), for styling around it and for tests.
  stage.className = className;
  layers.front = incoming;
  layers.back = outgoing;

  const cut = immediate || prefersReducedMotion() || outgoing.childElementCount === 0;
  if (cut) {
    clearLayer(outgoing);
    incoming.classList.add("shown", "cut");
    return;
  }
  // The outgoing slide stays, opaque, under the incoming one while that fades in: a true
  // dissolve, with no dip to the background halfway. Its test ids go now, so whatever looks
  // for the slide (a test, an observer) finds the one coming in only.
  outgoing.classList.remove("shown", "cut");
  outgoing.classList.add("leaving");
  outgoing.setAttribute("aria-hidden", "true");
  outgoing.querySelectorAll("[data-testid]").forEach((node) => node.removeAttribute("data-testid"));
  // Start from a resolved opacity of 0, or the transition has no start and does not run.
  void getComputedStyle(incoming).opacity;
  incoming.classList.add("shown");

  const onEnd = (event: TransitionEvent): void => {
    if (event.target === incoming && event.propertyName === "opacity") settle();
  };
  const settle = (): void => {
    clearTimeout(timer);
    incoming.removeEventListener("transitionend", onEnd);
    if (layers.settle === settle) layers.settle = null;
    outgoing.classList.remove("leaving");
  };
  incoming.addEventListener("transitionend", onEnd);
  const timer = setTimeout(settle, FADE_MS + FADE_GRACE_MS);
  layers.settle = settle;
}

/**
 * Shows the slide drawn ahead: its test ids back, and a marker node added, so whatever watches
 * the stage's nodes (a test, an observer) sees the change as it would a slide drawn now.
 */
function showAhead(stage: HTMLElement, layers: Layers, className: string): void {
  const layer = layers.back;
  layers.ahead = null;
  layer.querySelectorAll<HTMLElement>("[data-ahead-testid]").forEach((node) => {
    node.dataset["testid"] = node.dataset[AHEAD_TESTID];
    delete node.dataset[AHEAD_TESTID];
  });
  // A comment: no box, no style, nothing to lay out.
  layer.append(document.createComment("shown"));
  show(stage, layers, className, false);
}

/** The waiting screen: nothing to play yet. */
function waitingContent(serverUrl: string): SlideContent {
  return {
    className: "waiting",
    nodes: [
      el("h1", { text: "等待内容", testId: "waiting" }),
      el("p", { text: "Waiting for content", lang: "en" }),
      el("p", { className: "server-url", text: serverUrl, lang: "en" }),
    ],
  };
}

/**
 * Shows the pairing screen: the code a technician gives the operator, in large type. A cut:
 * nothing of a district the screen has left may linger.
 */
export function renderPairing(
  stage: HTMLElement,
  code: string,
  serverUrl: string,
  expiresAt: string,
): void {
  const until = new Date(expiresAt).toLocaleTimeString("zh-CN", {
    hour: "2-digit",
    minute: "2-digit",
  });
  present(
    stage,
    {
      className: "pairing",
      nodes: [
        el("p", { text: "配对码 · Pairing code" }),
        el("h1", { text: groupPairingCode(code), testId: "pairing-code" }),
        el("p", {
          text: "在控制台输入此代码以配对本屏幕 · Enter this code in the console to pair this screen",
        }),
        el("p", { text: `${serverUrl} · ${until} 前有效 · valid until ${until}` }),
      ],
    },
    true,
  );
}

/** The words "notice" over an announcement, in its own language. */
function noticeLabel(a: Announcement): string {
  return a.language === "en" ? "NOTICE" : "公告";
}

/**
 * An announcement: its title and text, and its poster when it has one and the poster is
 * decoded — beside the text (portrait: above it), or filling the screen with the title in a
 * band beneath. Without the poster (not loaded yet, or no longer offered) the text alone.
 * Title and text are fitted to the room they have (see fitText): long ones take smaller
 * type down to a floor still readable across a street, then are cut at a whole line.
 */
function announcementContent(a: Announcement, poster: HTMLImageElement | null): SlideContent {
  const kind = el("div", { className: "kind", text: noticeLabel(a) });
  const title = el("h1", { text: a.title, testId: "slide-title" });
  title.dataset["fit"] = "title";
  if (!a.poster || !poster)
    return {
      className: "announcement",
      lang: a.language,
      nodes: [kind, title, ...bodyOf(a)],
    };
  const figure = posterFigure(a.poster, poster);
  if (a.poster.layout === "full") {
    // The title small, in a band beneath the poster rather than over it: a poster carries its
    // own words, and none of them may be hidden. One line; the poster says the rest.
    const band = el("div", { className: "poster-band" });
    band.append(kind, el("p", { className: "band-title", text: a.title, testId: "slide-title" }));
    return {
      className: "announcement poster-full",
      lang: a.language,
      nodes: [figure, band],
    };
  }
  const text = el("div", { className: "announcement-text" });
  text.append(kind, title, ...bodyOf(a));
  return {
    className: "announcement poster-beside",
    lang: a.language,
    nodes: [figure, text],
  };
}

/** An announcement's text, fitted like its title; none when it has only a title. */
function bodyOf(a: Announcement): HTMLElement[] {
  if (a.body.trim() === "") return [];
  const body = el("p", { className: "announcement-body", text: a.body, testId: "slide-body" });
  body.dataset["fit"] = "body";
  return [body];
}

/**
 * The poster's frame: the decoded image kept whole (contained, never cropped). Beside the text
 * the slide's dark background shows where its proportions leave room; filling the screen, a
 * blurred, darkened copy of the same image does, so no bar, bright or black, frames it.
 */
function posterFigure(poster: ScreenPoster, img: HTMLImageElement): HTMLElement {
  const figure = el("figure", { className: `poster poster-${poster.layout}` });
  img.width = poster.width;
  img.height = poster.height;
  img.alt = "";
  img.className = "poster-image";
  // One decoded image is drawn slide after slide: a test id it kept aside when last drawn ahead
  // goes (and never onto the blurred copy below).
  delete img.dataset[AHEAD_TESTID];
  img.dataset["testid"] = "poster";
  if (poster.layout === "full") {
    // The same decoded bytes (the same object URL) again, blurred and dark behind the poster
    // where its proportions are not the screen's.
    const fill = img.cloneNode(false) as HTMLImageElement;
    fill.className = "poster-fill";
    fill.removeAttribute("data-testid");
    fill.setAttribute("aria-hidden", "true");
    figure.append(fill);
  }
  figure.append(img);
  return figure;
}

/** Smaller steps a fitted text may take, largest first (display.css sets each size). */
const FIT_STEPS = ["1", "2", "3"] as const;

/**
 * Fits the titles and texts of a slide layer (`data-fit`) to the room the layout gives them:
 * each takes the largest of its sizes at which it is whole, and at the smallest is cut at the
 * last whole line that fits (a line clamp with an ellipsis). A one-line text (`data-fit="line"`,
 * an amount) is never cut: its type shrinks until the line fits its width. Measured in the layer
 * as laid out, so run again when the stage changes size (a screen turned) or the font arrives.
 */
export function fitText(layer: HTMLElement): void {
  const nodes = Array.from(layer.querySelectorAll<HTMLElement>("[data-fit]"));
  for (const node of nodes) {
    delete node.dataset["size"];
    node.style.removeProperty("-webkit-line-clamp");
    node.style.removeProperty("line-clamp");
    node.style.removeProperty("font-size");
    node.style.removeProperty("--fit");
  }
  // In order: the title first, so the text is fitted to the room the title leaves it.
  for (const node of nodes) {
    if (node.clientHeight === 0) continue;
    if (node.dataset["fit"] === "line") {
      fitLine(node);
      continue;
    }
    if (node.dataset["fit"] === "box") {
      fitBox(node);
      continue;
    }
    for (const step of FIT_STEPS) {
      if (fits(node)) break;
      node.dataset["size"] = step;
    }
    if (fits(node)) continue;
    const lineHeight = Number.parseFloat(getComputedStyle(node).lineHeight);
    if (!(lineHeight > 0)) continue;
    const lines = String(Math.max(1, Math.floor((node.clientHeight + 1) / lineHeight)));
    node.style.setProperty("-webkit-line-clamp", lines);
    node.style.setProperty("line-clamp", lines);
  }
}

/** The scales a box of facts may take (display.css `--fit`), largest first. */
const BOX_STEPS = [0.9, 0.8, 0.72, 0.65] as const;

/**
 * Steps a box's `--fit` down until nothing in it is pushed out: neither the box itself nor a
 * clipping column in it (`.entry-text`) holds more than its height.
 */
function fitBox(node: HTMLElement): void {
  const overflows = (): boolean =>
    [node, ...Array.from(node.querySelectorAll<HTMLElement>(".entry-text"))].some(
      (box) => box.scrollHeight > box.clientHeight + 1,
    );
  for (const step of BOX_STEPS) {
    if (!overflows()) return;
    node.style.setProperty("--fit", String(step));
  }
}

/** Shrinks a one-line text's type (never below half its size) until the line fits its box. */
function fitLine(node: HTMLElement): void {
  const size = Number.parseFloat(getComputedStyle(node).fontSize);
  if (!(size > 0)) return;
  // Text scales with its size; a few tries absorb what rounding and kerning leave over.
  for (let scale = 1, tries = 0; tries < 4 && node.scrollWidth > node.clientWidth; tries += 1) {
    scale = Math.max(0.5, scale * (node.clientWidth / node.scrollWidth) * 0.99);
    node.style.setProperty("font-size", `${(size * scale).toFixed(2)}px`);
    if (scale === 0.5) break;
  }
}

/**
 * Whether all the lines of a text fit its box. Counted from the lines' own boxes rather than
 * read off `scrollHeight`: a font's glyphs reach past a tight line height, and that overflow
 * is not a line that does not fit.
 */
function fits(node: HTMLElement): boolean {
  const lineHeight = Number.parseFloat(getComputedStyle(node).lineHeight);
  const range = document.createRange();
  range.selectNodeContents(node);
  const rects = range.getClientRects();
  const first = rects[0];
  if (!(lineHeight > 0) || !first) return node.scrollHeight <= node.clientHeight + 1;
  const all = range.getBoundingClientRect();
  // From the first line's top to the last line's bottom: (lines - 1) line heights and one
  // line's glyph box.
  const lines = Math.round((all.height - first.height) / lineHeight) + 1;
  return lines * lineHeight <= node.clientHeight + 1;
}

/** Updates the status bar. */
export function renderStatus(bar: HTMLElement, state: ConnectionState, version: number): void {
  bar.dataset["state"] = state;
  bar.textContent = `${labels[state]} · v${version}`;
}

/** A title and a text fitted to their room like an announcement's (see fitText). */
function fitted(title: HTMLElement, body: HTMLElement): HTMLElement[] {
  title.dataset["fit"] = "title";
  if (body.textContent?.trim() === "") return [title];
  body.dataset["fit"] = "body";
  return [title, body];
}

function emergencyContent(e: Emergency): SlideContent {
  return {
    className: "emergency",
    nodes: [
      el("div", { className: "kind", text: "紧急通知 · EMERGENCY" }),
      ...fitted(
        el("h1", { text: e.title, testId: "emergency-title" }),
        el("p", { text: e.body, testId: "emergency-body" }),
      ),
    ],
  };
}

function idleContent(idle: IdleSlide): SlideContent {
  return {
    className: "idle",
    nodes: fitted(
      el("h1", { text: idle.title, testId: "idle-title" }),
      el("p", { text: idle.body }),
    ),
  };
}

/** The screen blanked outside every window (saves power at night). */
function blankContent(): SlideContent {
  return { className: "blank", nodes: [el("div", { testId: "blank" })] };
}

const LABELS = {
  discredited: { zh: "失信被执行人", en: "Dishonest judgment debtor" },
  discreditedList: { zh: "失信被执行人名单", en: "Dishonest judgment debtors" },
  redlist: { zh: "诚信红榜", en: "Red list · commended for good faith" },
  name: { zh: "被执行人", en: "Name" },
  caseNumber: { zh: "案号", en: "Case number" },
  court: { zh: "执行法院", en: "Enforcing court" },
  obligation: { zh: "未履行义务", en: "Unmet obligation" },
  amount: { zh: "未履行金额", en: "Amount unpaid" },
  listingDate: { zh: "列入日期", en: "Listed on" },
  endDate: { zh: "公示截止", en: "Listed until" },
  ground: { zh: "失信情形", en: "Listing ground" },
  legalBasis: { zh: "依据文书", en: "Legal basis" },
  performance: { zh: "履行情况", en: "Performance" },
  notStated: { zh: "未注明", en: "Not stated" },
  scan: { zh: "扫码查看公示并申请纠正", en: "Scan to read this notice and contest it" },
  scanRedlist: { zh: "扫码查看公示", en: "Scan to read this notice" },
  reason: { zh: "上榜理由", en: "Reason for listing" },
  contest: {
    zh: "如认为信息有误，可向执行法院申请纠正",
    en: "If this is wrong, you may apply to the enforcing court for correction",
  },
} satisfies Record<string, Bilingual>;

/** One labelled fact of an entry: the label above, the value in large type. */
function fact(
  label: Bilingual,
  value: string | Node,
  language: Language,
  testId: string,
): HTMLElement {
  const row = el("div", { className: `fact ${testId}` });
  const dd = el("dd", { testId });
  if (typeof value === "string") dd.textContent = value;
  else dd.append(value);
  const dt = el("dt");
  dt.append(bilingual(label, language, "label"));
  row.append(dt, dd);
  return row;
}

/** What an entry slide needs besides the entry: the district's settings and the decoded photo. */
export interface EntrySlideContext {
  district: ScreenDistrict | null;
  /** The redacted photo, already decoded; null: show the slide without one. */
  photo: HTMLImageElement | null;
  /** The server the kiosk connects to: its origin is that of the entries' public pages. */
  serverUrl: string;
}

/** Where a photo lies inside its rendition, in the rendition's pixels. */
interface PhotoArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Each decoded rendition's photo area, found once: the same image is drawn slide after slide. */
const photoAreas = new WeakMap<HTMLImageElement, PhotoArea>();

/** How light a letterbox pixel is at least, in every channel (lossy coding blurs pure white). */
const LETTERBOX_MIN = 232;

/**
 * The part of a rendition that is the photo. The server lays every photo out at 3:4 and fills
 * what a photo of other proportions leaves with white, centred: the same number of white rows
 * (or columns) on both sides. Only such matching bars are taken off, so a photo's own white
 * background, on one side, stays. Unreadable pixels (no canvas): the whole rendition.
 */
function photoAreaOf(img: HTMLImageElement): PhotoArea {
  const known = photoAreas.get(img);
  if (known) return known;
  const width = img.naturalWidth;
  const height = img.naturalHeight;
  let area: PhotoArea = { left: 0, top: 0, width, height };
  try {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (context && width > 0 && height > 0) {
      context.drawImage(img, 0, 0);
      const pixels = context.getImageData(0, 0, width, height).data;
      const light = (x: number, y: number): boolean => {
        const i = (y * width + x) * 4;
        return (
          (pixels[i] ?? 0) >= LETTERBOX_MIN &&
          (pixels[i + 1] ?? 0) >= LETTERBOX_MIN &&
          (pixels[i + 2] ?? 0) >= LETTERBOX_MIN
        );
      };
      const lightRow = (y: number): boolean => {
        for (let x = 0; x < width; x += 1) if (!light(x, y)) return false;
        return true;
      };
      const lightColumn = (x: number): boolean => {
        for (let y = 0; y < height; y += 1) if (!light(x, y)) return false;
        return true;
      };
      const run = (count: number, isLight: (n: number) => boolean): number => {
        let n = 0;
        while (n < count && isLight(n)) n += 1;
        return n;
      };
      const rows = Math.min(
        run(height, lightRow),
        run(height, (n) => lightRow(height - 1 - n)),
      );
      const columns = Math.min(
        run(width, lightColumn),
        run(width, (n) => lightColumn(width - 1 - n)),
      );
      // A bar's edge is blurred into the photo by the coding: one more pixel goes with it.
      const top = rows > 0 ? rows + 1 : 0;
      const left = columns > 0 ? columns + 1 : 0;
      // An all-white rendition is not letterboxed; it is shown as it is.
      if (height - 2 * top >= height / 10 && width - 2 * left >= width / 10)
        area = { left, top, width: width - 2 * left, height: height - 2 * top };
    }
  } catch {
    // A canvas that cannot be read (a tainted image, no 2D context): the whole rendition.
  }
  photoAreas.set(img, area);
  return area;
}

/**
 * The photo frame. The photo keeps its own proportions, without the white letterbox of its
 * rendition: a crop box of the photo's shape, as large as the frame allows, shows only the
 * photo's part of the image, and the slide's own background is all around it.
 */
function photoFrame(entry: ScreenEntry, img: HTMLImageElement): HTMLElement {
  const figure = el("figure", { className: "entry-photo" });
  if (entry.photo) {
    img.width = entry.photo.width;
    img.height = entry.photo.height;
  }
  img.alt = "";
  delete img.dataset[AHEAD_TESTID];
  img.dataset["testid"] = "entry-photo";
  const whole = { width: img.naturalWidth || img.width, height: img.naturalHeight || img.height };
  const area = img.naturalWidth > 0 ? photoAreaOf(img) : { left: 0, top: 0, ...whole };
  const crop = el("span", { className: "photo-crop" });
  crop.style.setProperty("--photo-ratio", String(area.width / area.height));
  const percent = (n: number): string => `${(n * 100).toFixed(4)}%`;
  img.style.width = percent(whole.width / area.width);
  img.style.height = percent(whole.height / area.height);
  img.style.left = percent(-area.left / area.width);
  img.style.top = percent(-area.top / area.height);
  crop.append(img);
  figure.append(crop);
  return figure;
}

/**
 * The amount in the district's language: the figure alone, whose symbol ("¥", "CN¥") already
 * names the currency; its name beside it said the currency twice and wrapped mid-word.
 */
function amountOf(entry: ScreenEntry, language: Language): HTMLElement | null {
  if (entry.amountMinor === null) return null;
  const money = formatAmount(entry.amountMinor, entry.currency, language);
  const value = el("span", { className: "amount" });
  value.append(el("span", { className: "figure", text: money.figure }));
  return value;
}

/**
 * A list entry: a discredited-list slide (photo, masked name, case, court, unmet obligation
 * and amount, listing date, the district's contest line) or a red-list slide (photo, masked
 * name, the ground of the commendation). Only masked, server-presented text.
 */
function entryContent(entry: ScreenEntry, ctx: EntrySlideContext): SlideContent {
  const language = ctx.district?.language ?? "zh-CN";
  const name = el("h1", { text: entry.maskedName, testId: "entry-name" });
  // Organisation names run long; the layout keeps them on the slide.
  if ([...entry.maskedName].length > 8) name.classList.add("long");
  const facts = el("dl", { className: "facts" });
  const listed = formatCalendarDate(entry.listingDate, language);
  if (entry.kind === "discredited") {
    facts.append(
      fact(LABELS.caseNumber, entry.caseNumber, language, "entry-case"),
      fact(LABELS.court, entry.court, language, "entry-court"),
    );
    if (entry.obligation !== "")
      facts.append(fact(LABELS.obligation, entry.obligation, language, "entry-obligation"));
    const amount = amountOf(entry, language);
    if (amount) {
      const row = fact(LABELS.amount, amount, language, "entry-amount");
      // An amount is read whole or not at all: one line, smaller type if the column is narrow.
      row.querySelector("dd")?.setAttribute("data-fit", "line");
      facts.append(row);
    }
    facts.append(
      fact(LABELS.ground, stated(entry.listingGround, language), language, "entry-ground"),
      fact(LABELS.legalBasis, legalBasisOf(entry, language), language, "entry-basis"),
      fact(LABELS.listingDate, listed, language, "entry-listed"),
      fact(LABELS.endDate, endDateOf(entry, language), language, "entry-ends"),
      fact(LABELS.performance, stated(entry.performance, language), language, "entry-performance"),
    );
  } else {
    if (entry.listingGround !== "")
      facts.append(fact(LABELS.reason, entry.listingGround, language, "entry-reason"));
    facts.append(fact(LABELS.listingDate, listed, language, "entry-listed"));
  }
  const text = el("div", { className: "entry-text" });
  text.append(name, facts);
  const body = el("div", { className: ctx.photo ? "entry-body with-photo" : "entry-body" });
  // The longest values (a 40-character company, a long court and obligation) take smaller type.
  body.dataset["fit"] = "box";
  if (ctx.photo) body.append(photoFrame(entry, ctx.photo));
  body.append(text);

  const header = el("header", { className: "entry-kind", testId: "entry-kind" });
  header.append(bilingual(LABELS[entry.kind], language, "label"));
  const nodes: HTMLElement[] = [header, body];
  if (entry.kind === "discredited")
    nodes.push(
      contestLine(ctx.district, language, sourceLine(entry.court, entry.sourceDate, language), {
        entry,
        serverUrl: ctx.serverUrl,
      }),
    );
  else {
    // A commendation has nothing to contest, but its public page is there all the same.
    const code = noticeCode(entry, ctx.serverUrl, language, LABELS.scanRedlist);
    if (code) {
      const footer = el("footer", { className: "entry-footer code-only" });
      footer.append(code);
      nodes.push(footer);
    }
  }
  return { className: `entry ${entry.kind}`, lang: language, nodes };
}

/** A due-process fact's text, or "not stated" when the source left it empty (never hidden). */
function stated(value: string, language: Language): string {
  const text = value.trim();
  return text !== "" ? text : language === "en" ? LABELS.notStated.en : LABELS.notStated.zh;
}

/** The legal basis: the document's number and the body that issued it. */
function legalBasisOf(entry: ScreenEntry, language: Language): string {
  return stated(
    [entry.legalBasisNumber.trim(), entry.legalBasisIssuer.trim()].filter((s) => s).join(" · "),
    language,
  );
}

/** The date the listing ends: the calendar date, or the expiry instant's from an older server. */
function endDateOf(entry: ScreenEntry, language: Language): string {
  return formatCalendarDate(entry.expiryDate || entry.expiresAt.slice(0, 10), language);
}

/** "Source: <court>, list of dishonest judgment debtors, as of <date>", in the district's language. */
function sourceLine(court: string, date: string, language: Language): string {
  const asOf = date === "" ? "" : formatCalendarDate(date, language);
  if (language === "en")
    return `Source: ${court}, list of dishonest judgment debtors${asOf ? `, as of ${asOf}` : ""}`;
  return `来源：${court}失信被执行人名单${asOf ? `，截至${asOf}` : ""}`;
}

/**
 * A page of the discredited list: up to eight rows of masked name, case number, court and
 * amount, the page's number, and the district's contest line. No photos: at an eighth of the
 * screen a redacted face tells a passer-by nothing, while the width it takes would shrink
 * the names and case numbers people read from across the street; the single layout is there
 * for the photo.
 */
function listContent(
  slide: Extract<Slide, { kind: "list" }>,
  district: ScreenDistrict | null,
): SlideContent {
  const language = district?.language ?? "zh-CN";
  const header = el("header", { className: "list-head" });
  const kind = el("div", { className: "entry-kind", testId: "entry-kind" });
  kind.append(bilingual(LABELS.discreditedList, language, "label"));
  header.append(kind);
  if (slide.pages > 1) {
    header.append(
      el("div", {
        className: "list-page",
        text: `${slide.page + 1} / ${slide.pages}`,
        testId: "list-page",
      }),
    );
  }
  const columns = el("div", { className: "list-columns" });
  columns.setAttribute("aria-hidden", "true");
  columns.append(
    bilingual(LABELS.name, language, "label col-name"),
    bilingual(LABELS.caseNumber, language, "label col-case"),
    bilingual(LABELS.court, language, "label col-court"),
    bilingual(LABELS.ground, language, "label col-ground"),
    bilingual(LABELS.amount, language, "label col-amount"),
    bilingual(LABELS.endDate, language, "label col-ends"),
  );
  const rows = el("ol", { className: "list-rows", testId: "list-rows" });
  for (const entry of slide.entries) {
    const row = el("li", { className: "list-row", testId: "list-entry" });
    const name = el("span", {
      className: "list-name",
      text: entry.maskedName,
      testId: "list-name",
    });
    if ([...entry.maskedName].length > 8) name.classList.add("long");
    const amount = el("span", { className: "list-amount", testId: "list-amount" });
    amount.dataset["fit"] = "line";
    const money = amountOf(entry, language);
    if (money) amount.append(money);
    row.append(
      name,
      el("span", { className: "list-case", text: entry.caseNumber, testId: "list-case" }),
      el("span", { className: "list-court", text: entry.court, testId: "list-court" }),
      el("span", {
        className: "list-ground",
        text: stated(entry.listingGround, language),
        testId: "list-ground",
      }),
      amount,
      el("span", {
        className: "list-ends",
        text: endDateOf(entry, language),
        testId: "list-ends",
      }),
    );
    rows.append(row);
  }
  const body = el("div", { className: "list-body" });
  body.append(columns, rows);
  // The page's source line: its courts, as of the newest record on it.
  const courts = [...new Set(slide.entries.map((e) => e.court))];
  const newest = slide.entries.map((e) => e.sourceDate).reduce((a, b) => (a > b ? a : b), "");
  const source = sourceLine(
    courts.length === 1
      ? (courts[0] ?? "")
      : language === "en"
        ? "the enforcing courts"
        : "各执行法院",
    newest,
    language,
  );
  return {
    className: "entry discredited list",
    lang: language,
    nodes: [header, body, contestLine(district, language, source, null)],
  };
}

/**
 * The slide's footer: the source line, the district's "how to contest an error" line (its own
 * or inherited; a general one when no district in its chain set one), and, on a single entry's
 * slide, the QR code of the entry's public notice page.
 */
function contestLine(
  district: ScreenDistrict | null,
  language: Language,
  source: string,
  notice: { entry: ScreenEntry; serverUrl: string } | null,
): HTMLElement {
  const footer = el("footer", { className: "entry-footer" });
  const lines = el("div", { className: "entry-contest", testId: "entry-contest" });
  const text = district?.contestText.trim() ?? "";
  if (text === "") lines.append(bilingual(LABELS.contest, language, "label"));
  else lines.append(el("span", { className: "contest-text", text }));
  const contact = district?.contestContact.trim() ?? "";
  if (contact !== "")
    lines.append(
      el("span", { className: "contest-contact", text: contact, testId: "contest-contact" }),
    );
  // A street screen is not clickable: the address is shown as text to note down.
  if (district?.contestUrl)
    lines.append(el("span", { className: "contest-url", text: district.contestUrl, lang: "en" }));
  footer.append(lines);
  const code = notice ? noticeCode(notice.entry, notice.serverUrl, language, LABELS.scan) : null;
  if (code) footer.append(code);
  footer.append(el("p", { className: "entry-source", text: source, testId: "entry-source" }));
  return footer;
}

/** The QR code of an entry's public notice page, with its caption; null without a public id. */
function noticeCode(
  entry: ScreenEntry,
  serverUrl: string,
  language: Language,
  caption: Bilingual,
): HTMLElement | null {
  if (entry.publicId === undefined) return null;
  const url = noticeUrl(serverUrl, entry.publicId);
  const figure = el("figure", { className: "entry-qr", testId: "entry-qr" });
  figure.dataset["url"] = url;
  const code = qrCodeSvg(url);
  code.setAttribute("aria-label", language === "en" ? caption.en : caption.zh);
  const text = el("figcaption");
  text.append(bilingual(caption, language, "label"));
  figure.append(code, text);
  return figure;
}

/** What drawing any slide may need. */
export interface DrawContext extends EntrySlideContext {
  /**
   * The slide on screen must leave now (its content was taken down or withheld): cut to the
   * new slide, no fade, and the old one out of the DOM at once.
   */
  immediate: boolean;
  /**
   * The slide's identity, as the player knows it: a slide drawn ahead under a key is shown as
   * drawn when the same key is drawn (drawAhead). Without one, every draw draws.
   */
  key?: string;
}

/** A slide's nodes. */
function contentOf(slide: Slide, ctx: EntrySlideContext): SlideContent {
  switch (slide.kind) {
    case "announcement":
      return announcementContent(slide.announcement, ctx.photo);
    case "entry":
      return entryContent(slide.entry, ctx);
    case "list":
      return listContent(slide, ctx.district);
    case "emergency":
      return emergencyContent(slide.emergency);
    case "idle":
      return idleContent(slide.idle);
    case "blank":
      return blankContent();
    case "waiting":
      return waitingContent(ctx.serverUrl);
  }
}

/** The proof-of-play label of a slide (null: the waiting screen, nothing played). */
function labelOf(slide: Slide): string | null {
  switch (slide.kind) {
    case "announcement":
      return `announcement:${slide.announcement.id}`;
    case "entry":
      return `entry:${slide.entry.id}`;
    case "list":
      // Not every id: the label is reported in a status capped at 200 characters.
      return `list:${slide.page + 1}/${slide.pages}:${slide.entries[0]?.id ?? ""}`;
    case "emergency":
      return `emergency:${slide.emergency.id}`;
    case "idle":
    case "blank":
      return slide.kind;
    case "waiting":
      return null;
  }
}

/**
 * Draws a slide; returns the proof-of-play label of what is on screen. A slide drawn ahead under
 * the same key (drawAhead) is shown as drawn, unless the change must cut.
 */
export function drawSlide(stage: HTMLElement, slide: Slide, ctx: DrawContext): string | null {
  // An emergency takes over at once, without waiting for a fade.
  const immediate = ctx.immediate || slide.kind === "emergency";
  const layers = layersOf(stage);
  const ahead = layers.ahead;
  if (
    !immediate &&
    ahead !== null &&
    ctx.key !== undefined &&
    ahead.key === ctx.key &&
    !layers.settle
  )
    showAhead(stage, layers, ahead.className);
  else present(stage, contentOf(slide, ctx), immediate);
  return labelOf(slide);
}
