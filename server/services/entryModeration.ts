import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type { Attention, Region, RevokeInput } from "../../shared/schemas/moderation";
import { AppError } from "../errors";
import { appendChange } from "../store/announcements";
import {
  deleteRawData,
  districtsOf,
  enqueueRedaction,
  getEntry,
  loadRawPhoto,
  supersedeJobs,
} from "../store/entries";
import type { Database, EntryRow } from "../store/schema";
import type { AuditLog } from "./auditLog";
import type { UserPrincipal } from "./auth/principal";
import { sealedContext } from "./entryIntake";
import type { Opener } from "./redactionQueue";

/** Tells the screens of some districts that content changed at `version`. */
export type EntryChangeNotifier = (
  districtIds: readonly string[],
  version: number,
  entryId: string,
  /** The entry left the screens (revoked, expired, withdrawn): they drop it from the push. */
  takedown: boolean,
) => void;

/** Why `actor` may not approve or reject `row` (four eyes), or undefined when they may. */
export function fourEyesRefusal(
  row: Pick<EntryRow, "created_by" | "submitted_by">,
  actorId: string,
): string | undefined {
  if (row.created_by === actorId)
    return "You created this entry; another moderator must review it.";
  if (row.submitted_by === actorId)
    return "You made the last change to this entry; another moderator must review it.";
  return undefined;
}

/** Why an entry in review needs a moderator's attention, most serious first. */
export function attentionOf(row: EntryRow): Attention[] {
  const out: Attention[] = [];
  if (row.has_photo === 0) out.push("no_photo");
  else if (row.redaction_status === "failed") out.push("redaction_failed");
  else if (row.redaction_status === "queued" || row.redaction_status === "processing")
    out.push("redaction_pending");
  else if (row.redaction_status === "needs_review")
    out.push(
      /no face/i.test(row.redaction_reason ?? "") ? "no_face_detected" : "verification_failed",
    );
  if (row.review_note !== null) out.push("resubmitted_after_rejection");
  else if (row.reviewed_by !== null) out.push("edited_after_approval");
  return out;
}

/** Whether bulk approval may take an entry: verified photo with faces, nothing to look at. */
export function isClean(row: EntryRow): boolean {
  return row.has_photo === 1 && row.redaction_status === "done" && attentionOf(row).length === 0;
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
      notify: EntryChangeNotifier;
      /** Called after a commit that queued redaction work. */
      onQueued: () => void;
      now?: () => Date;
    },
  ) {}

  private nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  private async load(db: Kysely<Database> | Transaction<Database>, id: string): Promise<EntryRow> {
    const row = await getEntry(db, id);
    if (!row) throw new AppError(404, "not_found", `No entry has the id ${id}.`);
    return row;
  }

  /** Refuses unless the entry waits for review and `p` is not its submitter. */
  private checkReviewable(row: EntryRow, p: UserPrincipal, verb: string): void {
    const refusal = fourEyesRefusal(row, p.id);
    if (refusal) throw new AppError(403, "forbidden", refusal);
    if (row.state !== "pending_review")
      throw new AppError(
        409,
        "conflict",
        `This entry is ${row.state.replace("_", " ")}; only an entry pending review can be ${verb}.`,
      );
  }

  /** Approves and publishes an entry; its photo (if any) must be redacted and verified. */
  async approve(p: UserPrincipal, id: string): Promise<EntryRow> {
    const at = this.nowIso();
    const { row, version } = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.load(trx, id);
      this.checkReviewable(row, p, "approved");
      if (row.has_photo === 1 && row.redaction_status !== "done") {
        throw new AppError(
          409,
          "conflict",
          row.redaction_status === "queued" || row.redaction_status === "processing"
            ? "The photo is still being redacted; approve it when the redacted rendition is ready."
            : "The photo has no verified redaction; mark the face regions so it is re-rendered, then approve.",
        );
      }
      if (row.expiry_date <= at.slice(0, 10))
        throw new AppError(
          409,
          "conflict",
          `This entry expires on ${row.expiry_date}; it cannot be published.`,
        );
      // The entry must be exactly as reviewed: an edit in between changes updated_at.
      const done = await trx
        .updateTable("entries")
        .set({
          state: "approved",
          reviewed_by: p.id,
          reviewed_at: at,
          review_note: null,
          updated_at: at,
        })
        .where("id", "=", id)
        .where("state", "=", "pending_review")
        .where("updated_at", "=", row.updated_at)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1)
        throw new AppError(
          409,
          "conflict",
          "The entry changed while you were reviewing it; look at it again.",
        );
      const version = await appendChange(trx, "entry.published", id, at);
      await trx
        .updateTable("entries")
        .set({ published_version: version })
        .where("id", "=", id)
        .execute();
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "entry.approved",
        target: { type: "entry", id },
        details: { caseNumber: row.case_number, court: row.court, maskedName: row.masked_name },
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
    this.deps.notify((await districtsOf(this.deps.db, [id])).get(id) ?? [], version, id, false);
    return row;
  }

  /** Rejects an entry with a reason; an edit sends it back to review. */
  async reject(p: UserPrincipal, id: string, reason: string): Promise<EntryRow> {
    const at = this.nowIso();
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.load(trx, id);
      this.checkReviewable(row, p, "rejected");
      await trx
        .updateTable("entries")
        .set({
          state: "rejected",
          reviewed_by: p.id,
          reviewed_at: at,
          review_note: reason,
          updated_at: at,
        })
        .where("id", "=", id)
        .execute();
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "entry.rejected",
        target: { type: "entry", id },
        details: { reason },
      });
      return this.load(trx, id);
    });
  }

  /**
   * Takes an entry down for good: state `revoked`, raw photo and full ID number deleted, queued
   * redaction dropped, and a change-log event so screens remove it.
   */
  async revoke(p: UserPrincipal, id: string, input: RevokeInput): Promise<EntryRow> {
    const at = this.nowIso();
    const { row, version } = await this.deps.db.transaction().execute(async (trx) => {
      const before = await this.load(trx, id);
      if (before.state === "revoked" || before.state === "expired")
        throw new AppError(409, "conflict", `This entry is already ${before.state}.`);
      const done = await trx
        .updateTable("entries")
        .set({
          state: "revoked",
          revoked_by: p.id,
          revoked_at: at,
          revoke_reason: JSON.stringify(input),
          updated_at: at,
        })
        .where("id", "=", id)
        .where("state", "not in", ["revoked", "expired"])
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1)
        throw new AppError(409, "conflict", "This entry was taken down meanwhile.");
      await deleteRawData(trx, id);
      await supersedeJobs(trx, id, at);
      const version = await appendChange(trx, "entry.revoked", id, at);
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "entry.revoked",
        target: { type: "entry", id },
        details: { ...input, stateBefore: before.state, version, rawDataDeleted: true },
      });
      return { row: await this.load(trx, id), version };
    });
    this.deps.log.info(
      { entryId: id, by: p.id, reason: input.reason },
      "entry revoked; raw data deleted",
    );
    this.deps.notify((await districtsOf(this.deps.db, [id])).get(id) ?? [], version, id, true);
    return row;
  }

  /**
   * Replaces the hand-drawn regions and re-renders from the raw photo (detected faces stay
   * covered). An approved entry goes back to review: what screens show changes.
   */
  async setRegions(p: UserPrincipal, id: string, regions: Region[]): Promise<EntryRow> {
    const at = this.nowIso();
    const row = await this.deps.db.transaction().execute(async (trx) => {
      const before = await this.load(trx, id);
      if (before.state === "revoked" || before.state === "expired")
        throw new AppError(409, "conflict", `This entry is ${before.state}; it cannot be changed.`);
      if (before.has_photo !== 1 || !(await loadRawPhoto(trx, id)))
        throw new AppError(409, "conflict", "This entry has no photo to mark regions on.");
      await trx
        .updateTable("entries")
        .set({
          manual_regions_json: regions.length > 0 ? JSON.stringify(regions) : null,
          state: before.state === "approved" ? "pending_review" : before.state,
          updated_at: at,
        })
        .where("id", "=", id)
        .execute();
      await supersedeJobs(trx, id, at);
      await enqueueRedaction(trx, id, at);
      // What screens show changes: they drop it until it is approved again.
      const withdrawn =
        before.state === "approved" ? await appendChange(trx, "entry.withdrawn", id, at) : null;
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "entry.regions_changed",
        target: { type: "entry", id },
        details: {
          before:
            before.manual_regions_json === null
              ? []
              : (JSON.parse(before.manual_regions_json) as unknown),
          after: regions,
        },
      });
      return { row: await this.load(trx, id), withdrawn };
    });
    this.deps.onQueued();
    if (row.withdrawn !== null)
      this.deps.notify(
        (await districtsOf(this.deps.db, [id])).get(id) ?? [],
        row.withdrawn,
        id,
        true,
      );
    return row.row;
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
          ? `This entry is ${row.state}; its raw photo was deleted.`
          : "This entry has no raw photo.",
      );
    await this.deps.audit.record(this.deps.db, {
      actor: { type: "user", id: p.id },
      action: "entry.raw_viewed",
      target: { type: "entry", id },
    });
    return this.deps.vault.open(sealed, sealedContext.photo(id));
  }
}
