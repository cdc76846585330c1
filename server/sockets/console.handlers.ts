import type { Logger } from "pino";
import { rooms } from "../../shared/protocol/rooms";
import { cookieFromHeader, sameOrigin, SESSION_COOKIE } from "../http/session";
import type { ConsoleNamespace } from "./io";

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
  },
): void {
  ns.use((socket, next) => {
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
  });
}
