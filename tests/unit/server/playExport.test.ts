import { describe, expect, it } from "vitest";
import { csvCell } from "../../../server/services/playExport";

describe("csvCell", () => {
  it("writes plain text and numbers as they are, and an absent value as an empty cell", () => {
    expect(csvCell("东门 stop 3")).toBe("东门 stop 3");
    expect(csvCell(10_000)).toBe("10000");
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(null)).toBe("");
  });

  it("quotes a cell holding a comma, a quote or a line break, doubling its quotes", () => {
    expect(csvCell("Stop 1, north")).toBe('"Stop 1, north"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
  });

  it("defuses text a spreadsheet would run as a formula with a leading apostrophe", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"])
      expect(
        csvCell(`${start}SUM(A1:A9)`).startsWith(`'${start}`) ||
          csvCell(`${start}SUM(A1:A9)`).startsWith(`"'${start}`),
      ).toBe(true);
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell("a=b")).toBe("a=b");
    // Some spreadsheets trim before deciding: a formula behind spaces is defused too.
    expect(csvCell("  =cmd|' /C calc'!A0")).toBe("'  =cmd|' /C calc'!A0");
  });
});
