import type { Kysely, Transaction } from "kysely";
import { refusePersonalDataInTexts } from "./reasonRefusal";
import type { Logger } from "pino";
import {
  NO_REVIEWED_SETTINGS,
  ReviewedSettingsSchema,
  reviewedSettingsJson,
  type District,
  type DistrictInput,
  type ReviewedSettings,
} from "../../shared/schemas/district";
import {
  IdleSlideSchema,
  ScheduleSchema,
  type EffectiveSchedule,
  type IdleSlide,
  type Schedule,
} from "../../shared/schemas/schedule";
import { presentDistrict } from "../presenters/presentDistrict";
import { AppError } from "../errors";
import {
  approveDistrictSettings,
  approvedSettingsOf,
  approveIdleSlide,
  deleteSchedule,
  existingDistrictIds,
  getDistrict,
  getOwnSchedule,
  insertDistrict,
  listDistricts,
  putSchedule,
  savedSettingsOf,
  settingsChangersOf,
  subtreeIdsOf,
  updateDistrict,
  userIdsOf,
  type OwnSchedule,
} from "../store/districts";
import { runInTransaction, type UnitOfWork } from "../store/runInTransaction";
import type { Database, DistrictRow } from "../store/schema";
import { activeScreensIn, districtSetChanged } from "../store/screens";
import type { AuditInput, AuditLog } from "./AuditLog";
import type { ChangeFeed } from "./ChangeFeed";
import { approvedOnSave, heldOnMove, sameSettings } from "./districtSettings";
import { said } from "../../shared/messages/errorMessages";

const MAX_DEPTH = 16;

/** Who changes the tree or a schedule, for the audit record. */
type Actor = AuditInput["actor"];

/**
 * Manages the city → district tree and each district's schedule. Every change is one
 * transaction with its audit record; the screens of a changed district (and below) re-sync
 * after the commit.
 */
export class DistrictRegistry {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      audit: AuditLog;
      changes: ChangeFeed;
      now?: () => Date;
    },
  ) {}

  private inTransaction<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    return runInTransaction(this.deps.db, this.deps.log, work);
  }

  private nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /** All districts. */
  async list(): Promise<District[]> {
    return (await listDistricts(this.deps.db)).map(presentDistrict);
  }

  /** One district, or a 404. */
  async get(id: string): Promise<DistrictRow> {
    const row = await getDistrict(this.deps.db, id);
    if (!row) throw new AppError(404, "not_found", said("district.notFound", { id }));
    return row;
  }

  /** The chain from a district up to its city, itself first. */
  ancestry(id: string): Promise<DistrictRow[]> {
    return chainIn(this.deps.db, id);
  }

  /** Creates a district; its parent must exist and its id must be new. */
  async create(input: DistrictInput, actor: Actor): Promise<District> {
    const at = this.nowIso();
    return this.inTransaction(async ({ trx }) => {
      if (await getDistrict(trx, input.id)) {
        throw new AppError(409, "conflict", said("district.exists", { id: input.id }));
      }
      if (input.parentId !== null && !(await getDistrict(trx, input.parentId))) {
        throw new AppError(
          400,
          "validation_failed",
          said("district.parentMissing", { id: input.parentId }),
        );
      }
      const row = toRow(input, at, at, reviewOnSave(input, undefined, actor));
      await insertDistrict(trx, row);
      await this.deps.audit.record(trx, {
        actor,
        action: "district.created",
        target: { type: "district", id: input.id },
        details: { ...input },
      });
      this.deps.log.info({ districtId: input.id, parentId: input.parentId }, "district created");
      return presentDistrict(row);
    });
  }

  /** Replaces a district's settings; moving it under one of its own descendants is refused. */
  async update(id: string, input: DistrictInput, actor: Actor): Promise<District> {
    if (input.id !== id) throw new AppError(400, "validation_failed", said("district.idFixed"));
    const at = this.nowIso();
    return this.inTransaction(async (uow) => {
      const { trx } = uow;
      const existing = await getDistrict(trx, id);
      if (!existing) throw new AppError(404, "not_found", said("district.notFound", { id }));
      // Walk up from the new parent: meeting this district means the move would make a cycle.
      let cursor = input.parentId;
      for (let depth = 0; cursor !== null; depth++) {
        if (cursor === id || depth > MAX_DEPTH) {
          throw new AppError(
            409,
            "conflict",
            said("district.cycle", { id, parentId: String(input.parentId) }),
          );
        }
        const parent = await getDistrict(trx, cursor);
        if (!parent)
          throw new AppError(
            400,
            "validation_failed",
            said("district.parentMissing", { id: cursor }),
          );
        cursor = parent.parent_id;
      }
      let row = toRow(input, existing.created_at, at, reviewOnSave(input, existing, actor));
      if (input.parentId !== existing.parent_id) {
        // A move that would let one person send where two were needed holds two people until
        // a second person approves the outcome.
        const parentChain = input.parentId === null ? [] : await chainIn(trx, input.parentId);
        const approved = approvedSettingsOf(row);
        const held = heldOnMove(
          approved,
          { chain: await chainIn(trx, id) },
          { chain: [row, ...parentChain] },
        );
        if (!sameSettings(held, approved))
          row = toRow(input, existing.created_at, at, hold(row, held, actor));
        await this.reparentScreens(trx, id);
      }
      // Guarded by the review as read: an approval committing meanwhile is not undone.
      if (!(await updateDistrict(trx, row, existing)))
        throw new AppError(409, "stale_revision", said("district.changedMeanwhile"));
      const district = presentDistrict(row);
      await this.deps.changes.districts(uow, [id]);
      await this.deps.audit.record(trx, {
        actor,
        action: "district.updated",
        target: { type: "district", id },
        details: { before: presentDistrict(existing), after: district },
      });
      this.deps.log.info({ districtId: id }, "district updated");
      return district;
    });
  }

  /**
   * A second person approves a district's contest line and emergency setting as they saw them
   * (`seen`): refused for anyone who saved them since their last approval, and when they are no
   * longer what was seen. Its screens (and those inheriting the line) show them then.
   */
  async approveSettings(id: string, seen: ReviewedSettings, approverId: string): Promise<District> {
    return this.inTransaction(async (uow) => {
      const row = await getDistrict(uow.trx, id);
      if (!row) throw new AppError(404, "not_found", said("district.notFound", { id }));
      const saved = savedSettingsOf(row);
      if (!sameSettings(seen, saved))
        throw new AppError(409, "stale_revision", said("district.settingsChanged"));
      const changedBy = settingsChangersOf(row);
      if (changedBy.includes(approverId))
        throw new AppError(403, "four_eyes", said("district.settingsYours"));
      if (sameSettings(saved, approvedSettingsOf(row)))
        throw new AppError(409, "conflict", said("district.settingsApproved"));
      // Guarded by the whole row as read: a save racing this approval makes it fail.
      if (!(await approveDistrictSettings(uow.trx, row, reviewedSettingsJson(saved))))
        throw new AppError(409, "stale_revision", said("district.settingsChanged"));
      await this.deps.changes.districts(uow, [id]);
      await this.deps.audit.record(uow.trx, {
        actor: { type: "user", id: approverId },
        action: "district.settings_approved",
        target: { type: "district", id },
        details: { settings: saved, changedBy },
      });
      this.deps.log.info({ districtId: id }, "district settings approved");
      const approved = await getDistrict(uow.trx, id);
      if (!approved) throw new AppError(404, "not_found", said("district.notFound", { id }));
      return presentDistrict(approved);
    });
  }

  /**
   * Before `id` moves to another parent: every screen under it changes district set, so each
   * is marked with the chain it had (what it may hold) and gets a full manifest next.
   */
  private async reparentScreens(trx: Transaction<Database>, id: string): Promise<void> {
    const all = await listDistricts(trx);
    const parentOf = new Map(all.map((d) => [d.id, d.parent_id]));
    const chainOf = (districtId: string): string[] => {
      const chain: string[] = [];
      for (let cursor: string | null = districtId; cursor !== null;) {
        if (chain.includes(cursor) || chain.length > MAX_DEPTH) break;
        chain.push(cursor);
        cursor = parentOf.get(cursor) ?? null;
      }
      return chain;
    };
    const under = all.filter((d) => chainOf(d.id).includes(id)).map((d) => d.id);
    const screens = await activeScreensIn(trx, under);
    for (const screen of screens)
      await districtSetChanged(trx, screen, chainOf(screen.district_id));
    if (screens.length > 0)
      this.deps.log.info({ districtId: id, screens: screens.length }, "screens re-parented");
  }

  /** The given districts and all their descendants (whose screens inherit from them). */
  subtreeIds(ids: readonly string[]): Promise<string[]> {
    return subtreeIdsOf(this.deps.db, ids);
  }

  /** Refuses district ids that do not exist, naming them. */
  async requireExisting(ids: readonly string[]): Promise<void> {
    const found = await existingDistrictIds(this.deps.db, ids);
    const missing = [...new Set(ids)].filter((d) => !found.has(d));
    if (missing.length > 0) {
      throw new AppError(
        400,
        "validation_failed",
        said("district.unknown", { ids: missing.join(", ") }),
      );
    }
  }

  /**
   * Sets a district's own schedule (validated with ScheduleSchema). Its windows apply at once
   * (they play only approved content); a new or changed idle slide waits for a second person
   * (approveIdleSlide), and the screens show the one approved before, if any, meanwhile.
   */
  async setSchedule(id: string, schedule: Schedule, actor: Actor): Promise<void> {
    // The idle slide goes to the street as it is, as an announcement does: no personal data.
    if (schedule.idleSlide)
      refusePersonalDataInTexts("schedule.personalData", [
        { path: "idleSlide.title", label: "idle slide's title", text: schedule.idleSlide.title },
        { path: "idleSlide.body", label: "idle slide's text", text: schedule.idleSlide.body },
      ]);
    await this.get(id);
    await this.inTransaction(async (uow) => {
      const before = await getOwnSchedule(uow.trx, id);
      const idle = schedule.idleSlide ? idleJson(schedule.idleSlide) : null;
      // Taking the idle slide away needs nobody's approval: it leaves the screens at once.
      const approved = idle === null ? null : (before?.idle_approved_json ?? null);
      // Everyone who saved an idle slide still waiting since its last approval, this saver
      // included even when the text is the same: none of them approves it.
      const waitingBefore =
        before !== undefined &&
        idleOf(before.schedule_json) !== null &&
        before.idle_approved_json !== idleOf(before.schedule_json);
      const changers =
        idle === null || idle === approved
          ? []
          : [
              ...new Set([
                ...(waitingBefore ? changersOf(before) : []),
                actor.id ?? `${actor.type}`,
              ]),
            ].sort();
      const own: OwnSchedule = {
        schedule_json: JSON.stringify(schedule),
        idle_approved_json: approved,
        idle_changers_json: JSON.stringify(changers),
      };
      await putSchedule(uow.trx, id, own, this.nowIso());
      await this.deps.changes.districts(uow, [id]);
      await this.recordScheduleChange(uow, id, before?.schedule_json, schedule, actor);
    });
    this.deps.log.info({ districtId: id, windows: schedule.windows.length }, "schedule set");
  }

  /**
   * A second person approves a district's idle slide as they saw it (`seen`): refused for anyone
   * who saved it since its last approval, and when it is no longer what they saw. Its screens
   * show it then.
   */
  async approveIdleSlide(id: string, seen: IdleSlide, approverId: string): Promise<void> {
    await this.get(id);
    await this.inTransaction(async (uow) => {
      const own = await getOwnSchedule(uow.trx, id);
      const idle = own ? idleOf(own.schedule_json) : null;
      if (!own || idle === null)
        throw new AppError(409, "conflict", said("schedule.noIdleSlide", { id }));
      if (idle !== idleJson(seen))
        throw new AppError(409, "stale_revision", said("schedule.idleSlideChanged"));
      if (changersOf(own).includes(approverId))
        throw new AppError(403, "four_eyes", said("schedule.idleSlideYours"));
      if (own.idle_approved_json === idle)
        throw new AppError(409, "conflict", said("schedule.idleSlideApproved"));
      // Guarded by the whole row as read: a save racing this approval makes it fail.
      if (!(await approveIdleSlide(uow.trx, id, own, idle, this.nowIso())))
        throw new AppError(409, "stale_revision", said("schedule.idleSlideChanged"));
      await this.deps.changes.districts(uow, [id]);
      await this.deps.audit.record(uow.trx, {
        actor: { type: "user", id: approverId },
        action: "schedule.idle_slide_approved",
        target: { type: "district", id },
        details: { idleSlide: seen, changedBy: changersOf(own) },
      });
    });
    this.deps.log.info({ districtId: id }, "idle slide approved");
  }

  /** Removes a district's own schedule; it inherits its parent's again. */
  async clearSchedule(id: string, actor: Actor): Promise<boolean> {
    await this.get(id);
    return this.inTransaction(async (uow) => {
      const before = await getOwnSchedule(uow.trx, id);
      const removed = await deleteSchedule(uow.trx, id);
      await this.deps.changes.districts(uow, [id]);
      if (removed) await this.recordScheduleChange(uow, id, before?.schedule_json, null, actor);
      return removed;
    });
  }

  private async recordScheduleChange(
    uow: UnitOfWork,
    id: string,
    before: string | undefined,
    after: Schedule | null,
    actor: Actor,
  ): Promise<void> {
    await this.deps.audit.record(uow.trx, {
      actor,
      action: "schedule.changed",
      target: { type: "district", id },
      details: {
        before: before === undefined ? null : ScheduleSchema.parse(JSON.parse(before)),
        after,
      },
    });
  }

  /**
   * The schedule that applies to a district, as the console edits it: its own, else the nearest
   * ancestor's, the idle slide as last saved, with what the screens show of it.
   */
  async effectiveSchedule(id: string): Promise<EffectiveSchedule> {
    for (const d of await this.ancestry(id)) {
      const own = await getOwnSchedule(this.deps.db, d.id);
      if (own === undefined) continue;
      const schedule = ScheduleSchema.parse(JSON.parse(own.schedule_json));
      const onScreens = approvedIdle(own);
      return {
        schedule,
        fromDistrictId: d.id,
        idleSlideReview: schedule.idleSlide
          ? {
              onScreens: onScreens ?? null,
              pending: own.idle_approved_json !== idleJson(schedule.idleSlide),
              changedBy: changersOf(own),
            }
          : null,
      };
    }
    return { schedule: null, fromDistrictId: null, idleSlideReview: null };
  }

  /**
   * The first own schedule along a district's ancestry (as returned by `ancestry`), as its
   * screens play it: the idle slide a second person approved, or none.
   */
  async scheduleOfChain(
    chain: readonly DistrictRow[],
  ): Promise<{ schedule: Schedule | null; fromDistrictId: string | null }> {
    for (const d of chain) {
      const own = await getOwnSchedule(this.deps.db, d.id);
      if (own === undefined) continue;
      const { idleSlide: _saved, ...schedule } = ScheduleSchema.parse(
        JSON.parse(own.schedule_json),
      );
      const idleSlide = approvedIdle(own);
      return { schedule: idleSlide ? { ...schedule, idleSlide } : schedule, fromDistrictId: d.id };
    }
    return { schedule: null, fromDistrictId: null };
  }
}

/** An idle slide as compared and stored: its two fields in one order. */
function idleJson(idle: IdleSlide): string {
  return JSON.stringify({ title: idle.title, body: idle.body });
}

/** The idle slide of a stored schedule, as `idleJson` writes it; null when it has none. */
function idleOf(scheduleJson: string): string | null {
  const idle = ScheduleSchema.parse(JSON.parse(scheduleJson)).idleSlide;
  return idle ? idleJson(idle) : null;
}

/** Who saved the idle slide since its last approval (user ids). */
function changersOf(own: OwnSchedule): string[] {
  return userIdsOf(own.idle_changers_json);
}

/** The idle slide screens show: the approved one, while the schedule still has an idle slide. */
function approvedIdle(own: OwnSchedule): IdleSlide | undefined {
  if (own.idle_approved_json === null || idleOf(own.schedule_json) === null) return undefined;
  return IdleSlideSchema.parse(JSON.parse(own.idle_approved_json));
}

/** A district's settings review as a save leaves it. */
interface SettingsReviewRow {
  settings_approved_json: string;
  settings_changers_json: string;
}

/**
 * What a save of `input` leaves approved (what was before, with what applies at once) and who
 * waits to be approved: everyone who saved since the last approval, this saver included even
 * with nothing changed, unless nothing waits.
 */
function reviewOnSave(
  input: DistrictInput,
  before: DistrictRow | undefined,
  actor: Actor,
): SettingsReviewRow {
  const saved = ReviewedSettingsSchema.parse({
    contestText: input.contestText,
    contestUrl: input.contestUrl,
    contestContact: input.contestContact,
    emergencyApproval: input.emergencyApproval,
  });
  const approvedBefore = before ? approvedSettingsOf(before) : NO_REVIEWED_SETTINGS;
  const approved = approvedOnSave(saved, approvedBefore);
  const waitingBefore =
    before !== undefined && !sameSettings(savedSettingsOf(before), approvedBefore);
  const changers = sameSettings(saved, approved)
    ? []
    : [
        ...new Set([
          ...(waitingBefore && before ? settingsChangersOf(before) : []),
          actor.id ?? actor.type,
        ]),
      ].sort();
  return {
    settings_approved_json: reviewedSettingsJson(approved),
    settings_changers_json: JSON.stringify(changers),
  };
}

/** A save's review with `held` approved instead, its saver among those who wait. */
function hold(row: DistrictRow, held: ReviewedSettings, actor: Actor): SettingsReviewRow {
  const changers = new Set([...settingsChangersOf(row), actor.id ?? actor.type]);
  return {
    settings_approved_json: reviewedSettingsJson(held),
    settings_changers_json: JSON.stringify([...changers].sort()),
  };
}

/** The chain from a district up to its city, itself first, read through `db`. */
async function chainIn(
  db: Kysely<Database> | Transaction<Database>,
  id: string,
): Promise<DistrictRow[]> {
  const chain: DistrictRow[] = [];
  let next: string | null = id;
  while (next !== null) {
    if (chain.length > MAX_DEPTH) throw new AppError(409, "conflict", said("district.tooDeep"));
    const row: DistrictRow | undefined = await getDistrict(db, next);
    if (!row) throw new AppError(404, "not_found", said("district.notFound", { id: next }));
    chain.push(row);
    next = row.parent_id;
  }
  return chain;
}

function toRow(
  input: DistrictInput,
  createdAt: string,
  updatedAt: string,
  review: SettingsReviewRow,
): DistrictRow {
  return {
    ...review,
    id: input.id,
    parent_id: input.parentId,
    name_zh: input.nameZh,
    name_en: input.nameEn,
    time_zone: input.timeZone,
    language: input.language,
    contest_text: input.contestText,
    contest_url: input.contestUrl,
    contest_contact: input.contestContact,
    emergency_approval: input.emergencyApproval,
    alert_offline_minutes: input.alertOfflineMinutes,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}
