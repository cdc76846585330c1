import { describe, expect, it } from "vitest";
import {
  describeLines,
  groupImportProblems,
  wordProblem,
} from "../../../shared/import/groupImportProblems";
import type { ImportRow } from "../../../shared/schemas/importReport";

const missing = (line: number): ImportRow => ({
  line,
  status: "refused",
  reasons: [`Photo p${line}.jpg: The photo p${line}.jpg was not supplied.`],
  problems: [{ reason: "import.photoNotSuppliedTryWithout", params: { photo: `p${line}.jpg` } }],
});
const empty = (line: number, column: string): ImportRow => ({
  line,
  status: "refused",
  reasons: [`${column}: required`],
  problems: [{ reason: "import.fieldEmpty", params: { column, gloss: "x", detail: "required" } }],
});

describe("grouping an import report's reasons", () => {
  it("counts rows with the same reason once, whatever their values, largest group first", () => {
    const rows: ImportRow[] = [
      ...[2, 3, 4, 5, 9].map(missing),
      empty(6, "案号"),
      empty(7, "执行法院"),
      empty(8, "案号"),
      { line: 10, status: "accepted", entryId: "e", caseNumber: "c" },
      {
        line: 11,
        status: "accepted",
        entryId: "f",
        caseNumber: "d",
        notes: [{ reason: "import.waitsForPhoto", params: { photo: "q.jpg" } }],
      },
    ];
    const groups = groupImportProblems(rows);
    expect(groups.map((g) => [g.example.reason, g.lines, g.refused])).toEqual([
      ["import.photoNotSuppliedTryWithout", [2, 3, 4, 5, 9], true],
      ["import.fieldEmpty", [6, 8], true],
      ["import.fieldEmpty", [7], true],
      ["import.waitsForPhoto", [11], false],
    ]);
    expect(groups[0]?.exampleLine).toBe(2);
  });

  it("reads runs of lines as ranges and stops after a few", () => {
    expect(describeLines([2, 3, 4, 5, 9])).toBe("2–5, 9");
    expect(describeLines([7])).toBe("7");
    expect(describeLines([1, 3, 5, 7, 9, 11], 3)).toBe("1, 3, 5, …");
  });

  it("words a problem in either language, and shows an unknown reason by its key", () => {
    const problem = { reason: "import.sameCase", params: { line: 4 } };
    expect(wordProblem(problem, "en")).toBe("Same case as line 4.");
    expect(wordProblem(problem, "zh-CN")).toBe("与第 4 行是同一案件。");
    expect(wordProblem({ reason: "import.fromTheFuture", params: {} }, "en")).toBe(
      "import.fromTheFuture",
    );
  });
});
