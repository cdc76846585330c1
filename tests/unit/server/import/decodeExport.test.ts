import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../../server/errors";
import { decodeExport, MAX_EXPORT_BYTES } from "../../../../server/services/import/decodeExport";
import { buildCourtExportRows, toCsv, toJson } from "../../../fixtures/courtExport";

function refusal(bytes: Buffer, fileName?: string): AppError {
  try {
    decodeExport(bytes, fileName);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected decodeExport to refuse the file");
}

describe("decodeExport", () => {
  const rows = buildCourtExportRows(5);

  it("reads UTF-8 with a BOM and drops the BOM", () => {
    const d = decodeExport(toCsv(rows, { bom: true }));
    expect(d).toMatchObject({ format: "csv", encoding: "utf-8", bom: true });
    expect(d.text.startsWith("被执行人姓名/名称,")).toBe(true);
  });

  it("reads UTF-8 without a BOM", () => {
    const d = decodeExport(toCsv(rows, { bom: false, eol: "\n" }));
    expect(d).toMatchObject({ format: "csv", encoding: "utf-8", bom: false });
    expect(d.text).toContain(rows[1]?.["被执行人姓名/名称"]);
  });

  it("recognises GB18030, what Chinese spreadsheets save", () => {
    const bytes = toCsv(rows, { encoding: "gb18030" });
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toThrow();
    const d = decodeExport(bytes);
    expect(d).toMatchObject({ format: "csv", encoding: "gb18030", bom: false });
    expect(d.text).toBe(toCsv(rows, { bom: false }).toString("utf8"));
  });

  it("decodes characters outside GBK through GB18030's four-byte forms", () => {
    const text = "被执行人姓名/名称\r\n𠀋三\r\n";
    expect(decodeExport(iconv.encode(text, "gb18030")).text).toBe(text);
  });

  it("tells JSON from CSV by content, not by name", () => {
    expect(decodeExport(toJson(rows), "export.csv").format).toBe("json");
    expect(decodeExport(toCsv(rows), "export.json").format).toBe("csv");
  });

  it.each([
    [
      "UTF-16 LE",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("姓名", "utf16le")]),
      /UTF-16/,
    ],
    ["an xlsx workbook", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), /Excel workbook/],
    ["an xls workbook", Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1]), /old Excel/],
    ["a PDF", Buffer.from("%PDF-1.7\n"), /PDF/],
    ["a binary with NUL bytes", Buffer.from([0x41, 0x00, 0x42, 0x43]), /not a text file/],
    ["UTF-16 without a BOM", Buffer.from("姓名,性别", "utf16le"), /not a text file/],
    ["an empty file", Buffer.alloc(0), /is empty/],
    ["a blank file", Buffer.from(" \r\n\r\n"), /is empty/],
    [
      "invalid UTF-8 after a BOM",
      Buffer.from([0xef, 0xbb, 0xbf, 0x41, 0xc3, 0x28]),
      /not valid UTF-8/,
    ],
    [
      "bytes neither UTF-8 nor GB18030",
      Buffer.from([0x41, 0x81, 0x20, 0x42]),
      /neither UTF-8 nor GB18030/,
    ],
  ])("refuses %s with a 4xx and one sentence", (_what, bytes, message) => {
    const err = refusal(bytes);
    expect(err.status).toBeGreaterThanOrEqual(400);
    expect(err.status).toBeLessThan(500);
    expect(err.message).toMatch(message);
    expect(err.message.trim().endsWith(".")).toBe(true);
  });

  it("names the file in its sentence", () => {
    expect(refusal(Buffer.alloc(0), "court.csv").message).toBe("The file court.csv is empty.");
  });

  it("refuses a file over 50 MB before reading it", () => {
    const err = refusal(Buffer.alloc(MAX_EXPORT_BYTES + 1, 0x41));
    expect(err.status).toBe(413);
    expect(err.code).toBe("payload_too_large");
    expect(err.message).toMatch(/larger than 50 MB/);
  });
});
