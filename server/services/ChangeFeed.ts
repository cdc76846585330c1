import type { Announcement } from "../../shared/schemas/announcement";
import type { ScreenEntry } from "../../shared/schemas/screenEntry";
import { appendChange } from "../store/changeLog";
import { districtsOf } from "../store/entries";
import type { UnitOfWork } from "../store/runInTransaction";

/** An entry event in the change log: published, or one of the ways it leaves the screens. */
export type EntryChangeKind =
  "entry.published" | "entry.withdrawn" | "entry.revoked" | "entry.expired";

/** A committed entry change, as the screens must hear of it. */
export interface EntryChange {
  entryId: string;
  /** Its change-log version. */
  version: number;
  /** The entry's districts (before and after, when they changed); their sub-districts too. */
  districtIds: readonly string[];
  /** The entry leaves the screens: the push carries it, so screens drop it on arrival. */
  takedown: boolean;
  /** A publication's entry as screens show it, carried in the push (no sync round trip). */
  added?: ScreenEntry;
}

/** An announcement event in the change log: published, or one of the ways it leaves the screens. */
export type AnnouncementChangeKind =
  "announcement.published" | "announcement.withdrawn" | "announcement.ended";

/** A committed announcement change, as the screens must hear of it. */
export interface AnnouncementChange {
  announcementId: string;
  version: number;
  /** The districts it targets (their sub-districts too); empty: the whole city. */
  districtIds: readonly string[];
  /** It leaves the screens: the push carries it, so screens drop it on arrival. */
  takedown: boolean;
  /** A publication's announcement as screens show it, carried in the push (no round trip). */
  added?: Announcement;
}

/**
 * Where committed changes go: the screens and the open consoles. Implemented over socket.io by
 * sockets/ScreenPush.ts; the command line has none (a running server's screens catch up on sync).
 */
export interface ScreenPushPort {
  /** False when the push could not go out (it was logged); anything else: it went out. */
  entryChanged(change: EntryChange): PushOutcome | Promise<PushOutcome>;
  announcementChanged(change: AnnouncementChange): PushOutcome | Promise<PushOutcome>;
  /** Schedules, emergencies or districts changed: these districts' screens (and below) re-sync. */
  districtsChanged(
    districtIds: readonly string[],
    emergenciesCleared?: readonly string[],
    /** The change-log version of an emergency's clearing, recorded as pushed once it went out. */
    version?: number,
  ): PushOutcome | Promise<PushOutcome>;
}

/** A push's outcome: false when it could not go out; void or true when it did. */
export type PushOutcome = boolean | void;

/** Wakes the redaction queue when a commit queued work for it. */
export interface RedactionWake {
  kick(): void;
}

/**
 * The one way a change reaches screens. A service records the change inside its transaction
 * (the change-log row commits or rolls back with it) and the feed pushes it after the commit.
 * Takedowns — revoke, expiry, withdrawal by an edit — all take this path.
 */
export class ChangeFeed {
  /** Transactions that already wake the redaction queue after their commit. */
  private readonly waking = new WeakSet<UnitOfWork>();

  constructor(
    private readonly deps: {
      push?: ScreenPushPort;
      redaction?: RedactionWake;
      /**
       * A published entry as screens get it, read after the commit; without it screens fetch
       * it with a sync.
       */
      screenEntryOf?: (entryId: string) => Promise<ScreenEntry | undefined>;
    } = {},
  ) {}

  /**
   * Appends an entry event and pushes it after the commit to the entry's districts' screens.
   * Call it once the entry's district links are written; `alsoDistricts` adds districts the entry
   * just left (their screens drop it too).
   */
  async entry(
    uow: UnitOfWork,
    kind: EntryChangeKind,
    entryId: string,
    at: string,
    opts: { alsoDistricts?: readonly string[] } = {},
  ): Promise<number> {
    const now = (await districtsOf(uow.trx, [entryId])).get(entryId) ?? [];
    const districtIds = [...new Set([...now, ...(opts.alsoDistricts ?? [])])];
    const version = await appendChange(uow.trx, kind, entryId, at, { districtIds });
    const takedown = kind !== "entry.published";
    uow.afterCommit(async () => {
      const { push, screenEntryOf } = this.deps;
      if (!push) return;
      // Reading the entry for the push may fail; the push goes out all the same, without it,
      // and the screens fetch it with a sync (a committed change is never left unannounced).
      const added =
        takedown || !screenEntryOf
          ? undefined
          : await screenEntryOf(entryId).catch(() => undefined);
      await push.entryChanged({
        entryId,
        version,
        districtIds,
        takedown,
        ...(added ? { added } : {}),
      });
    });
    return version;
  }

  /**
   * Appends an announcement event and pushes it after the commit to the screens it targets
   * (`districtIds`, empty for the whole city). `store` writes the row given the version and
   * returns the announcement as screens show it, for a publication. A publication targeting
   * screen tags carries nothing: every screen of its districts syncs, and the sync gives it
   * only to the screens it targets. Withdrawal and end take this path: one takedown path.
   */
  async announcement(
    uow: UnitOfWork,
    kind: AnnouncementChangeKind,
    announcementId: string,
    at: string,
    target: { districtIds: readonly string[]; screenTags: readonly string[] },
    store: (version: number) => Promise<Announcement | undefined>,
  ): Promise<number> {
    const version = await appendChange(uow.trx, kind, announcementId, at, target);
    const shown = await store(version);
    const takedown = kind !== "announcement.published";
    const added = !takedown && target.screenTags.length === 0 ? shown : undefined;
    const districtIds = [...target.districtIds];
    uow.afterCommit(async () => {
      await this.deps.push?.announcementChanged({
        announcementId,
        version,
        districtIds,
        takedown,
        ...(added ? { added } : {}),
      });
    });
    return version;
  }

  /**
   * Appends an emergency's sending or clearing (its change-log version is what a screen
   * acknowledges by applying it) and has its districts' screens re-sync after the commit.
   */
  async emergency(
    uow: UnitOfWork,
    kind: "emergency.sent" | "emergency.cleared",
    emergencyId: string,
    at: string,
    districtIds: readonly string[],
  ): Promise<number> {
    const version = await appendChange(uow.trx, kind, emergencyId, at, { districtIds });
    // A cleared emergency is named in the push, so screens drop it before their sync returns.
    if (kind === "emergency.cleared")
      uow.afterCommit(async () => {
        await this.deps.push?.districtsChanged(districtIds, [emergencyId], version);
      });
    else await this.districts(uow, districtIds);
    return version;
  }

  /**
   * Schedules, emergencies or the district tree changed: the screens of these districts and
   * their sub-districts re-sync — after `uow` commits, or at once when the change is committed.
   */
  districts(uow: UnitOfWork | undefined, districtIds: readonly string[]): Promise<void> {
    const ids = [...districtIds];
    const push = async (): Promise<void> => {
      await this.deps.push?.districtsChanged(ids);
    };
    if (uow) {
      uow.afterCommit(push);
      return Promise.resolve();
    }
    return push();
  }

  /**
   * The transaction queued redaction work: the queue wakes once after the commit, however many
   * jobs it queued (an import of hundreds of photos is one wake, not hundreds).
   */
  redactionQueued(uow: UnitOfWork): void {
    if (this.waking.has(uow)) return;
    this.waking.add(uow);
    uow.afterCommit(() => this.deps.redaction?.kick());
  }
}
