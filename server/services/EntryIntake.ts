import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { maskName } from "../../shared/privacy/maskName";
import {
  findPersonalDataInEntry,
  type EntryTextSubject,
} from "../../shared/privacy/entryTextCheck";
import type { EntryEdit, EntryInput } from "../../shared/schemas/entry";
import { RevisionFieldSchema, type RevisionField } from "../../shared/schemas/moderation";
import { AppError } from "../errors";
import type { DataKey, EntryKeyring } from "./crypto/RawVault";
import { entryKeyOf, openIdentity, sealedContext } from "./crypto/entrySecrets";
import {
  bumpRevision,
  deletePhotoAndRenditions,
  districtsOf,
  enqueueRedaction,
  findEntryByCase,
  getEntry,
  insertEntry,
  replaceEntryDistricts,
  saveEntryKey,
  saveRawPhoto,
  supersedeJobs,
  updateEntryInState,
} from "../store/entries";
import { runInTransaction, type UnitOfWork } from "../store/runInTransaction";
import type { Database, EntryRow, NewEntryRow } from "../store/schema";
import type { AuditLog } from "./AuditLog";
import type { ChangeFeed } from "./ChangeFeed";
import { isUniqueViolation } from "../store/uniqueViolation";
import { said } from "../../shared/messages/errorMessages";

/** Makes and opens per-entry data keys and fingerprints ID numbers; implemented by RawVault. */
export interface Sealer extends EntryKeyring {
  idFingerprint(idNumber: string): string;
}

/** Refuses district ids that do not exist; implemented by DistrictRegistry. */
export interface DistrictCheck {
  requireExisting(ids: readonly string[]): Promise<void>;
}

/** Checks an uploaded photo by content; throws an error with a 4xx meaning when it is refused. */
export type PhotoCheck = (bytes: Buffer) => Promise<void>;

export { sealedContext };

/** Today's date (UTC) as YYYY-MM-DD, for refusing entries that would be expired on arrival. */
export function todayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** A new public notice id: 128 random bits, base64url (unguessable, not the database id). */
export function newPublicId(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * Builds the row for a new entry: name masked by rule; full name and ID number sealed under the
 * entry's data key, never stored plain.
 */
export function buildEntryRow(
  input: EntryInput,
  opts: {
    id: string;
    at: string;
    source: string;
    hasPhoto: boolean;
    sealer: Sealer;
    /** The entry's own data key (store its wrapped form with the row). */
    dataKey: DataKey;
    /** The user who submits it (null from the command line). */
    actorId: string | null;
  },
): NewEntryRow {
  return {
    id: opts.id,
    kind: input.kind,
    subject_type: input.subjectType,
    state: "pending_review",
    full_name_sealed: opts.dataKey.seal(
      Buffer.from(input.fullName, "utf8"),
      sealedContext.fullName(opts.id),
    ),
    masked_name: maskName(input.fullName, {
      subjectType: input.subjectType,
      people: [input.legalRepresentative],
    }),
    id_number_sealed:
      input.idNumber === undefined
        ? null
        : opts.dataKey.seal(Buffer.from(input.idNumber, "utf8"), sealedContext.idNumber(opts.id)),
    id_fingerprint: input.idNumber === undefined ? null : opts.sealer.idFingerprint(input.idNumber),
    sex: input.sex,
    legal_representative: input.legalRepresentative ?? null,
    case_number: input.caseNumber,
    court: input.court,
    obligation: input.obligation,
    amount_minor: input.amountMinor ?? null,
    currency: input.currency,
    performance: input.performance,
    listing_ground: input.listingGround,
    legal_basis_number: input.legalBasisNumber,
    legal_basis_issuer: input.legalBasisIssuer,
    listing_date: input.listingDate,
    public_id: newPublicId(),
    expiry_date: input.expiryDate,
    source: opts.source,
    has_photo: opts.hasPhoto ? 1 : 0,
    // Without a photo there is nothing to redact; a moderator still reviews the entry.
    redaction_status: "none",
    redaction_reason: null,
    created_at: opts.at,
    updated_at: opts.at,
    created_by: opts.actorId,
    submitted_by: opts.actorId,
    reviewed_by: null,
    reviewed_at: null,
    review_note: null,
    revoked_by: null,
    revoked_at: null,
    revoke_reason: null,
    manual_regions_json: null,
    published_version: null,
    revision: 1,
    revision_changes_json: null,
    redaction_concerns_json: null,
    crop_json: null,
    cover_all: 0,
  };
}

/**
 * Refuses an entry whose public texts carry personal data (entryTextCheck): the listed person's
 * or the legal representative's full name, an ID or phone number. A 400 naming the first field,
 * every finding in `issues`; nothing is written.
 */
export function refusePersonalDataInText(entry: EntryTextSubject): void {
  const findings = findPersonalDataInEntry(entry);
  const [first] = findings;
  if (first === undefined) return;
  throw new AppError(
    400,
    "personal_data",
    said("entry.personalData", {
      field: first.field,
      found: first.message,
    }),
    findings.map((f) => ({ path: f.field, message: f.message })),
  );
}

/** Who takes an entry in or changes it. */
export type IntakeActor = { type: "user"; id: string } | { type: "cli" };

/** The user id of an actor, or null for the command line. */
export function actorIdOf(actor: IntakeActor): string | null {
  return actor.type === "user" ? actor.id : null;
}

/** What taking entries in needs; shared by single intake and bulk import. */
export interface IntakeDeps {
  db: Kysely<Database>;
  sealer: Sealer;
  checkPhoto: PhotoCheck;
  log: Logger;
  /** Refuses unknown district ids. */
  districts: DistrictCheck;
  /** Records withdrawals from screens and wakes the redaction queue after the commit. */
  changes: ChangeFeed;
  /** Writes create, edit and import records. */
  audit: AuditLog;
  /** Open consoles reload their entries list and review queue after each change. */
  consoles?: { changed(topic: "entries"): void };
  now?: () => Date;
}

/** Takes new entries in: validates the photo, seals raw data, queues redaction, all or nothing. */
export class EntryIntake {
  constructor(private readonly deps: IntakeDeps) {}

  /** Creates one entry; a duplicate case (same case number and court) is a 409. */
  async create(
    input: EntryInput,
    photo: Buffer | undefined,
    source: string,
    actor: IntakeActor,
  ): Promise<EntryRow> {
    const now = this.deps.now?.() ?? new Date();
    if (input.expiryDate <= todayOf(now)) {
      throw new AppError(
        400,
        "validation_failed",
        said("entry.expiryPassed", { date: input.expiryDate }),
      );
    }
    refusePersonalDataInText(input);
    await this.deps.districts.requireExisting(input.districtIds);
    if (photo) await this.deps.checkPhoto(photo);
    const id = randomUUID();
    const at = now.toISOString();
    const dataKey = this.deps.sealer.createDataKey(id);
    const row = buildEntryRow(input, {
      id,
      at,
      source,
      hasPhoto: photo !== undefined,
      sealer: this.deps.sealer,
      dataKey: dataKey.key,
      actorId: actorIdOf(actor),
    });
    try {
      await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
        const { trx } = uow;
        const existing = await findEntryByCase(trx, input.caseNumber, input.court);
        if (existing) {
          throw new AppError(
            409,
            "conflict",
            said("entry.duplicateCase", {
              caseNumber: input.caseNumber,
              court: input.court,
              id: existing.id,
            }),
          );
        }
        await insertEntry(trx, row, input.districtIds);
        await saveEntryKey(trx, id, dataKey.wrapped, at);
        if (photo) {
          await saveRawPhoto(trx, id, dataKey.key.seal(photo, sealedContext.photo(id)), at);
          await enqueueRedaction(trx, id, at);
          this.deps.changes.redactionQueued(uow);
        }
        await this.deps.audit.record(trx, {
          actor: actor.type === "user" ? actor : { type: "cli" },
          action: "entry.created",
          target: { type: "entry", id },
          details: {
            kind: input.kind,
            caseNumber: input.caseNumber,
            court: input.court,
            maskedName: row.masked_name,
            districtIds: input.districtIds,
            hasPhoto: photo !== undefined,
            hasIdNumber: input.idNumber !== undefined,
            source,
          },
        });
        this.tellConsoles(uow);
      });
    } catch (err) {
      // Two creates of one case at the same moment: the unique index decides, as a 409.
      if (isUniqueViolation(err)) {
        throw new AppError(
          409,
          "conflict",
          said("entry.duplicateCaseShort", { caseNumber: input.caseNumber, court: input.court }),
        );
      }
      throw err;
    }
    this.deps.log.info({ entryId: id, source, hasPhoto: photo !== undefined }, "entry created");
    return { ...row, redaction_status: photo ? "queued" : "none" } as EntryRow;
  }

  private async editable(id: string): Promise<EntryRow> {
    const row = await getEntry(this.deps.db, id);
    if (!row) throw new AppError(404, "not_found", said("entry.notFound", { id }));
    if (row.state === "revoked" || row.state === "expired") {
      throw new AppError(409, "conflict", said("entry.unchangeableState", { state: row.state }));
    }
    return row;
  }

  /**
   * Edits an entry. The name is masked again, the ID number sealed again, and an approved
   * entry goes back to review: what a screen shows never changes without a second pair of eyes.
   */
  async edit(id: string, edit: EntryEdit, actor: IntakeActor): Promise<EntryRow> {
    const row = await this.editable(id);
    const now = this.deps.now?.() ?? new Date();
    const at = now.toISOString();
    const listingDate = edit.listingDate ?? row.listing_date;
    const expiryDate = edit.expiryDate ?? row.expiry_date;
    if (expiryDate <= listingDate) {
      throw new AppError(400, "validation_failed", said("entry.expiryBeforeListing"));
    }
    if (expiryDate <= todayOf(now)) {
      throw new AppError(
        400,
        "validation_failed",
        said("entry.expiryPassedShort", { date: expiryDate }),
      );
    }
    if (edit.districtIds) await this.deps.districts.requireExisting(edit.districtIds);
    // The data key seals what changes; the full name is opened to mask it again by rule.
    const dataKey = await entryKeyOf(this.deps.db, this.deps.sealer, id);
    const identity = await openIdentity(this.deps.db, this.deps.sealer, id);
    const fullName = edit.fullName ?? identity.fullName;
    if (dataKey === undefined || fullName === undefined)
      throw new AppError(409, "conflict", said("entry.rawDataErased"));
    const subjectType = edit.subjectType ?? row.subject_type;
    const legalRepresentative =
      edit.legalRepresentative === undefined ? row.legal_representative : edit.legalRepresentative;
    // The texts as they will be, against the name as it will be (an edit of either counts).
    refusePersonalDataInText({
      subjectType,
      fullName,
      legalRepresentative,
      idNumber: edit.idNumber === undefined ? identity.idNumber : edit.idNumber,
      caseNumber: edit.caseNumber ?? row.case_number,
      court: edit.court ?? row.court,
      obligation: edit.obligation ?? row.obligation,
      performance: edit.performance ?? row.performance,
      listingGround: edit.listingGround ?? row.listing_ground,
      legalBasisNumber: edit.legalBasisNumber ?? row.legal_basis_number,
      legalBasisIssuer: edit.legalBasisIssuer ?? row.legal_basis_issuer,
    });
    const set: Partial<NewEntryRow> = {
      subject_type: subjectType,
      masked_name: maskName(fullName, { subjectType, people: [legalRepresentative] }),
      sex: edit.sex ?? row.sex,
      legal_representative: legalRepresentative,
      case_number: edit.caseNumber ?? row.case_number,
      court: edit.court ?? row.court,
      obligation: edit.obligation ?? row.obligation,
      amount_minor: edit.amountMinor === undefined ? row.amount_minor : edit.amountMinor,
      currency: edit.currency ?? row.currency,
      performance: edit.performance ?? row.performance,
      listing_ground: edit.listingGround ?? row.listing_ground,
      legal_basis_number: edit.legalBasisNumber ?? row.legal_basis_number,
      legal_basis_issuer: edit.legalBasisIssuer ?? row.legal_basis_issuer,
      listing_date: listingDate,
      expiry_date: expiryDate,
      // Any change of what a screen shows needs review again.
      state: row.state === "approved" || row.state === "rejected" ? "pending_review" : row.state,
      updated_at: at,
      // The editor is now a submitter too: they may not approve what they changed.
      submitted_by: actorIdOf(actor),
    };
    if (edit.fullName !== undefined)
      set.full_name_sealed = dataKey.seal(
        Buffer.from(edit.fullName, "utf8"),
        sealedContext.fullName(id),
      );
    if (edit.idNumber !== undefined) {
      set.id_number_sealed =
        edit.idNumber === null
          ? null
          : dataKey.seal(Buffer.from(edit.idNumber, "utf8"), sealedContext.idNumber(id));
      set.id_fingerprint =
        edit.idNumber === null ? null : this.deps.sealer.idFingerprint(edit.idNumber);
    }
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      const districtsBefore = (await districtsOf(trx, [id])).get(id) ?? [];
      const clash = await findEntryByCase(
        trx,
        set.case_number ?? row.case_number,
        set.court ?? row.court,
      );
      if (clash && clash.id !== id) {
        throw new AppError(
          409,
          "conflict",
          said("entry.duplicateCase", {
            caseNumber: clash.case_number,
            court: clash.court,
            id: clash.id,
          }),
        );
      }
      // Guarded in SQL: `row` was read before this transaction, and a revoke or expiry that
      // landed since must not be undone (issue 14 item 9).
      if (!(await updateEntryInState(trx, id, row.state, set))) throw changedMeanwhile();
      const changes = describeChanges(row, set, edit, districtsBefore);
      // An approval of the revision before this edit no longer holds.
      await bumpRevision(trx, id, revisionFieldsOf(changes), actorIdOf(actor), at);
      if (edit.districtIds) await replaceEntryDistricts(trx, id, edit.districtIds);
      // Screens drop an approved entry that changed until it is approved again, in the
      // districts it left too. The change log comes before the audit log (transactionLocks.ts).
      if (row.state === "approved")
        await this.deps.changes.entry(uow, "entry.withdrawn", id, at, {
          alsoDistricts: districtsBefore,
        });
      await this.deps.audit.record(trx, {
        actor: actor.type === "user" ? actor : { type: "cli" },
        action: "entry.edited",
        target: { type: "entry", id },
        details: {
          changes,
          stateBefore: row.state,
          stateAfter: set.state,
        },
      });
      this.tellConsoles(uow);
    });
    this.deps.log.info({ entryId: id, fields: Object.keys(edit) }, "entry edited");
    const updated = await getEntry(this.deps.db, id);
    if (!updated) throw new AppError(404, "not_found", said("entry.notFound", { id }));
    return updated;
  }

  /** Replaces an entry's photo: old renditions are dropped at once and a new redaction is queued. */
  async replacePhoto(id: string, photo: Buffer, actor: IntakeActor): Promise<EntryRow> {
    const row = await this.editable(id);
    await this.deps.checkPhoto(photo);
    const dataKey = await entryKeyOf(this.deps.db, this.deps.sealer, id);
    if (dataKey === undefined) throw new AppError(409, "conflict", said("entry.rawDataErased"));
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      // A redaction still running on the old photo must not land its result afterwards.
      await supersedeJobs(trx, id, at);
      await deletePhotoAndRenditions(trx, id);
      await saveRawPhoto(trx, id, dataKey.seal(photo, sealedContext.photo(id)), at);
      // Guarded in SQL: a revoke or expiry since `row` was read rolls all of this back.
      const done = await updateEntryInState(trx, id, row.state, {
        has_photo: 1,
        redaction_reason: null,
        // Regions drawn on the old photo mean nothing on the new one.
        manual_regions_json: null,
        submitted_by: actorIdOf(actor),
        state: row.state === "approved" || row.state === "rejected" ? "pending_review" : row.state,
        updated_at: at,
      });
      if (!done) throw changedMeanwhile();
      await enqueueRedaction(trx, id, at);
      this.deps.changes.redactionQueued(uow);
      await bumpRevision(trx, id, ["photo"], actorIdOf(actor), at);
      if (row.state === "approved") await this.deps.changes.entry(uow, "entry.withdrawn", id, at);
      await this.deps.audit.record(trx, {
        actor: actor.type === "user" ? actor : { type: "cli" },
        action: "entry.photo_replaced",
        target: { type: "entry", id },
        details: { stateBefore: row.state },
      });
      this.tellConsoles(uow);
    });
    this.deps.log.info({ entryId: id }, "entry photo replaced");
    const updated = await getEntry(this.deps.db, id);
    if (!updated) throw new AppError(404, "not_found", said("entry.notFound", { id }));
    return updated;
  }

  /** After the commit, open consoles reload what they show of entries. */
  private tellConsoles(uow: UnitOfWork): void {
    uow.afterCommit(() => this.deps.consoles?.changed("entries"));
  }
}

/** Sealed columns: named in an audit record as the field they hold, never with their values. */
const SEALED_FIELDS = new Map([
  ["id_number_sealed", "id_number"],
  ["id_fingerprint", "id_number"],
  ["full_name_sealed", "full_name"],
]);
/**
 * Columns whose values are a natural person's full name in plain text (erased with the raw data,
 * deleteRawData): a change is recorded as "changed", never copied into the audit log or the
 * revision history, which outlive it.
 */
const PRIVATE_FIELDS = new Set(["legal_representative"]);

/**
 * Before/after of each changed column for the audit log. Sealed columns (ID number, full name)
 * are named, not shown; the masked name shows the name's change (it outlives the raw data).
 */
export function describeChanges(
  before: EntryRow,
  set: Partial<NewEntryRow>,
  edit: EntryEdit,
  districtsBefore: readonly string[],
): Record<string, { before: unknown; after: unknown } | "changed"> {
  const out: Record<string, { before: unknown; after: unknown } | "changed"> = {};
  for (const [key, after] of Object.entries(set)) {
    if (key === "updated_at" || key === "state" || key === "submitted_by") continue;
    const sealedField = SEALED_FIELDS.get(key);
    if (sealedField !== undefined) {
      out[sealedField] = "changed";
      continue;
    }
    const prior = before[key as keyof EntryRow];
    if (prior !== after) out[key] = PRIVATE_FIELDS.has(key) ? "changed" : { before: prior, after };
  }
  if (edit.districtIds)
    out["district_ids"] = { before: districtsBefore, after: [...new Set(edit.districtIds)].sort() };
  return out;
}

/**
 * The names the revision history gives the columns an edit changed (`describeChanges`' keys:
 * subject_type → subjectType, full_name → fullName), the names the console words. Each is an
 * edit field or the masked name; anything else is a bug, and fails the edit rather than
 * reach a moderator unnamed.
 */
export function revisionFieldsOf(changes: Readonly<Record<string, unknown>>): RevisionField[] {
  return Object.keys(changes).map((column) => {
    const name = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const field = RevisionFieldSchema.safeParse(name);
    if (!field.success) throw new Error(`An edit changed ${column}, which has no revision name.`);
    return field.data;
  });
}

/** The 409 for a change whose entry changed state since it was read (revoked, expired, reviewed). */
function changedMeanwhile(): AppError {
  return new AppError(409, "conflict", said("entry.changedMeanwhileReviewed"));
}
