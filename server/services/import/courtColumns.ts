/**
 * The columns of the Supreme People's Court list of dishonest judgment debtors, as exports and
 * re-publications name them, with the English gloss used in error sentences.
 */
export const COURT_COLUMNS = {
  name: "被执行人姓名/名称",
  sex: "性别",
  age: "年龄",
  idNumber: "身份证号码/组织机构代码",
  legalRepresentative: "法定代表人或者负责人姓名",
  court: "执行法院",
  province: "省份",
  basisNumber: "执行依据文号",
  filingDate: "立案时间",
  caseNumber: "案号",
  basisIssuer: "做出执行依据单位",
  obligation: "生效法律文书确定的义务",
  performance: "被执行人的履行情况",
  listingGround: "失信被执行人行为具体情形",
  publicationDate: "发布时间",
  photo: "照片",
  // Not in the court's own exports: an operator adds it to say who a row names (自然人 or 法人),
  // the only way besides a checked credit code to make a row an organisation.
  subjectType: "主体类型",
} as const;

/** One logical column of a court export. */
export type CourtColumn = keyof typeof COURT_COLUMNS;

/** English glosses, so an operator who reads no Chinese still knows which cell is wrong. */
export const COURT_COLUMN_GLOSS: Readonly<Record<CourtColumn, string>> = {
  name: "name",
  sex: "sex",
  age: "age",
  idNumber: "ID number or credit code",
  legalRepresentative: "legal representative",
  court: "enforcing court",
  province: "province",
  basisNumber: "document number",
  filingDate: "filing date",
  caseNumber: "case number",
  basisIssuer: "issuing body",
  obligation: "obligation",
  performance: "performance",
  listingGround: "listing ground",
  publicationDate: "publication date",
  photo: "photo",
  subjectType: "subject type",
};

/** Columns every export must have: without them no row can become an entry. */
export const ALWAYS_REQUIRED: readonly CourtColumn[] = [
  "name",
  "court",
  "caseNumber",
  "publicationDate",
];

/** Columns a discredited-list export must also have: a slide shows them. */
export const DISCREDITED_REQUIRED: readonly CourtColumn[] = [
  "obligation",
  "performance",
  "listingGround",
];

/** "案号 (case number)": how a column is named in an error sentence. */
export function columnLabel(column: CourtColumn): string {
  return `${COURT_COLUMNS[column]} (${COURT_COLUMN_GLOSS[column]})`;
}

/**
 * The logical column a header cell names, if any. Headers are compared after NFKC (a full-width
 * ／ is a /) and without whitespace, since spreadsheets re-save them in both forms.
 */
export function columnOfHeader(header: string): CourtColumn | undefined {
  return BY_HEADER.get(normaliseHeader(header));
}

function normaliseHeader(s: string): string {
  return s.normalize("NFKC").replace(/[\s\uFEFF]/g, "");
}

const BY_HEADER = new Map<string, CourtColumn>(
  (Object.keys(COURT_COLUMNS) as CourtColumn[]).map((c) => [normaliseHeader(COURT_COLUMNS[c]), c]),
);
