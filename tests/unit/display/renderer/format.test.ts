import { describe, expect, it } from "vitest";
import { formatAmount, formatCalendarDate } from "../../../../display/renderer/src/format";

describe("formatAmount", () => {
  it("shows fen as yuan, as money in the district's language", () => {
    expect(formatAmount(1_234_500, "CNY", "zh-CN")).toEqual({
      figure: "¥12,345.00",
      currencyName: "人民币",
    });
    expect(formatAmount(1_234_500, "CNY", "en")).toEqual({
      figure: "CN¥12,345.00",
      currencyName: "Chinese Yuan",
    });
  });

  it("uses the currency's own minor unit", () => {
    expect(formatAmount(1234, "JPY", "zh-CN").figure).toBe("JP¥1,234");
  });

  it("still shows the sum for a currency code Intl refuses", () => {
    expect(formatAmount(150, "RMB1", "zh-CN")).toEqual({
      figure: "1.50 RMB1",
      currencyName: "RMB1",
    });
  });
});

describe("formatCalendarDate", () => {
  it("writes a listing date in the district's language, never shifted by a zone", () => {
    expect(formatCalendarDate("2026-01-15", "zh-CN")).toBe("2026年1月15日");
    expect(formatCalendarDate("2026-01-15", "en")).toBe("January 15, 2026");
  });

  it("leaves an unreadable date as it came", () => {
    expect(formatCalendarDate("15/01/2026", "zh-CN")).toBe("15/01/2026");
  });
});
