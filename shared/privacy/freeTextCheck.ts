/**
 * Free-text check for personal data (issue 16, item 4): what an operator types into text that
 * goes to street screens unreviewed (an emergency notice, an announcement) must not carry a
 * person's ID number, phone number or name next to one. Pure: no Node, no DOM; the server refuses
 * with it and the console can warn before sending.
 *
 * Found, by rule:
 * - resident ID numbers: 18 digits (the last may be X) with a valid GB 11643 check digit, and the
 *   15-digit numbers of the first generation (area code and a valid yymmdd birth date);
 * - unified social credit codes: 18 characters with a valid GB 32100 check character;
 * - mainland mobile numbers 1[3-9]xxxxxxxxx, also written 3-4-4 with spaces or hyphens, with or
 *   without +86;
 * - passport-like numbers (one or two letters and 7–8 digits) next to a name or to 护照/passport;
 * - an unmasked Chinese name (2–4 Han characters starting with a common surname) directly next to
 *   an ID, phone or passport number (masked ones too, as 138****8000), or after 姓名, 被执行人,
 *   当事人, 联系人 or "name:"; a Latin "Given Family" name after "name:".
 *
 * Not found: masked names (张某, 张*三, 张**), case numbers such as (2024)京0105执1234号, dates,
 * amounts (¥13800138000, 13800138000元, 1,380,013.80), and digit runs that are part of a longer
 * number. An exemption never hides a resident ID with a valid check digit, a credit code or a
 * mobile number: "(2024)张三11010519491231002X号" is no case number, and a phone number followed
 * by 号 is still a phone number. Only a resident ID wins over an amount.
 */

/** What kind of personal data a finding is. */
export type PersonalDataCode = "resident_id" | "credit_code" | "passport" | "mobile_phone" | "name";

/** One piece of personal data found in a text, with a sentence that never repeats it in full. */
export interface PersonalDataFinding {
  code: PersonalDataCode;
  /** An English phrase naming what was found and where ("a mobile phone number (138…) at characters 5–15"). */
  message: string;
  /** UTF-16 offsets into the text as given: [start, end). */
  start: number;
  end: number;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";
const CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Common Chinese one-character surnames (maskName reads an "organisation" named like a person by them). */
export const SURNAMES: ReadonlySet<string> = new Set(
  (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程" +
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚" +
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳" +
    "甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解" +
    "牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟臧闵苟邬边" +
    "卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
  ).split(""),
);
const COMPOUND = new Set(
  "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 南宫 西门 呼延 钟离 拓跋 完颜".split(
    " ",
  ),
);
/** Words that start with a surname but are not names. */
const NOT_NAMES = new Set(
  (
    "名单 信息 情况 须知 义务 财产 履行 应当 电话 手机 号码 联系 热线 咨询 举报 报警 值班 高温 " +
    "高速 高峰 黄色 蓝色 红色 橙色 江边 江面 河道 金额 金融 万元 石油 陆地 安全 安置 安排 明天 " +
    "明日 时间 时段 方向 方式 车辆 车站 路段 路口 路面 海上 沙尘 雷电 雷雨 龙卷 关闭 关注 严禁 " +
    "严重 常住 温度 文明 成员 全市 全区 全体 宁静 管理 管道 连续 车道 单位 单号 华北 华东 华南 东方"
  ).split(" "),
);
/** Labels that may stand between a name and its number ("张三 电话：138…"). */
const LABELS = [
  "身份证号码",
  "身份证号",
  "身份证",
  "证件号码",
  "证件号",
  "护照号码",
  "护照号",
  "护照",
  "手机号码",
  "手机号",
  "手机",
  "联系电话",
  "电话号码",
  "电话",
  "联系方式",
  "号码",
  "联系人",
  "被执行人",
  "当事人",
  "姓名",
  "失信人",
  "passport no.",
  "passport",
  "phone",
  "tel.",
  "tel",
  "id no.",
  "id",
  "no.",
];
const SEPARATORS = /[\s:：,，、;；()（）[\]【】\-—/]/u;
const HAN = /\p{Script=Han}/u;
const MASK = /[*＊×某]/u;
const NAME_CHAR = /[\p{Script=Han}*＊×]/u;
/** A character after which a name written without a delimiter ends ("被执行人张三因…"). */
const NAME_BREAK = new Set("因于未已在的等拒应系为是现及与和将被至".split(""));

/** Finds ID numbers, credit codes, phone numbers, passport numbers and names next to them. */
export function findPersonalData(text: string): PersonalDataFinding[] {
  const s = foldWidth(text);
  const caseRanges = [...s.matchAll(CASE_NUMBER)].map((m) => [m.index, m.index + m[0].length]);
  const inCaseNumber = (a: number, b: number) =>
    caseRanges.some(([x = 0, y = 0]) => a < y && b > x);
  const found: PersonalDataFinding[] = [];
  const taken = (a: number, b: number) => found.some((f) => a < f.end && b > f.start);
  const add = (code: PersonalDataCode, start: number, end: number, shown: string) => {
    if (taken(start, end)) return;
    found.push({ code, start, end, message: describe(code, shown, start, end) });
  };
  // Places a name next to which is personal data: numbers found, and masked or passport ones.
  const anchors: { start: number; end: number }[] = [];

  // Unified social credit codes: 18 characters of the code's alphabet, with letters. No exemption
  // applies: the check character makes one unmistakable.
  for (const m of s.matchAll(/(?<![0-9A-Za-z])[0-9A-Z]{18}(?![0-9A-Za-z])/g)) {
    if (!/[A-Z]/.test(m[0].slice(0, 17))) continue;
    if (isCreditCode(m[0])) {
      add("credit_code", m.index, m.index + 18, m[0]);
      anchors.push({ start: m.index, end: m.index + 18 });
    }
  }
  // Digit runs, possibly grouped with single spaces or hyphens (138 0013 8000, +86-138-…).
  for (const m of s.matchAll(/\d+(?:[ -]\d+)*[Xx]?(?!\d)/g)) {
    const start = m.index;
    const end = start + m[0].length;
    // Case numbers need no exemption here: a real one's digit runs (year, court code, a serial
    // of at most 6 digits) are never an ID or a phone, and a run that is one is not a serial.
    // Money is no phone, but a resident ID with a valid check digit counts even as an "amount".
    const idOnly = isAmount(s, start, end);
    const compact = m[0].replace(/[ -]/g, "").toUpperCase();
    const groups = m[0].split(/[ -]/);
    const kind = numberKind(compact, s[start - 1] === "+", idOnly);
    if (kind) {
      add(kind, start, end, compact.replace(/^(?:00)?86(?=1[3-9]\d{9}$)/, ""));
      anchors.push({ start, end });
      continue;
    }
    // Grouped digits that are not one number may still hold one (a date, then a phone).
    let at = start;
    for (const g of groups) {
      const k = numberKind(g.toUpperCase(), false, idOnly);
      if (k) {
        add(k, at, at + g.length, g);
        anchors.push({ start: at, end: at + g.length });
      }
      at += g.length + 1;
    }
  }
  // Masked numbers are no finding by themselves, but a name next to one is.
  for (const m of s.matchAll(/\d{1,6}[*＊×]{4,12}\d{2,4}[\dXx]?/g))
    anchors.push({ start: m.index, end: m.index + m[0].length });
  // Passport-like numbers count next to a name or to the word passport.
  const passports: { start: number; end: number; text: string }[] = [];
  for (const m of s.matchAll(/(?<![0-9A-Za-z])[A-Z]{1,2}\d{7,8}(?![0-9A-Za-z])/g)) {
    if (inCaseNumber(m.index, m.index + m[0].length)) continue;
    passports.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
  }
  for (const p of passports) {
    const before = s.slice(Math.max(0, p.start - 12), p.start).toLowerCase();
    const named = nameBefore(s, p.start) ?? nameAfter(s, p.end);
    if (named || /护照|passport/.test(before)) {
      add("passport", p.start, p.end, p.text);
      anchors.push(p);
    }
  }
  for (const a of anchors) {
    for (const n of [nameBefore(s, a.start), nameAfter(s, a.end)])
      if (n) add("name", n.start, n.end, n.text);
  }
  // A name after a label that introduces one.
  for (const m of s.matchAll(
    /(?:姓名|被执行人|当事人|联系人|失信人|(?<![A-Za-z])[Nn]ame)[\s:：]*/g,
  )) {
    const n = nameAt(s, m.index + m[0].length);
    if (n) add("name", n.start, n.end, n.text);
  }
  for (const m of s.matchAll(/\b[Nn]ame\s*[:：]\s*([A-Z][a-z]+[ -][A-Z][a-z]+)(?![.\w])/g)) {
    const start = m.index + m[0].length - (m[1]?.length ?? 0);
    add("name", start, m.index + m[0].length, m[1] ?? "");
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * A case number, only in its real shape: the year in brackets, the court's abbreviation and
 * code (京0105, 粤03, 最高法), a type word (执, 民初, 刑终, 行, 破申, 执恢…), a serial of at most
 * 6 digits, 号: (2024)京0105执1234号, （2023）粤03民终567号. It exempts only passport-like codes;
 * an ID or phone number cannot fit in it.
 */
const CASE_NUMBER =
  /[（(〔[［]\s*(?:19|20)\d{2}\s*[)）〕\]］]\p{Script=Han}{1,3}\d{0,4}[执民刑行破恢初终再申特辖保异复监督财赔司惩清算强]{1,3}\d{1,6}号/gu;

/** Full-width digits and Latin letters as ASCII, one UTF-16 unit each (offsets stay valid). */
function foldWidth(text: string): string {
  return text.replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF0B]/g, (c) =>
    String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
}

/** Whether a digit run is money: ¥ or 人民币 before, 元/万/亿 after, or decimals and thousands. */
function isAmount(s: string, start: number, end: number): boolean {
  const before = s.slice(Math.max(0, start - 4), start).replace(/\s+$/, "");
  const after = s.slice(end, end + 4).replace(/^\s+/, "");
  return (
    /[¥￥$]$|人民币$|RMB$/i.test(before) ||
    /^(?:元|万|亿|块|yuan|RMB|CNY)/i.test(after) ||
    /^[.,]\d/.test(s.slice(end, end + 2)) ||
    /\d[.,]$/.test(s.slice(Math.max(0, start - 2), start))
  );
}

/** What a compact number (digits, maybe a final X) is, if personal data; only an ID with `idOnly`. */
function numberKind(n: string, plus: boolean, idOnly: boolean): PersonalDataCode | undefined {
  if (/^\d{17}[\dX]$/.test(n) && isResidentId(n)) return "resident_id";
  if (/^\d{15}$/.test(n) && isOldResidentId(n)) return "resident_id";
  if (idOnly) return undefined;
  const mobile = /^(?:0{0,2}86)?(1[3-9]\d{9})$/.exec(n);
  if (mobile && (n.length === 11 || plus || n.startsWith("0086") || n.length === 13))
    return "mobile_phone";
  return undefined;
}

/** An 18-character resident ID number with a valid GB 11643 check digit and birth date. */
export function isResidentId(n: string): boolean {
  if (!/^[1-9]\d{16}[\dX]$/.test(n)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(n[i]) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK[sum % 11] === n[17] && validDate(n.slice(6, 14));
}

/** A first-generation 15-digit ID number: an area code, then a valid yymmdd birth date. */
function isOldResidentId(n: string): boolean {
  return /^[1-8]\d{5}/.test(n) && validDate(`19${n.slice(6, 12)}`);
}

/** A unified social credit code with a valid GB 32100 check character. */
export function isCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++)
    sum += CREDIT_CHARS.indexOf(code[i] ?? "") * (CREDIT_WEIGHTS[i] ?? 0);
  const check = (31 - (sum % 31)) % 31;
  return CREDIT_CHARS[check] === code[17];
}

function validDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

interface NameHit {
  start: number;
  end: number;
  text: string;
}

/** The name directly before `at`, past separators and labels ("王小明，电话："). */
function nameBefore(s: string, at: number): NameHit | undefined {
  let q = at;
  for (let guard = 0; guard < 8; guard++) {
    while (q > 0 && SEPARATORS.test(s[q - 1] ?? "")) q -= 1;
    const label = LABELS.find((l) => s.slice(Math.max(0, q - l.length), q).toLowerCase() === l);
    if (!label) break;
    q -= label.length;
  }
  let p = q;
  while (p > 0 && q - p < 12 && NAME_CHAR.test(s[p - 1] ?? "")) p -= 1;
  let run = s.slice(p, q);
  // Labels before the name ("联系人王小明").
  for (let again = true; again;) {
    again = false;
    for (const l of LABELS)
      if (run.startsWith(l) && run.length > l.length) {
        run = run.slice(l.length);
        p += l.length;
        again = true;
      }
  }
  return asName(run, p);
}

/** The name directly after `at`, past separators and labels ("13800138000（张三）"). */
function nameAfter(s: string, at: number): NameHit | undefined {
  let p = at;
  for (let guard = 0; guard < 8; guard++) {
    while (p < s.length && SEPARATORS.test(s[p] ?? "")) p += 1;
    const label = LABELS.find((l) => s.slice(p, p + l.length).toLowerCase() === l);
    if (!label) break;
    p += label.length;
  }
  return nameAt(s, p);
}

/** A name starting at `p`: a short run of Han characters, or one cut where a sentence goes on. */
function nameAt(s: string, p: number): NameHit | undefined {
  let q = p;
  while (q < s.length && q - p < 12 && NAME_CHAR.test(s[q] ?? "")) q += 1;
  const run = s.slice(p, q);
  if (run.length <= 4) return asName(run, p);
  // Written on without a delimiter: the name ends where a particle or verb begins.
  for (let i = 2; i <= 4; i++) if (NAME_BREAK.has(run[i] ?? "")) return asName(run.slice(0, i), p);
  return undefined;
}

/** `run` as an unmasked Chinese name at `p`, or undefined (masked, not a name, too long). */
function asName(run: string, p: number): NameHit | undefined {
  const chars = [...run];
  if (chars.length < 2 || chars.length > 4) return undefined;
  if (chars.some((c) => MASK.test(c)) || !chars.every((c) => HAN.test(c))) return undefined;
  const surname = COMPOUND.has(run.slice(0, 2)) && chars.length >= 3 ? run.slice(0, 2) : chars[0];
  if (surname === undefined || !(SURNAMES.has(surname) || COMPOUND.has(surname))) return undefined;
  if (NOT_NAMES.has(run.slice(0, 2)) || NOT_NAMES.has(run)) return undefined;
  return { start: p, end: p + run.length, text: run };
}

const WHAT: Record<PersonalDataCode, string> = {
  resident_id: "a resident ID number",
  credit_code: "a unified social credit code",
  passport: "a passport number",
  mobile_phone: "a mobile phone number",
  name: "an unmasked name",
};

/** A phrase naming the finding by its first characters only, and where it is (1-based). */
function describe(code: PersonalDataCode, shown: string, start: number, end: number): string {
  const hint =
    code === "name"
      ? `${COMPOUND.has(shown.slice(0, 2)) && shown.length >= 3 ? shown.slice(0, 2) : shown.slice(0, 1)}…`
      : `${shown.slice(0, 3)}…`;
  return `${WHAT[code]} (${hint}) at characters ${start + 1}–${end}`;
}
