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

/**
 * Where committed changes go: the screens and the open consoles. Implemented over socket.io by
 * sockets/ScreenPush.ts; the command line has none (a running server's screens catch up on sync).
 */
export interface ScreenPushPort {
  entryChanged(change: EntryChange): void | Promise<void>;
  announcementChanged(change: {
    announcementId: string;
    version: number;
    /** The announcement itself, carried in the push. */
    added?: Announcement;
  }): void;
  /** Schedules, emergencies or districts changed: these districts' screens (and below) re-sync. */
  districtsChanged(districtIds: readonly string[]): void | Promise<void>;
}

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
    const version = await appendChange(uow.trx, kind, entryId, at);
    const now = (await districtsOf(uow.trx, [entryId])).get(entryId) ?? [];
    const districtIds = [...new Set([...now, ...(opts.alsoDistricts ?? [])])];
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
   * Appends an announcement's publication, stores it with `store` (given its version) and
   * pushes it, carried in the push, to every screen after the commit.
   */
  async announcement(
    uow: UnitOfWork,
    announcementId: string,
    at: string,
    store: (version: number) => Promise<Announcement>,
  ): Promise<Announcement> {
    const version = await appendChange(uow.trx, "announcement.published", announcementId, at);
    const added = await store(version);
    uow.afterCommit(() => this.deps.push?.announcementChanged({ announcementId, version, added }));
    return added;
  }

  /**
   * Schedules, emergencies or the district tree changed: the screens of these districts and
   * their sub-districts re-sync — after `uow` commits, or at once when the change is committed.
   */
  districts(uow: UnitOfWork | undefined, districtIds: readonly string[]): Promise<void> {
    const ids = [...districtIds];
    if (uow) {
      uow.afterCommit(() => this.deps.push?.districtsChanged(ids));
      return Promise.resolve();
    }
    return Promise.resolve(this.deps.push?.districtsChanged(ids));
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
