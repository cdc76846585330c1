import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import {
  RedactionConcernSchema,
  type Attention,
  type RedactionConcern,
  type Region,
  type RevokeInput,
} from "../../shared/schemas/moderation";
import { findPersonalDataInEntry, type EntryPublicText } from "../../shared/privacy/entryTextCheck";
import { AppError } from "../errors";
import { refusePersonalDataInReason } from "./reasonRefusal";
import {
  approveEntry,
  bumpRevision,
  deleteRawData,
  enqueueRedaction,
  fieldsChangedSince,
  getEntry,
  loadRawPhoto,
  parseChangedBy,
  rejectEntry,
  revokeEntry,
  setPublishedVersion,
  supersedeJobs,
  updateEntryInState,
} from "../store/entries";
import { suspendingObjection } from "../store/objections";
import { runInTransaction, type UnitOfWork } from "../store/runInTransaction";
import type { BulkApproval, RevisionField } from "../../shared/schemas/moderation";
import type { Database, EntryRow } from "../store/schema";
import type { AuditLog } from "./AuditLog";
import type { ChangeFeed } from "./ChangeFeed";
import type { UserPrincipal } from "./auth/principal";
import { finishErasure, openIdentity, openRawPhoto } from "./crypto/entrySecrets";
import type { KeyUnwrapper } from "./crypto/RawVault";
import { refusePersonalDataInText } from "./EntryIntake";
import type { Opener } from "./RedactionQueue";
import { said, wordError, type ErrorReason } from "../../shared/messages/errorMessages";

type FourEyesRow = Pick<EntryRow, "created_by" | "submitted_by" | "changed_by_json">;

/** Every public text of an entry empty: a reason is checked as the only text there is. */
const NO_PUBLIC_TEXTS: Record<EntryPublicText, string> = {
  caseNumber: "",
  court: "",
  obligation: "",
  performance: "",
  listingGround: "",
  legalBasisNumber: "",
  legalBasisIssuer: "",
};

/**
 * Refuses a reason typed about an entry (a rejection, a takedown's text, an objection's dismissal)
 * that holds personal data with a 400 "personal_data": the reason is kept in the entry, the
 * objection or the append-only audit log, which outlive the erasure of the entry's raw data
 * (DESIGN non-negotiable 8). Besides any ID or phone number, the listed person's own full name,
 * legal representative and ID number are refused. The sentence names what was found and where,
 * never the digits in full.
 */
export async function refuseEntryPersonalDataInReason(
  trx: Transaction<Database>,
  vault: KeyUnwrapper,
  row: EntryRow,
  reason: string,
  key: ErrorReason = "entry.reasonPersonalData",
): Promise<void> {
  const { fullName, idNumber } = await openIdentity(trx, vault, row.id);
  const found = findPersonalDataInEntry({
    ...NO_PUBLIC_TEXTS,
    // The reason is read as one of the entry's texts: one field, whichever.
    obligation: reason,
    subjectType: row.subject_type,
    fullName: fullName ?? "",
    legalRepresentative: row.legal_representative,
    idNumber,
  });
  refusePersonalDataInReason(reason, key, found);
}

/**
 * Why `actor` may not approve or reject `row` (four eyes), or undefined when they may: they
 * created it, made its last change, or changed what it shows since it was last approved. A
 * rejection does not clear that, nor do any number of later changes by others.
 */
export function fourEyesReason(row: FourEyesRow, actorId: string): ErrorReason | undefined {
  if (row.created_by === actorId) return "entry.youCreated";
  if (row.submitted_by === actorId) return "entry.youSubmitted";
  // A list that does not read clears no one: fail closed until a change writes it again.
  const changers = parseChangedBy(row.changed_by_json);
  if (changers === undefined || changers.includes(actorId)) return "entry.youChanged";
  return undefined;
}

/** `fourEyesReason` as the English sentence the review queue shows. */
export function fourEyesRefusal(row: FourEyesRow, actorId: string): string | undefined {
  const reason = fourEyesReason(row, actorId);
  return reason === undefined ? undefined : wordError(reason, {}, "en");
}

/** What a change of treatment says when the entry has no photo, by the change. */
const noPhotoTo = {
  "mark regions on": "entry.noPhotoToMark",
  crop: "entry.noPhotoToCrop",
  cover: "entry.noPhotoToCover",
} as const satisfies Record<string, ErrorReason>;

/** Why an entry in review needs a moderator's attention, most serious first. */
export function attentionOf(row: EntryRow): Attention[] {
  const out: Attention[] = [];
  // A person is shown with a photo; an organisation has no face to show, so none is missed.
  if (row.has_photo === 0) {
    if (row.subject_type === "person") out.push("no_photo");
  } else if (row.redaction_status === "failed") out.push("redaction_failed");
  else if (row.redaction_status === "queued" || row.redaction_status === "processing")
    out.push("redaction_pending");
  else if (row.redaction_status === "needs_review")
    out.push(
      /no face/i.test(row.redaction_reason ?? "") ? "no_face_detected" : "verification_failed",
    );
  if (row.redaction_status === "done" || row.redaction_status === "needs_review")
    for (const code of new Set(concernsOf(row).map((c) => c.code))) out.push(code);
  if (row.review_note !== null) out.push("resubmitted_after_rejection");
  else if (row.reviewed_by !== null) out.push("edited_after_approval");
  return out;
}

/**
 * What the last redaction asks a moderator to look at (several faces, a tiny face...), even
 * when it covered every face. Stored JSON that does not read counts as a concern of its own:
 * fail closed, a moderator looks.
 */
export function concernsOf(row: Pick<EntryRow, "redaction_concerns_json">): RedactionConcern[] {
  if (row.redaction_concerns_json === null) return [];
  try {
    const parsed = RedactionConcernSchema.array().safeParse(
      JSON.parse(row.redaction_concerns_json),
    );
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  return [{ code: "detectors_disagree", message: "The redaction's concerns could not be read." }];
}

/**
 * Whether bulk approval may take an entry: nothing to look at, and either a verified photo
 * with faces or an organisation without a photo (it has no face to redact). A person without
 * a photo, or any flag or concern, is approved one by one.
 */
export function isClean(row: EntryRow): boolean {
  const photoSettled =
    row.has_photo === 1 ? row.redaction_status === "done" : row.subject_type === "organisation";
  return (
    photoSettled &&
    concernsOf(row).length === 0 &&
    attentionOf(row).length === 0 &&
    dueProcessGaps(row).length === 0
  );
}

/**
 * What a court-list entry lacks of what its slide must say (DESIGN non-negotiable 9): why it is
 * listed and on what legal basis (the document's number). The slide would say "not stated"; an
 * entry is approved only once they are there. Commendations name no legal basis.
 */
export function dueProcessGaps(
  row: Pick<EntryRow, "kind" | "listing_ground" | "legal_basis_number">,
): ("listingGround" | "legalBasisNumber")[] {
  if (row.kind !== "discredited") return [];
  const gaps: ("listingGround" | "legalBasisNumber")[] = [];
  if (row.listing_ground.trim() === "") gaps.push("listingGround");
  if (row.legal_basis_number.trim() === "") gaps.push("legalBasisNumber");
  return gaps;
}

/** Refuses (409) an entry whose slide would not say why it is listed and on what basis. */
function requireDueProcess(row: EntryRow): void {
  const gaps = dueProcessGaps(row);
  if (gaps.length > 0)
    throw new AppError(
      409,
      "conflict",
      // Field names, not words: each language names them (wordRevisionFields).
      said("entry.dueProcessMissing", { fields: gaps.join(",") }),
    );
}

/** The refusal of an approval of a revision the entry has moved past, saying what changed. */
export function staleRevision(
  row: Pick<EntryRow, "revision" | "revision_changes_json">,
  seen: number,
): AppError {
  const fields = fieldsChangedSince(row, seen);
  return new AppError(
    409,
    "stale_revision",
    fields.length > 0
      ? said("entry.staleRevisionFields", {
          seen,
          now: Number(row.revision),
          // Field names, not words: each language names them (wordRevisionFields).
          fields: fields.join(","),
        })
      : said("entry.staleRevision", { seen, now: Number(row.revision) }),
  );
}

/**
 * The moderation workflow: approve (publish), reject, revoke, hand-drawn face regions and the
 * audited view of a raw photo. Every step is one transaction with its audit record; four eyes
 * is checked here, whatever role the actor holds.
 */
export class EntryModeration {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      audit: AuditLog;
      vault: Opener;
      log: Logger;
      /** Records publications and takedowns; screens hear of them after the commit. */
      changes: ChangeFeed;
      /**
       * Open consoles reload their entries list and review queue after a change the change feed
       * does not carry (a rejection, a new redaction, a revoke of an entry in review).
       */
      consoles?: { changed(topic: "entries"): void };
      now?: () => Date;
    },
  ) {}

  private nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  private async load(db: Kysely<Database> | Transaction<Database>, id: string): Promise<EntryRow> {
    const row = await getEntry(db, id);
    if (!row) throw new AppError(404, "not_found", said("entry.notFound", { id }));
    return row;
  }

  /** Refuses unless the entry waits for review and `p` is not its submitter. */
  private checkReviewable(row: EntryRow, p: UserPrincipal, verb: "approved" | "rejected"): void {
    const refusal = fourEyesReason(row, p.id);
    if (refusal) throw new AppError(403, "forbidden", said(refusal));
    if (row.state !== "pending_review")
      throw new AppError(
        409,
        "conflict",
        said(verb === "approved" ? "entry.notPendingApprove" : "entry.notPendingReject", {
          state: row.state.replace("_", " "),
        }),
      );
  }

  /**
   * Approves and publishes an entry at the revision the moderator reviewed; its photo (if any)
   * must be redacted and verified. Any change since that revision refuses with stale_revision.
   */
  async approve(p: UserPrincipal, id: string, revision: number): Promise<EntryRow> {
    const at = this.nowIso();
    const { row, version } = await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      const row = await this.load(trx, id);
      this.checkReviewable(row, p, "approved");
      if (Number(row.revision) !== revision) throw staleRevision(row, revision);
      if (row.has_photo === 1 && row.redaction_status !== "done") {
        throw new AppError(
          409,
          "conflict",
          said(
            row.redaction_status === "queued" || row.redaction_status === "processing"
              ? "entry.photoRedacting"
              : "entry.photoUnverified",
          ),
        );
      }
      if (row.expiry_date <= at.slice(0, 10))
        throw new AppError(409, "conflict", said("entry.expiresToday", { date: row.expiry_date }));
      requireDueProcess(row);
      // An objection that suspended it is decided first (due process for the listed person).
      const held = await suspendingObjection(trx, id);
      if (held !== undefined)
        throw new AppError(409, "conflict", said("entry.objectionHolds", { reference: held }));
      // What an older release let in (a name in the obligation) is not published now either.
      const { fullName, idNumber } = await openIdentity(trx, this.deps.vault, id);
      if (fullName !== undefined)
        refusePersonalDataInText({
          subjectType: row.subject_type,
          fullName,
          legalRepresentative: row.legal_representative,
          idNumber,
          caseNumber: row.case_number,
          court: row.court,
          obligation: row.obligation,
          performance: row.performance,
          listingGround: row.listing_ground,
          legalBasisNumber: row.legal_basis_number,
          legalBasisIssuer: row.legal_basis_issuer,
        });
      // The entry must be exactly as reviewed: an edit in between changes updated_at.
      const done = await approveEntry(trx, id, {
        by: p.id,
        at,
        revision,
        updatedAt: row.updated_at,
      });
      if (!done) throw new AppError(409, "conflict", said("entry.changedWhileReviewing"));
      const version = await this.deps.changes.entry(uow, "entry.published", id, at);
      await setPublishedVersion(trx, id, version);
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "entry.approved",
        target: { type: "entry", id },
        details: {
          caseNumber: row.case_number,
          court: row.court,
          maskedName: row.masked_name,
          revision,
        },
      });
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "entry.published",
        target: { type: "entry", id },
        details: { version },
      });
      return { row: await this.load(trx, id), version };
    });
    this.deps.log.info({ entryId: id, by: p.id, version }, "entry approved and published");
    return row;
  }

  /**
   * Approves clean entries in one go, each at the revision the moderator saw, each in its own
   * transaction; `authorize` checks the moderator's rights over one entry. An entry refused
   * (not allowed, changed since, not clean, four eyes) is named with why; the others proceed.
   */
  async bulkApprove(
    p: UserPrincipal,
    entries: readonly { id: string; revision: number }[],
    authorize: (id: string) => Promise<unknown>,
  ): Promise<BulkApproval> {
    const approved: string[] = [];
    const refused: BulkApproval["refused"] = [];
    const seen = new Set<string>();
    for (const { id, revision } of entries) {
      if (seen.has(id)) continue;
      seen.add(id);
      try {
        await authorize(id);
        const row = await getEntry(this.deps.db, id);
        if (row && Number(row.revision) !== revision) throw staleRevision(row, revision);
        // Why it cannot go is said first: the slide's missing facts, then anything else.
        if (row) requireDueProcess(row);
        if (row && !isClean(row)) {
          throw new AppError(409, "conflict", said("entry.notClean"));
        }
        await this.approve(p, id, revision);
        approved.push(id);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        refused.push({
          id,
          code: err.code,
          message: err.message,
          ...(err.reason ? { reason: err.reason, params: err.params ?? {} } : {}),
        });
      }
    }
    return { approved, refused };
  }

  /** Rejects an entry with a reason; an edit sends it back to review. */
  async reject(p: UserPrincipal, id: string, reason: string): Promise<EntryRow> {
    const at = this.nowIso();
    return runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      const row = await this.load(trx, id);
      this.checkReviewable(row, p, "rejected");
      await this.refusePersonalDataInReason(trx, row, reason);
      if (!(await rejectEntry(trx, id, p.id, at, reason)))
        throw new AppError(409, "conflict", said("entry.changedMeanwhile"));
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "entry.rejected",
        target: { type: "entry", id },
        details: { reason },
      });
      this.tellConsoles(uow);
      return this.load(trx, id);
    });
  }

  /**
   * Takes an entry down for good: state `revoked`, raw photo and full ID number deleted, queued
   * redaction dropped, and a change-log event so screens remove it.
   */
  async revoke(p: UserPrincipal, id: string, input: RevokeInput): Promise<EntryRow> {
    const at = this.nowIso();
    const row = await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      const before = await this.load(trx, id);
      if (before.state === "revoked" || before.state === "expired") throw alreadyEnded(before);
      // Read while the identity can still be opened: the same transaction erases it below.
      if (input.text !== undefined) await this.refusePersonalDataInReason(trx, before, input.text);
      // Guarded in SQL, not only by the read above: an expiry landing first wins (issue 14).
      if (!(await revokeEntry(trx, id, p.id, at, JSON.stringify(input))))
        throw alreadyEnded(await this.load(trx, id));
      await deleteRawData(trx, id);
      await supersedeJobs(trx, id, at);
      const version = await this.deps.changes.entry(uow, "entry.revoked", id, at);
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "entry.revoked",
        target: { type: "entry", id },
        details: { ...input, stateBefore: before.state, version, rawDataDeleted: true },
      });
      // Screens hear of it as a takedown; an entry still in review also leaves review queues.
      this.tellConsoles(uow);
      return this.load(trx, id);
    });
    // After the commit: the WAL must not keep a copy of what the transaction erased.
    await finishErasure(this.deps.db, this.deps.log, [id]);
    this.deps.log.info(
      { entryId: id, by: p.id, reason: input.reason },
      "entry revoked; raw data deleted",
    );
    return row;
  }

  /** `refuseEntryPersonalDataInReason` with this service's vault. */
  private refusePersonalDataInReason(
    trx: Transaction<Database>,
    row: EntryRow,
    reason: string,
  ): Promise<void> {
    return refuseEntryPersonalDataInReason(trx, this.deps.vault, row, reason);
  }

  /**
   * Replaces the hand-drawn regions and re-renders from the raw photo (detected faces stay
   * covered). The drawer becomes the last submitter (four eyes), and an approved entry goes back
   * to review: what screens show changes.
   */
  async setRegions(p: UserPrincipal, id: string, regions: Region[]): Promise<EntryRow> {
    return this.changeTreatment(p, id, "mark regions on", (before) => ({
      set: { manual_regions_json: regions.length > 0 ? JSON.stringify(regions) : null },
      fields: ["manualRegions"],
      action: "entry.regions_changed",
      details: { before: parseJsonOr(before.manual_regions_json, []), after: regions },
    }));
  }

  /**
   * Crops the photo to the listed person (null: the whole photo again) and re-renders it. Regions
   * drawn on the previous frame mean nothing on the new one and are dropped.
   */
  async setCrop(p: UserPrincipal, id: string, box: Region | null): Promise<EntryRow> {
    return this.changeTreatment(p, id, "crop", (before) => ({
      set: {
        crop_json: box === null ? null : JSON.stringify(box),
        ...(before.manual_regions_json === null ? {} : { manual_regions_json: null }),
      },
      fields: before.manual_regions_json === null ? ["crop"] : ["crop", "manualRegions"],
      action: "entry.crop_changed",
      details: {
        before: parseJsonOr(before.crop_json, null),
        after: box,
        ...(before.manual_regions_json === null
          ? {}
          : { regionsDropped: parseJsonOr(before.manual_regions_json, []) }),
      },
    }));
  }

  /** Covers the whole photo (a moderator's last resort) or undoes it, and re-renders it. */
  async setCoverAll(p: UserPrincipal, id: string, on: boolean): Promise<EntryRow> {
    return this.changeTreatment(p, id, "cover", (before) => ({
      set: { cover_all: on ? 1 : 0 },
      fields: ["coverAll"],
      action: "entry.cover_all_changed",
      details: { before: before.cover_all === 1, after: on },
    }));
  }

  /**
   * One change of how the photo is treated (regions, crop, cover-all), in one transaction: the
   * entry's open redaction is superseded and a new one queued, the revision goes up, the actor
   * becomes the last submitter (they may not approve it), an approved entry leaves the screens
   * until approved again, and the audit log records it.
   */
  private async changeTreatment(
    p: UserPrincipal,
    id: string,
    verb: keyof typeof noPhotoTo,
    change: (before: EntryRow) => {
      set: Partial<Pick<EntryRow, "manual_regions_json" | "crop_json" | "cover_all">>;
      fields: RevisionField[];
      action: "entry.regions_changed" | "entry.crop_changed" | "entry.cover_all_changed";
      details: Record<string, unknown>;
    },
  ): Promise<EntryRow> {
    const at = this.nowIso();
    return runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      const before = await this.load(trx, id);
      if (before.state === "revoked" || before.state === "expired")
        throw new AppError(
          409,
          "conflict",
          said("entry.unchangeableState", { state: before.state }),
        );
      if (before.has_photo !== 1 || !(await loadRawPhoto(trx, id)))
        throw new AppError(409, "conflict", said(noPhotoTo[verb]));
      const { set, fields, action, details } = change(before);
      // Guarded in SQL too (PostgreSQL reads committed data): an end since is not undone.
      const done = await updateEntryInState(trx, id, before.state, {
        ...set,
        state: before.state === "approved" ? "pending_review" : before.state,
        // Whoever changed what screens show may not approve it (four eyes).
        submitted_by: p.id,
        updated_at: at,
      });
      if (!done) throw new AppError(409, "conflict", said("entry.changedMeanwhile"));
      await bumpRevision(trx, id, fields, p.id, at);
      await supersedeJobs(trx, id, at);
      await enqueueRedaction(trx, id, at);
      this.deps.changes.redactionQueued(uow);
      // What screens show changes: they drop it until it is approved again.
      if (before.state === "approved")
        await this.deps.changes.entry(uow, "entry.withdrawn", id, at);
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action,
        target: { type: "entry", id },
        details: { ...details, stateBefore: before.state },
      });
      this.tellConsoles(uow);
      return this.load(trx, id);
    });
  }

  /** After the commit, open consoles reload what they show of entries. */
  private tellConsoles(uow: UnitOfWork): void {
    uow.afterCommit(() => this.deps.consoles?.changed("entries"));
  }

  /** The raw photo for a moderator's eyes only; every view is written to the audit log first. */
  async rawPhoto(p: UserPrincipal, id: string): Promise<Buffer> {
    const row = await this.load(this.deps.db, id);
    const sealed = await loadRawPhoto(this.deps.db, id);
    if (!sealed)
      throw new AppError(
        row.state === "revoked" || row.state === "expired" ? 410 : 404,
        row.state === "revoked" || row.state === "expired" ? "gone" : "not_found",
        row.state === "revoked" || row.state === "expired"
          ? said("entry.rawPhotoDeleted", { state: row.state })
          : said("entry.noRawPhoto"),
      );
    await this.deps.audit.record(this.deps.db, {
      actor: { type: "user", id: p.id },
      action: "entry.raw_viewed",
      target: { type: "entry", id },
    });
    const raw = await openRawPhoto(this.deps.db, this.deps.vault, id);
    if (!raw) throw new AppError(410, "gone", said("entry.rawPhotoErased"));
    return raw;
  }
}

/** A stored JSON column for an audit record; unreadable or empty reads as `fallback`. */
function parseJsonOr(json: string | null, fallback: unknown): unknown {
  if (json === null) return fallback;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return fallback;
  }
}

/** The 409 for a revoke of an entry whose listing has already ended (revoked or expired). */
function alreadyEnded(row: Pick<EntryRow, "state">): AppError {
  return new AppError(
    409,
    "conflict",
    said(row.state === "expired" ? "entry.alreadyExpired" : "entry.alreadyRevoked"),
  );
}
