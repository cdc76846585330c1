import { Router, type Request, type Response } from "express";
import { principalOf } from "../../http/session";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import { said } from "../../../shared/messages/errorMessages";
import { AppError } from "../../errors";
import { readMultipart } from "../../http/readMultipart";
import { validate } from "../../http/validate";
import type { ImportProgressEvent } from "../../../shared/schemas/importProgress";
import type { ImportReport } from "../../../shared/schemas/importReport";
import type { EntryImporter, ImportProgress } from "../../services/EntryImporter";
import { ImportSlots } from "../../services/import/ImportSlots";
import { noPhotos, zipPhotoSource } from "../../services/photoSource";
import { ImportFormSchema } from "./schema";
import type { ImportOutcome } from "../../services/ServerMetrics";

/** Largest export file accepted over HTTP. */
export const MAX_EXPORT_BYTES = 50 * 1024 * 1024;
/** Largest photo archive accepted over HTTP; bigger sets go through `signage import --photos DIR`. */
export const MAX_PHOTO_ZIP_BYTES = 200 * 1024 * 1024;

/**
 * Turns the importer's progress into events for the console: every change of phase and the end
 * at once, otherwise at most five a second (a 100,000-row import reports thousands of steps).
 */
export function progressReporter(
  progressId: string,
  send: (e: ImportProgressEvent) => void,
  now: () => number = Date.now,
): (p: ImportProgress) => void {
  let lastAt = 0;
  let lastPhase = "";
  return (p) => {
    const t = now();
    if (p.phase === lastPhase && p.phase !== "done" && t - lastAt < 200) return;
    lastAt = t;
    lastPhase = p.phase;
    send({ progressId, ...p });
  };
}

/** /api/imports: bulk import of a court export (CSV or JSON) with an optional zip of photos. */
export function importsRouter(deps: {
  importer: EntryImporter;
  access: AccessPolicy;
  /** Sends progress to the user's console sockets. */
  progress?: (userId: string, event: ImportProgressEvent) => void;
  /** Told how each import that reached the importer ended (the metrics count them). */
  finished?: (outcome: ImportOutcome) => void;
  /** Imports at once, per user and in all (one and two unless given). */
  slots?: ImportSlots;
}): Router {
  const router = Router();
  const slots = deps.slots ?? new ImportSlots();
  router.post("/", async (req, res) => {
    const p = principalOf(req);
    deps.access.requirePermission(p, "entry.import");
    if (!req.is("multipart/form-data")) {
      throw new AppError(415, "unsupported_media_type", said("import.notMultipart"));
    }
    // The slot is taken before the upload is read: a refused import costs no memory.
    const release = slots.acquire(p.id);
    try {
      await runImport(req, res, p);
    } finally {
      release();
    }
  });

  const runImport = async (
    req: Request,
    res: Response,
    p: ReturnType<typeof principalOf>,
  ): Promise<void> => {
    const form = await readMultipart(req, {
      files: { file: { maxBytes: MAX_EXPORT_BYTES }, photos: { maxBytes: MAX_PHOTO_ZIP_BYTES } },
      fields: ["kind", "districtIds", "expiryDate", "listingYears", "withoutPhotos", "progressId"],
    });
    const fields = validate(ImportFormSchema, form.fields, "import form");
    await deps.access.requireDistricts(p, "entry.import", fields.districtIds);
    const file = form.files["file"];
    if (!file) throw new AppError(400, "bad_request", said("import.fileMissing"));
    const zip = form.files["photos"];
    // Held in memory while the import runs: photos barely compress, so twice the upload limit
    // is plenty for real archives and stops a zip bomb from exhausting the server.
    const photos = zip
      ? await zipPhotoSource(zip.bytes, { maxTotalBytes: 2 * MAX_PHOTO_ZIP_BYTES })
      : noPhotos;
    const report = await counted(deps.finished, () =>
      deps.importer.run(file.bytes, {
        fileName: file.fileName,
        kind: fields.kind,
        districtIds: fields.districtIds,
        photos,
        ...(fields.withoutPhotos === true ? { withoutPhotos: true } : {}),
        actor: { type: "user", id: p.id },
        ...(fields.progressId && deps.progress
          ? { onProgress: progressReporter(fields.progressId, (e) => deps.progress?.(p.id, e)) }
          : {}),
        ...(fields.expiryDate ? { expiryDate: fields.expiryDate } : {}),
        ...(fields.listingYears ? { defaultListingYears: fields.listingYears } : {}),
      }),
    );
    res.status(report.accepted > 0 ? 201 : 200).json({ report: report satisfies ImportReport });
  };
  return router;
}

/** Runs an import and tells `finished` whether it completed, was refused (4xx) or failed. */
async function counted<T>(
  finished: ((outcome: ImportOutcome) => void) | undefined,
  run: () => Promise<T>,
): Promise<T> {
  try {
    const result = await run();
    finished?.("completed");
    return result;
  } catch (err) {
    finished?.(err instanceof AppError && err.status < 500 ? "refused" : "failed");
    throw err;
  }
}
