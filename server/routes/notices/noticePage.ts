import { createHash } from "node:crypto";
import type { PublicNotice } from "../../../shared/schemas/publicNotice";

/** The languages the public page speaks: "zh" (Simplified Chinese) and "en". */
export type NoticeLanguage = "zh" | "en";

/** What the page says: the notice, that it ended, that there is none, or a bad request. */
export type NoticePageState =
  | { kind: "live"; notice: PublicNotice }
  | { kind: "ended" }
  | { kind: "unknown" }
  | { kind: "bad"; sentence: { zh: string; en: string } };

const TEXT = {
  siteTitle: { zh: "失信被执行人公示", en: "Public notice: dishonest judgment debtors" },
  languages: { zh: "语言", en: "Language" },
  discredited: { zh: "失信被执行人", en: "Dishonest judgment debtor" },
  redlist: { zh: "诚信红榜", en: "Red list · commended for good faith" },
  photoAlt: { zh: "照片（面部已遮盖）", en: "Photo (face covered)" },
  caseNumber: { zh: "案号", en: "Case number" },
  court: { zh: "执行法院", en: "Enforcing court" },
  obligation: { zh: "未履行义务", en: "Unmet obligation" },
  amount: { zh: "未履行金额", en: "Amount unpaid" },
  ground: { zh: "失信情形", en: "Listing ground" },
  legalBasis: { zh: "依据文书", en: "Legal basis" },
  listed: { zh: "列入日期", en: "Listed on" },
  ends: { zh: "公示截止", en: "Listed until" },
  performance: { zh: "履行情况", en: "Performance" },
  notStated: { zh: "未注明", en: "Not stated" },
  contestHeading: { zh: "如何申请纠正", en: "How to contest this listing" },
  contestDefault: {
    zh: "如认为信息有误，可向执行法院申请纠正。",
    en: "If this is wrong, you may apply to the enforcing court for correction.",
  },
  contact: { zh: "联系方式", en: "Contact" },
  ended: { zh: "该公示已结束", en: "This listing has ended" },
  endedBody: {
    zh: "此条公示已撤销、到期或暂停，不再公开。",
    en: "This listing was revoked, has expired or is suspended; it is no longer public.",
  },
  unknown: { zh: "未找到该公示", en: "No notice at this address" },
  unknownBody: {
    zh: "请核对二维码或网址。",
    en: "Check the QR code or the address.",
  },
  bad: { zh: "无法显示", en: "Cannot show this page" },
} as const;

/*
 * Mobile first: one column, system fonts (no third-party or web fonts), large type, high
 * contrast. Inline, and allowed by its hash in the page's policy; no script at all.
 */
const STYLE = `
:root{color-scheme:light;font-family:system-ui,"Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;line-height:1.5;color:#1a1a1a;background:#f6f7f9}
body{margin:0}
header,main{max-width:40rem;margin:0 auto;padding:1rem}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem;border-bottom:1px solid #c8ccd2}
header p{margin:0;font-weight:700}
nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
a{color:#0b4f9c}
a:focus-visible{outline:3px solid #0b4f9c;outline-offset:2px}
nav a[aria-current]{font-weight:700;color:#1a1a1a;text-decoration:none}
.kind{display:inline-block;background:#9b1c14;color:#fff;font-weight:700;padding:.2rem .6rem;border-radius:.3rem}
h1{font-size:2rem;margin:.6rem 0}
img{display:block;max-width:100%;max-height:24rem;width:auto;height:auto;border-radius:.4rem}
dl{display:grid;grid-template-columns:minmax(0,1fr);gap:.6rem;margin:1rem 0}
dt{font-size:.9rem;color:#4a4f57}
dd{margin:0;font-weight:600;overflow-wrap:anywhere}
@media (min-width:36rem){dl{grid-template-columns:10rem minmax(0,1fr)}}
.source{color:#4a4f57;font-size:.95rem}
section{background:#fff;border:1px solid #c8ccd2;border-radius:.4rem;padding:1rem;margin:1rem 0}
h2{font-size:1.3rem;margin:0 0 .5rem}
`;

/** The style's hash, for the page's Content-Security-Policy. */
const STYLE_HASH = `sha256-${createHash("sha256").update(STYLE).digest("base64")}`;

/** The page's policy: nothing but its own hashed style and same-origin images. */
export const NOTICE_PAGE_POLICY = [
  "default-src 'none'",
  `style-src '${STYLE_HASH}'`,
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Escapes text for HTML: every value on the page comes from data, none is markup. */
function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

function date(value: string, lang: NoticeLanguage): string {
  const instant = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(instant)) return value;
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en", {
    dateStyle: "long",
    timeZone: "UTC",
  }).format(instant);
}

function amount(minor: number, currency: string, lang: NoticeLanguage): string {
  try {
    return new Intl.NumberFormat(lang === "zh" ? "zh-CN" : "en", {
      style: "currency",
      currency,
    }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** The page for one state, in one language; `path` is the page's own path (for the switch). */
export function renderNoticePage(
  state: NoticePageState,
  lang: NoticeLanguage,
  path: string,
): string {
  const t = (k: keyof typeof TEXT): string => TEXT[k][lang];
  const stated = (v: string): string => (v.trim() === "" ? t("notStated") : v.trim());
  let title: string;
  let body: string;
  switch (state.kind) {
    case "live": {
      const { entry, contest, photoUrl } = state.notice;
      title = entry.maskedName;
      const facts: [string, string][] = [
        [t("caseNumber"), entry.caseNumber],
        [t("court"), entry.court],
      ];
      if (entry.kind === "discredited") {
        if (entry.obligation !== "") facts.push([t("obligation"), entry.obligation]);
        if (entry.amountMinor !== null)
          facts.push([t("amount"), amount(entry.amountMinor, entry.currency, lang)]);
        facts.push(
          [t("ground"), stated(entry.listingGround)],
          [
            t("legalBasis"),
            stated([entry.legalBasisNumber, entry.legalBasisIssuer].filter((s) => s).join(" · ")),
          ],
          [t("listed"), date(entry.listingDate, lang)],
          [t("ends"), date(entry.expiryDate || entry.expiresAt.slice(0, 10), lang)],
          [t("performance"), stated(entry.performance)],
        );
      } else {
        if (entry.listingGround !== "") facts.push([t("ground"), entry.listingGround]);
        facts.push([t("listed"), date(entry.listingDate, lang)]);
      }
      const asOf = entry.sourceDate === "" ? "" : date(entry.sourceDate, lang);
      const source =
        lang === "en"
          ? `Source: ${entry.court}, list of dishonest judgment debtors${asOf ? `, as of ${asOf}` : ""}`
          : `来源：${entry.court}失信被执行人名单${asOf ? `，截至${asOf}` : ""}`;
      const contestLines = [
        `<p>${esc(contest.text.trim() === "" ? t("contestDefault") : contest.text)}</p>`,
        contest.contact.trim() === ""
          ? ""
          : `<p>${esc(t("contact"))}：<strong>${esc(contest.contact)}</strong></p>`,
        contest.url === null
          ? ""
          : `<p><a href="${esc(contest.url)}" rel="noopener noreferrer">${esc(contest.url)}</a></p>`,
      ].join("");
      body = [
        `<p class="kind">${esc(t(entry.kind))}</p>`,
        `<h1>${esc(entry.maskedName)}</h1>`,
        photoUrl === null ? "" : `<img src="${esc(photoUrl)}" alt="${esc(t("photoAlt"))}">`,
        `<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`,
        entry.kind === "discredited" ? `<p class="source">${esc(source)}</p>` : "",
        `<section aria-labelledby="contest"><h2 id="contest">${esc(t("contestHeading"))}</h2>${contestLines}</section>`,
      ].join("");
      break;
    }
    case "ended":
      title = t("ended");
      body = `<h1>${esc(t("ended"))}</h1><p>${esc(t("endedBody"))}</p>`;
      break;
    case "unknown":
      title = t("unknown");
      body = `<h1>${esc(t("unknown"))}</h1><p>${esc(t("unknownBody"))}</p>`;
      break;
    case "bad":
      title = t("bad");
      body = `<h1>${esc(t("bad"))}</h1><p>${esc(state.sentence[lang])}</p>`;
      break;
  }
  const htmlLang = lang === "zh" ? "zh-CN" : "en";
  const switchLink = (to: NoticeLanguage, label: string): string =>
    to === lang
      ? `<li><a href="${esc(path)}?lang=${to}" aria-current="page" lang="${to === "zh" ? "zh-CN" : "en"}">${label}</a></li>`
      : `<li><a href="${esc(path)}?lang=${to}" hreflang="${to === "zh" ? "zh-CN" : "en"}" lang="${to === "zh" ? "zh-CN" : "en"}">${label}</a></li>`;
  return `<!doctype html>
<html lang="${htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · ${esc(t("siteTitle"))}</title>
<style>${STYLE}</style>
</head>
<body>
<header><p>${esc(t("siteTitle"))}</p><nav aria-label="${esc(t("languages"))}"><ul>${switchLink("zh", "中文")}${switchLink("en", "English")}</ul></nav></header>
<main>${body}</main>
</body>
</html>
`;
}
