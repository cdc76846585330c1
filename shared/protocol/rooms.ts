/** The only place a socket.io room name is built. */
export const rooms = {
  /** Every connected screen, whatever its district. */
  allScreens: (): string => "screens:all",
  /** All screens of one district. */
  district: (districtId: string): string => `district:${districtId}`,
  /** One screen. */
  screen: (screenId: string): string => `screen:${screenId}`,
} as const;
