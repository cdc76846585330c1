/**
 * What a court export row proves about who it names. A row is an organisation (its name then
 * shown in full on street screens) only on positive evidence; everything else is a person and is
 * masked (DESIGN non-negotiable 4, issue 14 item 3). Evidence, and only evidence:
 *
 * - a unified social credit code (GB 32100-2015) of any category but 92 (个体工商户, sole traders:
 *   people, often listed under their own names): 18 characters from 0-9 A-H J-N P-R T-U W-Y whose
 *   last character is the check character of the first 17. A code that has the shape of a resident
 *   ID (17 digits and a digit or X) is never taken as a credit code, even when its check character
 *   happens to match: a mistyped ID number would otherwise pass one time in 31;
 * - an organisation code (GB 11714) written in its own form `XXXXXXXX-X`, with its check character.
 *   Without the hyphen nine characters are indistinguishable from a passport number (E12345678);
 * - an explicit subject-type column (主体类型).
 *
 * Not evidence: a name ending in 店, 厂, 馆 or 公司, a legal representative cell, an empty sex
 * cell, a masked code (`9121R3PHXGYLAM****` cannot be checked), any other nine characters.
 */

/** Characters of a unified social credit code, in the order of their values 0–30. */
const CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORGANISATION_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_ID_SHAPE = /^[0-9*]{17}[0-9X*]$|^[0-9*]{15}$/;

/** Whether `code` is a unified social credit code with a correct check character. */
export function isUnifiedSocialCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NP-RTUW-Y]{18}$/.test(code)) return false;
  if (RESIDENT_ID_SHAPE.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i += 1) {
    sum += CREDIT_CODE_CHARS.indexOf(code.charAt(i)) * (CREDIT_CODE_WEIGHTS[i] ?? 0);
  }
  const check = (31 - (sum % 31)) % 31;
  return code.charAt(17) === CREDIT_CODE_CHARS.charAt(check);
}

/** Whether `code` is an organisation code written `XXXXXXXX-X` with a correct check character. */
export function isOrganisationCode(code: string): boolean {
  const m = /^([0-9A-Z]{8})-([0-9X])$/.exec(code);
  if (m === null) return false;
  const body = m[1] ?? "";
  let sum = 0;
  for (let i = 0; i < 8; i += 1) {
    // Digits are worth their value, letters A–Z 10–35.
    sum += Number.parseInt(body.charAt(i), 36) * (ORGANISATION_CODE_WEIGHTS[i] ?? 0);
  }
  const check = 11 - (sum % 11);
  const expected = check === 10 ? "X" : check === 11 ? "0" : String(check);
  return m[2] === expected;
}

/** Whether `id` has the shape of a resident ID number (18 or 15 digits, possibly masked with *). */
export function looksLikeResidentId(id: string): boolean {
  return RESIDENT_ID_SHAPE.test(id) && /\d{6}/.test(id);
}

/** Reads an ID cell as written in exports: NFKC, upper case, spaces dropped, hyphen kept. */
export function normaliseCodeCell(raw: string): string {
  return raw
    .normalize("NFKC")
    .toUpperCase()
    .replace(/\s/g, "")
    .replace(/[‐‑‒–—－]/g, "-");
}

/**
 * Whether an ID cell (already normalised) is positive evidence of an organisation. A credit code
 * whose registration category is 92 (个体工商户, a sole trader) is not: such a business is a
 * person trading, often listed under the owner's own name (张三), so its row is a person's and
 * masked, unless its subject-type column says otherwise (and even then maskName shows only a
 * name that reads as an organisation's).
 */
export function isOrganisationEvidence(code: string): boolean {
  return (isUnifiedSocialCreditCode(code) && !code.startsWith("92")) || isOrganisationCode(code);
}

/** What an explicit subject-type cell says, or `invalid` for a value it does not know. */
export function readSubjectTypeCell(raw: string): "person" | "organisation" | "none" | "invalid" {
  const v = raw.normalize("NFKC").trim().toLowerCase();
  if (v === "") return "none";
  if (PERSON_WORDS.has(v)) return "person";
  if (ORGANISATION_WORDS.has(v)) return "organisation";
  return "invalid";
}

const PERSON_WORDS = new Set(["自然人", "个人", "person", "individual"]);
const ORGANISATION_WORDS = new Set([
  "法人",
  "单位",
  "企业",
  "组织",
  "法人或其他组织",
  "法人或者其他组织",
  "其他组织",
  "organisation",
  "organization",
]);
