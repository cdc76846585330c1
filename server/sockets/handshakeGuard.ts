import { hostMatches, type PublicUrl } from "../http/publicUrl";
import { originAllowed } from "../http/session";
import type { TrustedProxies } from "../http/TrustedProxies";
import type { ExtendedError, Socket } from "socket.io";

/** A middleware for any namespace: it reads only the handshake. */
type Middleware = (socket: Pick<Socket, "handshake">, next: (err?: ExtendedError) => void) => void;

/**
 * The first socket.io middleware, the handshake's twin of the HTTP `publicAddressGuard`: the real
 * client address replaces the peer's in `handshake.address` (so pairing and kiosk limits key on
 * the screen, not on the reverse proxy), a Host other than the public address is refused, and a
 * console socket must come from the public origin. Installed on every namespace.
 */
export function handshakeGuard(deps: {
  publicUrl?: PublicUrl;
  trusted: TrustedProxies;
  /** Whose namespace it guards. */
  audience: "kiosk" | "console";
}): Middleware {
  return (socket, next) => {
    const { handshake } = socket;
    handshake.address = deps.trusted.clientAddress(
      handshake.address,
      handshake.headers["x-forwarded-for"],
    );
    const pub = deps.publicUrl;
    if (!pub) {
      next();
      return;
    }
    const refuse = (code: "misdirected_request" | "unauthenticated", message: string): void => {
      const err = new Error(code) as Error & { data: unknown };
      err.data = { code, message };
      next(err);
    };
    if (!hostMatches(handshake.headers.host, pub)) {
      refuse("misdirected_request", `This server answers only as ${pub.origin}; use that address.`);
      return;
    }
    if (
      deps.audience === "console" &&
      !originAllowed(handshake.headers.origin, handshake.headers.host, pub.origin)
    ) {
      refuse(
        "unauthenticated",
        "Console sockets are accepted only from the console served by this server.",
      );
      return;
    }
    next();
  };
}
