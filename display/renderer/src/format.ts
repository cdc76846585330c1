import type { Language } from "../../../shared/schemas/announcement";

/** An amount as a street screen shows it: the figure, and the currency's name in words. */
export interface FormattedAmount {
  /** "¥12,345.00" in Chinese, "CN¥12,345.00" in English. */
  figure: string;
  /** "人民币" / "Chinese Yuan"; the code itself when the language has no name for it. */
  currencyName: string;
}

/**
 * Formats an amount held in minor units (fen for CNY) as money in the district's language.
 * An unknown currency code still shows the amount, with the code, and never throws.
 */
export function formatAmount(
  amountMinor: number,
  currency: string,
  language: Language,
): FormattedAmount {
  try {
    const money = new Intl.NumberFormat(language, { style: "currency", currency });
    const digits = money.resolvedOptions().maximumFractionDigits ?? 2;
    return {
      figure: money.format(amountMinor / 10 ** digits),
      currencyName:
        new Intl.DisplayNames([language], { type: "currency" }).of(currency) ?? currency,
    };
  } catch {
    // Not a well-formed ISO 4217 code: Intl refuses it, the screen still shows the sum.
    const plain = new Intl.NumberFormat(language, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    return { figure: `${plain.format(amountMinor / 100)} ${currency}`, currencyName: currency };
  }
}

/** Formats a calendar date "YYYY-MM-DD" in the district's language ("2026年1月15日"). */
export function formatCalendarDate(date: string, language: Language): string {
  const instant = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(instant)) return date;
  // UTC on both sides: a calendar date has no zone, and must not shift by one day.
  return new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone: "UTC" }).format(instant);
}
