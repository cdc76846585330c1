import { describe, expect, it } from "vitest";
import { extractAmount } from "../../../../server/services/import/extractAmount";

describe("extractAmount", () => {
  it.each([
    ["偿还借款11615元及利息", 1161500],
    ["支付工程款1200000元", 120000000],
    ["给付2750元", 275000],
    ["返还欠款0元", 0],
    ["给付11615.5元", 1161550],
    ["给付11615.05元", 1161505],
    ["给付1,200,000元", 120000000],
    ["给付3万元", 3000000],
    ["给付3.5万元", 3500000],
    ["给付1.234567万元", 1234567],
    ["赔偿2亿元", 20000000000],
    ["给付 500 元", 50000],
    ["给付５００元", 50000],
  ])("reads %s as %d fen", (text, fen) => {
    expect(extractAmount(text)).toEqual({ ok: true, amountMinor: fen });
  });

  it.each([
    ["赔礼道歉"],
    ["支付100美元"],
    ["给付伍佰元"],
    // Several amounts: which one a screen should show is not ours to guess; the text shows all.
    ["偿还借款1000元及违约金200元"],
    [""],
  ])("finds no single amount in %s", (text) => {
    expect(extractAmount(text)).toEqual({ ok: true });
  });

  it.each([
    ["给付-500元", /negative amount \(-500元\)/],
    ["给付−500元", /negative amount/],
    ["给付－500元", /negative amount/],
    ["偿还1000元及-20元", /negative amount/],
    ["给付10.123元", /finer than one fen/],
    ["给付99999999999999999999元", /too large/],
  ])("refuses %s", (text, message) => {
    const r = extractAmount(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});
