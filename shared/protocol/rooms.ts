/** The only place a socket.io room name is built. */
export const rooms = {
  /** Every connected, paired screen, whatever its district. */
  allScreens: (): string => "screens:all",
  /** All screens of one district. */
  district: (districtId: string): string => `district:${districtId}`,
  /** One screen. */
  screen: (screenId: string): string => `screen:${screenId}`,
  /** The unpaired kiosk showing one pairing code. */
  pairing: (code: string): string => `pairing:${code}`,
  /** Every console socket (notices that a page should reload). */
  consoles: (): string => "consoles",
  /** The console sockets of one signed-in user (their imports' progress). */
  user: (userId: string): string => `user:${userId}`,
  /** The console sockets opened with one session (by its stored hash), ended with it. */
  session: (sessionHash: string): string => `session:${sessionHash}`,
} as const;
