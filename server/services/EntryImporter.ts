import { randomUUID } from "node:crypto";
import type { EntryInput } from "../../shared/schemas/entry";
import type { ImportReport, ImportRow } from "../../shared/schemas/importReport";
import { said, wordError, type Worded } from "../../shared/messages/errorMessages";
import { veilFileName } from "../../shared/privacy/veilNumbers";
import { AppError } from "../errors";
import {
  enqueueRedaction,
  findEntryByCase,
  insertEntry,
  saveEntryKey,
  saveRawPhoto,
} from "../store/entries";
import { insertImportBatch } from "../store/importBatches";
import {
  actorIdOf,
  buildEntryRow,
  sealedContext,
  todayOf,
  type IntakeActor,
  type IntakeDeps,
} from "./EntryIntake";
import {
  parseCourtExport,
  type ParseCourtExportOptions,
  type ParsedExport,
} from "./import/parseCourtExport";
import type { PhotoSource } from "./photoSource";
import { runInTransaction } from "../store/runInTransaction";

/** Progress of a running import. */
export interface ImportProgress {
  phase: "parsing" | "checking" | "saving" | "done";
  done: number;
  total: number;
}

/** Options of one import run. */
export interface ImportOptions {
  fileName: string;
  kind: EntryInput["kind"];
  districtIds: string[];
  expiryDate?: string;
  defaultListingYears?: number;
  photos: PhotoSource;
  /**
   * Import rows whose photo was not supplied without it (they wait in review for a photo, or a
   * moderator approves them text-only) instead of refusing them.
   */
  withoutPhotos?: boolean;
  /** Who runs the import: its entries' submitter, who may not approve them. */
  actor: IntakeActor;
  /** How the import came in, when not through the console: recorded in its audit record. */
  via?: "cli";
  onProgress?: (p: ImportProgress) => void;
}

/**
 * Imports a court export: every row validated and reported; accepted rows are written in one
 * transaction, so a crash leaves no half-imported batch; a case already present (same case
 * number and court) is left unchanged, which makes re-importing the same export a no-op. Open
 * consoles of this process hear of a batch that added entries once, after its commit (the CLI
 * runs in a process of its own and has none to tell).
 */
export class EntryImporter {
  constructor(
    private readonly deps: IntakeDeps & {
      /** Parses the export; the server passes a worker-thread parser, the CLI parses in place. */
      parse?: (bytes: Buffer, opts: ParseCourtExportOptions) => Promise<ParsedExport>;
    },
  ) {}

  /** Runs one import and returns its report; a file that cannot be read at all is a 4xx. */
  async run(bytes: Buffer, opts: ImportOptions): Promise<ImportReport> {
    const progress = opts.onProgress ?? (() => undefined);
    await this.deps.districts.requireExisting(opts.districtIds);
    progress({ phase: "parsing", done: 0, total: 0 });
    const parse = this.deps.parse ?? ((b, o) => Promise.resolve(parseCourtExport(b, o)));
    const parsed = await parse(bytes, {
      kind: opts.kind,
      districtIds: opts.districtIds,
      ...(opts.expiryDate ? { expiryOverride: opts.expiryDate } : {}),
      ...(opts.defaultListingYears ? { defaultListingYears: opts.defaultListingYears } : {}),
    });
    if (parsed.columnsMissing.length > 0) {
      throw new AppError(
        400,
        "validation_failed",
        said("import.columnsMissingNothingImported", { columns: parsed.columnsMissing.join(", ") }),
      );
    }
    const total = parsed.rows.length;
    const reports: ImportRow[] = [];
    const accepted: {
      line: number;
      entry: EntryInput;
      photo?: Buffer;
      id: string;
      reportIndex: number;
    }[] = [];
    const seenInFile = new Map<string, number>();
    const today = todayOf(this.deps.now?.() ?? new Date());
    const refuse = (line: number, problems: Worded[], reasons?: string[]): void => {
      reports.push({
        line,
        status: "refused",
        reasons: reasons ?? problems.map((p) => wordError(p.reason, p.params, "en")),
        problems,
      });
    };

    for (const [i, row] of parsed.rows.entries()) {
      if (i % 50 === 0) progress({ phase: "checking", done: i, total });
      if (!row.ok) {
        refuse(row.line, row.problems, row.errors);
        continue;
      }
      if (row.entry.expiryDate <= today) {
        refuse(row.line, [said("import.expired", { date: row.entry.expiryDate })]);
        continue;
      }
      const key = `${row.entry.caseNumber}\u0000${row.entry.court}`;
      const firstLine = seenInFile.get(key);
      if (firstLine !== undefined) {
        refuse(row.line, [said("import.sameCase", { line: firstLine })]);
        continue;
      }
      seenInFile.set(key, row.line);
      const existing = await findEntryByCase(this.deps.db, row.entry.caseNumber, row.entry.court);
      if (existing) {
        reports.push({
          line: row.line,
          status: "unchanged",
          entryId: existing.id,
          caseNumber: row.entry.caseNumber,
        });
        continue;
      }
      let photo: Buffer | undefined;
      const notes: Worded[] = [];
      const photoName = row.photoName;
      // As the report (kept with the batch) names it: an ID number or a name as a file name is
      // veiled, the row's own person's name and legal representative first of all.
      const named =
        photoName === undefined
          ? ""
          : veilFileName(photoName, [
              row.entry.subjectType === "person" ? row.entry.fullName : undefined,
              row.entry.legalRepresentative,
            ]);
      if (photoName) {
        try {
          photo =
            (await opts.photos.get(photoName)) ??
            (await opts.photos.get(`${row.entry.caseNumber}.jpg`));
        } catch (err) {
          refuse(row.line, [photoProblem(named, err)], [photoSentence(named, err)]);
          continue;
        }
        if (!photo && !opts.withoutPhotos) {
          refuse(
            row.line,
            [said("import.photoNotSuppliedTryWithout", { photo: named })],
            [`Photo ${named}: The photo ${named} was not supplied.`],
          );
          continue;
        }
        if (!photo) notes.push(said("import.waitsForPhoto", { photo: named }));
        else {
          try {
            await this.deps.checkPhoto(photo);
          } catch (err) {
            refuse(row.line, [photoProblem(named, err)], [photoSentence(named, err)]);
            continue;
          }
        }
      }
      const id = randomUUID();
      accepted.push({
        line: row.line,
        entry: row.entry,
        id,
        reportIndex: reports.length,
        ...(photo ? { photo } : {}),
      });
      reports.push({
        line: row.line,
        status: "accepted",
        entryId: id,
        caseNumber: row.entry.caseNumber,
        ...(notes.length > 0 ? { notes } : {}),
      });
    }

    const batchId = randomUUID();
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const countOf = (status: ImportRow["status"]): number =>
      reports.filter((r) => r.status === status).length;
    progress({ phase: "saving", done: 0, total: accepted.length });
    const counts = await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      for (const [i, a] of accepted.entries()) {
        // Checked again inside the transaction: a case created meanwhile stays unchanged.
        const existing = await findEntryByCase(trx, a.entry.caseNumber, a.entry.court);
        if (existing) {
          reports[a.reportIndex] = {
            line: a.line,
            status: "unchanged",
            entryId: existing.id,
            caseNumber: a.entry.caseNumber,
          };
          continue;
        }
        const dataKey = this.deps.sealer.createDataKey(a.id);
        const row = buildEntryRow(a.entry, {
          id: a.id,
          at,
          source: `import:${batchId}`,
          hasPhoto: a.photo !== undefined,
          sealer: this.deps.sealer,
          dataKey: dataKey.key,
          actorId: actorIdOf(opts.actor),
        });
        await insertEntry(trx, row, a.entry.districtIds);
        await saveEntryKey(trx, a.id, dataKey.wrapped, at);
        if (a.photo) {
          await saveRawPhoto(trx, a.id, dataKey.key.seal(a.photo, sealedContext.photo(a.id)), at);
          await enqueueRedaction(trx, a.id, at);
          this.deps.changes.redactionQueued(uow);
        }
        if (i % 200 === 0) {
          progress({ phase: "saving", done: i, total: accepted.length });
          // SQLite runs the whole batch without leaving the event loop: let the progress out to
          // the console and other requests in (they wait for the transaction's connection).
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      const counts = {
        accepted: countOf("accepted"),
        unchanged: countOf("unchanged"),
        refused: countOf("refused"),
      };
      await insertImportBatch(trx, {
        id: batchId,
        file_name: veilFileName(opts.fileName),
        kind: opts.kind,
        rows_total: total,
        rows_accepted: counts.accepted,
        rows_unchanged: counts.unchanged,
        rows_refused: counts.refused,
        report_json: JSON.stringify(reports),
        created_at: at,
      });
      // One record per batch; the entries name their batch in `source`.
      await this.deps.audit.record(trx, {
        actor: opts.actor,
        action: "entry.imported",
        target: { type: "import_batch", id: batchId },
        details: {
          fileName: veilFileName(opts.fileName),
          kind: opts.kind,
          districtIds: opts.districtIds,
          total,
          ...counts,
          ...(opts.via === undefined ? {} : { via: opts.via }),
        },
      });
      // One notice for the whole batch, after the commit: open consoles reload their entries
      // list and review queue once, however many rows came in.
      if (counts.accepted > 0) uow.afterCommit(() => this.deps.consoles?.changed("entries"));
      return counts;
    });
    progress({ phase: "done", done: total, total });
    // Kept, logged and audited as long as the batch: a file named by an ID number is not whole.
    const fileName = veilFileName(opts.fileName);
    this.deps.log.info({ batchId, fileName, total, ...counts }, "import finished");
    return { batchId, fileName, total, ...counts, rows: reports };
  }
}

/**
 * Why a row's photo was refused: the photo check's own reason when it has one (the console words
 * it), in English as "Photo NAME: …" for the API and the CLI.
 */
function photoProblem(photoName: string, err: unknown): Worded {
  if (err instanceof AppError && err.reason !== undefined) {
    return said(err.reason, { ...err.params, photo: photoName });
  }
  return said("import.photoRefused", { photo: photoName, detail: messageOf(err) });
}

/** The English sentence of a refused photo, as reports have always put it. */
function photoSentence(photoName: string, err: unknown): string {
  return `Photo ${photoName}: ${messageOf(err)}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
