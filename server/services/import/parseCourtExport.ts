import { CsvError, parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import {
  CalendarDateSchema,
  EntryInputSchema,
  EntryKindSchema,
  type EntryInput,
  type EntryKind,
  type Sex,
} from "../../../shared/schemas/entry";
import {
  said,
  wordError,
  type ErrorParams,
  type Worded,
} from "../../../shared/messages/errorMessages";
import {
  findPersonalDataInEntry,
  type EntryPublicText,
} from "../../../shared/privacy/entryTextCheck";
import { veilNumbers } from "../../../shared/privacy/veilNumbers";
import { AppError } from "../../errors";
import {
  ALWAYS_REQUIRED,
  COURT_COLUMNS,
  COURT_COLUMN_GLOSS,
  DISCREDITED_REQUIRED,
  columnOfHeader,
  type CourtColumn,
} from "./courtColumns";
import { decodeExport, fileParam, type DecodedExport } from "./decodeExport";
import { extractAmount } from "./extractAmount";
import { looksLikeSpreadsheetFormula } from "./neutraliseForSpreadsheet";
import {
  isOrganisationEvidence,
  looksLikeResidentId,
  normaliseCodeCell,
  readSubjectTypeCell,
} from "./subjectEvidence";

/** Most data rows one export may hold. */
export const MAX_EXPORT_ROWS = 100_000;

/** How an import is to be read: which list, which districts, how long entries stay listed. */
export interface ParseCourtExportOptions {
  kind: EntryKind;
  districtIds: string[];
  /** Years from 发布时间 to expiry when no override is given (default 2, the usual listing term). */
  defaultListingYears?: number | undefined;
  /** One expiry date (YYYY-MM-DD) for every row, e.g. "until performance" listings set by hand. */
  expiryOverride?: string | undefined;
  /** Only used to name the file in error sentences. */
  fileName?: string | undefined;
}

/**
 * One data row of an export: an entry ready to store, or why it was refused — `errors` in
 * English sentences (the API's and the CLI's), `problems` as reasons the console words in its
 * language and groups by kind.
 */
export type ParsedExportRow =
  | { line: number; ok: true; entry: EntryInput; photoName?: string }
  | { line: number; ok: false; errors: string[]; problems: Worded[] };

/** The outcome of reading a whole export. */
export interface ParsedExport {
  /** Every non-blank data row in file order; `line` is the row's first line in the file. */
  rows: ParsedExportRow[];
  /** Required columns (their Chinese headers) the file lacks; when any is, every row is refused. */
  columnsMissing: string[];
  format: DecodedExport["format"];
  encoding: DecodedExport["encoding"];
}

const OptionsSchema = z.object({
  kind: EntryKindSchema,
  districtIds: z
    .array(z.string().trim().min(1).max(64))
    .min(1, "Pick at least one district.")
    .max(50, "At most 50 districts."),
  defaultListingYears: z
    .number()
    .int("The listing period is a whole number of years.")
    .min(1, "The listing period is at least one year.")
    .max(20, "The listing period is at most 20 years.")
    .default(2),
  expiryOverride: CalendarDateSchema.optional(),
});

/** A record read from the file before mapping: cell texts by column, or why it is unusable. */
interface RawRecord {
  line: number;
  cells: Map<CourtColumn, string>;
  /** Every cell empty: spreadsheets leave such rows at the end of a sheet; they are skipped. */
  blank: boolean;
  problems?: Worded[];
}

/**
 * Reads a court export (CSV or JSON; UTF-8 with or without BOM, or GB18030) into validated entry
 * inputs, one result per row, so the import can report every refused row with its reasons.
 * A file that cannot be read at all (too big, too many rows, binary, malformed CSV/JSON, bad
 * options) throws an AppError with a 4xx status and one sentence; it changes nothing.
 */
export function parseCourtExport(bytes: Buffer, opts: ParseCourtExportOptions): ParsedExport {
  const options = parseOptions(opts);
  const decoded = decodeExport(bytes, opts.fileName);
  const what = fileParam(opts.fileName);
  const { records, present } =
    decoded.format === "json" ? readJson(decoded.text, what) : readCsv(decoded.text, what);

  const required = [
    ...ALWAYS_REQUIRED,
    ...(options.kind === "discredited" ? DISCREDITED_REQUIRED : []),
  ];
  const columnsMissing = required.filter((c) => !present.has(c)).map((c) => COURT_COLUMNS[c]);
  const base = { columnsMissing, format: decoded.format, encoding: decoded.encoding };
  const nonBlank = records.filter((r) => !r.blank);
  if (nonBlank.length > MAX_EXPORT_ROWS) throw tooManyRows(what);
  if (columnsMissing.length > 0) {
    const missing = said("import.columnsMissing", { columns: columnsMissing.join(", ") });
    return { ...base, rows: nonBlank.map((r) => refusal(r.line, [missing])) };
  }
  return {
    ...base,
    rows: nonBlank.map((r) =>
      r.problems === undefined ? mapRecord(r, options) : refusal(r.line, r.problems, " "),
    ),
  };
}

/**
 * A refused row: its problems, and their English sentences without repeats (`joiner` makes them
 * one sentence, as a record's problems have always been reported).
 */
function refusal(line: number, problems: Worded[], joiner?: string): ParsedExportRow {
  const seen = new Set<string>();
  const unique: Worded[] = [];
  for (const p of problems) {
    const english = wordError(p.reason, p.params, "en");
    if (seen.has(english)) continue;
    seen.add(english);
    unique.push(p);
  }
  const errors = unique.map((p) => wordError(p.reason, p.params, "en"));
  return {
    line,
    ok: false,
    errors: joiner === undefined ? errors : [errors.join(joiner)],
    problems: unique,
  };
}

/** A column as a reason names it: its Chinese header, and its English name for the English. */
function col(column: CourtColumn, suffix: "" | "2" = ""): ErrorParams {
  return {
    [`column${suffix}`]: COURT_COLUMNS[column],
    [`gloss${suffix}`]: COURT_COLUMN_GLOSS[column],
  };
}

type Options = z.output<typeof OptionsSchema>;

function parseOptions(opts: ParseCourtExportOptions): Options {
  // zod drops fileName and fills in the default listing period.
  const parsed = OptionsSchema.safeParse(opts);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError(
    400,
    "validation_failed",
    said("import.optionsInvalid", {
      detail: `${issue?.path.join(".") ?? "options"}: ${issue?.message ?? "malformed"}`,
    }),
  );
}

const isBlankCell = (v: string): boolean => v.trim() === "";

// ---------------------------------------------------------------------------------------------
// Reading CSV and JSON into records

function readCsv(
  text: string,
  what: { file: string },
): { records: RawRecord[]; present: Set<CourtColumn> } {
  // One line-break form, so that line numbers can be counted (below) and a cell never holds a
  // lone CR.
  const normalised = text.replace(/\r\n?/g, "\n");
  const leadingBlankLines = /^\n*/.exec(normalised)?.[0].length ?? 0;
  const body = normalised.slice(leadingBlankLines);
  const firstBreak = body.indexOf("\n");
  const firstLine = firstBreak === -1 ? body : body.slice(0, firstBreak);
  // A sheet saved as "Text (tab delimited)" has the same columns; read it rather than refuse it.
  const delimiter = firstLine.includes("\t") && !firstLine.includes(",") ? "\t" : ",";
  let table: string[][];
  try {
    table = parseCsv(body, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      // Empty lines stay records (of one empty cell) so that line numbers can be counted without
      // csv-parse's per-record info, which doubles its run time; blank records are dropped later.
      skip_empty_lines: false,
      // The file is at most 50 MB, but that is millions of tiny records; stop well past the limit.
      to: 2 * MAX_EXPORT_ROWS + 1,
    });
  } catch (err) {
    if (err instanceof CsvError) throw csvErrorToAppError(err, what, leadingBlankLines);
    throw err;
  }
  if (table.length > 2 * MAX_EXPORT_ROWS) throw tooManyRows(what);
  const [header, ...data] = table;
  if (header === undefined) return { records: [], present: new Set() };

  const columnAt: (CourtColumn | undefined)[] = header.map((h) => columnOfHeader(h));
  const present = new Set<CourtColumn>();
  for (const c of columnAt) {
    if (c === undefined) continue;
    if (present.has(c)) {
      throw new AppError(
        400,
        "validation_failed",
        said("import.columnTwice", { ...what, column: COURT_COLUMNS[c] }),
      );
    }
    present.add(c);
  }

  // After normalisation every record ends with exactly one "\n"; any other line break is inside
  // a quoted cell. So a record starts on the line after the previous one ended.
  let nextLine = leadingBlankLines + 2 + countBreaksIn(header);
  const records = data.map((cells): RawRecord => {
    const line = nextLine;
    nextLine += 1 + countBreaksIn(cells);
    const map = new Map<CourtColumn, string>();
    cells.forEach((cell, at) => {
      const column = columnAt[at];
      if (column !== undefined) map.set(column, cell);
    });
    const blank = cells.every(isBlankCell);
    if (!blank && cells.length !== header.length) {
      return {
        line,
        cells: map,
        blank,
        problems: [said("import.cellCount", { line, cells: cells.length, header: header.length })],
      };
    }
    return { line, cells: map, blank };
  });
  return { records, present };
}

function countBreaksIn(cells: readonly string[]): number {
  let n = 0;
  for (const cell of cells) n += countLineBreaks(cell);
  return n;
}

function countLineBreaks(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) n += 1;
  return n;
}

function csvErrorToAppError(err: CsvError, what: { file: string }, skippedLines: number): AppError {
  const line = typeof err["lines"] === "number" ? err["lines"] + skippedLines : undefined;
  const where = line === undefined ? "" : ` (near line ${line})`;
  const reason =
    err.code === "CSV_QUOTE_NOT_CLOSED" ? "import.csvQuoteNotClosed" : "import.csvUnreadable";
  return new AppError(400, "bad_request", said(reason, { ...what, detail: where }));
}

function readJson(
  text: string,
  what: { file: string },
): { records: RawRecord[]; present: Set<CourtColumn> } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the file's text, which may hold ID numbers; give a line instead.
    const position = /position (\d+)/.exec(err instanceof Error ? err.message : "")?.[1];
    const where =
      position === undefined ? "" : ` near line ${lineAt(text, Number.parseInt(position, 10))}`;
    throw new AppError(400, "bad_request", said("import.jsonInvalid", { ...what, detail: where }));
  }
  if (!Array.isArray(data)) {
    throw new AppError(400, "bad_request", said("import.jsonNotArray", what));
  }
  if (data.length > MAX_EXPORT_ROWS) throw tooManyRows(what);
  const lines = jsonElementLines(text);
  const present = new Set<CourtColumn>();
  // Every object repeats the same keys; look each up once.
  const columnOfKey = new Map<string, CourtColumn | undefined>();
  const records = (data as unknown[]).map((item, i): RawRecord => {
    const line = lines[i] ?? i + 1;
    const cells = new Map<CourtColumn, string>();
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      return {
        line,
        cells,
        blank: false,
        problems: [said("import.rowNotObject", { line })],
      };
    }
    const problems: Worded[] = [];
    for (const [key, value] of Object.entries(item)) {
      let column = columnOfKey.get(key);
      if (column === undefined && !columnOfKey.has(key)) {
        column = columnOfHeader(key);
        columnOfKey.set(key, column);
      }
      if (column === undefined) continue;
      present.add(column);
      if (typeof value === "string") cells.set(column, value);
      else if (typeof value === "number" && Number.isFinite(value))
        cells.set(column, String(value));
      else if (value === null) cells.set(column, "");
      else problems.push(said("import.cellNotText", { ...col(column), detail: typeName(value) }));
    }
    const blank = problems.length === 0 && Object.values(item).every((v) => v === null || v === "");
    return problems.length > 0 ? { line, cells, blank, problems } : { line, cells, blank };
  });
  return { records, present };
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** 1-based line of every top-level array element's first character, in order. */
function jsonElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expecting = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line += 1;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (depth === 1 && expecting && c !== 0x5d) {
      lines.push(line);
      expecting = false;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth === 1) expecting = true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
    else if (c === 0x2c && depth === 1) expecting = true;
  }
  return lines;
}

function lineAt(text: string, index: number): number {
  return countLineBreaks(text.slice(0, index)) + 1;
}

function tooManyRows(what: { file: string }): AppError {
  return new AppError(
    413,
    "payload_too_large",
    said("import.tooManyRows", { ...what, max: MAX_EXPORT_ROWS.toLocaleString("en") }),
  );
}

// ---------------------------------------------------------------------------------------------
// Mapping one record to an entry

type EntryField = keyof EntryInput;

const FIELD_COLUMN: Partial<Record<EntryField, CourtColumn>> = {
  fullName: "name",
  idNumber: "idNumber",
  sex: "sex",
  legalRepresentative: "legalRepresentative",
  caseNumber: "caseNumber",
  court: "court",
  obligation: "obligation",
  amountMinor: "obligation",
  performance: "performance",
  listingGround: "listingGround",
  listingDate: "publicationDate",
};

/** The column each public text of an entry comes from. */
const TEXT_COLUMN: Record<EntryPublicText, CourtColumn> = {
  caseNumber: "caseNumber",
  court: "court",
  obligation: "obligation",
  performance: "performance",
  listingGround: "listingGround",
  legalBasisNumber: "basisNumber",
  legalBasisIssuer: "basisIssuer",
};

function mapRecord(record: RawRecord, options: Options): ParsedExportRow {
  const cell = (c: CourtColumn): string => record.cells.get(c) ?? "";
  const errors: Worded[] = [];
  // Fields already explained by a sentence of ours; zod's issue for them would repeat it.
  const explained = new Set<EntryField>();
  const fail = (fields: EntryField[], problem: Worded): void => {
    for (const f of fields) explained.add(f);
    errors.push(problem);
  };

  const fullName = cell("name").trim();
  const nameProblem = checkNameCell("name", cell("name"));
  if (nameProblem !== undefined) fail(["fullName"], nameProblem);

  const legalRepresentative = cell("legalRepresentative").trim();
  const repProblem =
    legalRepresentative === ""
      ? undefined
      : checkNameCell("legalRepresentative", cell("legalRepresentative"));
  if (repProblem !== undefined) fail(["legalRepresentative"], repProblem);

  const sex = readSex(cell("sex"));
  if (sex === undefined) {
    fail(["sex"], said("import.sexInvalid", { ...col("sex"), value: clip(cell("sex")) }));
  }

  const idNumber = normaliseIdCell(cell("idNumber"));
  const subjectType = decideSubjectType(cell, sex, fail);
  const listingDate = readDate("publicationDate", cell("publicationDate"), true);
  if (!listingDate.ok) fail(["listingDate", "expiryDate"], listingDate.error);
  const filingDate = readDate("filingDate", cell("filingDate"), false);
  if (!filingDate.ok) errors.push(filingDate.error);

  let expiryDate = options.expiryOverride;
  if (expiryDate === undefined && listingDate.ok && listingDate.date !== undefined) {
    expiryDate = addYears(listingDate.date, options.defaultListingYears);
  }

  const obligation = cell("obligation").trim();
  const amount = extractAmount(obligation);
  if (!amount.ok) {
    const reason = {
      negative: "import.amountNegative",
      tooFine: "import.amountTooFine",
      tooLarge: "import.amountTooLarge",
    } as const;
    fail(
      ["amountMinor"],
      said(reason[amount.why], { ...col("obligation"), value: veilNumbers(amount.value) }),
    );
  }

  const photo = cell("photo").trim();
  const photoProblem = photo === "" ? undefined : checkPhotoName(photo);
  if (photoProblem !== undefined) errors.push(photoProblem);

  const candidate = {
    kind: options.kind,
    subjectType,
    fullName,
    ...(idNumber === undefined ? {} : { idNumber }),
    sex: subjectType === "organisation" ? "unknown" : (sex ?? "unknown"),
    ...(legalRepresentative === "" ? {} : { legalRepresentative }),
    caseNumber: cell("caseNumber").trim(),
    court: cell("court").trim(),
    obligation,
    ...(amount.ok && amount.amountMinor !== undefined ? { amountMinor: amount.amountMinor } : {}),
    currency: "CNY",
    performance: cell("performance").trim(),
    listingGround: cell("listingGround").trim(),
    legalBasisNumber: cell("basisNumber").trim(),
    legalBasisIssuer: cell("basisIssuer").trim(),
    listingDate: listingDate.ok ? (listingDate.date ?? "") : "",
    expiryDate: expiryDate ?? "",
    districtIds: options.districtIds,
  };
  const parsed = EntryInputSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (typeof field === "string" && explained.has(field as EntryField)) continue;
      errors.push(issueProblem(field, issue));
    }
  }
  // Texts shown beside the masked name carry no names or numbers (entryTextCheck).
  if (parsed.success)
    for (const f of findPersonalDataInEntry(parsed.data))
      errors.push(said("import.personalData", { ...col(TEXT_COLUMN[f.field]), found: f.message }));
  if (errors.length > 0 || !parsed.success) return refusal(record.line, errors);
  return {
    line: record.line,
    ok: true,
    entry: parsed.data,
    ...(photo === "" ? {} : { photoName: photo }),
  };
}

function issueProblem(field: PropertyKey | undefined, issue: z.core.$ZodIssue): Worded {
  const column = typeof field === "string" ? FIELD_COLUMN[field as EntryField] : undefined;
  // expiryDate, districtIds and the like come from the import options; their messages say so.
  if (column === undefined) return said("import.optionInvalid", { detail: issue.message });
  const reason =
    issue.code === "too_small"
      ? "import.fieldEmpty"
      : issue.code === "too_big"
        ? "import.fieldTooLong"
        : "import.fieldInvalid";
  return said(reason, { ...col(column), detail: issue.message });
}

/**
 * Why a name cell is refused, if it is. A name is one line of text without < or > (no name
 * has them, so a cell with them is markup, never a name) that does not start like a spreadsheet
 * formula (a name is copied into spreadsheets by operators; `=HYPERLINK(…)` would run there).
 */
function checkNameCell(column: "name" | "legalRepresentative", raw: string): Worded | undefined {
  if (looksLikeSpreadsheetFormula(raw)) return said("import.nameFormula", col(column));
  if (/[<>]/.test(raw)) return said("import.nameMarkup", col(column));
  if (/[\r\n]/.test(raw.trim())) return said("import.nameLineBreak", col(column));
  return undefined;
}

function readSex(raw: string): Sex | undefined {
  const v = raw.normalize("NFKC").trim().toLowerCase();
  if (v === "") return "unknown";
  if (["男", "男性", "m", "male"].includes(v)) return "male";
  if (["女", "女性", "f", "female"].includes(v)) return "female";
  if (["未知", "不详", "unknown"].includes(v)) return "unknown";
  return undefined;
}

function normaliseIdCell(raw: string): string | undefined {
  // Old organisation codes are written 12345678-9; spreadsheets add spaces.
  const v = raw.normalize("NFKC").toUpperCase().replace(/[\s-]/g, "");
  return v === "" ? undefined : v;
}

/**
 * Person or organisation, failing closed (see ./subjectEvidence): an organisation only on a
 * checked credit or organisation code or an explicit 主体类型 cell, never on a name's ending or a
 * legal representative. Evidence that contradicts itself refuses the row, with the reason.
 */
function decideSubjectType(
  cell: (c: CourtColumn) => string,
  sex: Sex | undefined,
  fail: (fields: EntryField[], problem: Worded) => void,
): "person" | "organisation" {
  const code = normaliseCodeCell(cell("idNumber"));
  const codeIsOrganisation = isOrganisationEvidence(code);
  const codeIsResidentId = looksLikeResidentId(code);
  const sexGiven = sex !== undefined && sex !== "unknown";
  const stated = readSubjectTypeCell(cell("subjectType"));
  const conflict = (
    reason:
      | "import.sexButOrganisationCode"
      | "import.personButOrganisationCode"
      | "import.organisationButResidentId"
      | "import.organisationButSex",
    first: CourtColumn,
    second: CourtColumn,
  ): "person" => {
    fail(["subjectType"], said(reason, { ...col(first), ...col(second, "2") }));
    return "person";
  };
  if (stated === "invalid") {
    fail(
      ["subjectType"],
      said("import.subjectTypeInvalid", {
        ...col("subjectType"),
        value: clip(cell("subjectType")),
      }),
    );
    return "person";
  }
  if (codeIsOrganisation && sexGiven) {
    return conflict("import.sexButOrganisationCode", "sex", "idNumber");
  }
  if (stated === "person" && codeIsOrganisation) {
    return conflict("import.personButOrganisationCode", "subjectType", "idNumber");
  }
  if (stated === "organisation" && codeIsResidentId) {
    return conflict("import.organisationButResidentId", "subjectType", "idNumber");
  }
  if (stated === "organisation" && sexGiven) {
    return conflict("import.organisationButSex", "subjectType", "sex");
  }
  return stated === "organisation" || (stated === "none" && codeIsOrganisation)
    ? "organisation"
    : "person";
}

type DateCell = { ok: true; date?: string } | { ok: false; error: Worded };

function readDate(column: CourtColumn, raw: string, required: boolean): DateCell {
  const v = raw.normalize("NFKC").trim();
  if (v === "") {
    return required ? { ok: false, error: said("import.dateEmpty", col(column)) } : { ok: true };
  }
  // Spreadsheets re-save dates as 2019/2/3, 2019.2.3 or 2019年2月3日, sometimes with a time.
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(v);
  if (m === null) {
    if (/^\d{5}(?:\.\d+)?$/.test(v)) {
      return {
        ok: false,
        error: said("import.dateSerial", { ...col(column), value: v }),
      };
    }
    return {
      ok: false,
      error: said("import.dateFormat", { ...col(column), value: clip(v) }),
    };
  }
  const date = `${m[1] ?? ""}-${(m[2] ?? "").padStart(2, "0")}-${(m[3] ?? "").padStart(2, "0")}`;
  if (!CalendarDateSchema.safeParse(date).success) {
    return { ok: false, error: said("import.dateNotReal", { ...col(column), value: date }) };
  }
  return { ok: true, date };
}

/** The same day `years` later; 29 February becomes 28 February, never a day past the term. */
function addYears(date: string, years: number): string {
  const [y = 0, mo = 1, d = 1] = date.split("-").map((p) => Number.parseInt(p, 10));
  const target = new Date(Date.UTC(y + years, mo - 1, d));
  if (target.getUTCMonth() !== mo - 1) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

function checkPhotoName(name: string): Worded | undefined {
  if (
    /[/\\:\p{Cc}]/u.test(name) ||
    name.includes("..") ||
    name.startsWith(".") ||
    name.length > 255
  ) {
    return said("import.photoName", col("photo"));
  }
  return undefined;
}

// Echo at most a little of a bad cell: enough to find it, not enough to fill a report with it,
// and no long number whole (a shifted ID column: the report is kept with the batch).
function clip(s: string): string {
  const t = s.trim().replace(/\s+/g, " ");
  const chars = Array.from(t);
  return veilNumbers(chars.length > 20 ? `${chars.slice(0, 20).join("")}…` : t);
}
