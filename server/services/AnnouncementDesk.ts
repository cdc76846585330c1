import { randomUUID } from "node:crypto";
import type { Kysely, Updateable } from "kysely";
import type { Logger } from "pino";
import type {
  AnnouncementEdit,
  AnnouncementInput,
  AnnouncementState,
  AnnouncementView,
} from "../../shared/schemas/announcement";
import { findPersonalData } from "../../shared/privacy/freeTextCheck";
import { refusePersonalDataInReason } from "./reasonRefusal";
import { AppError } from "../errors";
import {
  parseStrings,
  presentAnnouncement,
  presentAnnouncementView,
} from "../presenters/presentAnnouncement";
import {
  announcementDistricts,
  announcementRow,
  announcementsEndingBy,
  erasePosterUpload,
  insertAnnouncement,
  listAnnouncementRows,
  setAnnouncementDistricts,
  updateAnnouncement,
} from "../store/announcements";
import { posterOf } from "../store/posters";
import { runInTransaction, type UnitOfWork } from "../store/runInTransaction";
import type { AnnouncementRow, AnnouncementTable, Database } from "../store/schema";
import type { AuditInput, AuditLog } from "./AuditLog";
import type { AnnouncementChangeKind, ChangeFeed } from "./ChangeFeed";
import { finishErasure } from "./crypto/entrySecrets";
import { PeriodicTask } from "./PeriodicTask";
import { said } from "../../shared/messages/errorMessages";

type Actor = AuditInput["actor"];

/** Where an edited announcement goes: out of review it is a draft, published it goes back to review. */
function stateAfterEdit(state: AnnouncementState): AnnouncementState {
  return state === "published" || state === "in_review" ? "in_review" : "draft";
}

/**
 * Announcements' life cycle: draft → in review → published → withdrawn / ended, with four eyes
 * (who created or changed it since its last review may not approve it), a window
 * (`startsAt`/`endsAt`, ended on time by the sweep), a target (the whole city, districts, screen
 * tags) and takedowns through the change feed, acknowledged per screen like entries'. Editing a
 * published announcement withdraws it from the screens until a second person approves it again.
 */
export class AnnouncementDesk {
  private readonly endTask = new PeriodicTask(
    () => this.endDue(),
    (err) => this.deps.log.error({ err }, "announcement end sweep failed; will retry"),
  );

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      changes: ChangeFeed;
      audit: AuditLog;
      log: Logger;
      /** Refuses (404) districts that do not exist. */
      requireExisting: (districtIds: readonly string[]) => Promise<void>;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Ends due announcements now and then every `everyMs`. */
  start(everyMs = 30_000): void {
    this.endTask.start(everyMs);
  }

  /** Stops the end sweep; resolves when a sweep under way has ended. */
  stop(): Promise<void> {
    return this.endTask.stop();
  }

  /** Newest first, of one state if given, only those `within` districts (when given) may see. */
  async list(opts: {
    state?: AnnouncementState;
    limit: number;
    within?: ReadonlySet<string>;
  }): Promise<AnnouncementView[]> {
    return this.present(await listAnnouncementRows(this.deps.db, opts));
  }

  /** One announcement as the console sees it, or a 404. */
  async get(id: string): Promise<AnnouncementView> {
    const row = await announcementRow(this.deps.db, id);
    if (!row) throw notFound(id);
    const [view] = await this.present([row]);
    if (!view) throw notFound(id);
    return view;
  }

  /** Creates a draft, or sends it straight to review with `submit`. */
  async create(input: AnnouncementInput, actorId: string): Promise<AnnouncementView> {
    checkText(input.title, input.body);
    await this.deps.requireExisting(input.target.districtIds);
    const id = randomUUID();
    const at = this.now().toISOString();
    const state: AnnouncementState = input.submit ? "in_review" : "draft";
    await runInTransaction(this.deps.db, this.deps.log, async ({ trx }) => {
      await insertAnnouncement(
        trx,
        {
          id,
          title: input.title,
          body: input.body,
          language: input.language,
          tags_json: JSON.stringify(input.tags),
          created_at: at,
          updated_at: at,
          version: 0,
          state,
          screen_tags_json: JSON.stringify(input.target.screenTags),
          poster_layout: input.posterLayout,
          changed_by_json: JSON.stringify([actorId]),
          starts_at: input.startsAt ?? null,
          ends_at: input.endsAt ?? null,
          created_by: actorId,
          revision: 1,
        },
        input.target.districtIds,
      );
      await this.deps.audit.record(trx, {
        actor: user(actorId),
        action: input.submit ? "announcement.submitted" : "announcement.created",
        target: { type: "announcement", id },
        details: { title: input.title, target: input.target },
      });
    });
    return this.get(id);
  }

  /**
   * Changes an announcement at the revision the editor read. A published one goes back to review
   * and leaves the screens (a takedown); a withdrawn or ended one becomes a draft again.
   */
  async edit(id: string, edit: AnnouncementEdit, actorId: string): Promise<AnnouncementView> {
    const { revision, target, tags, ...fields } = edit;
    if (target) await this.deps.requireExisting(target.districtIds);
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const row = await this.current(uow, id, revision);
      const title = fields.title ?? row.title;
      const body = fields.body ?? row.body;
      checkText(title, body);
      const startsAt = fields.startsAt !== undefined ? fields.startsAt : row.starts_at;
      const endsAt = fields.endsAt !== undefined ? fields.endsAt : row.ends_at;
      if (startsAt && endsAt && Date.parse(endsAt) <= Date.parse(startsAt))
        throw new AppError(400, "validation_failed", said("announcement.endBeforeStart"));
      const set: Updateable<AnnouncementTable> = {
        ...(fields.title !== undefined ? { title } : {}),
        ...(fields.body !== undefined ? { body } : {}),
        ...(fields.language !== undefined ? { language: fields.language } : {}),
        ...(fields.posterLayout !== undefined ? { poster_layout: fields.posterLayout } : {}),
        ...(tags !== undefined ? { tags_json: JSON.stringify(tags) } : {}),
        ...(target ? { screen_tags_json: JSON.stringify(target.screenTags) } : {}),
        starts_at: startsAt,
        ends_at: endsAt,
      };
      await this.change(uow, row, actorId, set, "announcement.edited", {
        fields: [...Object.keys(fields), ...(tags ? ["tags"] : []), ...(target ? ["target"] : [])],
      });
      if (target) await setAnnouncementDistricts(uow.trx, id, target.districtIds);
    });
    return this.get(id);
  }

  /**
   * Records a change made elsewhere in `uow` (a poster uploaded or removed): a new revision, the
   * actor among those who may not approve it, and a published announcement back to review, off
   * the screens.
   */
  async touch(uow: UnitOfWork, id: string, actorId: string): Promise<void> {
    const row = await announcementRow(uow.trx, id);
    if (!row) throw notFound(id);
    await this.change(uow, row, actorId, {}, undefined, {});
  }

  /** Sends a draft to review. */
  async submit(id: string, revision: number, actorId: string): Promise<AnnouncementView> {
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const row = await this.current(uow, id, revision);
      if (row.state !== "draft")
        throw new AppError(
          409,
          "conflict",
          said("announcement.onlyDraftToReview", { state: row.state }),
        );
      await this.guarded(uow, row, {
        state: "in_review",
        changed_by_json: JSON.stringify(withActor(row, actorId)),
        updated_at: this.now().toISOString(),
      });
      await this.record(uow, actorId, "announcement.submitted", id, { revision });
    });
    return this.get(id);
  }

  /**
   * A second person approves the revision they saw: it is published (screens get it now, and
   * show it from `startsAt` until `endsAt`). Refused to anyone who created or changed it since
   * its last review, while its poster is not ready, when `posterHash` is not the poster's (the
   * covered poster the approver looked at), and after its end.
   */
  async approve(
    id: string,
    revision: number,
    actorId: string,
    posterHash?: string | null,
  ): Promise<AnnouncementView> {
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const row = await this.current(uow, id, revision);
      requireInReview(row, "approved");
      refuseOwn(row, actorId, "approve");
      const poster = (await posterOf(uow.trx, [id])).get(id);
      if (poster && poster.status !== "done")
        throw new AppError(
          409,
          "poster_not_ready",
          poster.status === "needs_review"
            ? said("announcement.posterNeedsReview")
            : poster.status === "failed"
              ? said("announcement.posterFailed", { why: poster.reason ?? "no reason given" })
              : said("announcement.posterProcessing"),
        );
      // The revision does not change when the pipeline finishes a poster, so the poster seen is
      // named by its hash: an approval read before the poster was done does not publish it.
      const seen = posterHash ?? null;
      if ((poster?.hash ?? null) !== seen)
        throw new AppError(
          409,
          "stale_revision",
          said(
            poster && seen === null ? "announcement.posterNotNamed" : "announcement.posterNotSeen",
          ),
        );
      const at = this.now().toISOString();
      if (row.ends_at && row.ends_at <= at)
        throw new AppError(409, "conflict", said("announcement.endPassed"));
      const districts = (await announcementDistricts(uow.trx, [id])).get(id) ?? [];
      const version = await this.deps.changes.announcement(
        uow,
        "announcement.published",
        id,
        at,
        { districtIds: districts, screenTags: parseStrings(row.screen_tags_json) },
        async (v) => {
          await this.guarded(uow, row, {
            state: "published",
            version: v,
            reviewed_by: actorId,
            reviewed_at: at,
            reason: null,
            changed_by_json: "[]",
          });
          const published = await announcementRow(uow.trx, id);
          return published ? presentAnnouncement(published, poster) : undefined;
        },
      );
      await this.record(uow, actorId, "announcement.approved", id, { revision, version });
      // As for entries: the approval and the publication it caused are two records, so the
      // log answers "when did screens get it" as well as "who approved it".
      await this.record(uow, actorId, "announcement.published", id, { version });
    });
    return this.get(id);
  }

  /** A moderator sends it back to its author as a draft, with a reason. */
  async reject(
    id: string,
    reason: string,
    actorId: string,
    revision?: number,
  ): Promise<AnnouncementView> {
    refusePersonalDataInReason(reason, "announcement.reasonPersonalData");
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const row = await this.current(uow, id, revision);
      requireInReview(row, "rejected");
      refuseOwn(row, actorId, "reject");
      const at = this.now().toISOString();
      await this.guarded(uow, row, {
        state: "draft",
        reviewed_by: actorId,
        reviewed_at: at,
        reason: reason || null,
      });
      await this.record(uow, actorId, "announcement.rejected", id, { reason });
    });
    return this.get(id);
  }

  /**
   * Takes it off the screens (a takedown, pushed and acknowledged per screen) or out of review;
   * the poster's upload is dropped.
   */
  async withdraw(id: string, reason: string, actorId: string): Promise<AnnouncementView> {
    refusePersonalDataInReason(reason, "announcement.reasonPersonalData");
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const row = await announcementRow(uow.trx, id);
      if (!row) throw notFound(id);
      if (row.state === "withdrawn" || row.state === "ended")
        throw new AppError(
          409,
          "conflict",
          said("announcement.alreadyInState", { state: row.state }),
        );
      const set: Updateable<AnnouncementTable> = {
        state: "withdrawn",
        reason: reason || null,
        updated_at: this.now().toISOString(),
      };
      if (row.state === "published") await this.takeDown(uow, row, "announcement.withdrawn", set);
      else await this.guarded(uow, row, set);
      await erasePosterUpload(uow.trx, id);
      await this.record(uow, actorId, "announcement.withdrawn", id, {
        reason,
        wasPublished: row.state === "published",
      });
    });
    // The poster's upload leaves the write-ahead log too, not only the table.
    await finishErasure(this.deps.db, this.deps.log, [id]);
    return this.get(id);
  }

  /** Ends every published announcement whose end has come; returns their ids. */
  async endDue(): Promise<string[]> {
    const at = this.now().toISOString();
    const due = await announcementsEndingBy(this.deps.db, at);
    const ended: string[] = [];
    // One transaction per announcement: one failing does not hold the others on the screens.
    for (const row of due) {
      const done = await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
        const now = await announcementRow(uow.trx, row.id);
        if (now?.state !== "published" || !now.ends_at || now.ends_at > at) return false;
        await this.takeDown(uow, now, "announcement.ended", { state: "ended", updated_at: at });
        await erasePosterUpload(uow.trx, row.id);
        await this.deps.audit.record(uow.trx, {
          actor: { type: "system" },
          action: "announcement.ended",
          target: { type: "announcement", id: row.id },
          details: { endsAt: now.ends_at },
        });
        return true;
      }).catch((err: unknown) => {
        this.deps.log.error({ err, announcementId: row.id }, "could not end an announcement");
        return false;
      });
      if (done) ended.push(row.id);
    }
    if (ended.length > 0) await finishErasure(this.deps.db, this.deps.log, ended);
    return ended;
  }

  /** The row at `revision` (when given), or 404 / 409 stale_revision. */
  private async current(
    uow: UnitOfWork,
    id: string,
    revision: number | undefined,
  ): Promise<AnnouncementRow> {
    const row = await announcementRow(uow.trx, id);
    if (!row) throw notFound(id);
    if (revision !== undefined && Number(row.revision) !== revision)
      throw new AppError(
        409,
        "stale_revision",
        said("announcement.staleRevision", { seen: revision, now: Number(row.revision) }),
      );
    return row;
  }

  /** A change of content: new revision, the actor recorded, the state an edit leads to. */
  private async change(
    uow: UnitOfWork,
    row: AnnouncementRow,
    actorId: string,
    set: Updateable<AnnouncementTable>,
    action: "announcement.edited" | undefined,
    details: Record<string, unknown>,
  ): Promise<void> {
    const next: Updateable<AnnouncementTable> = {
      ...set,
      state: stateAfterEdit(row.state),
      revision: Number(row.revision) + 1,
      changed_by_json: JSON.stringify(withActor(row, actorId)),
      updated_at: this.now().toISOString(),
    };
    if (row.state === "published") await this.takeDown(uow, row, "announcement.withdrawn", next);
    else await this.guarded(uow, row, next);
    if (action)
      await this.record(uow, actorId, action, row.id, {
        ...details,
        backToReview: row.state === "published",
      });
  }

  /**
   * Takes a published announcement off the screens it targets: the change-log event and the
   * row's new state and version commit together, and the push follows the commit.
   */
  private async takeDown(
    uow: UnitOfWork,
    row: AnnouncementRow,
    kind: Exclude<AnnouncementChangeKind, "announcement.published">,
    set: Updateable<AnnouncementTable>,
  ): Promise<void> {
    const districts = (await announcementDistricts(uow.trx, [row.id])).get(row.id) ?? [];
    await this.deps.changes.announcement(
      uow,
      kind,
      row.id,
      this.now().toISOString(),
      { districtIds: districts, screenTags: parseStrings(row.screen_tags_json) },
      async (version) => {
        await this.guarded(uow, row, { ...set, version });
        return undefined;
      },
    );
  }

  /** Writes `set` only if nobody changed the row since it was read (else 409). */
  private async guarded(
    uow: UnitOfWork,
    row: AnnouncementRow,
    set: Updateable<AnnouncementTable>,
  ): Promise<void> {
    const ok = await updateAnnouncement(uow.trx, row.id, set, {
      states: [row.state],
      revision: Number(row.revision),
    });
    if (!ok) throw new AppError(409, "stale_revision", said("announcement.changedMeanwhile"));
  }

  private async record(
    uow: UnitOfWork,
    actorId: string,
    action: AuditInput["action"],
    id: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit.record(uow.trx, {
      actor: user(actorId),
      action,
      target: { type: "announcement", id },
      details,
    });
  }

  private async present(rows: AnnouncementRow[]): Promise<AnnouncementView[]> {
    const ids = rows.map((r) => r.id);
    const districts = await announcementDistricts(this.deps.db, ids);
    const posters = await posterOf(this.deps.db, ids);
    return rows.map((r) =>
      presentAnnouncementView(r, districts.get(r.id) ?? [], posters.get(r.id)),
    );
  }
}

function user(id: string): Actor {
  return { type: "user", id };
}

function notFound(id: string): AppError {
  return new AppError(404, "not_found", said("announcement.notFound", { id }));
}

function withActor(row: AnnouncementRow, actorId: string): string[] {
  return [...new Set([...parseStrings(row.changed_by_json), actorId])];
}

/** Refuses (409) to decide on an announcement that is not in review. */
function requireInReview(row: AnnouncementRow, what: "approved" | "rejected"): void {
  if (row.state !== "in_review")
    throw new AppError(
      409,
      "conflict",
      said(
        what === "approved" ? "announcement.notInReviewApprove" : "announcement.notInReviewReject",
        { state: row.state },
      ),
    );
}

/** Four eyes: whoever created it or changed it since its last review may not decide on it. */
function refuseOwn(row: AnnouncementRow, actorId: string, what: "approve" | "reject"): void {
  if (row.created_by === actorId)
    throw new AppError(
      403,
      "four_eyes",
      said(what === "approve" ? "announcement.youCreatedApprove" : "announcement.youCreatedReject"),
    );
  if (parseStrings(row.changed_by_json).includes(actorId))
    throw new AppError(
      403,
      "four_eyes",
      said(what === "approve" ? "announcement.youChangedApprove" : "announcement.youChangedReject"),
    );
}

/** Refuses text that looks like personal data: announcements are public, on the street. */
function checkText(title: string, body: string): void {
  for (const [field, text] of [
    ["title", title],
    ["body", body],
  ] as const) {
    const [finding] = findPersonalData(text);
    if (finding)
      throw new AppError(
        400,
        "personal_data",
        said("announcement.personalData", { field, found: finding.message }),
        [{ path: field, message: finding.message }],
      );
  }
}
