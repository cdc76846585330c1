import type { EntryInput, EntryKind, EntryState } from "../../../../shared/schemas/entry";
import {
  EntryAnswerSchema,
  EntryPageSchema,
  type EntryPage,
  type EntryView,
} from "../../../../shared/schemas/entryView";
import { ImportAnswerSchema, type ImportReport } from "../../../../shared/schemas/importReport";
import type { RevokeInput } from "../../../../shared/schemas/moderation";
import { ApiFailure, failureOf, networkFailure, queryString, request } from "../lib/api";

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
  /** Import rows whose photo is not supplied without it, instead of refusing them. */
  withoutPhotos?: boolean;
  /** Names the import's progress events (see importProgress.ts). */
  progressId?: string;
  /** Told how much of the upload has been sent (0–1); large photo zips take a while. */
  onUpload?: (sent: number) => void;
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
  if (input.withoutPhotos) body.set("withoutPhotos", "true");
  if (input.progressId) body.set("progressId", input.progressId);
  const res = await postWithUploadProgress("/api/imports", body, input.onUpload);
  if (!res.ok) throw await failureOf(res);
  const parsed = ImportAnswerSchema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success)
    throw new ApiFailure(
      "bad_response",
      "The server sent an answer this console does not understand.",
      res.status,
    );
  return parsed.data.report;
}

/**
 * POSTs a form through XMLHttpRequest, the one browser API that reports upload progress (fetch
 * does not), and answers a fetch Response so that the usual failure handling applies.
 */
function postWithUploadProgress(
  path: string,
  body: FormData,
  onUpload?: (sent: number) => void,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Accept", "application/json");
    if (onUpload) {
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable && e.total > 0) onUpload(e.loaded / e.total);
      });
    }
    xhr.addEventListener("load", () => {
      resolve(
        new Response(xhr.status === 204 ? null : xhr.responseText, {
          status: xhr.status,
          headers: { "Content-Type": xhr.getResponseHeader("Content-Type") ?? "application/json" },
        }),
      );
    });
    xhr.addEventListener("error", () => reject(networkFailure()));
    xhr.addEventListener("abort", () => reject(networkFailure()));
    xhr.send(body);
  });
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
