/**
 * Name masking by rule (DESIGN non-negotiable 4). Pure: no Node, no DOM; the server masks
 * before anything leaves it, and being in shared/ the console can preview exactly the same text.
 *
 * Rules, in order:
 * 1. The name is NFKC-normalised (full-width Latin becomes ASCII, compatibility ideographs become
 *    the usual ones), control and invisible format characters (bidi overrides, zero-width
 *    characters) are dropped, and runs of whitespace become one space.
 * 2. Organisations are shown in full: `subjectType: "organisation"`, or, when no subject type is
 *    given, a name that {@link isOrganisationName} recognises; but the whole name of a person
 *    given in `people` (its legal representative) is masked wherever it stands in it. An explicit `subjectType: "person"`
 *    always masks, even when the name ends like a company's; and an "organisation" whose name
 *    reads like a person's ({@link readsLikePersonName}: 张三, 欧阳娜娜, Zhang San — a sole trader
 *    listed under the owner's name, or a wrong pick in a form) is masked as a person: a wrong
 *    guess must never show a person's full name.
 * 3. Chinese names (the first letter is a Han character): the surname is kept and the given name becomes the fixed mask 某,
 *    whatever its length (张三 → 张某, 张三丰 → 张某, 欧阳娜娜 → 欧阳某). A compound surname from
 *    {@link COMPOUND_SURNAMES} counts only when a given name follows it: 欧阳 alone reads as
 *    surname 欧 + given name 阳 → 欧某. A one-character name is taken as a bare surname → 张某, so
 *    it looks like every other name with that surname. Only Han characters are looked at, so
 *    spaces, stray letters or punctuation in a Han name are ignored.
 * 4. Names with a middle dot (少数民族 transliterations such as 阿依古丽·买买提, where the first
 *    part is the person's own name and there is no surname): the first character of the first
 *    part + 某 → 阿某. No compound-surname lookup there.
 * 5. Latin-script (and any other non-Han) names show exactly one family-name word and one initial,
 *    never more, so neither a given name nor its length leaks. Words are split on spaces; a
 *    hyphenated or apostrophised name (Ouyang-Smith, O'Brien) is one word.
 *    - Without a comma the FIRST word is the family name, as court exports write pinyin surname
 *      first ("Zhang San" → "Zhang S.", "Ouyang Nana" → "Ouyang N."), and the initial is that of
 *      the second word.
 *    - With a comma (the first one, ASCII or full-width) and ONE word before it, the
 *      "Family, Given Middle" convention: that word is the family name and the initial is that
 *      of the first word after the comma ("Smith, John Michael" → "Smith J.").
 *    - With a comma and SEVERAL words before it, the part before the comma is read as a name
 *      without a comma ("Smith John Michael, X" → "Smith J."): its words beyond the first are
 *      given names, and everything after the comma is dropped. A family name of several words
 *      ("van der Berg, Jan") therefore shows only its first word and the next one's initial
 *      ("van D."): less than the rule allows, never more. Particles are deliberately not
 *      recognised: Du, Di, Le and Da are family names themselves, and "le van thanh" would
 *      leak whole. Write such a name hyphenated ("van-der-Berg, Jan" → "van-der-Berg J.").
 *    - A single word keeps only its first letter ("Madonna" → "M."), since it may be a given
 *      name. Case is kept as written except the initial, which is upper-cased
 *      ("smith, john" → "smith J.").
 * 6. The output is plain text. A person's masked name keeps only letters, combining marks,
 *    digits, spaces, apostrophes, hyphens and dots, so no markup can survive masking. It is not
 *    HTML-escaped: escaping is the renderer's job (text nodes only), and doing it here would
 *    double-escape.
 * 7. An empty (or whitespace-only) name masks to "".
 */

import { SURNAMES } from "./freeTextCheck";
import { namePattern } from "./namePattern";

/** The fixed mask that replaces a Chinese given name (it never reveals the given name's length). */
export const GIVEN_NAME_MASK = "某";

/**
 * Two-character Chinese surnames that are kept whole. Only well-attested compound surnames belong
 * here: a listed pair that is really a one-character surname + given name (乐正华 = 乐 + 正华)
 * would show one given-name character, so doubtful pairs stay out and are masked as 乐某.
 */
export const COMPOUND_SURNAMES: ReadonlySet<string> = new Set(
  (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 " +
    "夏侯 轩辕 端木 独孤 南宫 西门 百里 呼延 万俟 闻人 赫连 澹台 公冶 " +
    "宗政 濮阳 太叔 申屠 钟离 拓跋 第五 司空 淳于 仲孙 东郭 公羊 漆雕 " +
    "壤驷 颛孙 巫马 谷梁 梁丘 左丘 东门 微生 羊舌 段干 闾丘 鲜于 宰父 " +
    "亓官 司寇 子车 公西 公良 贺兰 纳兰 完颜 耶律"
  ).split(" "),
);

/** Endings that mark a Chinese organisation name (company, co-operative, shop, office…). */
const CHINESE_ORGANISATION_SUFFIXES: readonly string[] = (
  "公司 集团 厂 中心 合作社 事务所 商行 商店 店 门市部 经营部 工作室 医院 诊所 学校 银行 协会 " +
  "委员会 研究所 研究院 农场 养殖场 酒店 宾馆 饭店 超市 工程队 服务社 加工部 联合社 总社 分社 馆"
).split(" ");

/** Last words that mark a Latin-script organisation name. */
const LATIN_ORGANISATION_WORDS = new Set([
  // No two-letter forms such as "SA" or "Co": "Zhang Sa" is a person (萨), not a company.
  "ltd",
  "limited",
  "inc",
  "incorporated",
  "llc",
  "llp",
  "plc",
  "company",
  "corp",
  "corporation",
  "gmbh",
  "group",
  "holdings",
]);

// Chinese person names use many dot look-alikes for the 间隔号.
const NAME_DOTS = /[·•‧∙・⋅．.]/u;
const HAN = /\p{Script=Han}/u;
// What a masked person's name may contain: nothing that could be read as markup.
const NOT_NAME_CHARACTER = /[^\p{L}\p{M}\p{N}' \-.’]/gu;

/** Options of {@link maskName}. */
export interface MaskNameOptions {
  /** Who the name belongs to; when absent, organisation names are recognised by their ending. */
  subjectType?: "person" | "organisation" | undefined;
  /**
   * People an organisation's name must not show whole (its legal representative): a shop named
   * after its owner (张三烧烤店, a sole trader's trade name) shows 张某烧烤店.
   */
  people?: readonly (string | null | undefined)[];
}

/** Turns a name into what may be shown in public: surname kept, given name masked (see rules above). */
export function maskName(name: string, opts: MaskNameOptions = {}): string {
  const clean = normaliseName(name);
  if (clean === "") return "";
  const isOrganisation =
    opts.subjectType === "organisation"
      ? !readsLikePersonName(clean)
      : opts.subjectType === undefined && isOrganisationName(clean);
  if (isOrganisation) return maskPeopleIn(clean, opts.people ?? []);
  // The first letter decides the script, so stray punctuation in front does not.
  const first = /\p{L}/u.exec(clean)?.[0] ?? "";
  return HAN.test(first) ? maskHanName(clean) : maskLatinName(clean);
}

/**
 * An organisation's name with every listed person's whole name in it masked as a person's,
 * however it is written there (width, spaces, dots, case: namePattern).
 */
function maskPeopleIn(name: string, people: readonly (string | null | undefined)[]): string {
  let out = name;
  for (const person of people) {
    const pattern = namePattern(person ?? "");
    if (!pattern) continue;
    const masked = maskName(person ?? "", { subjectType: "person" });
    out = out.replace(new RegExp(pattern.source, `${pattern.flags}g`), masked);
  }
  return out;
}

/** Whether a name reads as an organisation's (company suffix such as 有限公司, or Ltd/Inc/GmbH). */
export function isOrganisationName(name: string): boolean {
  const clean = normaliseName(name);
  const chars = Array.from(clean);
  for (const suffix of CHINESE_ORGANISATION_SUFFIXES) {
    // At least two characters before the ending: 王店 or 李厂 is more likely a person.
    if (clean.endsWith(suffix) && chars.length >= Array.from(suffix).length + 2) return true;
  }
  const words = clean.split(/[\s,]+/).filter((w) => w !== "");
  const last = words.at(-1)?.toLowerCase().replace(/\./g, "");
  return words.length >= 2 && last !== undefined && LATIN_ORGANISATION_WORDS.has(last);
}

/**
 * Whether a name reads like a person's rather than an organisation's: two or three Han characters,
 * or four starting with a common or compound surname (张三, 禤志明, 欧阳娜娜), or two or three Latin
 * words none of which marks a company (Zhang San), and no organisation ending either way. 华为
 * reads like a person; 北京大学, 中信银行 and 深圳某某投资合伙企业（有限合伙） do not.
 */
export function readsLikePersonName(name: string): boolean {
  // A trailing remark in brackets says what kind of trader, not who: 张三（个体工商户） is 张三.
  const clean = normaliseName(name).replace(/(?:\s*[（(][^（()）]*[)）])+$/u, "");
  if (isOrganisationName(clean)) return false;
  const first = /\p{L}/u.exec(clean)?.[0] ?? "";
  if (HAN.test(first)) {
    const han = Array.from(clean).filter((c) => HAN.test(c));
    // A name in parts joined by a middle dot (阿依古丽·买买提) is a person's, however long.
    if (
      NAME_DOTS.test(clean) &&
      clean.split(NAME_DOTS).every((part) => /^\p{Script=Han}+$/u.test(part.trim()))
    )
      return true;
    if (
      han.length < 2 ||
      han.length > 4 ||
      han.length !== Array.from(clean.replace(/[\s·•‧∙・⋅．.]/gu, "")).length
    )
      return false;
    // Two or three characters with no organisation ending read as a person's whatever the first
    // one is: a surname list never holds every rare surname (禤, 笪), and an organisation so short
    // and bare is rare, and masked is the safe side.
    if (han.length <= 3) return true;
    return SURNAMES.has(han[0] ?? "") || COMPOUND_SURNAMES.has(han.slice(0, 2).join(""));
  }
  const words = clean.split(/[\s,]+/).filter((w) => w !== "");
  return (
    words.length >= 2 &&
    words.length <= 3 &&
    words.every((w) => /^\p{L}[\p{L}'’-]*\.?$/u.test(w)) &&
    !words.some((w) => LATIN_ORGANISATION_WORDS.has(w.toLowerCase().replace(/\./g, "")))
  );
}

function normaliseName(name: string): string {
  return name
    .normalize("NFKC")
    .replace(/[\p{Cc}\p{Cf}]/gu, (c) => (/\s/.test(c) ? " " : ""))
    .replace(/\s+/g, " ")
    .trim();
}

function maskHanName(name: string): string {
  // Only Han characters count: a stray letter, digit or apostrophe is never taken for a surname.
  const hanOf = (s: string): string[] => Array.from(s).filter((c) => HAN.test(c));
  const dotted = name.split(NAME_DOTS);
  if (dotted.length > 1) {
    const initial = hanOf(dotted[0] ?? "")[0];
    return initial === undefined ? GIVEN_NAME_MASK : initial + GIVEN_NAME_MASK;
  }
  const chars = hanOf(name);
  const two = chars.slice(0, 2).join("");
  const surname = chars.length >= 3 && COMPOUND_SURNAMES.has(two) ? two : (chars[0] ?? "");
  return surname + GIVEN_NAME_MASK;
}

function maskLatinName(name: string): string {
  const commaAt = name.search(/[,，]/);
  const before = nameWords(commaAt >= 0 ? name.slice(0, commaAt) : name);
  // One word before a comma is a family name; the given names follow the comma (rule 5).
  const given = before.length <= 1 && commaAt >= 0 ? nameWords(name.slice(commaAt + 1)) : [];
  const family = before[0];
  const givenInitial = firstLetter(before.length >= 2 ? (before[1] ?? "") : (given[0] ?? ""));
  if (family === undefined || givenInitial === undefined) {
    // One word (or nothing usable in one half): it may be a given name, so only its initial shows.
    const initial = firstLetter(family ?? given[0] ?? "");
    return initial === undefined ? "" : `${initial}.`;
  }
  return `${family} ${givenInitial}.`;
}

/** The words of a name part that hold a letter, stripped of anything that is not a name character. */
function nameWords(part: string): string[] {
  return keepNameCharacters(part)
    .split(" ")
    .filter((w) => /\p{L}/u.test(w));
}

function keepNameCharacters(s: string): string {
  return s.replace(NOT_NAME_CHARACTER, "");
}

function firstLetter(s: string): string | undefined {
  return /\p{L}/u.exec(s)?.[0]?.toUpperCase();
}
