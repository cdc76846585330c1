// Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP "CSV
// injection"): = + - @, and tab or carriage return, which some of them skip before looking.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Whether a cell would be run as a spreadsheet formula (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`).
 * Leading whitespace is looked through too: some spreadsheets trim it before deciding, and the
 * importer trims cells anyway.
 */
export function looksLikeSpreadsheetFormula(cell: string): boolean {
  return FORMULA_START.test(cell) || FORMULA_START.test(cell.trimStart());
}

/**
 * Makes a cell safe to write into a CSV that people will open in a spreadsheet: a cell that
 * would start a formula gets a leading apostrophe, which spreadsheets show as text and hide.
 * Quoting for the CSV format itself is the writer's job.
 */
export function neutraliseForSpreadsheet(cell: string): string {
  return looksLikeSpreadsheetFormula(cell) ? `'${cell}` : cell;
}
