/** The socket.io namespaces, one per audience: the only place their paths are written. */
export const namespaces = {
  /** Kiosks: pairing, sync, proof of play, and the pushes to screens. */
  kiosk: "/kiosk",
  /** Signed-in console users (session cookie): notices and import progress, receive only. */
  console: "/console",
  /**
   * The main namespace, where kiosks of the release before namespaces connect: the server serves
   * them the kiosk protocol there too (README, "Upgrading"), until no such kiosk is left.
   */
  legacyKiosk: "/",
} as const;
