import { createHash } from "node:crypto";
import type { ObjectionReceipt, ObjectionStatus } from "../../../shared/schemas/objection";
import type { PublicNotice } from "../../../shared/schemas/publicNotice";

/** The languages the public page speaks: "zh" (Simplified Chinese) and "en". */
export type NoticeLanguage = "zh" | "en";

/** A form field of the objection form. */
export type ObjectionField = "name" | "contact" | "text" | "document" | "consent";

/** The objection form sent back with what was typed and what was wrong with it. */
export interface ObjectionFormEcho {
  values: { name: string; contact: string; text: string };
  errors: Partial<Record<ObjectionField, { zh: string; en: string }>>;
}

/**
 * What the page says: the notice (with the objection form, again with its errors), that it
 * ended, that there is none, a bad request; and the objection pages: the receipt with its
 * reference, an objection's status, the form asking for a reference, no such objection.
 */
export type NoticePageState =
  | { kind: "live"; notice: PublicNotice; form?: ObjectionFormEcho }
  | { kind: "filed"; receipt: ObjectionReceipt }
  | { kind: "status"; status: ObjectionStatus; noticePath: string }
  | { kind: "lookup"; noticePath: string; error?: { zh: string; en: string } }
  | { kind: "noObjection"; noticePath: string }
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
  objectHeading: { zh: "提出异议", en: "Object to this listing" },
  objectIntro: {
    zh: "如认为本公示有误，可在此提出异议。审核员会阅读您的异议并作出处理；您的个人信息加密保存，仅审核员可见，并随本公示的删除一并删除。",
    en: "If something here is wrong, you can object here. A moderator reads it and decides; your personal data is stored encrypted, seen only by moderators, and erased with this listing.",
  },
  errorsHeading: { zh: "请更正以下内容", en: "Please correct the following" },
  fieldName: { zh: "您的姓名", en: "Your name" },
  fieldContact: { zh: "联系方式（电话或电子邮箱）", en: "How to reach you (phone or email)" },
  fieldText: { zh: "哪里有误", en: "What is wrong" },
  hintText: { zh: "最多 2000 字。", en: "At most 2000 characters." },
  fieldDocument: { zh: "证明材料（可选）", en: "Supporting document (optional)" },
  hintDocument: {
    zh: "照片（JPEG、PNG、WebP）或 PDF，不超过 5 MB。",
    en: "A photo (JPEG, PNG, WebP) or a PDF, at most 5 MB.",
  },
  honeypot: { zh: "请勿填写此项", en: "Leave this empty" },
  consent: {
    zh: "我同意为处理本异议而保存和使用我填写的信息。",
    en: "I agree that what I enter is stored and used to handle this objection.",
  },
  submit: { zh: "提交异议", en: "Send objection" },
  haveReference: {
    zh: "已提交过异议？凭编号查询处理结果",
    en: "Already objected? Check the outcome with your reference",
  },
  filedTitle: { zh: "异议已收到", en: "Your objection was received" },
  filedReference: { zh: "您的异议编号：", en: "Your reference number:" },
  filedKeep: {
    zh: "请保存此编号，凭它可查询处理结果。",
    en: "Keep this number: with it you can see what was decided.",
  },
  statusLink: { zh: "查看处理状态", en: "See the status" },
  lookupTitle: { zh: "查询异议处理状态", en: "Check an objection's status" },
  fieldReference: { zh: "异议编号", en: "Reference number" },
  hintReference: { zh: "形如 OBJ-ABCDE23456。", en: "Looks like OBJ-ABCDE23456." },
  lookupSubmit: { zh: "查询", en: "Check" },
  noObjection: { zh: "未找到该异议", en: "No objection with this reference" },
  noObjectionBody: {
    zh: "请核对编号。编号只能在对应公示的页面上查询。",
    en: "Check the number. A reference can only be looked up on the page of its listing.",
  },
  statusTitle: { zh: "异议 {ref}", en: "Objection {ref}" },
  statusFiled: { zh: "您于 {date} 提交的异议", en: "Your objection of {date}" },
  state_received: { zh: "已收到，等待审核员处理。", en: "Received; a moderator will review it." },
  state_suspended: {
    zh: "审核中：该公示已暂停显示，等待复核。",
    en: "Under review: the listing was taken off the screens while it is reviewed.",
  },
  state_dismissed: { zh: "已于 {date} 驳回。", en: "Dismissed on {date}." },
  state_forwarded: {
    zh: "已于 {date} 转交执行法院处理。",
    en: "Forwarded to the enforcing court on {date}.",
  },
  reason: { zh: "理由", en: "Reason" },
  backToNotice: { zh: "返回公示页面", en: "Back to the notice" },
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
form p{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{display:block;color:#4a4f57;font-size:.9rem;margin-bottom:.25rem}
input,textarea,button{font:inherit;box-sizing:border-box;max-width:100%}
input[type=text],textarea{width:100%;padding:.6rem;border:1px solid #6b7079;border-radius:.3rem;background:#fff;color:#1a1a1a}
input[type=file]{width:100%}
input:focus-visible,textarea:focus-visible,button:focus-visible{outline:3px solid #0b4f9c;outline-offset:2px}
[aria-invalid=true]{border-color:#9b1c14;border-width:2px}
.consent{display:flex;gap:.6rem;align-items:flex-start}
.consent input{width:1.5rem;height:1.5rem;margin:.1rem 0 0;flex:none}
.consent label{font-weight:400;margin:0}
button{background:#0b4f9c;color:#fff;border:0;border-radius:.3rem;padding:.75rem 1.4rem;font-weight:700;min-height:3rem;cursor:pointer}
.errors{border:2px solid #9b1c14;border-radius:.4rem;padding:.6rem 1rem;margin:0 0 1rem;background:#fdf0ef}
.errors h3{margin:0 0 .3rem;font-size:1.05rem}
.error{color:#9b1c14;font-weight:600;display:block;margin-bottom:.25rem}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
.reference{font-size:1.6rem;font-weight:700;letter-spacing:.05em;font-family:ui-monospace,monospace}
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

/**
 * The objection form of a live notice: name, contact, text, an optional document, the consent
 * box, and the honeypot (off-screen, hidden from assistive technology, out of the tab order: a
 * person leaves it empty). No script: the browser posts it, the server answers a page.
 */
function objectionForm(path: string, lang: NoticeLanguage, echo?: ObjectionFormEcho): string {
  const t = (k: keyof typeof TEXT): string => TEXT[k][lang];
  const errors = echo?.errors ?? {};
  const values = echo?.values ?? { name: "", contact: "", text: "" };
  const labels: Record<ObjectionField, string> = {
    name: t("fieldName"),
    contact: t("fieldContact"),
    text: t("fieldText"),
    document: t("fieldDocument"),
    consent: t("consent"),
  };
  const wrong = (Object.keys(labels) as ObjectionField[]).filter((f) => errors[f]);
  const errorOf = (f: ObjectionField): string => {
    const e = errors[f];
    return e ? `<span class="error" id="e-${f}">${esc(e[lang])}</span>` : "";
  };
  const described = (f: ObjectionField, hint?: string): string => {
    const ids = [errors[f] ? `e-${f}` : "", hint ?? ""].filter((s) => s).join(" ");
    return `${ids ? ` aria-describedby="${ids}"` : ""}${errors[f] ? ' aria-invalid="true"' : ""}`;
  };
  return [
    `<section aria-labelledby="object"><h2 id="object">${esc(t("objectHeading"))}</h2>`,
    `<p>${esc(t("objectIntro"))}</p>`,
    wrong.length === 0
      ? ""
      : `<div class="errors" role="alert"><h3>${esc(t("errorsHeading"))}</h3><ul>${wrong
          .map((f) => `<li><a href="#f-${f}">${esc(errors[f]?.[lang] ?? "")}</a></li>`)
          .join("")}</ul></div>`,
    `<form method="post" action="${esc(path)}/objections?lang=${lang}" enctype="multipart/form-data">`,
    `<p><label for="f-name">${esc(labels.name)}</label>${errorOf("name")}`,
    `<input type="text" id="f-name" name="name" required maxlength="100" autocomplete="name" value="${esc(values.name)}"${described("name")}></p>`,
    `<p><label for="f-contact">${esc(labels.contact)}</label>${errorOf("contact")}`,
    `<input type="text" id="f-contact" name="contact" required maxlength="200" autocomplete="email" value="${esc(values.contact)}"${described("contact")}></p>`,
    `<p><label for="f-text">${esc(labels.text)}</label>${errorOf("text")}<span class="hint" id="h-text">${esc(t("hintText"))}</span>`,
    `<textarea id="f-text" name="text" rows="6" required maxlength="2000"${described("text", "h-text")}>${esc(values.text)}</textarea></p>`,
    `<p><label for="f-document">${esc(labels.document)}</label>${errorOf("document")}<span class="hint" id="h-document">${esc(t("hintDocument"))}</span>`,
    `<input type="file" id="f-document" name="document" accept="image/jpeg,image/png,image/webp,application/pdf"${described("document", "h-document")}></p>`,
    `<div class="hp" aria-hidden="true"><label for="f-website">${esc(t("honeypot"))}</label><input type="text" id="f-website" name="website" tabindex="-1" autocomplete="off"></div>`,
    errorOf("consent"),
    `<p class="consent"><input type="checkbox" id="f-consent" name="consent" value="yes" required${described("consent")}><label for="f-consent">${esc(labels.consent)}</label></p>`,
    `<input type="hidden" name="lang" value="${lang}">`,
    `<p><button type="submit">${esc(t("submit"))}</button></p>`,
    `</form>`,
    `<p><a href="${esc(path)}/objections?lang=${lang}">${esc(t("haveReference"))}</a></p>`,
    `</section>`,
  ].join("");
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
        objectionForm(path, lang, state.form),
      ].join("");
      break;
    }
    case "filed": {
      const { receipt } = state;
      title = t("filedTitle");
      body = [
        `<h1>${esc(t("filedTitle"))}</h1>`,
        `<p>${esc(t("filedReference"))}</p>`,
        `<p class="reference" data-reference>${esc(receipt.reference)}</p>`,
        `<p>${esc(t("filedKeep"))}</p>`,
        `<p><a href="${esc(receipt.statusUrl)}?lang=${lang}">${esc(t("statusLink"))}</a></p>`,
      ].join("");
      break;
    }
    case "status": {
      const { status } = state;
      const fill = (text: string, vars: Record<string, string>): string =>
        text.replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? "");
      title = fill(t("statusTitle"), { ref: status.reference });
      const decided = status.decidedOn === null ? "" : date(status.decidedOn, lang);
      body = [
        `<h1>${esc(title)}</h1>`,
        `<p>${esc(fill(t("statusFiled"), { date: date(status.filedOn, lang) }))}</p>`,
        `<p data-state="${status.state}"><strong>${esc(fill(t(`state_${status.state}`), { date: decided }))}</strong></p>`,
        status.reason === null
          ? ""
          : `<section aria-labelledby="reason"><h2 id="reason">${esc(t("reason"))}</h2><p>${esc(status.reason)}</p></section>`,
        `<p><a href="${esc(state.noticePath)}?lang=${lang}">${esc(t("backToNotice"))}</a></p>`,
      ].join("");
      break;
    }
    case "lookup":
      title = t("lookupTitle");
      body = [
        `<h1>${esc(t("lookupTitle"))}</h1>`,
        `<form method="get" action="${esc(state.noticePath)}/objections">`,
        `<p><label for="f-reference">${esc(t("fieldReference"))}</label>`,
        state.error ? `<span class="error" id="e-reference">${esc(state.error[lang])}</span>` : "",
        `<span class="hint" id="h-reference">${esc(t("hintReference"))}</span>`,
        `<input type="text" id="f-reference" name="reference" required maxlength="20" autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="${state.error ? "e-reference " : ""}h-reference"${state.error ? ' aria-invalid="true"' : ""}></p>`,
        `<input type="hidden" name="lang" value="${lang}">`,
        `<p><button type="submit">${esc(t("lookupSubmit"))}</button></p>`,
        `</form>`,
      ].join("");
      break;
    case "noObjection":
      title = t("noObjection");
      body = [
        `<h1>${esc(t("noObjection"))}</h1><p>${esc(t("noObjectionBody"))}</p>`,
        `<p><a href="${esc(state.noticePath)}/objections?lang=${lang}">${esc(t("lookupTitle"))}</a></p>`,
      ].join("");
      break;
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
<meta name="referrer" content="same-origin">
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
