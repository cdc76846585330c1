import { hostMatches, type PublicUrl } from "../http/publicUrl";
import { originAllowed } from "../http/session";
import type { TrustedProxies } from "../http/TrustedProxies";
import type { ExtendedError, Socket } from "socket.io";
import { refuseWith } from "./SocketBounds";

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
    if (!hostMatches(handshake.headers.host, pub)) {
      next(refuseWith("socket.misdirected", { origin: pub.origin }, "misdirected_request"));
      return;
    }
    if (
      deps.audience === "console" &&
      !originAllowed(handshake.headers.origin, handshake.headers.host, pub.origin)
    ) {
      next(refuseWith("socket.consoleOrigin", {}, "unauthenticated"));
      return;
    }
    next();
  };
}
