import iconv from "iconv-lite";
import { said } from "../../../shared/messages/errorMessages";
import { AppError } from "../../errors";

/** Largest export accepted, in bytes (50 MB): a court list of 100,000 rows is about 30 MB. */
export const MAX_EXPORT_BYTES = 50 * 1024 * 1024;

/** An export turned into text, with what was found out about it on the way. */
export interface DecodedExport {
  format: "csv" | "json";
  encoding: "utf-8" | "gb18030";
  /** Whether a UTF-8 byte-order mark was present (and removed). */
  bom: boolean;
  text: string;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads an export's bytes as text and tells CSV from JSON by content, never by file name.
 *
 * Encoding heuristic: a UTF-8 BOM means UTF-8 (and must then be valid UTF-8). Without one, bytes
 * that are valid UTF-8 are UTF-8 — Chinese text in GB18030 is almost never valid UTF-8, because
 * GB18030 pairs are two bytes ≥ 0x81 where UTF-8 wants a lead byte followed by 0x80–0xBF
 * continuation bytes of a fixed count. Anything else is decoded as GB18030 (what Chinese
 * spreadsheet software saves, a superset of GBK and GB2312) and accepted only if every byte
 * sequence is valid there. UTF-16/32 (BOM or NUL bytes), spreadsheet workbooks and other binary
 * files are refused with a sentence saying what to do. A file in another legacy encoding
 * (Big5, Shift-JIS) may decode as GB18030 gibberish; its headers then match no column and the
 * importer refuses it for missing columns.
 */
export function decodeExport(bytes: Buffer, fileName?: string): DecodedExport {
  const what = fileParam(fileName);
  if (bytes.length > MAX_EXPORT_BYTES) {
    throw new AppError(413, "payload_too_large", said("import.fileTooLarge", what));
  }
  refuseKnownBinary(bytes, what);

  let text: string;
  let encoding: DecodedExport["encoding"];
  let bom = false;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    bom = true;
    encoding = "utf-8";
    const decoded = decodeUtf8(bytes.subarray(3));
    if (decoded === undefined) {
      throw new AppError(415, "unsupported_media_type", said("import.badUtf8", what));
    }
    text = decoded;
  } else {
    const decoded = decodeUtf8(bytes);
    if (decoded !== undefined) {
      encoding = "utf-8";
      text = decoded;
    } else {
      encoding = "gb18030";
      text = decodeGb18030(bytes, what);
    }
  }

  if (text.trim() === "") {
    throw new AppError(400, "bad_request", said("import.fileEmpty", what));
  }
  // Tabs, line breaks and the odd stray control character in a cell are the rows' problem; a
  // text file made mostly of control characters is not text.
  const controls = text.match(/(?![\t\n\v\f\r])\p{Cc}/gu)?.length ?? 0;
  if (controls > 0 && controls * 100 > text.length) {
    throw new AppError(415, "unsupported_media_type", said("import.notText", what));
  }
  const first = text.trimStart()[0];
  return { format: first === "[" || first === "{" ? "json" : "csv", encoding, bom, text };
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeGb18030(bytes: Buffer, what: { file: string }): string {
  const text = iconv.decode(bytes, "gb18030");
  // iconv-lite substitutes U+FFFD for sequences GB18030 does not define. A genuine U+FFFD is
  // encodable (84 31 A4 37) but has no business in a court export, so treat it as a failure.
  if (text.includes("\uFFFD")) {
    throw new AppError(415, "unsupported_media_type", said("import.notGb18030", what));
  }
  return text;
}

function refuseKnownBinary(bytes: Buffer, what: { file: string }): void {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  const refuse = (
    reason:
      "import.utf16" | "import.workbook" | "import.oldWorkbook" | "import.pdf" | "import.nulBytes",
  ): never => {
    throw new AppError(415, "unsupported_media_type", said(reason, what));
  };
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) refuse("import.utf16");
  if (starts(0x50, 0x4b, 0x03, 0x04)) refuse("import.workbook");
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) refuse("import.oldWorkbook");
  if (starts(0x25, 0x50, 0x44, 0x46)) refuse("import.pdf");
  // NUL never appears in UTF-8 or GB18030 text; it does in UTF-16 without a BOM and in binaries.
  if (bytes.includes(0)) refuse("import.nulBytes");
}

/**
 * The file as the import's sentences name it: " NAME" after "The file" (or nothing), so the
 * English reads "The file court.csv is empty." and "The file is empty." alike.
 */
export function fileParam(fileName: string | undefined): { file: string } {
  return { file: fileName === undefined || fileName === "" ? "" : ` ${fileName}` };
}
