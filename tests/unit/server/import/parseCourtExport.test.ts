import { describe, expect, it } from "vitest";
import { AppError } from "../../../../server/errors";
import {
  MAX_EXPORT_ROWS,
  parseCourtExport,
  type ParsedExport,
  type ParsedExportRow,
  type ParseCourtExportOptions,
} from "../../../../server/services/import/parseCourtExport";
import type { EntryInput } from "../../../../shared/schemas/entry";
import {
  COURT_EXPORT_HEADERS,
  badCourtExportRows,
  buildCourtExportRows,
  buildOrganisationRow,
  buildPersonRow,
  toCsv,
  toJson,
  type CourtExportRow,
} from "../../../fixtures/courtExport";

/** The export's columns plus the optional 主体类型 (subject type) an operator may add. */
const withSubjectColumn = { headers: [...COURT_EXPORT_HEADERS, "主体类型"] };

const opts: ParseCourtExportOptions = { kind: "discredited", districtIds: ["dalian-zhongshan"] };

function parse(bytes: Buffer, more: Partial<ParseCourtExportOptions> = {}): ParsedExport {
  return parseCourtExport(bytes, { ...opts, ...more });
}

function accepted(row: ParsedExportRow | undefined): EntryInput {
  if (row === undefined || !row.ok) {
    throw new Error(`expected an accepted row, got ${JSON.stringify(row)}`);
  }
  return row.entry;
}

function refused(row: ParsedExportRow | undefined): string[] {
  if (row === undefined || row.ok) {
    throw new Error(`expected a refused row, got ${JSON.stringify(row)}`);
  }
  return row.errors;
}

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

/** A row with known values, to pin the mapping exactly. */
const knownPerson: CourtExportRow = buildPersonRow({
  "被执行人姓名/名称": "夏晶",
  性别: "女",
  年龄: "34",
  "身份证号码/组织机构代码": "2102031985****4843",
  执行法院: "辽宁省大连市中级人民法院",
  立案时间: "2018-09-22",
  执行依据文号: "（2017）辽0202民初1234号",
  做出执行依据单位: "大连市中山区人民法院",
  案号: "（2018）辽02执2011号",
  生效法律文书确定的义务: "返还欠款23000元",
  被执行人的履行情况: "部分未履行",
  失信被执行人行为具体情形: "违反财产报告制度",
  发布时间: "2018-06-05",
  照片: "photo-001.jpg",
});

const knownEntry: EntryInput = {
  kind: "discredited",
  subjectType: "person",
  fullName: "夏晶",
  idNumber: "2102031985****4843",
  sex: "female",
  caseNumber: "（2018）辽02执2011号",
  court: "辽宁省大连市中级人民法院",
  obligation: "返还欠款23000元",
  amountMinor: 2_300_000,
  currency: "CNY",
  performance: "部分未履行",
  listingGround: "违反财产报告制度",
  legalBasisNumber: "（2017）辽0202民初1234号",
  legalBasisIssuer: "大连市中山区人民法院",
  listingDate: "2018-06-05",
  expiryDate: "2020-06-05",
  districtIds: ["dalian-zhongshan"],
};

describe("parseCourtExport: encodings and formats", () => {
  const rows = [knownPerson, ...buildCourtExportRows(199, { seed: 7 })];

  it("reads a UTF-8 CSV with a BOM and CRLF, mapping every column", () => {
    const result = parse(toCsv(rows, { bom: true, eol: "\r\n" }));
    expect(result).toMatchObject({ format: "csv", encoding: "utf-8", columnsMissing: [] });
    expect(result.rows).toHaveLength(200);
    expect(result.rows.every((r) => r.ok)).toBe(true);
    expect(result.rows[0]).toEqual({
      line: 2,
      ok: true,
      entry: knownEntry,
      photoName: "photo-001.jpg",
    });
    expect(result.rows.map((r) => r.line)).toEqual(rows.map((_, i) => i + 2));
  });

  it("reads UTF-8 without a BOM and with LF line ends the same way", () => {
    const withBom = parse(toCsv(rows, { bom: true, eol: "\r\n" }));
    expect(parse(toCsv(rows, { bom: false, eol: "\n" })).rows).toEqual(withBom.rows);
  });

  it("reads a GB18030 CSV, as Chinese spreadsheets save it, the same way", () => {
    const result = parse(toCsv(rows, { encoding: "gb18030" }));
    expect(result.encoding).toBe("gb18030");
    expect(result.rows).toEqual(parse(toCsv(rows)).rows);
  });

  it("reads a JSON array the same way, with each object's line", () => {
    const result = parse(toJson(rows));
    expect(result.format).toBe("json");
    const csv = parse(toCsv(rows));
    expect(result.rows.map((r) => (r.ok ? r.entry : r))).toEqual(
      csv.rows.map((r) => (r.ok ? r.entry : r)),
    );
    // JSON.stringify(…, null, 1) puts "[" on line 1 and each object on 18 lines.
    expect(result.rows.slice(0, 3).map((r) => r.line)).toEqual([2, 20, 38]);
  });

  it("takes numbers and nulls in JSON cells as text", () => {
    const json = Buffer.from(
      JSON.stringify([{ ...knownPerson, 年龄: 34, 法定代表人或者负责人姓名: null }]),
    );
    expect(accepted(parse(json).rows[0])).toEqual(knownEntry);
  });

  it("refuses a JSON cell that is an object or a list", () => {
    const json = Buffer.from(JSON.stringify([{ ...knownPerson, 案号: ["x"] }]));
    expect(refused(parse(json).rows[0])).toEqual(["案号 (case number) must be text, not a list."]);
  });

  it("refuses JSON that is not an array, or not JSON at all, as a whole file", () => {
    expect(refusal(() => parse(Buffer.from('{"rows": []}'))).message).toMatch(
      /not an array of rows/,
    );
    const broken = refusal(() => parse(Buffer.from('[\n{"案号": "2102031985123"\n')));
    expect(broken.status).toBe(400);
    expect(broken.message).toMatch(/^The file is not valid JSON/);
    expect(broken.message).not.toContain("2102031985123");
  });

  it("reads a tab-separated sheet", () => {
    const result = parse(toCsv([knownPerson], { delimiter: "\t" }));
    expect(accepted(result.rows[0])).toEqual(knownEntry);
  });
});

describe("parseCourtExport: CSV structure", () => {
  it("keeps commas, quotes and line breaks inside quoted cells, and counts lines right", () => {
    const rows = [
      buildPersonRow({
        生效法律文书确定的义务: "偿还借款1,200,000元及利息",
        失信被执行人行为具体情形: '以"虚假诉讼"方法规避执行,\r\n情节严重',
      }),
      buildPersonRow(),
      buildPersonRow({ 被执行人的履行情况: "全部\n未履行" }),
      buildPersonRow(),
    ];
    for (const eol of ["\r\n", "\n"] as const) {
      const result = parse(toCsv(rows, { eol }));
      const first = accepted(result.rows[0]);
      expect(first.amountMinor).toBe(120_000_000);
      expect(first.obligation).toBe("偿还借款1,200,000元及利息");
      expect(first.listingGround).toBe('以"虚假诉讼"方法规避执行,\n情节严重');
      expect(result.rows.map((r) => r.line)).toEqual([2, 4, 5, 7]);
    }
  });

  it("refuses a row with the wrong number of cells, naming its line", () => {
    const good = toCsv([buildPersonRow()], { bom: false, eol: "\n" }).toString("utf8");
    const short = `${COURT_EXPORT_HEADERS.slice(0, 15)
      .map((h) => knownPerson[h])
      .join(",")}\n`;
    const long = `${COURT_EXPORT_HEADERS.map((h) => knownPerson[h]).join(",")},extra\n`;
    const result = parse(Buffer.from(good + short + long));
    expect(result.rows[0]?.ok).toBe(true);
    expect(refused(result.rows[1])).toEqual([
      "Line 3 has 15 cells but the header has 16; a comma inside a cell must be within double quotes.",
    ]);
    expect(refused(result.rows[2])[0]).toMatch(/^Line 4 has 17 cells/);
  });

  it("skips empty lines and rows of empty cells that spreadsheets leave behind", () => {
    const text = toCsv([knownPerson], { bom: false, eol: "\n" }).toString("utf8");
    const result = parse(Buffer.from(`${text}\n${",".repeat(15)}\n\n`));
    expect(result.rows).toHaveLength(1);
  });

  it("returns no rows for a header without data", () => {
    expect(parse(toCsv([])).rows).toEqual([]);
  });

  it("refuses a file whose quote is never closed, as a whole", () => {
    const text = toCsv([knownPerson], { bom: false, eol: "\n" }).toString("utf8");
    const err = refusal(() => parse(Buffer.from(`${text}"张三,男\n`)));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/quoted cell is never closed/);
  });

  it("refuses a header that names a column twice", () => {
    const headers = [...COURT_EXPORT_HEADERS, "案号"];
    const err = refusal(() => parse(toCsv([knownPerson], { headers })));
    expect(err.message).toMatch(/has the column 案号 twice/);
  });

  it("matches headers written with a full-width slash or stray spaces", () => {
    const headers = COURT_EXPORT_HEADERS.map((h) =>
      h === "被执行人姓名/名称" ? " 被执行人姓名／名称 " : h,
    );
    const csv = toCsv([knownPerson], { headers: COURT_EXPORT_HEADERS }).toString("utf8");
    const renamed = csv.replace("被执行人姓名/名称", headers[0] ?? "");
    expect(accepted(parse(Buffer.from(renamed)).rows[0]).fullName).toBe("夏晶");
  });

  it("ignores columns it does not know", () => {
    const headers = [...COURT_EXPORT_HEADERS, "备注"];
    const result = parse(toCsv([{ ...knownPerson, 备注: "x" } as CourtExportRow], { headers }));
    expect(accepted(result.rows[0])).toEqual(knownEntry);
  });
});

describe("parseCourtExport: missing columns", () => {
  it("lists the missing columns and refuses every row", () => {
    const headers = COURT_EXPORT_HEADERS.filter((h) => h !== "案号" && h !== "发布时间");
    const result = parse(toCsv(buildCourtExportRows(3), { headers }));
    expect(result.columnsMissing).toEqual(["案号", "发布时间"]);
    expect(result.rows).toHaveLength(3);
    for (const row of result.rows) {
      expect(refused(row)).toEqual([
        "The file lacks the column(s) 案号, 发布时间, so no row can be imported.",
      ]);
    }
  });

  it("asks a discredited list for its obligation, performance and ground; a red list not", () => {
    const headers = COURT_EXPORT_HEADERS.filter((h) => h !== "失信被执行人行为具体情形");
    expect(parse(toCsv([knownPerson], { headers })).columnsMissing).toEqual([
      "失信被执行人行为具体情形",
    ]);
    const red = parse(toCsv([knownPerson], { headers }), { kind: "redlist" });
    expect(red.columnsMissing).toEqual([]);
    expect(accepted(red.rows[0])).toMatchObject({ kind: "redlist", listingGround: "" });
  });

  it("does not mistake an unrelated CSV for an export", () => {
    const result = parse(Buffer.from("name,amount\nZhang San,100\n"));
    expect(result.columnsMissing).toEqual(
      expect.arrayContaining(["被执行人姓名/名称", "执行法院", "案号", "发布时间"]),
    );
    expect(result.rows.every((r) => !r.ok)).toBe(true);
  });
});

describe("parseCourtExport: bad rows", () => {
  const good = buildCourtExportRows(20, { seed: 3 });
  const bad = [
    badCourtExportRows.emptyCaseNumber(),
    badCourtExportRows.impossibleDate(),
    badCourtExportRows.negativeAmount(),
    badCourtExportRows.formulaName(),
    badCourtExportRows.htmlName(),
  ];
  const result = parse(toCsv([...good, ...bad]));

  it("accepts the good rows around them", () => {
    expect(result.rows.slice(0, 20).every((r) => r.ok)).toBe(true);
    expect(result.rows.slice(20).map((r) => [r.line, r.ok])).toEqual([
      [22, false],
      [23, false],
      [24, false],
      [25, false],
      [26, false],
    ]);
  });

  it("refuses an empty case number", () => {
    expect(refused(result.rows[20])).toEqual(["案号 (case number): A case number is required."]);
  });

  it("refuses a date that does not exist (2019-02-30)", () => {
    expect(refused(result.rows[21])).toEqual([
      "立案时间 (filing date) is not a real date (2019-02-30).",
    ]);
  });

  it("refuses a negative amount", () => {
    expect(refused(result.rows[22])).toEqual([
      "生效法律文书确定的义务 (obligation) names a negative amount (-500元).",
    ]);
  });

  it("refuses a spreadsheet formula as a name", () => {
    expect(refused(result.rows[23])).toEqual([
      "被执行人姓名/名称 (name) looks like a spreadsheet formula (it starts with =, +, -, @ or a tab); a name cannot.",
    ]);
  });

  it("refuses HTML in a name", () => {
    expect(refused(result.rows[24])).toEqual([
      "被执行人姓名/名称 (name) contains < or >, which no name has; markup is not accepted as a name.",
    ]);
  });

  it.each(["+1", "-1", "@x", "\t=1", " =1", "\r=1", "\r\n=1"])(
    "refuses the formula-like name %j",
    (name) => {
      const r = parse(toCsv([buildPersonRow({ "被执行人姓名/名称": name })])).rows[0];
      expect(refused(r)[0]).toMatch(/looks like a spreadsheet formula/);
    },
  );

  it("refuses a formula as a legal representative", () => {
    const row = buildOrganisationRow({ 法定代表人或者负责人姓名: "=1+1" });
    expect(refused(parse(toCsv([row])).rows[0])[0]).toMatch(
      /^法定代表人或者负责人姓名 \(legal representative\) looks like a spreadsheet formula/,
    );
  });

  it("keeps formula-like and markup text in other fields as plain text", () => {
    const row = buildPersonRow({
      失信被执行人行为具体情形: '=HYPERLINK("http://x")',
      被执行人的履行情况: "<b>部分</b>未履行",
    });
    const entry = accepted(parse(toCsv([row])).rows[0]);
    expect(entry.listingGround).toBe('=HYPERLINK("http://x")');
    expect(entry.performance).toBe("<b>部分</b>未履行");
  });

  it("reports every problem of a row, not just the first", () => {
    const row = buildPersonRow({
      案号: "",
      执行法院: "",
      发布时间: "2019-02-30",
      性别: "X",
    });
    expect(refused(parse(toCsv([row])).rows[0])).toEqual([
      "性别 (sex) must be 男, 女 or empty, not “X”.",
      "发布时间 (publication date) is not a real date (2019-02-30).",
      "案号 (case number): A case number is required.",
      "执行法院 (enforcing court): The enforcing court is required.",
    ]);
  });

  it("refuses a name with a line break", () => {
    const row = buildPersonRow({ "被执行人姓名/名称": "张\n三" });
    expect(refused(parse(toCsv([row])).rows[0])).toEqual([
      "被执行人姓名/名称 (name) has a line break; a name is one line.",
    ]);
  });

  it("refuses an empty name and an over-long one", () => {
    const rows = [
      buildPersonRow({ "被执行人姓名/名称": "" }),
      buildPersonRow({ "被执行人姓名/名称": "张".repeat(101) }),
    ];
    const result = parse(toCsv(rows));
    expect(refused(result.rows[0])).toEqual(["被执行人姓名/名称 (name): A name is required."]);
    expect(refused(result.rows[1])).toEqual(["被执行人姓名/名称 (name): At most 100 characters."]);
  });

  it("refuses a malformed ID number without repeating it", () => {
    const row = buildPersonRow({ "身份证号码/组织机构代码": "21020<script>" });
    const errors = refused(parse(toCsv([row])).rows[0]);
    expect(errors).toEqual([
      "身份证号码/组织机构代码 (ID number or credit code): An ID number or credit code is 6–32 letters, digits or '*'.",
    ]);
  });

  it.each(["../etc/passwd", "photos/a.jpg", "C:\\a.jpg", "..", ".hidden.jpg", "a\u0007.jpg"])(
    "refuses the photo name %j",
    (name) => {
      const r = parse(toCsv([buildPersonRow({ 照片: name })])).rows[0];
      expect(refused(r)).toEqual([
        "照片 (photo) must be a bare file name such as photo-001.jpg, without folders, “..” or a leading dot.",
      ]);
    },
  );
});

describe("parseCourtExport: people and organisations", () => {
  const CREDIT_CODE = "91350100M000100Y43";

  it("recognises a company by its unified social credit code", () => {
    const row = buildOrganisationRow({
      "被执行人姓名/名称": "伊春恒信物流有限公司",
      "身份证号码/组织机构代码": CREDIT_CODE,
      法定代表人或者负责人姓名: "范某",
      照片: "",
    });
    const result = parse(toCsv([row])).rows[0];
    expect(result).not.toHaveProperty("photoName");
    expect(accepted(result)).toMatchObject({
      subjectType: "organisation",
      fullName: "伊春恒信物流有限公司",
      idNumber: CREDIT_CODE,
      legalRepresentative: "范某",
      sex: "unknown",
    });
  });

  it.each([
    ["an organisation code written XXXXXXXX-X", { "身份证号码/组织机构代码": "D2143569-X" }],
    ["an organisation code with spaces", { "身份证号码/组织机构代码": " 12345678 - 8 " }],
    [
      "an explicit subject type and no code",
      { "身份证号码/组织机构代码": "", 法定代表人或者负责人姓名: "", 主体类型: "法人" },
    ],
  ])("recognises an organisation by %s", (_why, overrides) => {
    const entry = accepted(
      parse(toCsv([buildOrganisationRow(overrides)], withSubjectColumn)).rows[0],
    );
    expect(entry.subjectType).toBe("organisation");
  });

  // Issue 14 item 3: each of these made a person an organisation, shown with the full name.
  it.each([
    ["a name ending in 店", { "被执行人姓名/名称": "王小五金店" }],
    ["a name ending in 厂", { "被执行人姓名/名称": "大连刘记服装厂" }],
    ["a name ending in 馆", { "被执行人姓名/名称": "陈记小吃馆" }],
    ["a name ending in 有限公司", { "被执行人姓名/名称": "大连恒信物流有限公司" }],
    ["a legal representative on the row", { 法定代表人或者负责人姓名: "范某" }],
    ["a passport-like 9-character ID", { "身份证号码/组织机构代码": "E12345678" }],
    // D2143569X is a valid organisation code without its hyphen: as likely a passport number.
    [
      "nine characters that pass the check but lack the hyphen",
      { "身份证号码/组织机构代码": "D2143569X" },
    ],
    ["an organisation code with a wrong check digit", { "身份证号码/组织机构代码": "12345678-9" }],
    [
      "a credit code with a wrong check character",
      { "身份证号码/组织机构代码": "91350100M000100Y44" },
    ],
    [
      "a masked credit code, which cannot be checked",
      { "身份证号码/组织机构代码": "9121R3PHXGYLAM****" },
    ],
    [
      "an all-digit code shaped like a resident ID",
      { "身份证号码/组织机构代码": "913100007793373135" },
    ],
  ])("keeps a row with an empty sex cell a person despite %s", (_why, overrides) => {
    const row = buildPersonRow({ 性别: "", "身份证号码/组织机构代码": "", ...overrides });
    expect(accepted(parse(toCsv([row])).rows[0])).toMatchObject({
      subjectType: "person",
      sex: "unknown",
    });
  });

  it("keeps a person a person: an 18-digit ID with a trailing X is not a credit code", () => {
    const row = buildPersonRow({ "身份证号码/组织机构代码": "2102021980****123x", 性别: "男" });
    expect(accepted(parse(toCsv([row])).rows[0])).toMatchObject({
      subjectType: "person",
      idNumber: "2102021980****123X",
      sex: "male",
    });
  });

  it("keeps a person whose name ends like a shop's a person when the sex is given", () => {
    const row = buildPersonRow({ "被执行人姓名/名称": "李小店", 性别: "男" });
    expect(accepted(parse(toCsv([row])).rows[0]).subjectType).toBe("person");
  });

  it("takes an explicit 自然人 as a person", () => {
    const row = buildPersonRow({ 性别: "", "身份证号码/组织机构代码": "", 主体类型: "自然人" });
    const entry = accepted(parse(toCsv([row], withSubjectColumn)).rows[0]);
    expect(entry.subjectType).toBe("person");
  });

  it.each([
    [
      "a sex and a credit code",
      { 性别: "男", "身份证号码/组织机构代码": CREDIT_CODE },
      "性别 (sex) is filled in but 身份证号码/组织机构代码 (ID number or credit code) is an organisation's code. A row is either a person or an organisation.",
    ],
    [
      "an explicit person and a credit code",
      { 性别: "", 主体类型: "自然人", "身份证号码/组织机构代码": CREDIT_CODE },
      "主体类型 (subject type) says a person but 身份证号码/组织机构代码 (ID number or credit code) is an organisation's code. A row is either a person or an organisation.",
    ],
    [
      "an explicit organisation and an 18-digit resident ID",
      { 性别: "", 主体类型: "法人", "身份证号码/组织机构代码": "210203198501014843" },
      "主体类型 (subject type) says an organisation but 身份证号码/组织机构代码 (ID number or credit code) is a resident ID number. A row is either a person or an organisation.",
    ],
    [
      "an explicit organisation and a masked resident ID",
      { 性别: "", 主体类型: "法人", "身份证号码/组织机构代码": "2102031985****4843" },
      "主体类型 (subject type) says an organisation but 身份证号码/组织机构代码 (ID number or credit code) is a resident ID number. A row is either a person or an organisation.",
    ],
    [
      "an explicit organisation and a sex",
      { 性别: "女", 主体类型: "法人", "身份证号码/组织机构代码": "" },
      "主体类型 (subject type) says an organisation but 性别 (sex) is filled in. A row is either a person or an organisation.",
    ],
  ])("refuses a row whose evidence conflicts: %s", (_why, overrides, reason) => {
    const row = buildPersonRow(overrides);
    expect(refused(parse(toCsv([row], withSubjectColumn)).rows[0])).toEqual([reason]);
  });

  it("refuses a subject type it does not know, naming the cell", () => {
    const row = buildPersonRow({ 主体类型: "公司?" });
    expect(refused(parse(toCsv([row], withSubjectColumn)).rows[0])).toEqual([
      "主体类型 (subject type) must be 自然人 (person), 法人 (organisation) or empty, not “公司?”.",
    ]);
  });

  it("counts the organisations of a generated export", () => {
    const result = parse(toCsv(buildCourtExportRows(200, { organisationEvery: 8 })));
    const entries = result.rows.map(accepted);
    expect(entries.filter((e) => e.subjectType === "organisation")).toHaveLength(25);
  });
});

describe("parseCourtExport: dates and listing period", () => {
  const withDate = (发布时间: string, 立案时间 = "2018-01-02"): Buffer =>
    toCsv([buildPersonRow({ 发布时间, 立案时间 })]);

  it.each([
    ["2018-06-05", "2018-06-05"],
    ["2018/6/5", "2018-06-05"],
    ["2018.06.05", "2018-06-05"],
    ["2018年6月5日", "2018-06-05"],
    ["2018-06-05 00:00:00", "2018-06-05"],
    ["２０１８－０６－０５", "2018-06-05"],
  ])("reads the publication date %s as %s", (cell, date) => {
    expect(accepted(parse(withDate(cell)).rows[0]).listingDate).toBe(date);
  });

  it.each([
    ["2019-02-30", /is not a real date \(2019-02-30\)/],
    ["2019-13-01", /is not a real date/],
    ["43000", /spreadsheet date number \(43000\)/],
    ["yesterday", /not a date in the form YYYY-MM-DD/],
    ["", /is empty; the listing date comes from it/],
  ])("refuses the publication date %j", (cell, message) => {
    const errors = refused(parse(withDate(cell)).rows[0]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^发布时间 \(publication date\) /);
    expect(errors[0]).toMatch(message);
  });

  it("accepts an empty filing date, refuses a wrong one", () => {
    expect(parse(withDate("2018-06-05", "")).rows[0]?.ok).toBe(true);
    expect(refused(parse(withDate("2018-06-05", "2018-02-29")).rows[0])).toEqual([
      "立案时间 (filing date) is not a real date (2018-02-29).",
    ]);
  });

  it("lists for two years by default, or as many as asked", () => {
    expect(accepted(parse(withDate("2018-06-05")).rows[0]).expiryDate).toBe("2020-06-05");
    const five = parse(withDate("2018-06-05"), { defaultListingYears: 5 });
    expect(accepted(five.rows[0]).expiryDate).toBe("2023-06-05");
  });

  it("ends a listing from 29 February on 28 February, never a day late", () => {
    expect(accepted(parse(withDate("2016-02-29")).rows[0]).expiryDate).toBe("2018-02-28");
  });

  it("uses the expiry override for every row", () => {
    const result = parse(withDate("2018-06-05"), { expiryOverride: "2030-01-01" });
    expect(accepted(result.rows[0]).expiryDate).toBe("2030-01-01");
  });

  it("refuses a row the override would expire before it is listed", () => {
    const result = parse(withDate("2018-06-05"), { expiryOverride: "2018-01-01" });
    expect(refused(result.rows[0])).toEqual(["The expiry date must be after the listing date."]);
  });

  it.each([
    [{ districtIds: [] }, /Pick at least one district/],
    [{ expiryOverride: "2019-02-30" }, /expiryOverride: That date does not exist/],
    [{ defaultListingYears: 0 }, /at least one year/],
    [{ defaultListingYears: 1.5 }, /whole number of years/],
  ])("refuses the options %o as a whole", (more, message) => {
    const err = refusal(() => parse(withDate("2018-06-05"), more));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });
});

describe("parseCourtExport: amounts", () => {
  it.each([
    ["偿还借款11615元及利息", 1_161_500],
    ["给付3.5万元", 3_500_000],
    ["赔礼道歉", undefined],
  ])("takes the amount of %s", (obligation, amountMinor) => {
    const entry = accepted(
      parse(toCsv([buildPersonRow({ 生效法律文书确定的义务: obligation })])).rows[0],
    );
    expect(entry.obligation).toBe(obligation);
    expect(entry.amountMinor).toBe(amountMinor);
  });
});

describe("parseCourtExport: limits", () => {
  it("refuses more than 100,000 rows as a whole file", () => {
    // Short cells: the limit is on rows, and a smaller file keeps the test quick.
    const line = COURT_EXPORT_HEADERS.map(() => "x").join(",");
    const text = `${COURT_EXPORT_HEADERS.join(",")}\n${`${line}\n`.repeat(MAX_EXPORT_ROWS + 1)}`;
    const err = refusal(() => parse(Buffer.from(text)));
    expect(err.status).toBe(413);
    expect(err.message).toBe(
      "The file has more than 100,000 rows; split the export into smaller files.",
    );
  });

  it("refuses more than 100,000 JSON rows as a whole file", () => {
    const json = Buffer.from(`[${"{},".repeat(MAX_EXPORT_ROWS)}{}]`);
    expect(refusal(() => parse(json, { fileName: "big.json" })).message).toBe(
      "The file big.json has more than 100,000 rows; split the export into smaller files.",
    );
  });

  it("refuses a file over 50 MB", () => {
    const err = refusal(() => parse(Buffer.alloc(50 * 1024 * 1024 + 1, 0x20)));
    expect(err.status).toBe(413);
  });
});
