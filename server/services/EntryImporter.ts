import { randomUUID } from "node:crypto";
import type { EntryInput } from "../../shared/schemas/entry";
import type { ImportReport, ImportRow } from "../../shared/schemas/importReport";
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
  /** Who runs the import: its entries' submitter, who may not approve them. */
  actor: IntakeActor;
  /** How the import came in, when not through the console: recorded in its audit record. */
  via?: "cli";
  onProgress?: (p: ImportProgress) => void;
}

/**
 * Imports a court export: every row validated and reported; accepted rows are written in one
 * transaction, so a crash leaves no half-imported batch; a case already present (same case
 * number and court) is left unchanged, which makes re-importing the same export a no-op.
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
        `The export lacks the column(s) ${parsed.columnsMissing.join(", ")}; nothing was imported.`,
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

    for (const [i, row] of parsed.rows.entries()) {
      if (i % 50 === 0) progress({ phase: "checking", done: i, total });
      if (!row.ok) {
        reports.push({ line: row.line, status: "refused", reasons: row.errors });
        continue;
      }
      if (row.entry.expiryDate <= today) {
        reports.push({
          line: row.line,
          status: "refused",
          reasons: [
            `The listing expired on ${row.entry.expiryDate}; set --expiry or the listing period to import it.`,
          ],
        });
        continue;
      }
      const key = `${row.entry.caseNumber}\u0000${row.entry.court}`;
      const firstLine = seenInFile.get(key);
      if (firstLine !== undefined) {
        reports.push({
          line: row.line,
          status: "refused",
          reasons: [`Same case as line ${firstLine}.`],
        });
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
      const photoName = row.photoName;
      if (photoName) {
        try {
          photo =
            (await opts.photos.get(photoName)) ??
            (await opts.photos.get(`${row.entry.caseNumber}.jpg`));
          if (!photo)
            throw new AppError(400, "bad_request", `The photo ${photoName} was not supplied.`);
          await this.deps.checkPhoto(photo);
        } catch (err) {
          const why = err instanceof AppError || err instanceof Error ? err.message : String(err);
          reports.push({
            line: row.line,
            status: "refused",
            reasons: [`Photo ${photoName}: ${why}`],
          });
          continue;
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
        if (i % 200 === 0) progress({ phase: "saving", done: i, total: accepted.length });
      }
      const counts = {
        accepted: countOf("accepted"),
        unchanged: countOf("unchanged"),
        refused: countOf("refused"),
      };
      await insertImportBatch(trx, {
        id: batchId,
        file_name: opts.fileName,
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
          fileName: opts.fileName,
          kind: opts.kind,
          districtIds: opts.districtIds,
          total,
          ...counts,
          ...(opts.via === undefined ? {} : { via: opts.via }),
        },
      });
      return counts;
    });
    progress({ phase: "done", done: total, total });
    this.deps.log.info({ batchId, fileName: opts.fileName, total, ...counts }, "import finished");
    return { batchId, fileName: opts.fileName, total, ...counts, rows: reports };
  }
}
