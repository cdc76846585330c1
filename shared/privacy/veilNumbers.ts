import { SURNAMES } from "./freeTextCheck";
import { COMPOUND_SURNAMES, maskName, readsLikePersonName } from "./maskName";

/**
 * Long numbers veiled for a record that outlives the data it describes (an import's report,
 * kept with the batch): a resident ID number, a credit code or a phone number echoed from a bad
 * cell, or an ID number used as a file's name, is shown with only its first four and last two
 * characters (110105199001011234.jpg → 1101************34.jpg), enough to find the row, not
 * enough to give the number back after its entry is erased. Digits grouped by single spaces or
 * hyphens count as one number (138 0013 8000, 110105-19900101-1234); runs of fewer than eight
 * digits (case serials, amounts) and dates (2024-01-15, 2019/02/30) stay as they are. Pure: no
 * Node, no DOM.
 */
export function veilNumbers(text: string): string {
  return text.replace(
    /(?<![0-9A-Za-z])[0-9A-Z]{17}[0-9A-Z](?![0-9A-Za-z])|[0-9０-９](?:[ -]?[0-9０-９]){7,}(?:[ -]?[XxＸｘ])?/g,
    (m) => {
      const digits = m.replace(/[^0-9０-９]/g, "");
      if (digits.length < 8 || !/[0-9０-９]{4}/.test(m) || DATE.test(m)) return m;
      return `${m.slice(0, 4)}${m.slice(4, -2).replace(/[0-9０-９A-Za-zＸｘ]/g, "*")}${m.slice(-2)}`;
    },
  );
}

/** A date as spreadsheets write it: 2024-01-15, 2024-1-5, and the hour of a time after it. */
const DATE = /^\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2})?$/;

/**
 * A file's name as a record that outlives the data keeps it (an import's report, its batch, the
 * audit log): long numbers veiled ({@link veilNumbers}), every occurrence of `knownNames` (the
 * row's own person's name, its legal representative) masked as a name is, and a name that is
 * the whole name of the file (张三.jpg, Zhang San.png) masked too — a Chinese one only from a
 * known surname, since file names are full of short words (导出, 照片). Enough to find the file,
 * not to name the person.
 */
export function veilFileName(
  name: string,
  knownNames: readonly (string | null | undefined)[] = [],
): string {
  let veiled = veilNumbers(name);
  for (const known of knownNames) {
    const k = known?.trim() ?? "";
    if (Array.from(k).length >= 2) veiled = veiled.split(k).join(maskName(k));
  }
  const dot = veiled.lastIndexOf(".");
  const stem = dot > 0 ? veiled.slice(0, dot) : veiled;
  const han = /^\p{Script=Han}/u.test(stem);
  const fromSurname =
    SURNAMES.has(stem.charAt(0)) || COMPOUND_SURNAMES.has(Array.from(stem).slice(0, 2).join(""));
  if (readsLikePersonName(stem) && (!han || fromSurname))
    return maskName(stem) + veiled.slice(stem.length);
  return veiled;
}
