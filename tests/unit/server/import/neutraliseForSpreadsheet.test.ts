import { describe, expect, it } from "vitest";
import {
  looksLikeSpreadsheetFormula,
  neutraliseForSpreadsheet,
} from "../../../../server/services/import/neutraliseForSpreadsheet";

describe("neutraliseForSpreadsheet", () => {
  it.each([
    ['=HYPERLINK("http://x","张三")', `'=HYPERLINK("http://x","张三")`],
    ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
    ["\t=1+1", "'\t=1+1"],
    ["\r=1+1", "'\r=1+1"],
    ["  =1+1", "'  =1+1"],
    ["\n=1+1", "'\n=1+1"],
    ["\u3000@x", "'\u3000@x"],
  ])("prefixes the formula %j with an apostrophe", (cell, safe) => {
    expect(looksLikeSpreadsheetFormula(cell)).toBe(true);
    expect(neutraliseForSpreadsheet(cell)).toBe(safe);
  });

  it.each(["张三", "偿还借款11615元及利息", "（2015）辽0211执7196号", "a=b", "", "1+1"])(
    "leaves the plain cell %j alone",
    (cell) => {
      expect(looksLikeSpreadsheetFormula(cell)).toBe(false);
      expect(neutraliseForSpreadsheet(cell)).toBe(cell);
    },
  );
});
