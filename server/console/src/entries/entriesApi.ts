import type { EntryInput, EntryKind, EntryState } from "../../../../shared/schemas/entry";
import {
  EntryAnswerSchema,
  EntryPageSchema,
  type EntryPage,
  type EntryView,
} from "../../../../shared/schemas/entryView";
import { ImportAnswerSchema, type ImportReport } from "../../../../shared/schemas/importReport";
import type { RevokeInput } from "../../../../shared/schemas/moderation";
import { queryString, request } from "../lib/api";

/** The filters of the entries list (GET /api/entries); empty means "any". */
export interface EntryFilter {
  kind: EntryKind | "";
  state: EntryState | "";
  district: string;
  q: string;
}

/** One page of entries matching `filter`, after `cursor`. */
export async function fetchEntries(
  filter: EntryFilter,
  cursor: string | null,
  limit = 25,
): Promise<EntryPage> {
  const q = filter.q.trim();
  return request(
    `/api/entries${queryString({
      kind: filter.kind,
      state: filter.state,
      district: filter.district,
      q,
      limit,
      cursor: cursor ?? undefined,
    })}`,
    EntryPageSchema,
  );
}

/** Creates an entry, with its photo when one is given (multipart: "entry" JSON + "photo"). */
export async function createEntry(input: EntryInput, photo: File | null): Promise<EntryView> {
  const body = new FormData();
  body.set("entry", JSON.stringify(input));
  if (photo) body.set("photo", photo, photo.name);
  return (await request("/api/entries", EntryAnswerSchema, { method: "POST", body })).entry;
}

/** Takes an entry down from every screen, with the reason. */
export async function revokeEntry(id: string, input: RevokeInput): Promise<EntryView> {
  return (
    await request(`/api/entries/${id}/revoke`, EntryAnswerSchema, { method: "POST", body: input })
  ).entry;
}

/** What an operator sends with a court export. */
export interface ImportRequest {
  kind: EntryKind;
  districtIds: string[];
  expiryDate: string;
  listingYears: string;
  file: File;
  photos: File | null;
  /** Names the import's progress events (see importProgress.ts). */
  progressId?: string;
}

/** Imports a court export (CSV or JSON) with an optional zip of photos; answers the report. */
export async function importExport(input: ImportRequest): Promise<ImportReport> {
  const body = new FormData();
  body.set("kind", input.kind);
  body.set("districtIds", input.districtIds.join(","));
  if (input.expiryDate !== "") body.set("expiryDate", input.expiryDate);
  if (input.listingYears !== "") body.set("listingYears", input.listingYears);
  body.set("file", input.file, input.file.name);
  if (input.photos) body.set("photos", input.photos, input.photos.name);
  if (input.progressId) body.set("progressId", input.progressId);
  return (
    await request("/api/imports", ImportAnswerSchema, {
      method: "POST",
      body,
    })
  ).report;
}

/** The report as CSV (one line per row), for the operator to keep or fix the file from. */
export function importReportCsv(report: ImportReport): string {
  const cell = (v: string | number): string => {
    let s = String(v);
    // A cell starting with = + - @ would be a formula in a spreadsheet.
    if (/^[=+\-@]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [["line", "status", "caseNumber", "entryId", "reasons"].join(",")];
  for (const r of report.rows) {
    lines.push(
      (r.status === "refused"
        ? [r.line, r.status, "", "", r.reasons.join("; ")]
        : [r.line, r.status, r.caseNumber, r.entryId, ""]
      )
        .map(cell)
        .join(","),
    );
  }
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
