import type { Logger } from "pino";
import { said } from "../../shared/messages/errorMessages";
import type { Ack } from "../../shared/protocol/events";
import { rooms } from "../../shared/protocol/rooms";
import { cookieFromHeader, sameOrigin, SESSION_COOKIE } from "../http/session";
import type { ConsoleNamespace } from "./io";
import { CONSOLE_EVENT_LIMITS, SocketEventLimits } from "./KioskEventLimits";
import { refuseWith, worded, type SocketBounds } from "./SocketBounds";

/**
 * Console sockets: the session cookie and this server's Origin (a cookie alone would let any web
 * page open a socket as the user). They only receive: each joins the rooms of its user, of every
 * console and of its session (so sign-out, disabling, a role or password change ends it).
 */
export function registerConsoleSockets(
  ns: ConsoleNamespace,
  deps: {
    log: Logger;
    /** The console user a session token belongs to. */
    authenticateUser: (
      sessionToken: string,
    ) => Promise<{ id: string; sessionHash: string } | undefined>;
    /** Handshakes per address, shared with the kiosk namespaces: a refused handshake is charged. */
    bounds: SocketBounds;
  },
): void {
  const { bounds } = deps;
  ns.use(bounds.limitHandshakes);
  ns.use((socket, next) => {
    const { headers, address } = socket.handshake;
    const refuse = (
      reason: "socket.consoleOrigin" | "socket.signInFirst" | "socket.sessionEnded",
    ): void => {
      bounds.charge(address);
      next(refuseWith(reason, {}, "unauthenticated"));
    };
    if (!sameOrigin(headers.origin, headers.host)) {
      refuse("socket.consoleOrigin");
      return;
    }
    const session = cookieFromHeader(headers.cookie, SESSION_COOKIE);
    if (session === undefined || session.length === 0 || session.length >= 200) {
      refuse("socket.signInFirst");
      return;
    }
    deps.authenticateUser(session).then(
      (user) => {
        if (!user) {
          refuse("socket.sessionEnded");
          return;
        }
        socket.data = { audience: "console", userId: user.id, sessionHash: user.sessionHash };
        next();
      },
      (err: unknown) => {
        deps.log.error({ err }, "console socket authentication failed");
        next(new Error("internal"));
      },
    );
  });

  ns.on("connection", (socket) => {
    const { userId, sessionHash } = socket.data;
    void socket.join([rooms.user(userId), rooms.consoles(), rooms.session(sessionHash)]);
    const log = deps.log.child({ socketId: socket.id, userId });
    log.debug("console connected");
    socket.on("disconnect", (reason) => log.debug({ reason }, "console disconnected"));

    // The console only receives. An event from it is answered (when it asks for an answer) and
    // rate limited like a kiosk's: a page that keeps sending is disconnected.
    const limits = new SocketEventLimits(CONSOLE_EVENT_LIMITS);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const name = typeof event === "string" ? event.slice(0, 64) : "unnamed";
      const last = args.at(-1);
      const ack = typeof last === "function" ? (last as (r: Ack<never>) => void) : undefined;
      const verdict = limits.take("any");
      if (verdict.ok) {
        ack?.({
          ok: false,
          error: {
            code: "bad_request",
            ...worded(said("socket.consoleSendsNothing", { event: name })),
          },
        });
        return;
      }
      ack?.({
        ok: false,
        error: {
          code: "rate_limited",
          ...worded(
            said("socket.tooManyEvents", { event: name, seconds: verdict.retryAfterSeconds }),
          ),
          retryAfterSeconds: verdict.retryAfterSeconds,
        },
      });
      if (verdict.disconnect && socket.connected) {
        log.warn({ event: name }, "console socket kept flooding past its rate limit, disconnected");
        socket.disconnect(true);
      }
    });
  });
}
