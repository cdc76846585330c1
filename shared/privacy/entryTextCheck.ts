/**
 * What an entry's public texts must not carry (DESIGN non-negotiables 1 and 4). A street screen
 * and the public notice page show, beside the masked name, the case number, the court, the
 * obligation, its performance, the listing ground and the legal basis as they were entered or
 * imported: a court export's obligation cell often names the parties in full
 * ("被告张三于判决生效后十日内偿还原告李四借款…"). Pure: no Node, no DOM; the server refuses with
 * it at every way in (a form, the API, an import, an edit) and the console can warn before sending.
 *
 * Found:
 * - the listed person's own full name, when their name is masked (a person, or an organisation
 *   whose name does not read as one: maskName), whatever stands between its letters (spaces,
 *   invisible characters, dots: 张 三, 张\u200b三, Zhang  San), in any width or case;
 * - the legal representative's full name (a natural person, never shown), likewise;
 * - the entry's own ID number when the name is masked, with or without spaces and hyphens;
 * - what {@link findPersonalData} finds: any resident ID, credit code, mobile or passport number,
 *   and a name next to one or after 被执行人, 当事人, 姓名….
 *
 * A name of one letter is not looked for (张 alone is everywhere in Chinese text), nor one
 * already masked (张某, 张某某, 王*), nor a legal representative cell that names no one (不详).
 * An organisation's own credit code is public with its name, and not a finding.
 */
import { findPersonalData, type PersonalDataCode } from "./freeTextCheck";
import { maskName } from "./maskName";
import { namePattern } from "./namePattern";

/** An entry's texts shown on street screens and the public page beside the masked name. */
export const ENTRY_PUBLIC_TEXTS = [
  "caseNumber",
  "court",
  "obligation",
  "performance",
  "listingGround",
  "legalBasisNumber",
  "legalBasisIssuer",
] as const;
/** One of those texts. */
export type EntryPublicText = (typeof ENTRY_PUBLIC_TEXTS)[number];

/** What an entry's public text was found to carry. */
export type EntryTextCode = "full_name" | "legal_representative" | "id_number" | PersonalDataCode;

/** One finding: the field, what, and an English phrase that never repeats it in full. */
export interface EntryTextFinding {
  field: EntryPublicText;
  code: EntryTextCode;
  message: string;
}

/** What the check reads of an entry (its input, or its row after an edit). */
export type EntryTextSubject = {
  subjectType: "person" | "organisation";
  fullName: string;
  legalRepresentative?: string | null | undefined;
  idNumber?: string | null | undefined;
} & Record<EntryPublicText, string>;

/** The findings in an entry's public texts, field by field in the order of ENTRY_PUBLIC_TEXTS. */
export function findPersonalDataInEntry(e: EntryTextSubject): EntryTextFinding[] {
  const shown = maskName(e.fullName, { subjectType: e.subjectType });
  const nameIsPrivate = shown !== e.fullName.normalize("NFKC").trim();
  const names: { code: EntryTextCode; re: RegExp | undefined; what: string }[] = [
    {
      code: "full_name",
      re: nameIsPrivate ? namePattern(e.fullName) : undefined,
      what: "the listed person's full name",
    },
    {
      code: "legal_representative",
      re: namePattern(e.legalRepresentative ?? ""),
      what: "the legal representative's full name",
    },
  ];
  const own = compactCode(e.idNumber ?? "");
  const id = nameIsPrivate ? own : "";
  const out: EntryTextFinding[] = [];
  for (const field of ENTRY_PUBLIC_TEXTS) {
    const text = e[field].normalize("NFKC");
    for (const n of names) {
      const m = n.re?.exec(text);
      if (m) out.push({ field, code: n.code, message: `${n.what} at characters ${span(m)}` });
    }
    if (id.length >= 6 && !id.includes("*") && compactCode(text).includes(id))
      out.push({ field, code: "id_number", message: "the entry's own ID number" });
    for (const f of findPersonalData(text)) {
      const publicCode =
        !nameIsPrivate &&
        f.code === "credit_code" &&
        compactCode(text.slice(f.start, f.end)) === own;
      if (!publicCode) out.push({ field, code: f.code, message: f.message });
    }
  }
  return out;
}

/** A code as compared: width folded, upper case, no spaces, hyphens or invisible characters. */
function compactCode(s: string): string {
  return s
    .normalize("NFKC")
    .toUpperCase()
    .replace(/[\s\p{Cc}\p{Cf}\-‐‑‒–—－]/gu, "");
}

function span(m: RegExpExecArray): string {
  return `${m.index + 1}–${m.index + m[0].length}`;
}
