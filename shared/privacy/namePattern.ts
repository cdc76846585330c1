/**
 * Finding a person's name inside a text however it is written there: full or half width, with
 * spaces, dots or invisible characters between its letters, in any case.
 */

/** Characters that may stand between a name's letters without changing what it says. */
const GAP = "[\\s\\p{Cc}\\p{Cf}·•‧∙・⋅.．'’_\\-]*";
const LATIN = /\p{Script=Latin}/u;
/** A mask character: a name holding one was masked already (张某, 张某某, 王*, 李××). */
const MASKED = /[某*＊×]/u;
/** What a cell says when it names no one. */
const NO_ONE = new Set(["不详", "无", "未知", "暂无", "不明", "空", "none", "unknown", "na"]);
/** Invisible and control characters, dropped before a text is read. */
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

/** A pattern matching `name` with anything invisible between its letters; none under two. */
export function namePattern(name: string): RegExp | undefined {
  const clean = name.normalize("NFKC").replace(INVISIBLE, "");
  const letters = Array.from(clean).filter((c) => /[\p{L}\p{N}]/u.test(c));
  if (letters.length < 2 || MASKED.test(clean) || NO_ONE.has(letters.join("").toLowerCase()))
    return undefined;
  const body = letters.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(GAP);
  // A Latin name is a whole word: Li Na is not in Carolina.
  const before = LATIN.test(letters[0] ?? "") ? "(?<!\\p{L})" : "";
  const after = LATIN.test(letters.at(-1) ?? "") ? "(?!\\p{L})" : "";
  return new RegExp(`${before}${body}${after}`, "iu");
}
