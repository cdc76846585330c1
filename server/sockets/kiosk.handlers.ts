import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Ack } from "../../shared/protocol/events";
import { rooms } from "../../shared/protocol/rooms";
import {
  DisplayInfoSchema,
  ScreenStatusSchema,
  type PairingOffer,
} from "../../shared/schemas/screen";
import { KioskAppliedSchema, KioskHelloSchema, type SyncDelta } from "../../shared/schemas/sync";
import {
  MAX_PLAYS_PER_BATCH,
  PlayBatchSchema,
  type PlayReceipt,
} from "../../shared/schemas/proofOfPlay";
import { RateLimiter } from "../http/rateLimiter";
import { cookieFromHeader, sameOrigin, SESSION_COOKIE } from "../http/session";
import type { ProofOfPlay } from "../services/proofOfPlay";
import { PAIRING_CODE_REQUESTS } from "../services/screenPairing";
import type { DistrictRegistry } from "../services/districtRegistry";
import type { EmergencyNotices } from "../services/emergencyNotices";
import { computeSync, resolveDistrict } from "../services/kioskSync";
import { currentVersion } from "../store/announcements";
import { needsFullSync, staleDistrictsOf } from "../store/screens";
import type { ScreenNotifier, ScreenPairing } from "../services/screenPairing";
import type { Database } from "../store/schema";
import type { SignageIo } from "./io";
import type { AppliedVersions } from "./AppliedVersions";
import type { AdmissionGate } from "./AdmissionGate";
import type { ConsoleNotifier } from "./ConsoleNotifier";
import type { ServerMetrics } from "../services/ServerMetrics";
import type { SyncCache } from "./SyncCache";
import { KioskEventLimits, type KioskEventFamily } from "./KioskEventLimits";

const unpaired: Ack<never> = {
  ok: false,
  error: {
    code: "unauthenticated",
    message: "This kiosk is not paired; request a pairing code first.",
  },
};

/** Socket.io's notifier for pairing events: rooms per pairing code, per screen, per district. */
export function socketScreenNotifier(io: SignageIo): ScreenNotifier {
  const online = new Map<string, number>();
  io.on("connection", (socket) => {
    const id = socket.data.screenId;
    if (socket.data.mode !== "screen" || id === undefined) return;
    online.set(id, (online.get(id) ?? 0) + 1);
    socket.on("disconnect", () => {
      const n = (online.get(id) ?? 1) - 1;
      if (n <= 0) online.delete(id);
      else online.set(id, n);
    });
  });
  return {
    paired: (code, p) => io.to(rooms.pairing(code)).emit("pairing:complete", p),
    connections: async (screenId) => (await io.in(rooms.screen(screenId)).fetchSockets()).length,
    tokenRotated: (screenId, token) => {
      io.to(rooms.screen(screenId)).emit("screen:token", { token });
      // The old token no longer authenticates: the kiosk reconnects with the new one.
      io.in(rooms.screen(screenId)).disconnectSockets(false);
    },
    revoked: (screenId, reason) => {
      io.to(rooms.screen(screenId)).emit("screen:revoked", { reason });
      // A DISCONNECT packet (not a closed transport) so the notice above arrives first.
      io.in(rooms.screen(screenId)).disconnectSockets(false);
    },
    moved: (screenId, from, to) => {
      void io
        .in(rooms.screen(screenId))
        .fetchSockets()
        .then((sockets) => {
          for (const s of sockets) {
            s.leave(rooms.district(from));
            s.join(rooms.district(to));
            s.data.districtId = to;
          }
          // The kiosk re-syncs and gets the new district's content.
          io.to(rooms.screen(screenId)).emit("content:changed", { version: 0, ids: [] });
        });
    },
    isOnline: (screenId) => (online.get(screenId) ?? 0) > 0,
    command: async (screenId, command) => {
      const room = rooms.screen(screenId);
      const reached = (await io.in(room).fetchSockets()).length;
      if (command.kind === "identify")
        io.to(room).emit("screen:identify", { name: command.name, seconds: command.seconds });
      else io.to(room).emit("screen:reload", { reason: command.reason });
      return reached;
    },
  };
}

/**
 * Kiosk connections. A socket with a valid device token is a screen: it joins its rooms and may
 * sync; without a token it may only ask for a pairing code; a wrong token is refused.
 */
export function registerKioskHandlers(
  io: SignageIo,
  deps: {
    db: Kysely<Database>;
    log: Logger;
    pairing: ScreenPairing;
    registry: DistrictRegistry;
    emergencies: EmergencyNotices;
    syncCache: SyncCache<SyncDelta>;
    appliedVersions: AppliedVersions;
    plays: ProofOfPlay;
    /** Bounds handshakes and syncs in flight; beyond it kiosks are told to come back shortly. */
    admission: AdmissionGate;
    /** Tells open consoles that screens came or went. */
    consoles?: ConsoleNotifier;
    /** Counts syncs served. */
    metrics?: ServerMetrics;
    /** The console user a session token belongs to (for console sockets). */
    authenticateUser: (
      sessionToken: string,
    ) => Promise<{ id: string; sessionHash: string } | undefined>;
  },
): void {
  const { admission } = deps;
  const busy = () => {
    const seconds = admission.retryAfterSeconds();
    return {
      code: "overloaded" as const,
      message: `The server is busy with other screens; try again in ${seconds} s.`,
      retryAfterSeconds: seconds,
    };
  };
  // A console socket: `auth: { console: true }`, the session cookie, and this server's Origin
  // (a cookie alone would let any web page open a socket as the user).
  io.use((socket, next) => {
    const auth: unknown = socket.handshake.auth;
    if (
      typeof auth !== "object" ||
      auth === null ||
      !("console" in auth) ||
      auth.console !== true
    ) {
      next();
      return;
    }
    const refuse = (message: string): void => {
      const err = new Error("unauthenticated") as Error & { data: unknown };
      err.data = { code: "unauthenticated", message };
      next(err);
    };
    const { headers } = socket.handshake;
    if (!sameOrigin(headers.origin, headers.host)) {
      refuse("Console sockets are accepted only from the console served by this server.");
      return;
    }
    const session = cookieFromHeader(headers.cookie, SESSION_COOKIE);
    if (session === undefined || session.length === 0 || session.length >= 200) {
      refuse("Sign in to the console first.");
      return;
    }
    deps.authenticateUser(session).then(
      (user) => {
        if (!user) {
          refuse("Your session has ended; sign in again.");
          return;
        }
        socket.data.mode = "console";
        socket.data.userId = user.id;
        socket.data.sessionHash = user.sessionHash;
        next();
      },
      (err: unknown) => {
        deps.log.error({ err }, "console socket authentication failed");
        next(new Error("internal"));
      },
    );
  });

  io.use((socket, next) => {
    if (socket.data.mode === "console") {
      next();
      return;
    }
    const auth: unknown = socket.handshake.auth;
    const token =
      typeof auth === "object" && auth !== null && "token" in auth ? auth.token : undefined;
    if (token === undefined || token === null || token === "") {
      socket.data.mode = "pairing";
      next();
      return;
    }
    const refuse = (): void => {
      const err = new Error("unauthenticated") as Error & { data: unknown };
      err.data = {
        code: "unauthenticated",
        message: "This device token is not valid; pair the kiosk again.",
      };
      next(err);
    };
    if (typeof token !== "string") {
      refuse();
      return;
    }
    if (!admission.tryEnter()) {
      const err = new Error("overloaded") as Error & { data: unknown };
      err.data = busy();
      next(err);
      return;
    }
    deps.pairing
      .authenticate(token)
      .finally(() => admission.leave())
      .then(
        (screen) => {
          if (!screen) {
            refuse();
            return;
          }
          socket.data.mode = "screen";
          socket.data.screenId = screen.id;
          socket.data.districtId = screen.district_id;
          next();
        },
        (err: unknown) => {
          deps.log.error({ err }, "kiosk authentication failed");
          next(new Error("internal"));
        },
      );
  });

  // Pairing codes per address and overall, across reconnects: unpaired sockets are anonymous.
  const codeRequests = new RateLimiter(PAIRING_CODE_REQUESTS.perAddress, 60_000);
  const allCodeRequests = new RateLimiter(PAIRING_CODE_REQUESTS.overall, 60_000);

  io.on("connection", (socket) => {
    const screenId = socket.data.screenId;
    const log = deps.log.child({ socketId: socket.id, ...(screenId ? { screenId } : {}) });
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
    const limited = (
      family: KioskEventFamily,
      event: string,
      ack?: (r: Ack<never>) => void,
    ): boolean => {
      const verdict = limits.take(family);
      if (verdict.ok) return false;
      ack?.({
        ok: false,
        error: {
          code: "rate_limited",
          message: `Too many ${event} events from this connection; try again in ${verdict.retryAfterSeconds} s.`,
          retryAfterSeconds: verdict.retryAfterSeconds,
        },
      });
      if (verdict.disconnect && socket.connected) {
        log.warn({ event }, "kiosk socket kept flooding past its rate limit, disconnected");
        socket.disconnect(true);
      }
      return true;
    };

    if (socket.data.mode === "console" && socket.data.userId !== undefined) {
      // The session's room lets sign-out, disabling, a role or password change end it.
      const { sessionHash } = socket.data;
      void socket.join([
        rooms.user(socket.data.userId),
        rooms.consoles(),
        ...(sessionHash === undefined ? [] : [rooms.session(sessionHash)]),
      ]);
      log.debug("console connected");
    } else if (
      socket.data.mode === "screen" &&
      screenId !== undefined &&
      socket.data.districtId !== undefined
    ) {
      void socket.join([
        rooms.allScreens(),
        rooms.district(socket.data.districtId),
        rooms.screen(screenId),
      ]);
      void deps.pairing
        .connected(screenId, socket.id)
        .then(() => deps.consoles?.changed("screens"))
        .catch((err: unknown) => log.warn({ err }, "could not record the connection"));
      log.debug("screen connected");
    } else log.debug("unpaired kiosk connected");

    socket.on("pairing:request", (payload, ack) => {
      if (typeof ack !== "function") {
        limited("pairing", "pairing:request");
        return;
      }
      const reply = (r: Ack<PairingOffer>): void => ack(r);
      if (limited("pairing", "pairing:request", reply)) return;
      if (socket.data.mode !== "pairing") {
        reply({ ok: false, error: { code: "conflict", message: "This kiosk is already paired." } });
        return;
      }
      const info = DisplayInfoSchema.safeParse(payload);
      if (!info.success) {
        reply({
          ok: false,
          error: {
            code: "validation_failed",
            message: "pairing:request needs { width, height, appVersion }.",
          },
        });
        return;
      }
      const wait = Math.max(
        codeRequests.retryAfterSeconds(address),
        allCodeRequests.retryAfterSeconds("all"),
      );
      if (wait > 0) {
        reply({
          ok: false,
          error: {
            code: "overloaded",
            message: `Too many pairing codes requested; try again in ${wait} s.`,
          },
        });
        return;
      }
      codeRequests.hit(address);
      allCodeRequests.hit("all");
      deps.pairing.offerCode(info.data).then(
        (offer) => {
          // Only the newest code pairs this kiosk: the earlier one is withdrawn.
          if (offeredCode !== undefined) void socket.leave(rooms.pairing(offeredCode));
          dropOfferedCode();
          offeredCode = offer.code;
          void socket.join(rooms.pairing(offer.code));
          reply({ ok: true, data: offer });
        },
        (err: unknown) => {
          log.error({ err }, "pairing code offer failed");
          reply({
            ok: false,
            error: { code: "internal", message: "The server could not issue a pairing code." },
          });
        },
      );
    });

    socket.on("kiosk:hello", (payload, ack) => {
      if (typeof ack !== "function") {
        if (!limited("sync", "kiosk:hello"))
          log.warn("kiosk:hello without an ack callback, ignored");
        return;
      }
      const reply = (r: Ack<SyncDelta>): void => {
        deps.metrics?.syncServed(r.ok ? (r.data.full ? "full" : "delta") : r.error.code);
        ack(r);
      };
      if (limited("sync", "kiosk:hello", reply)) return;
      if (socket.data.mode !== "screen") {
        reply(unpaired);
        return;
      }
      const parsed = KioskHelloSchema.safeParse(payload);
      if (!parsed.success) {
        reply({
          ok: false,
          error: {
            code: "validation_failed",
            message: "kiosk:hello needs { appliedVersion: integer ≥ 0 }.",
          },
        });
        return;
      }
      if (parsed.data.appVersion !== undefined) socket.data.appVersion = parsed.data.appVersion;
      if (screenId === undefined) {
        reply(unpaired);
        return;
      }
      if (!admission.tryEnter()) {
        reply({ ok: false, error: busy() });
        return;
      }
      let districtId = "";
      let epoch = 0;
      let mustBeFull = false;
      // Read on every hello, so a revoke that raced this socket's connection still wins, and a
      // move made on another server process (which cannot change this socket) is followed.
      deps.pairing
        .activeScreen(screenId)
        .then((screen) => {
          if (!screen) {
            socket.emit("screen:revoked", { reason: "This screen was unpaired." });
            socket.disconnect(true);
            throw new Error("screen no longer active");
          }
          districtId = screen.district_id;
          epoch = Number(screen.district_epoch);
          // Moved (or an ancestor re-parented) since its last full manifest: what it applied
          // was for another district set, so its version says nothing about this one.
          mustBeFull = needsFullSync(screen);
          if (socket.data.districtId !== districtId) {
            if (socket.data.districtId !== undefined)
              void socket.leave(rooms.district(socket.data.districtId));
            void socket.join(rooms.district(districtId));
            socket.data.districtId = districtId;
          }
          return currentVersion(deps.db);
        })
        .then((current) => {
          // Screens of one district at one version share the answer (see SyncCache). The
          // server's current version is in the key, so a change made by another server
          // process is never hidden; every "send me everything" question is one key.
          const applied = mustBeFull ? 0 : parsed.data.appliedVersion;
          const from = applied === 0 || applied > current ? "full" : String(applied);
          return deps.syncCache.get(`${districtId}\u0000${current}\u0000${from}`, () =>
            resolveDistrict(deps, districtId).then((context) =>
              computeSync(deps.db, applied, context),
            ),
          );
        })
        .then(
          // The server's time goes with every answer (not cached): the kiosk judges expiry by it.
          (delta) => {
            admission.leave();
            if (delta.full) socket.data.fullSync = { version: delta.version, epoch };
            reply({ ok: true, data: { ...delta, serverTime: new Date().toISOString() } });
          },
          (err: unknown) => {
            admission.leave();
            log.error({ err }, "kiosk sync failed");
            reply({
              ok: false,
              error: { code: "internal", message: "The server could not compute the sync." },
            });
          },
        );
    });

    // The kiosk applied a sync: it acknowledges every takedown up to that version.
    socket.on("kiosk:applied", (payload) => {
      if (limited("applied", "kiosk:applied")) return;
      if (socket.data.mode !== "screen" || screenId === undefined) return;
      const applied = KioskAppliedSchema.safeParse(payload);
      if (!applied.success) {
        log.warn("malformed kiosk:applied ignored");
        return;
      }
      const { version, full } = applied.data;
      const made = socket.data.fullSync;
      // A full manifest counts only as the one this socket was sent, for the epoch it was made.
      if (full === true && made?.version === version)
        deps.appliedVersions.note(screenId, version, made.epoch);
      else deps.appliedVersions.note(screenId, version);
    });

    // Proof of play: the kiosk forgets a batch only once it has this receipt.
    socket.on("kiosk:plays", (payload, ack) => {
      if (typeof ack !== "function") {
        if (!limited("plays", "kiosk:plays"))
          log.warn("kiosk:plays without an ack callback, ignored");
        return;
      }
      const reply = (r: Ack<PlayReceipt>): void => ack(r);
      if (limited("plays", "kiosk:plays", reply)) return;
      if (socket.data.mode !== "screen" || screenId === undefined) {
        reply(unpaired);
        return;
      }
      const batch = PlayBatchSchema.safeParse(payload);
      if (!batch.success) {
        reply({
          ok: false,
          error: {
            code: "validation_failed",
            message: `kiosk:plays needs { plays: [1..${MAX_PLAYS_PER_BATCH} play records] }: ${batch.error.issues[0]?.message ?? "malformed"}.`,
          },
        });
        return;
      }
      // Plays count only for content sent to where this screen is, or was before a move.
      deps.pairing
        .activeScreen(screenId)
        .then(async (screen) => {
          if (!screen) return { stored: 0, duplicates: 0, refused: batch.data.plays.length };
          const chain = (await deps.registry.ancestry(screen.district_id)).map((d) => d.id);
          return deps.plays.record(screenId, batch.data.plays, [
            ...new Set([...chain, ...staleDistrictsOf(screen)]),
          ]);
        })
        .then(
          (receipt) => {
            if (receipt.refused > 0)
              log.warn(
                { refused: receipt.refused },
                "plays of content this screen was not sent, refused",
              );
            reply({ ok: true, data: receipt });
          },
          (err: unknown) => {
            log.error({ err }, "proof of play not stored");
            reply({
              ok: false,
              error: { code: "internal", message: "The server could not store the plays." },
            });
          },
        );
    });

    socket.on("screen:status", (payload) => {
      if (limited("status", "screen:status")) return;
      if (socket.data.mode !== "screen" || screenId === undefined) return;
      const status = ScreenStatusSchema.safeParse(payload);
      if (!status.success) {
        log.warn("malformed screen:status ignored");
        return;
      }
      void deps.pairing
        .recordStatus(screenId, status.data)
        .catch((err: unknown) => log.warn({ err }, "status not recorded"));
    });

    socket.on("disconnect", (reason) => {
      log.debug({ reason }, "kiosk disconnected");
      dropOfferedCode();
      if (screenId !== undefined && socket.data.mode === "screen")
        void deps.pairing
          .disconnected(screenId, socket.id)
          .then(() => deps.consoles?.changed("screens"))
          .catch(() => undefined);
    });
  });
}
