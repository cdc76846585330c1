import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { PosterStatus } from "../../shared/schemas/announcement";
import { AppError } from "../errors";
import { parseStrings } from "../presenters/presentAnnouncement";
import { announcementDistricts, announcementRow } from "../store/announcements";
import {
  deletePoster,
  emptyPosterRow,
  NO_RENDITION,
  posterOf,
  posterRendition,
  posterState,
  posterUploadKept,
  putPoster,
  updatePoster,
  type PosterSummary,
} from "../store/posters";
import { runInTransaction, type UnitOfWork } from "../store/runInTransaction";
import type { Database } from "../store/schema";
import type { AuditLog } from "./AuditLog";
import { finishErasure } from "./crypto/entrySecrets";
import type { EntryKeyring } from "./crypto/RawVault";
import { sealPoster } from "./PosterRedaction";
import { checkPoster } from "./redaction/redactPoster";
import type { RelativeBox } from "./redaction/types";
import { said } from "../../shared/messages/errorMessages";

/** Records a change of an announcement made in `uow` (AnnouncementDesk.touch). */
export interface AnnouncementToucher {
  /** New revision, the actor among its editors, a published one back to review; 404/409 itself. */
  touch(uow: UnitOfWork, id: string, actorId: string): Promise<void>;
}

/** Wakes the poster queue after a commit that queued a poster. */
export interface PosterWake {
  kick(): void;
}

/** A poster as the console's poster routes answer: where it stands in the pipeline. */
export interface PosterAnswer {
  status: PosterStatus;
  faces: number;
  hash: string | null;
  width: number | null;
  height: number | null;
  reason: string | null;
}

function answerOf(p: PosterSummary | undefined): PosterAnswer {
  return {
    status: p?.status ?? "none",
    faces: p?.faces ?? 0,
    hash: p?.hash ?? null,
    width: p?.width ?? null,
    height: p?.height ?? null,
    reason: p?.reason ?? null,
  };
}

/**
 * An announcement's poster: upload (checked by content, sealed, queued for the face pipeline),
 * removal, a moderator's acceptance of the covered rendition, hand-drawn regions, and the
 * redacted rendition for the console. Every change of the poster is an edit of the
 * announcement (a new revision; a published one goes back to review) in the same transaction.
 */
export class AnnouncementPosters {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      audit: AuditLog;
      sealer: EntryKeyring;
      desk: AnnouncementToucher;
      wake?: PosterWake;
      now?: () => Date;
    },
  ) {}

  private nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /** The districts the announcement targets (none: the whole city); 404 when it does not exist. */
  async districtsOf(id: string): Promise<string[]> {
    if (!(await announcementRow(this.deps.db, id)))
      throw new AppError(404, "not_found", said("announcement.notFound", { id }));
    return (await announcementDistricts(this.deps.db, [id])).get(id) ?? [];
  }

  /** Where the poster stands. */
  async status(id: string): Promise<PosterAnswer> {
    return answerOf((await posterOf(this.deps.db, [id])).get(id));
  }

  /**
   * Takes a new poster in (replacing any): checked, sealed, queued, audited, an edit. A replaced
   * upload is erased with its row; the erasure is finished (WAL checkpoint) after the commit.
   */
  async upload(id: string, bytes: Buffer, actorId: string): Promise<PosterAnswer> {
    const { format } = await checkPoster(bytes);
    const sealed = sealPoster(this.deps.sealer, id, bytes);
    const at = this.nowIso();
    let replaced = false;
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      replaced = (await posterState(uow.trx, id)) !== undefined;
      await this.deps.desk.touch(uow, id, actorId);
      await putPoster(uow.trx, {
        ...emptyPosterRow(id, at),
        raw_sealed: sealed,
        raw_mime: `image/${format}`,
        uploaded_by: actorId,
      });
      await this.deps.audit.record(uow.trx, {
        actor: { type: "user", id: actorId },
        action: "announcement.poster_uploaded",
        target: { type: "announcement", id },
        details: { bytes: bytes.length, format },
      });
      const wake = this.deps.wake;
      if (wake) uow.afterCommit(() => wake.kick());
    });
    if (replaced) await finishErasure(this.deps.db, this.deps.log, [id]);
    this.deps.log.info({ announcementId: id, bytes: bytes.length }, "poster uploaded");
    return this.status(id);
  }

  /**
   * Removes the poster (upload and rendition at once): an edit of the announcement. The erasure
   * of the sealed upload is finished (WAL checkpoint) after the commit.
   */
  async remove(id: string, actorId: string): Promise<void> {
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      if (!(await posterState(uow.trx, id)))
        throw new AppError(404, "not_found", said("poster.none"));
      await this.deps.desk.touch(uow, id, actorId);
      await deletePoster(uow.trx, id);
      await this.deps.audit.record(uow.trx, {
        actor: { type: "user", id: actorId },
        action: "announcement.edited",
        target: { type: "announcement", id },
        details: { fields: ["poster"], poster: "removed" },
      });
    });
    await finishErasure(this.deps.db, this.deps.log, [id]);
  }

  /**
   * A moderator accepts the covered rendition of a poster with faces (four eyes: never its
   * uploader nor anyone who changed the announcement since its last review). `hash` is the
   * rendition they looked at: an acceptance holds only for it, any other is refused.
   */
  async confirm(id: string, actorId: string, hash: string): Promise<PosterAnswer> {
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const poster = await posterState(uow.trx, id);
      if (!poster) throw new AppError(404, "not_found", said("poster.none"));
      const row = await announcementRow(uow.trx, id);
      if (!row) throw new AppError(404, "not_found", said("announcement.notFound", { id }));
      if (poster.uploaded_by === actorId || parseStrings(row.changed_by_json).includes(actorId))
        throw new AppError(403, "four_eyes", said("poster.youUploaded"));
      if (poster.status !== "needs_review")
        throw new AppError(
          409,
          "conflict",
          said("poster.notAwaitingAcceptance", { status: poster.status }),
        );
      if (hash !== poster.hash) throw new AppError(409, "stale_revision", said("poster.staleLook"));
      const ok = await updatePoster(
        uow.trx,
        id,
        { status: "done", reason: null, updated_at: this.nowIso() },
        { status: ["needs_review"], updatedAt: poster.updated_at },
      );
      if (!ok) throw new AppError(409, "conflict", said("poster.changedMeanwhile"));
      await this.deps.audit.record(uow.trx, {
        actor: { type: "user", id: actorId },
        action: "announcement.poster_redacted",
        target: { type: "announcement", id },
        details: { verdict: "accepted", faces: poster.faces, hash: poster.hash },
      });
    });
    return this.status(id);
  }

  /**
   * Replaces the hand-drawn regions (covered besides every face found) and runs the poster
   * through the pipeline again: an edit of the announcement.
   */
  async setRegions(id: string, regions: RelativeBox[], actorId: string): Promise<PosterAnswer> {
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const poster = await posterState(uow.trx, id);
      if (!poster) throw new AppError(404, "not_found", said("poster.none"));
      // Withdrawing or ending the announcement erased the upload: nothing is left to render.
      if (!(await posterUploadKept(uow.trx, id)))
        throw new AppError(409, "conflict", said("poster.uploadErased"));
      if (poster.status === "queued" || poster.status === "processing")
        throw new AppError(409, "poster_not_ready", said("poster.stillProcessing"));
      await this.deps.desk.touch(uow, id, actorId);
      const ok = await updatePoster(
        uow.trx,
        id,
        {
          status: "queued",
          regions_json: regions.length > 0 ? JSON.stringify(regions) : null,
          reason: null,
          ...NO_RENDITION,
          attempts: 0,
          updated_at: this.nowIso(),
        },
        { status: [poster.status], updatedAt: poster.updated_at },
      );
      if (!ok) throw new AppError(409, "conflict", said("poster.changedMeanwhile"));
      await this.deps.audit.record(uow.trx, {
        actor: { type: "user", id: actorId },
        action: "announcement.edited",
        target: { type: "announcement", id },
        details: { fields: ["poster"], poster: "regions", regions: regions.length },
      });
      const wake = this.deps.wake;
      if (wake) uow.afterCommit(() => wake.kick());
    });
    return this.status(id);
  }

  /** The redacted rendition for the console (never the upload); 404 while there is none. */
  async rendition(id: string): Promise<{ hash: string; mime: string; bytes: Buffer }> {
    const r = await posterRendition(this.deps.db, id);
    if (!r) throw new AppError(404, "not_found", said("poster.noRedacted"));
    return r;
  }
}
