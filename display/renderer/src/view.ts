import type { Announcement, Language } from "../../../shared/schemas/announcement";
import type { Emergency, IdleSlide } from "../../../shared/schemas/schedule";
import type { ScreenEntry } from "../../../shared/schemas/screenEntry";
import type { ScreenDistrict } from "../../../shared/schemas/sync";
import { formatAmount, formatCalendarDate } from "./format";
import type { Slide } from "./playback";

/** Connection state shown in the status bar. */
export type ConnectionState = "connecting" | "online" | "offline" | "pairing";

const labels: Record<ConnectionState, string> = {
  connecting: "正在连接 · Connecting",
  online: "已连接 · Online",
  offline: "离线 · Offline",
  pairing: "等待配对 · Not paired",
};

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

/** Shows the waiting screen: nothing to play yet. */
export function renderWaiting(stage: HTMLElement, serverUrl: string): void {
  stage.className = "waiting";
  stage.replaceChildren(
    el("h1", { text: "等待内容", testId: "waiting" }),
    el("p", { text: "Waiting for content" }),
    el("p", { text: serverUrl }),
  );
}

/** Shows the pairing screen: the code a technician gives the operator, in large type. */
export function renderPairing(
  stage: HTMLElement,
  code: string,
  serverUrl: string,
  expiresAt: string,
): void {
  stage.className = "pairing";
  const until = new Date(expiresAt).toLocaleTimeString("zh-CN", {
    hour: "2-digit",
    minute: "2-digit",
  });
  stage.replaceChildren(
    el("p", { text: "配对码 · Pairing code" }),
    el("h1", { text: `${code.slice(0, 3)} ${code.slice(3)}`, testId: "pairing-code" }),
    el("p", {
      text: "在控制台输入此代码以配对本屏幕 · Enter this code in the console to pair this screen",
    }),
    el("p", { text: `${serverUrl} · ${until} 前有效 · valid until ${until}` }),
  );
}

/** Shows one announcement slide. */
export function renderAnnouncement(stage: HTMLElement, a: Announcement): void {
  stage.className = "announcement";
  stage.lang = a.language;
  stage.replaceChildren(
    el("div", { className: "kind", text: a.language === "en" ? "NOTICE" : "公告" }),
    el("h1", { text: a.title, testId: "slide-title" }),
    el("p", { text: a.body, testId: "slide-body" }),
  );
}

/** Updates the status bar. */
export function renderStatus(bar: HTMLElement, state: ConnectionState, version: number): void {
  bar.dataset["state"] = state;
  bar.textContent = `${labels[state]} · v${version}`;
}

/** Shows an emergency notice: it overrides everything else on the screen. */
export function renderEmergency(stage: HTMLElement, e: Emergency): void {
  stage.className = "emergency";
  stage.replaceChildren(
    el("div", { className: "kind", text: "紧急通知 · EMERGENCY" }),
    el("h1", { text: e.title, testId: "emergency-title" }),
    el("p", { text: e.body, testId: "emergency-body" }),
  );
}

/** Shows the district's idle slide outside every window. */
export function renderIdle(stage: HTMLElement, idle: IdleSlide): void {
  stage.className = "idle";
  stage.replaceChildren(
    el("h1", { text: idle.title, testId: "idle-title" }),
    el("p", { text: idle.body }),
  );
}

/** Blanks the screen outside every window (saves power at night). */
export function renderBlank(stage: HTMLElement): void {
  stage.className = "blank";
  stage.replaceChildren(el("div", { testId: "blank" }));
}

const LABELS = {
  discredited: { zh: "失信被执行人", en: "Dishonest judgment debtor" },
  redlist: { zh: "诚信红榜", en: "Red list · commended for good faith" },
  caseNumber: { zh: "案号", en: "Case number" },
  court: { zh: "执行法院", en: "Enforcing court" },
  obligation: { zh: "未履行义务", en: "Unmet obligation" },
  amount: { zh: "未履行金额", en: "Amount unpaid" },
  listingDate: { zh: "列入日期", en: "Listed on" },
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
}

/** The photo frame; the image keeps its own proportions inside it. */
function photoFrame(entry: ScreenEntry, img: HTMLImageElement): HTMLElement {
  const figure = el("figure", { className: "entry-photo" });
  if (entry.photo) {
    img.width = entry.photo.width;
    img.height = entry.photo.height;
  }
  img.alt = "";
  img.dataset["testid"] = "entry-photo";
  figure.append(img);
  return figure;
}

/**
 * Shows a list entry: a discredited-list slide (photo, masked name, case, court, unmet
 * obligation and amount, listing date, the district's contest line) or a red-list slide (photo,
 * masked name, the ground of the commendation). Only masked, server-presented text.
 */
export function renderEntry(stage: HTMLElement, entry: ScreenEntry, ctx: EntrySlideContext): void {
  const language = ctx.district?.language ?? "zh-CN";
  stage.className = `entry ${entry.kind}`;
  stage.lang = language;
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
    if (entry.amountMinor !== null) {
      const money = formatAmount(entry.amountMinor, entry.currency, language);
      const value = el("span", { className: "amount" });
      value.append(
        el("span", { className: "figure", text: money.figure }),
        el("span", { className: "currency", text: money.currencyName }),
      );
      facts.append(fact(LABELS.amount, value, language, "entry-amount"));
    }
    facts.append(fact(LABELS.listingDate, listed, language, "entry-listed"));
  } else {
    if (entry.listingGround !== "")
      facts.append(fact(LABELS.reason, entry.listingGround, language, "entry-reason"));
    facts.append(fact(LABELS.listingDate, listed, language, "entry-listed"));
  }
  const text = el("div", { className: "entry-text" });
  text.append(name, facts);
  const body = el("div", { className: ctx.photo ? "entry-body with-photo" : "entry-body" });
  if (ctx.photo) body.append(photoFrame(entry, ctx.photo));
  body.append(text);

  const header = el("header", { className: "entry-kind", testId: "entry-kind" });
  header.append(bilingual(LABELS[entry.kind], language, "label"));
  const children: HTMLElement[] = [header, body];
  if (entry.kind === "discredited") children.push(contestLine(ctx.district, language));
  stage.replaceChildren(...children);
}

/** The district's "how to contest an error" line; a general one when the district set none. */
function contestLine(district: ScreenDistrict | null, language: Language): HTMLElement {
  const footer = el("footer", { className: "entry-contest", testId: "entry-contest" });
  const text = district?.contestText.trim() ?? "";
  if (text === "") footer.append(bilingual(LABELS.contest, language, "label"));
  else footer.append(el("span", { className: "contest-text", text }));
  // A street screen is not clickable: the address is shown as text to note down.
  if (district?.contestUrl)
    footer.append(el("span", { className: "contest-url", text: district.contestUrl, lang: "en" }));
  return footer;
}

/** What drawing any slide may need. */
export interface DrawContext extends EntrySlideContext {
  serverUrl: string;
}

/** Draws a slide; returns the proof-of-play label of what is on screen. */
export function drawSlide(stage: HTMLElement, slide: Slide, ctx: DrawContext): string | null {
  stage.removeAttribute("lang");
  switch (slide.kind) {
    case "announcement":
      renderAnnouncement(stage, slide.announcement);
      return `announcement:${slide.announcement.id}`;
    case "entry":
      renderEntry(stage, slide.entry, ctx);
      return `entry:${slide.entry.id}`;
    case "emergency":
      renderEmergency(stage, slide.emergency);
      return `emergency:${slide.emergency.id}`;
    case "idle":
      renderIdle(stage, slide.idle);
      return "idle";
    case "blank":
      renderBlank(stage);
      return "blank";
    case "waiting":
      renderWaiting(stage, ctx.serverUrl);
      return null;
  }
}
