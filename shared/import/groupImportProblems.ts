import { isErrorReason, wordError } from "../messages/errorMessages";
import type { Language } from "../schemas/announcement";
import type { ImportProblem, ImportRow } from "../schemas/importReport";

/** A row's problem in a language; a reason this build does not know is shown by its key. */
export function wordProblem(problem: ImportProblem, language: Language): string {
  return isErrorReason(problem.reason)
    ? wordError(problem.reason, problem.params, language)
    : problem.reason;
}

/** Rows of an import that share one reason: how many, which lines, and the first as an example. */
export interface ImportProblemGroup {
  /** The reason and the columns it names: rows with the same key have "the same" problem. */
  key: string;
  /** The first row's problem, worded as the example of the group. */
  example: ImportProblem;
  /** The line of that first row. */
  exampleLine: number;
  /** Every line in the group, in file order. */
  lines: number[];
  /** Whether the rows were refused (a problem) or accepted with a note (a photo to add). */
  refused: boolean;
}

/**
 * Groups an import report's rows by reason, largest group first: 164 rows refused because their
 * photo was not supplied read as one line, not 164. Two problems are the same when their reason
 * and the columns they name are; the values in them (a photo's name, a cell) may differ.
 * A row refused for several reasons counts in each group.
 */
export function groupImportProblems(rows: readonly ImportRow[]): ImportProblemGroup[] {
  const groups = new Map<string, ImportProblemGroup>();
  const add = (line: number, problem: ImportProblem, refused: boolean): void => {
    const key = [
      refused ? "refused" : "note",
      problem.reason,
      problem.params["column"] ?? "",
      problem.params["column2"] ?? "",
    ].join("\u0000");
    const group = groups.get(key);
    if (group) {
      if (group.lines[group.lines.length - 1] !== line) group.lines.push(line);
    } else groups.set(key, { key, example: problem, exampleLine: line, lines: [line], refused });
  };
  for (const row of rows) {
    if (row.status === "refused") {
      for (const problem of row.problems ?? []) add(row.line, problem, true);
    } else if (row.status === "accepted") {
      for (const note of row.notes ?? []) add(row.line, note, false);
    }
  }
  return [...groups.values()].sort(
    (a, b) => Number(b.refused) - Number(a.refused) || b.lines.length - a.lines.length,
  );
}

/**
 * Lines as people read them: runs joined ("2–165, 170"), at most `max` pieces, then "…".
 */
export function describeLines(lines: readonly number[], max = 8): string {
  const runs: string[] = [];
  let start = lines[0];
  let prev = start;
  for (const line of [...lines.slice(1), undefined]) {
    if (line !== undefined && prev !== undefined && line === prev + 1) {
      prev = line;
      continue;
    }
    if (start !== undefined && prev !== undefined)
      runs.push(start === prev ? String(start) : `${start}–${prev}`);
    start = line;
    prev = line;
  }
  return runs.length > max ? `${runs.slice(0, max).join(", ")}, …` : runs.join(", ");
}
