import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type {
  Emergency,
  EmergencyReach as Reach,
  EmergencyReviewState,
  EmergencyView,
} from "../../shared/schemas/schedule";
import { refusePersonalDataInReason, refusePersonalDataInTexts } from "./reasonRefusal";
import { AppError } from "../errors";
import {
  clearEmergency,
  emergencyDistrictLinks,
  insertEmergency,
  listEmergencies,
  updateEmergency,
  type EmergencyFilter,
} from "../store/emergencies";
import { listDistricts } from "../store/districts";
import type { Database, DistrictRow } from "../store/schema";
import { runInTransaction, type UnitOfWork } from "../store/runInTransaction";
import type { AuditLog } from "./AuditLog";
import type { ChangeFeed } from "./ChangeFeed";
import type { DistrictRegistry } from "./DistrictRegistry";
import { emergencyApprovalOf } from "./districtSettings";
import { EmergencyReach } from "./EmergencyReach";
import { said } from "../../shared/messages/errorMessages";

/** The deepest district tree walked up (as DistrictRegistry.ancestry refuses deeper ones). */
const MAX_DEPTH = 16;

/** What an operator posts: it starts at once and runs until `endsAt` or until cleared. */
export interface EmergencyInput {
  title: string;
  body: string;
  districtIds: string[];
  endsAt?: string;
}

/** The person who sends, clears or reviews a notice. */
export interface EmergencyActor {
  type: "user";
  id: string;
}

/**
 * Posts, reviews and clears emergency notices, which override every schedule in their
 * districts. A notice goes out at once and waits for a moderator's confirmation ("review-after"),
 * or, where a district (or an ancestor) requires two people, waits for a moderator's approval
 * before anything is sent. Screens get only notices sent and not taken down (`forChain`).
 */
export class EmergencyNotices {
  private readonly reachOf: EmergencyReach;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      registry: DistrictRegistry;
      /** Sends and clears go through the change feed: screens re-sync and acknowledge. */
      changes: ChangeFeed;
      /** Records sends, reviews and clears in the same transaction. */
      audit: AuditLog;
      /** Open consoles reload their emergency lists and review queues after each change. */
      consoles?: { changed(topic: "emergencies"): void };
      now?: () => Date;
    },
  ) {
    this.reachOf = new EmergencyReach({ db: deps.db, registry: deps.registry });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Posts a notice to districts (a city covers all its districts). Unless a district or an
   * ancestor requires two people, screens switch at once and the notice waits for review;
   * otherwise nothing is sent until a moderator approves.
   */
  async post(input: EmergencyInput, actor: EmergencyActor): Promise<EmergencyView> {
    await this.deps.registry.requireExisting(input.districtIds);
    refusePersonalDataInTexts("emergency.personalData", [
      { path: "title", label: "title", text: input.title },
      { path: "body", label: "text", text: input.body },
    ]);
    const now = this.now().toISOString();
    if (input.endsAt !== undefined && input.endsAt <= now) {
      throw new AppError(400, "validation_failed", said("emergency.endInPast"));
    }
    const id = randomUUID();
    const districtIds = [...new Set(input.districtIds)];
    const { held, reviewState } = await runInTransaction(
      this.deps.db,
      this.deps.log,
      async (uow) => {
        this.tellConsoles(uow);
        const { trx } = uow;
        // Decided in the transaction that stores the notice, so a district setting changed
        // meanwhile cannot slip between the decision and the sending.
        const held = await this.needsApproval(districtIds, trx);
        const reviewState: EmergencyReviewState = held ? "awaiting_approval" : "unreviewed";
        await insertEmergency(
          trx,
          {
            id,
            title: input.title,
            body: input.body,
            starts_at: now,
            ends_at: input.endsAt ?? null,
            cleared_at: null,
            created_at: now,
            review_state: reviewState,
            sent_by: actor.id,
          },
          districtIds,
        );
        if (!held) await this.deps.changes.emergency(uow, "emergency.sent", id, now, districtIds);
        // A held notice is recorded as asked for: nothing reached a screen yet.
        await this.deps.audit.record(trx, {
          actor,
          action: held ? "emergency.requested" : "emergency.sent",
          target: { type: "emergency", id },
          details: {
            title: input.title,
            districtIds,
            endsAt: input.endsAt ?? null,
            awaitingApproval: held,
          },
        });
        return { held, reviewState };
      },
    );
    this.deps.log.warn(
      { emergencyId: id, districtIds, reviewState },
      held ? "emergency notice awaiting approval" : "emergency notice posted",
    );
    return this.get(id);
  }

  /**
   * Whether a notice to these districts needs approval before sending: it reaches the screens of
   * the districts and of every district below them, so it does when any district it reaches
   * requires two people, by its own setting or one inherited from an ancestor.
   */
  async needsApproval(
    districtIds: readonly string[],
    db: Kysely<Database> | Transaction<Database> = this.deps.db,
  ): Promise<boolean> {
    const all = await listDistricts(db);
    const byId = new Map(all.map((d) => [d.id, d]));
    const children = new Map<string, string[]>();
    for (const d of all)
      if (d.parent_id !== null)
        children.set(d.parent_id, [...(children.get(d.parent_id) ?? []), d.id]);
    const reached = new Set<string>();
    const stack = [...districtIds];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (reached.has(id)) continue;
      reached.add(id);
      stack.push(...(children.get(id) ?? []));
    }
    for (const id of reached) {
      const chain: DistrictRow[] = [];
      let d = byId.get(id);
      while (d !== undefined && chain.length <= MAX_DEPTH) {
        chain.push(d);
        d = d.parent_id === null ? undefined : byId.get(d.parent_id);
      }
      if (emergencyApprovalOf(chain) === "two-person") return true;
    }
    return false;
  }

  /** Ends a notice now; its screens return to their schedules at once. */
  async clear(id: string, actor: EmergencyActor): Promise<EmergencyView> {
    const before = await this.get(id);
    if (before.clearedAt !== null)
      throw new AppError(409, "conflict", said("emergency.alreadyCleared"));
    const at = this.now().toISOString();
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      this.tellConsoles(uow);
      // Read again here: an approval or a pull may have landed since.
      const row = await this.row(uow.trx, id);
      if (!(await clearEmergency(uow.trx, id, at)))
        throw new AppError(409, "conflict", said("emergency.alreadyCleared"));
      // A notice never sent (waiting for approval) leaves no screen to tell.
      const onScreens = row.review_state !== "awaiting_approval";
      if (onScreens)
        await this.deps.changes.emergency(uow, "emergency.cleared", id, at, before.districtIds);
      await this.deps.audit.record(uow.trx, {
        actor,
        action: "emergency.cleared",
        target: { type: "emergency", id },
        details: { wasSent: onScreens },
      });
    });
    this.deps.log.warn({ emergencyId: id }, "emergency notice cleared");
    return this.get(id);
  }

  /** A moderator other than the sender confirms a notice sent at once. */
  async confirm(id: string, reviewer: EmergencyActor): Promise<EmergencyView> {
    const before = await this.reviewable(id, reviewer, "emergency.youSentConfirm");
    if (before.reviewState !== "unreviewed") throw this.notIn(before, "emergency.notUnreviewed");
    const at = this.now().toISOString();
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      this.tellConsoles(uow);
      const done = await updateEmergency(
        uow.trx,
        id,
        { review_state: "confirmed", reviewed_by: reviewer.id, reviewed_at: at },
        ["unreviewed"],
      );
      if (!done) throw this.changedMeanwhile();
      await this.deps.audit.record(uow.trx, {
        actor: reviewer,
        action: "emergency.confirmed",
        target: { type: "emergency", id },
      });
    });
    this.deps.log.info({ emergencyId: id, reviewerId: reviewer.id }, "emergency notice confirmed");
    return this.get(id);
  }

  /**
   * A moderator other than the sender approves a notice waiting for a second person: it is sent
   * now, and counts as reviewed.
   */
  async approve(id: string, reviewer: EmergencyActor): Promise<EmergencyView> {
    const before = await this.reviewable(id, reviewer, "emergency.youSentApprove");
    if (before.reviewState !== "awaiting_approval" || before.clearedAt !== null)
      throw this.notIn(before, "emergency.notAwaitingApproval");
    const at = this.now().toISOString();
    if (before.endsAt !== undefined && before.endsAt <= at)
      throw new AppError(409, "conflict", said("emergency.endedBeforeApproval"));
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      this.tellConsoles(uow);
      // Read again here: the sender may have cleared it since; a cleared notice is never sent.
      const row = await this.row(uow.trx, id);
      if (row.cleared_at !== null)
        throw this.clearedMeanwhile(row.cleared_at, "emergency.clearedNotSent");
      const done = await updateEmergency(
        uow.trx,
        id,
        { review_state: "confirmed", reviewed_by: reviewer.id, reviewed_at: at, starts_at: at },
        ["awaiting_approval"],
        { uncleared: true },
      );
      if (!done) throw this.changedMeanwhile();
      await this.deps.changes.emergency(uow, "emergency.sent", id, at, before.districtIds);
      await this.deps.audit.record(uow.trx, {
        actor: reviewer,
        action: "emergency.approved",
        target: { type: "emergency", id },
        details: { districtIds: before.districtIds },
      });
    });
    this.deps.log.warn({ emergencyId: id, reviewerId: reviewer.id }, "emergency notice approved");
    return this.get(id);
  }

  /**
   * A moderator other than the sender pulls a notice: one on the screens is taken down now (the
   * screens drop it and acknowledge); one waiting for approval is never sent.
   */
  async pull(id: string, reviewer: EmergencyActor, reason: string): Promise<EmergencyView> {
    refusePersonalDataInReason(reason, "emergency.reasonPersonalData");
    const before = await this.reviewable(id, reviewer, "emergency.youSentPull");
    const at = this.now().toISOString();
    const live = before.clearedAt === null && (before.endsAt === undefined || before.endsAt > at);
    if (before.reviewState === "pulled" || (before.reviewState === "confirmed" && !live))
      throw this.notIn(before, "emergency.notOnScreens");
    const onScreens = live && before.reviewState !== "awaiting_approval";
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      this.tellConsoles(uow);
      // Read again here: a notice cleared since keeps its clear time and is not cleared twice.
      const row = await this.row(uow.trx, id);
      if (before.clearedAt === null && row.cleared_at !== null)
        throw this.clearedMeanwhile(row.cleared_at, "emergency.clearedNothingToPull");
      const done = await updateEmergency(
        uow.trx,
        id,
        {
          review_state: "pulled",
          reviewed_by: reviewer.id,
          reviewed_at: at,
          review_reason: reason,
          ...(before.clearedAt === null ? { cleared_at: at } : {}),
        },
        [before.reviewState],
        { uncleared: before.clearedAt === null },
      );
      if (!done) throw this.changedMeanwhile();
      if (onScreens)
        await this.deps.changes.emergency(uow, "emergency.cleared", id, at, before.districtIds);
      await this.deps.audit.record(uow.trx, {
        actor: reviewer,
        action: "emergency.pulled",
        target: { type: "emergency", id },
        details: { reason, wasOnScreens: onScreens, reviewState: before.reviewState },
      });
    });
    this.deps.log.warn({ emergencyId: id, reviewerId: reviewer.id }, "emergency notice pulled");
    return this.get(id);
  }

  /** The notice, when `reviewer` is not its sender (four eyes); `refusal` says what they may not do. */
  private async reviewable(
    id: string,
    reviewer: EmergencyActor,
    refusal: "emergency.youSentConfirm" | "emergency.youSentApprove" | "emergency.youSentPull",
  ): Promise<EmergencyView> {
    const view = await this.get(id);
    if (view.sentBy === reviewer.id) throw new AppError(403, "four_eyes", said(refusal));
    return view;
  }

  /** After the commit, open consoles reload what they show of emergencies. */
  private tellConsoles(uow: UnitOfWork): void {
    uow.afterCommit(() => this.deps.consoles?.changed("emergencies"));
  }

  private notIn(
    view: EmergencyView,
    why: "emergency.notUnreviewed" | "emergency.notAwaitingApproval" | "emergency.notOnScreens",
  ): AppError {
    const state = view.reviewState.replace("_", " ");
    return new AppError(409, "conflict", said(why, { state }));
  }

  private clearedMeanwhile(
    clearedAt: string,
    so: "emergency.clearedNotSent" | "emergency.clearedNothingToPull",
  ): AppError {
    return new AppError(409, "conflict", said(so, { clearedAt }));
  }

  /** The stored notice, read inside a transaction; a 404 when it is gone. */
  private async row(trx: Transaction<Database>, id: string) {
    const [row] = await listEmergencies(trx, { id });
    if (!row) throw new AppError(404, "not_found", said("emergency.notFound", { id }));
    return row;
  }

  private changedMeanwhile(): AppError {
    return new AppError(409, "conflict", said("emergency.reviewedMeanwhile"));
  }

  /** One notice, or a 404. */
  async get(id: string): Promise<EmergencyView> {
    const [view] = await this.query({ id });
    if (!view) throw new AppError(404, "not_found", said("emergency.notFound", { id }));
    return view;
  }

  /** Notices not cleared and not ended (those waiting for approval too), newest first. */
  async listActive(): Promise<EmergencyView[]> {
    return this.query({ liveAt: this.now().toISOString() });
  }

  /**
   * Notices waiting for a moderator: sent and not yet reviewed (even if over since: they were on
   * the street), or waiting for approval and still able to run.
   */
  async listToReview(): Promise<EmergencyView[]> {
    const now = this.now().toISOString();
    return (await this.query({ toReview: true })).filter(
      (e) =>
        e.reviewState === "unreviewed" ||
        (e.clearedAt === null && (e.endsAt === undefined || e.endsAt > now)),
    );
  }

  /** How far the notice's sending and clearing reached, screen by screen. */
  async reach(id: string): Promise<Reach> {
    return this.reachOf.of(await this.get(id));
  }

  /**
   * The notices screens show in a chain (a screen's district and its ancestors): live, and sent
   * (never one waiting for approval or pulled).
   */
  async forChain(chain: readonly string[]): Promise<Emergency[]> {
    const sent = await this.query({ liveAt: this.now().toISOString(), sent: true });
    return sent
      .filter((e) => e.districtIds.some((d) => chain.includes(d)))
      .map((e) => ({
        id: e.id,
        title: e.title,
        body: e.body,
        startsAt: e.startsAt,
        ...(e.endsAt ? { endsAt: e.endsAt } : {}),
      }));
  }

  private async query(filter: EmergencyFilter): Promise<EmergencyView[]> {
    const rows = await listEmergencies(this.deps.db, filter);
    const ids = rows.map((r) => r.id);
    const links = ids.length === 0 ? [] : await emergencyDistrictLinks(this.deps.db, ids);
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      body: r.body,
      startsAt: r.starts_at,
      ...(r.ends_at ? { endsAt: r.ends_at } : {}),
      clearedAt: r.cleared_at,
      districtIds: links.filter((l) => l.emergency_id === r.id).map((l) => l.district_id),
      reviewState: r.review_state,
      sentBy: r.sent_by,
      reviewedBy: r.reviewed_by,
      reviewedAt: r.reviewed_at,
      reviewReason: r.review_reason,
    }));
  }
}
