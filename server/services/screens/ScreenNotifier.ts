/** Tells connected kiosks about pairing events; implemented over socket.io rooms. */
export interface ScreenNotifier {
  paired(
    code: string,
    p: { screenId: string; name: string; districtId: string; token: string },
  ): void;
  /** Connections the screen has right now (a rotation needs exactly one). */
  connections(screenId: string): Promise<number>;
  /** Hands a rotated token to the screen's one connection, then makes it reconnect with it. */
  tokenRotated(screenId: string, token: string): void;
  revoked(screenId: string, reason: string): void;
  moved(screenId: string, fromDistrictId: string, toDistrictId: string): void;
  isOnline(screenId: string): boolean;
  /** Sends a console command to the screen's connections; resolves with how many got it. */
  command(
    screenId: string,
    command:
      { kind: "identify"; name: string; seconds: number } | { kind: "reload"; reason: string },
  ): Promise<number>;
}
