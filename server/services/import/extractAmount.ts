/** What {@link extractAmount} found in an obligation text. */
export type AmountExtraction =
  | { ok: true; amountMinor?: number }
  | {
      ok: false;
      /** What is wrong, and the amount as written, for a reason in either language. */
      why: "negative" | "tooFine" | "tooLarge";
      value: string;
      error: string;
    };

// A number, with optional sign, thousands separators (groups of three only, so 1000,2000元 is not
// read as one number) and decimals, followed by 元, 万元 or 亿元. The sign may be ASCII, a Unicode
// minus or (after NFKC) a full-width hyphen-minus.
const AMOUNT = /([-−]\s*)?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(亿元|万元|元)/gu;
const FEN_PER_UNIT: Record<string, bigint> = {
  元: 100n,
  万元: 1_000_000n,
  亿元: 10_000_000_000n,
};

/**
 * Extracts the amount in fen from an obligation text such as 偿还借款11615元及利息 (→ 1161500) or
 * 给付3.5万元 (→ 3500000). Exact decimal arithmetic, no floating point. No amount → ok without
 * one. Several amounts (借款1000元及违约金200元) → ok without one: adding them up or picking one
 * could put a wrong figure on a street screen, and the text still shows them all. A negative
 * amount or one finer than a fen is an error.
 */
export function extractAmount(obligation: string): AmountExtraction {
  const text = obligation.normalize("NFKC");
  const matches = [...text.matchAll(AMOUNT)];
  for (const m of matches) {
    if (m[1] !== undefined) {
      const value = m[0].replace(/\s+/g, "");
      return { ok: false, why: "negative", value, error: `names a negative amount (${value}).` };
    }
  }
  if (matches.length !== 1) return { ok: true };
  const [match] = matches;
  const digits = match?.[2];
  const unit = match?.[3];
  const perUnit = unit === undefined ? undefined : FEN_PER_UNIT[unit];
  if (match === undefined || digits === undefined || perUnit === undefined) return { ok: true };

  const plain = digits.replace(/,/g, "");
  const [whole = "0", fraction = ""] = plain.split(".");
  const scale = 10n ** BigInt(fraction.length);
  const numerator = (BigInt(whole) * scale + BigInt(fraction === "" ? "0" : fraction)) * perUnit;
  if (numerator % scale !== 0n) {
    return {
      ok: false,
      why: "tooFine",
      value: match[0],
      error: `names an amount finer than one fen (${match[0]}).`,
    };
  }
  const fen = numerator / scale;
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) {
    return {
      ok: false,
      why: "tooLarge",
      value: match[0],
      error: `names an amount too large to be real (${match[0]}).`,
    };
  }
  return { ok: true, amountMinor: Number(fen) };
}
