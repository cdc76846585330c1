import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Kysely } from "kysely";
import {
  playExportPage,
  type PlayExportCursor,
  type PlayExportFilter,
  type PlayExportRow,
} from "../store/playExport";
import type { Database } from "../store/schema";
import { neutraliseForSpreadsheet } from "./import/neutraliseForSpreadsheet";

/** The columns of a proof-of-play export, in order (the CSV header, the JSON keys). */
export const PLAY_EXPORT_COLUMNS = [
  "startedAt",
  "durationMs",
  "screenId",
  "screenName",
  "districtId",
  "kind",
  "contentId",
  "contentLabel",
  "version",
  "playId",
  "receivedAt",
] as const;

/** One exported play, as the file holds it. */
export type ExportedPlay = Record<(typeof PLAY_EXPORT_COLUMNS)[number], string | number | null>;

/** Plays read from the store per page: memory stays flat whatever the range holds. */
const PAGE_SIZE = 1_000;

/**
 * A CSV cell: quoted when it holds a comma, quote or line break; a text starting with = + - @
 * (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet never runs it as a
 * formula (OWASP "CSV injection"). Numbers are written as they are.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  // Leading whitespace is looked through too (" =cmd" is a formula to some spreadsheets).
  const safe = neutraliseForSpreadsheet(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The export's shape of a stored play. */
function shape(r: PlayExportRow): ExportedPlay {
  return {
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    screenId: r.screen_id,
    screenName: r.screen_name,
    districtId: r.district_id,
    kind: r.kind,
    contentId: r.content_id,
    contentLabel: r.content_label,
    version: r.version,
    playId: r.play_id,
    receivedAt: r.received_at,
  };
}

/** Every play the filter covers, in time order, read a page at a time. */
export async function* readPlays(
  db: Kysely<Database>,
  filter: PlayExportFilter,
  pageSize = PAGE_SIZE,
): AsyncGenerator<ExportedPlay> {
  let cursor: PlayExportCursor | null = null;
  for (;;) {
    const page = await playExportPage(db, filter, cursor, pageSize);
    for (const row of page) yield shape(row);
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    cursor = { startedAt: last.started_at, screenId: last.screen_id, playId: last.play_id };
  }
}

/**
 * Writes plays to `out` as CSV (a header row, CRLF lines, an optional UTF-8 BOM for
 * spreadsheets) or as one JSON object `{ from, to, plays: [...] }`, waiting whenever `out` is
 * full, so a slow client holds back reading instead of filling memory. Stops early, quietly,
 * when `out` is closed (the client went away). Returns the number of plays written.
 */
export async function writePlayExport(
  out: Writable,
  plays: AsyncIterable<ExportedPlay>,
  opts: { format: "csv" | "json"; bom: boolean; from: string; to: string | null },
): Promise<number> {
  const write = async (chunk: string): Promise<boolean> => {
    if (out.destroyed || out.writableEnded) return false;
    if (!out.write(chunk)) await Promise.race([once(out, "drain"), once(out, "close")]);
    return !out.destroyed;
  };
  let count = 0;
  let buffer = "";
  // Rows go out in chunks of about 64 KB: one write per row would cost more than the row.
  const flushAt = 64 * 1024;
  if (opts.format === "csv") {
    if (!(await write(`${opts.bom ? "\uFEFF" : ""}${PLAY_EXPORT_COLUMNS.join(",")}\r\n`))) return 0;
    for await (const p of plays) {
      buffer += `${PLAY_EXPORT_COLUMNS.map((c) => csvCell(p[c])).join(",")}\r\n`;
      count += 1;
      if (buffer.length >= flushAt) {
        if (!(await write(buffer))) return count;
        buffer = "";
      }
    }
  } else {
    const head = `{"from":${JSON.stringify(opts.from)},"to":${JSON.stringify(opts.to)},"plays":[`;
    if (!(await write(head))) return 0;
    for await (const p of plays) {
      buffer += `${count === 0 ? "" : ","}\n${JSON.stringify(p)}`;
      count += 1;
      if (buffer.length >= flushAt) {
        if (!(await write(buffer))) return count;
        buffer = "";
      }
    }
    buffer += "\n]}\n";
  }
  if (buffer !== "") await write(buffer);
  out.end();
  return count;
}
