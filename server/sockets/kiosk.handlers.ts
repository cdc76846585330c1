import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Ack } from "../../shared/protocol/events";
import { rooms } from "../../shared/protocol/rooms";
import { DisplayInfoSchema, ScreenStatusSchema } from "../../shared/schemas/screen";
import { KioskAppliedSchema, KioskHelloSchema, type SyncDelta } from "../../shared/schemas/sync";
import { MAX_PLAYS_PER_BATCH, PlayBatchSchema } from "../../shared/schemas/proofOfPlay";
import { said } from "../../shared/messages/errorMessages";
import { AppError } from "../errors";
import type { ProofOfPlay } from "../services/ProofOfPlay";
import type { ScreenPairing } from "../services/screens/ScreenPairing";
import type { ScreenPresence } from "../services/screens/ScreenPresence";
import type { ScreenRegistry } from "../services/screens/ScreenRegistry";
import type { DistrictRegistry } from "../services/DistrictRegistry";
import type { EmergencyNotices } from "../services/EmergencyNotices";
import { computeSync, resolveDistrict } from "../services/kioskSync";
import { sharedRead } from "../services/BatchedLookup";
import { forPreviousRelease, parseStrings } from "../presenters/presentAnnouncement";
import { namespaces } from "../../shared/protocol/namespaces";
import { currentVersion } from "../store/changeLog";
import { needsFullSync, staleDistrictsOf } from "../store/screens";
import type { Database } from "../store/schema";
import type { KioskNamespace } from "./io";
import { handleEvent } from "./handleEvent";
import type { AppliedVersions } from "./AppliedVersions";
import type { AdmissionGate } from "./AdmissionGate";
import type { ConsoleNotifier } from "./ConsoleNotifier";
import type { ServerMetrics } from "../services/ServerMetrics";
import type { SyncCache } from "./SyncCache";
import { KioskEventLimits, type KioskEventFamily } from "./KioskEventLimits";
import { holdUntilGone, refuseWith, worded, type SocketBounds } from "./SocketBounds";

/** The soonest a screen whose token could not be checked is told to try again, in seconds. */
const LOOKUP_RETRY_SECONDS = 5;

/** A kiosk without a device token asked for what only a paired screen may have. */
const notPaired = (): AppError => new AppError(401, "unauthenticated", said("socket.notPaired"));

/** "overloaded" with when to come back: the admission gate is full. */
class ServerBusyError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(503, "overloaded", said("socket.busy", { seconds: retryAfterSeconds }));
  }
}

/**
 * Kiosk connections, on every namespace serving the kiosk protocol (one set of limits for all).
 * A socket with a valid device token is a screen: it joins its rooms and may sync; without a
 * token it may only ask for a pairing code; a wrong token is refused.
 */
export function registerKioskHandlers(
  kiosks: readonly KioskNamespace[],
  deps: {
    db: Kysely<Database>;
    log: Logger;
    pairing: ScreenPairing;
    screens: ScreenRegistry;
    presence: ScreenPresence;
    registry: DistrictRegistry;
    emergencies: EmergencyNotices;
    syncCache: SyncCache<SyncDelta>;
    appliedVersions: AppliedVersions;
    plays: ProofOfPlay;
    /** Bounds handshakes and syncs in flight; beyond it kiosks are told to come back shortly. */
    admission: AdmissionGate;
    /** Handshakes per address and unpaired sockets, shared with the console's namespace. */
    bounds: SocketBounds;
    /** Tells open consoles that screens came or went. */
    consoles?: ConsoleNotifier;
    /** Counts syncs served. */
    metrics?: ServerMetrics;
  },
): void {
  const { admission, bounds } = deps;
  // Every hello reads the current version; a storm's hellos share one query per round (sharedRead).
  const versionNow = sharedRead(() => currentVersion(deps.db));
  type Middleware = Parameters<KioskNamespace["use"]>[0];
  type KioskSocket = Parameters<Middleware>[0];

  // Runs after the handshake guard and the handshake rate (see the end): the address is the
  // real client's, and a flooding one never reaches a token look-up. A handshake that proves no
  // device token is charged to its address; one that does is free, so paired screens behind one
  // address (a city network's NAT) are never slowed by their number.
  const authenticate: Middleware = (socket, next) => {
    const auth: unknown = socket.handshake.auth;
    const address = socket.handshake.address;
    const refuse = (reason: "socket.consoleOnKioskNamespace" | "socket.invalidToken"): void => {
      bounds.charge(address);
      next(refuseWith(reason, {}, "unauthenticated"));
    };
    // A console of this release opens its socket on its own namespace; one here is a stale page.
    if (typeof auth === "object" && auth !== null && "console" in auth && auth.console === true) {
      refuse("socket.consoleOnKioskNamespace");
      return;
    }
    const token =
      typeof auth === "object" && auth !== null && "token" in auth ? auth.token : undefined;
    if (token === undefined || token === null || token === "") {
      // Unpaired: anonymous, so bounded per address and in all for as long as it stays open.
      bounds.charge(address);
      const slot = bounds.reserveUnpaired(address);
      if (!slot.ok) {
        next(slot.refusal);
        return;
      }
      holdUntilGone(socket, slot.release);
      socket.data = { audience: "kiosk", mode: "pairing" };
      next();
      return;
    }
    if (typeof token !== "string") {
      refuse("socket.invalidToken");
      return;
    }
    if (!admission.tryEnter()) {
      const seconds = admission.retryAfterSeconds();
      next(refuseWith("socket.busy", { seconds }, "overloaded", seconds));
      return;
    }
    deps.screens.authenticate(token).then(
      (screen) => {
        admission.leave();
        if (!screen) {
          refuse("socket.invalidToken");
          return;
        }
        socket.data = {
          audience: "kiosk",
          mode: "screen",
          screenId: screen.id,
          districtId: screen.district_id,
        };
        next();
      },
      (err: unknown) => {
        // The token could not be checked (the database failing or too slow): the screen is
        // told when to come back, paced like a refusal (not before LOOKUP_RETRY_SECONDS: a
        // database that is down fails fast), rather than left to its own backoff.
        admission.leave(false);
        deps.log.error({ err }, "kiosk authentication failed");
        const seconds = Math.max(LOOKUP_RETRY_SECONDS, admission.retryAfterSeconds());
        next(refuseWith("socket.lookupFailed", { seconds }, "overloaded", seconds));
      },
    );
  };

  const connected = (socket: KioskSocket): void => {
    // Never replaced once connected: a move changes its district in place (ScreenPush).
    const data = socket.data;
    const screen = data.mode === "screen" ? data : undefined;
    const screenId = screen?.screenId;
    const log = deps.log.child({
      socketId: socket.id,
      namespace: socket.nsp.name,
      ...(screenId ? { screenId } : {}),
    });
    const address = socket.handshake.address;
    let offeredCode: string | undefined;
    const dropOfferedCode = (): void => {
      if (offeredCode === undefined) return;
      const code = offeredCode;
      offeredCode = undefined;
      // A code nobody can see any more must not pair anything.
      void deps.pairing
        .withdrawCode(code)
        .catch((err: unknown) => log.warn({ err }, "could not withdraw a pairing code"));
    };

    // Per socket and event family: beyond its bucket an event is dropped (an ack says when to
    // come back); a socket that keeps flooding is disconnected.
    const limits = new KioskEventLimits();
    const limited =
      (family: KioskEventFamily, event: string) =>
      (ack?: (r: Ack<never>) => void): boolean => {
        const verdict = limits.take(family);
        if (verdict.ok) return false;
        ack?.({
          ok: false,
          error: {
            code: "rate_limited",
            ...worded(said("socket.tooManyEvents", { event, seconds: verdict.retryAfterSeconds })),
            retryAfterSeconds: verdict.retryAfterSeconds,
          },
        });
        if (verdict.disconnect && socket.connected) {
          log.warn({ event }, "kiosk socket kept flooding past its rate limit, disconnected");
          socket.disconnect(true);
        }
        return true;
      };
    const paired = (): void => {
      if (!screen) throw notPaired();
    };

    if (screen) {
      void socket.join([
        rooms.allScreens(),
        rooms.district(screen.districtId),
        rooms.screen(screen.screenId),
      ]);
      void deps.presence
        .connected(screen.screenId, socket.id)
        .then(() => deps.consoles?.changed("screens"))
        .catch((err: unknown) => log.warn({ err }, "could not record the connection"));
      log.debug("screen connected");
    } else log.debug("unpaired kiosk connected");

    socket.on(
      "pairing:request",
      handleEvent(
        DisplayInfoSchema,
        async (info) => {
          // Quotas per address, address range and overall, across reconnects and namespaces.
          const offer = await deps.pairing.offerCode(info, address);
          // Only the newest code pairs this kiosk: the earlier one is withdrawn.
          if (offeredCode !== undefined) void socket.leave(rooms.pairing(offeredCode));
          dropOfferedCode();
          offeredCode = offer.code;
          void socket.join(rooms.pairing(offer.code));
          return offer;
        },
        {
          event: "pairing:request",
          log,
          limit: limited("pairing", "pairing:request"),
          guard: () => {
            if (screen) throw new AppError(409, "conflict", said("socket.alreadyPaired"));
          },
          invalid: () => "pairing:request needs { width, height, appVersion }.",
          failed: "The server could not issue a pairing code.",
        },
      ),
    );

    /** The answer to a hello: what this screen lacks since `appliedVersion`. */
    const sync = async (
      on: Extract<typeof data, { mode: "screen" }>,
      appliedVersion: number,
    ): Promise<SyncDelta> => {
      // Read on every hello, so a revoke that raced this socket's connection still wins, and a
      // move made on another server process (which cannot change this socket) is followed.
      const row = await deps.screens.activeScreen(on.screenId);
      if (!row) {
        socket.emit("screen:revoked", { reason: "This screen was unpaired." });
        socket.disconnect(true);
        throw new Error("screen no longer active");
      }
      const districtId = row.district_id;
      const epoch = Number(row.district_epoch);
      // Moved (or an ancestor re-parented) since its last full manifest: what it applied was
      // for another district set, so its version says nothing about this one.
      const mustBeFull = needsFullSync(row);
      if (on.districtId !== districtId) {
        void socket.leave(rooms.district(on.districtId));
        void socket.join(rooms.district(districtId));
        on.districtId = districtId;
      }
      const current = await versionNow();
      // Screens of one district at one version share the answer (see SyncCache). The server's
      // current version is in the key, so a change made by another server process is never
      // hidden; every "send me everything" question is one key.
      const applied = mustBeFull ? 0 : appliedVersion;
      const from = applied === 0 || applied > current ? "full" : String(applied);
      // Screens with the same tags share answers too (announcements may target tags).
      const screenTags = parseStrings(row.tags_json);
      const key = `${districtId}\u0000${current}\u0000${from}\u0000${screenTags.join(",")}`;
      const delta = await deps.syncCache.get(key, () =>
        resolveDistrict(deps, districtId).then((context) =>
          computeSync(deps.db, applied, { ...context, screenTags }),
        ),
      );
      if (delta.full) on.fullSync = { version: delta.version, epoch };
      // The server's time goes with every answer (not cached): the kiosk judges expiry by it.
      const now = new Date();
      return {
        ...delta,
        // A kiosk of the previous release refuses fields it does not know in an announcement.
        ...(socket.nsp.name === namespaces.legacyKiosk
          ? { announcements: forPreviousRelease(delta.announcements, now) }
          : {}),
        serverTime: now.toISOString(),
        // Per screen, not cached: echoed in the acknowledgement of this manifest.
        ...(delta.full ? { manifestEpoch: epoch } : {}),
      };
    };

    socket.on(
      "kiosk:hello",
      handleEvent(
        KioskHelloSchema,
        (hello) => {
          if (!screen) throw notPaired();
          if (hello.appVersion !== undefined) screen.appVersion = hello.appVersion;
          if (!admission.tryEnter()) throw new ServerBusyError(admission.retryAfterSeconds());
          return sync(screen, hello.appliedVersion).then(
            (answer) => {
              admission.leave();
              return answer;
            },
            (err: unknown) => {
              admission.leave(false);
              throw err;
            },
          );
        },
        {
          event: "kiosk:hello",
          log,
          limit: limited("sync", "kiosk:hello"),
          guard: paired,
          invalid: () => "kiosk:hello needs { appliedVersion: integer ≥ 0 }.",
          failed: "The server could not compute the sync.",
          answered: (r) =>
            deps.metrics?.syncServed(r.ok ? (r.data.full ? "full" : "delta") : r.error.code),
        },
      ),
    );

    // The kiosk applied a sync: it acknowledges every takedown up to that version.
    const appliedLimit = limited("applied", "kiosk:applied");
    socket.on("kiosk:applied", (payload) => {
      if (appliedLimit()) return;
      if (!screen) return;
      const applied = KioskAppliedSchema.safeParse(payload);
      if (!applied.success) {
        log.warn("malformed kiosk:applied ignored");
        return;
      }
      const { version, full, epoch, pushed } = applied.data;
      // Takedowns applied from pushes: each one, never what came before it. (A kiosk of an
      // earlier release does not say so: its acknowledgements count as they always did.)
      if (pushed) {
        deps.appliedVersions.notePushed(screen.screenId, [...pushed, version]);
        return;
      }
      const made = screen.fullSync;
      // A full manifest counts only as the one this socket was sent, for the epoch it was made:
      // one made before a move (its write finishing late) names the epoch it was made for.
      if (
        full === true &&
        made?.version === version &&
        (epoch === undefined || epoch === made.epoch)
      )
        deps.appliedVersions.note(screen.screenId, version, made.epoch);
      else deps.appliedVersions.note(screen.screenId, version);
    });

    // Proof of play: the kiosk forgets a batch only once it has this receipt.
    socket.on(
      "kiosk:plays",
      handleEvent(
        PlayBatchSchema,
        async (batch) => {
          if (!screen) throw notPaired();
          const { screenId } = screen;
          // Plays count only for content sent to where this screen is, or was before a move.
          const row = await deps.screens.activeScreen(screenId);
          if (!row) return { stored: 0, duplicates: 0, refused: batch.plays.length };
          const chain = (await deps.registry.ancestry(row.district_id)).map((d) => d.id);
          const receipt = await deps.plays.record(screenId, batch.plays, [
            ...new Set([...chain, ...staleDistrictsOf(row)]),
          ]);
          if (receipt.refused > 0)
            log.warn(
              { refused: receipt.refused },
              "plays of content this screen was not sent, refused",
            );
          return receipt;
        },
        {
          event: "kiosk:plays",
          log,
          limit: limited("plays", "kiosk:plays"),
          guard: paired,
          invalid: (error) =>
            `kiosk:plays needs { plays: [1..${MAX_PLAYS_PER_BATCH} play records] }: ${error.issues[0]?.message ?? "malformed"}.`,
          failed: "The server could not store the plays.",
        },
      ),
    );

    const statusLimit = limited("status", "screen:status");
    socket.on("screen:status", (payload) => {
      if (statusLimit()) return;
      if (!screen) return;
      const status = ScreenStatusSchema.safeParse(payload);
      if (!status.success) {
        log.warn("malformed screen:status ignored");
        return;
      }
      void deps.presence
        .recordStatus(screen.screenId, socket.id, status.data)
        .catch((err: unknown) => log.warn({ err }, "status not recorded"));
    });

    socket.on("disconnect", (reason) => {
      log.debug({ reason }, "kiosk disconnected");
      dropOfferedCode();
      if (screen)
        void deps.presence
          .disconnected(screen.screenId, socket.id)
          .then(() => deps.consoles?.changed("screens"))
          .catch(() => undefined);
    });
  };

  for (const ns of kiosks) {
    ns.use(bounds.limitHandshakes);
    ns.use(authenticate);
    ns.on("connection", connected);
  }
}
