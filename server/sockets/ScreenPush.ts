import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { KioskServerEvents } from "../../shared/protocol/events";
import { rooms } from "../../shared/protocol/rooms";
import type { SyncDelta } from "../../shared/schemas/sync";
import type { AnnouncementChange, EntryChange, ScreenPushPort } from "../services/ChangeFeed";
import type { ScreenNotifier } from "../services/screens/ScreenNotifier";
import { claimPush } from "../store/changeLog";
import { subtreeIdsOf } from "../store/districts";
import type { Database } from "../store/schema";
import { ConsoleNotifier } from "./ConsoleNotifier";
import { consoleNamespace, kioskNamespaces, type SignageIo } from "./io";
import { SyncCache } from "./SyncCache";

/**
 * Everything that reaches connected screens and consoles goes out here: it owns the socket.io
 * server's rooms, the kiosk sync cache, the console notices and the district tree the pushes
 * fan out over. The change feed (services/ChangeFeed.ts) calls it after each commit; pairing
 * events and screen commands go through `screens`.
 */
export class ScreenPush implements ScreenPushPort {
  /** Kiosk sync answers shared by the screens asking the same question; cleared on any change. */
  readonly syncCache = new SyncCache<SyncDelta>();
  /** Throttled "something changed" notices to open consoles. */
  readonly consoles: ConsoleNotifier;
  /** Pairing events, presence and commands for single screens. */
  readonly screens: ScreenNotifier;

  constructor(
    private readonly deps: {
      io: SignageIo;
      db: Kysely<Database>;
      log: Logger;
      /** Several server processes share the screens (an adapter): caches are cleared in all. */
      shared: boolean;
    },
  ) {
    const { io } = deps;
    // Cleared in every server process: the notice goes through the adapter ahead of the push
    // that follows it, so another process never answers that push from its old cache.
    io.on("sync:invalidate", () => this.syncCache.clear());
    this.consoles = new ConsoleNotifier((topic) =>
      consoleNamespace(io).to(rooms.consoles()).emit("console:changed", { topic }),
    );
    this.screens = socketScreenNotifier(io);
  }

  /** Drops the kiosk sync answers cached here and in the other server processes. */
  invalidateSync(): void {
    this.syncCache.clear();
    if (this.deps.shared) this.deps.io.serverSideEmit("sync:invalidate");
  }

  /**
   * An entry's districts and their sub-districts show it; their screens re-sync. A takedown
   * travels in the push itself, so screens drop the entry on arrival (one broadcast, no round
   * trip) and acknowledge; they sync as usual when there is something to add.
   */
  async entryChanged(change: EntryChange): Promise<boolean> {
    this.invalidateSync();
    this.consoles.changed(change.takedown ? "takedowns" : "entries");
    try {
      const ids = await subtreeIdsOf(this.deps.db, change.districtIds);
      const districts = ids.map((id) => rooms.district(id));
      if (ids.length > 0)
        toKiosks(this.deps.io, districts).emit("content:changed", {
          version: change.version,
          ids: [change.entryId],
          ...(change.takedown ? { removedIds: [change.entryId] } : {}),
          // A publication carries the entry as screens show it: no sync round trip.
          ...(change.added ? { added: { entries: [change.added], announcements: [] } } : {}),
        });
      if (change.takedown) await this.pushed(change.version);
      return true;
    } catch (err) {
      this.deps.log.error({ err, entryId: change.entryId }, "could not notify screens");
      return false;
    }
  }

  /**
   * Records that the takedown at `version` went out, so TakedownRepush does not send it again;
   * a takedown not recorded (its process died, the push failed) it sends again.
   */
  private async pushed(version: number): Promise<void> {
    await claimPush(this.deps.db, version, new Date().toISOString());
  }

  /**
   * An announcement goes to the screens of its districts and their sub-districts, or to every
   * screen for a city-wide one. A withdrawal travels in the push (screens drop it on arrival and
   * acknowledge); a publication carries the announcement unless it targets screen tags.
   */
  async announcementChanged(change: AnnouncementChange): Promise<boolean> {
    this.invalidateSync();
    this.consoles.changed(change.takedown ? "takedowns" : "announcements");
    try {
      const room =
        change.districtIds.length === 0
          ? rooms.allScreens()
          : (await subtreeIdsOf(this.deps.db, change.districtIds)).map((id) => rooms.district(id));
      if (room.length === 0) {
        if (change.takedown) await this.pushed(change.version);
        return true;
      }
      toKiosks(this.deps.io, room).emit("content:changed", {
        version: change.version,
        ids: [change.announcementId],
        ...(change.takedown ? { removedIds: [change.announcementId] } : {}),
        ...(change.added ? { added: { entries: [], announcements: [change.added] } } : {}),
      });
      if (change.takedown) await this.pushed(change.version);
      return true;
    } catch (err) {
      this.deps.log.error(
        { err, announcementId: change.announcementId },
        "could not notify screens",
      );
      return false;
    }
  }

  /**
   * Schedule, district and emergency changes: these districts' screens (and below) re-sync,
   * dropping at once the emergencies named as cleared.
   */
  async districtsChanged(
    districtIds: readonly string[],
    emergenciesCleared: readonly string[] = [],
    /** The emergency's clearing in the change log, recorded as pushed once it went out. */
    version?: number,
  ): Promise<boolean> {
    this.invalidateSync();
    try {
      const ids = await subtreeIdsOf(this.deps.db, districtIds);
      const districts = ids.map((id) => rooms.district(id));
      if (ids.length > 0)
        toKiosks(this.deps.io, districts).emit("content:changed", {
          version: 0,
          ids: [],
          ...(emergenciesCleared.length > 0 ? { emergenciesCleared: [...emergenciesCleared] } : {}),
        });
      if (version !== undefined) await this.pushed(version);
      return true;
    } catch (err) {
      this.deps.log.error({ err, districtIds }, "could not notify screens");
      return false;
    }
  }

  /** Drops console notices still waiting (the server is stopping). */
  close(): void {
    this.consoles.close();
  }
}

/**
 * The kiosks in `room` on every kiosk namespace (`kioskNamespaces`): kiosks of this release and
 * of the previous one are sent, counted and disconnected alike. Every push to screens goes here.
 */
function toKiosks(io: SignageIo, room: string | string[]) {
  const targets = kioskNamespaces(io).map((ns) => ns.to(room));
  return {
    emit<E extends keyof KioskServerEvents>(
      event: E,
      ...args: Parameters<KioskServerEvents[E]>
    ): void {
      for (const t of targets) t.emit(event, ...args);
    },
    fetchSockets: async () => (await Promise.all(targets.map((t) => t.fetchSockets()))).flat(),
    disconnectSockets: (close: boolean): void => {
      for (const t of targets) t.disconnectSockets(close);
    },
  };
}

/** Socket.io's notifier for pairing events: rooms per pairing code, per screen, per district. */
function socketScreenNotifier(io: SignageIo): ScreenNotifier {
  const online = new Map<string, number>();
  for (const ns of kioskNamespaces(io))
    ns.on("connection", (socket) => {
      if (socket.data.mode !== "screen") return;
      const id = socket.data.screenId;
      online.set(id, (online.get(id) ?? 0) + 1);
      socket.on("disconnect", () => {
        const n = (online.get(id) ?? 1) - 1;
        if (n <= 0) online.delete(id);
        else online.set(id, n);
      });
    });
  return {
    paired: (code, p) => toKiosks(io, rooms.pairing(code)).emit("pairing:complete", p),
    connections: async (screenId) =>
      (await toKiosks(io, rooms.screen(screenId)).fetchSockets()).length,
    tokenRotated: (screenId, token) => {
      const screen = toKiosks(io, rooms.screen(screenId));
      screen.emit("screen:token", { token });
      // The old token no longer authenticates: the kiosk reconnects with the new one.
      screen.disconnectSockets(false);
    },
    revoked: (screenId, reason) => {
      const screen = toKiosks(io, rooms.screen(screenId));
      screen.emit("screen:revoked", { reason });
      // A DISCONNECT packet (not a closed transport) so the notice above arrives first.
      screen.disconnectSockets(false);
    },
    moved: (screenId, from, to) => {
      const screen = toKiosks(io, rooms.screen(screenId));
      void screen.fetchSockets().then(
        (sockets) => {
          for (const s of sockets) {
            s.leave(rooms.district(from));
            s.join(rooms.district(to));
            if (s.data.mode === "screen") s.data.districtId = to;
          }
          // The kiosk re-syncs and gets the new district's content.
          screen.emit("content:changed", { version: 0, ids: [] });
        },
        // Its sockets could not be moved (another process did not answer): they are closed,
        // and the kiosk's reconnect joins the rooms of the district it is in now.
        () => screen.disconnectSockets(false),
      );
    },
    isOnline: (screenId) => (online.get(screenId) ?? 0) > 0,
    command: async (screenId, command) => {
      const screen = toKiosks(io, rooms.screen(screenId));
      const reached = (await screen.fetchSockets()).length;
      if (command.kind === "identify")
        screen.emit("screen:identify", { name: command.name, seconds: command.seconds });
      else screen.emit("screen:reload", { reason: command.reason });
      return reached;
    },
  };
}
