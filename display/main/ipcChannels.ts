/** Every IPC channel between the kiosk's main process and its preload, named once. */
export const IpcChannels = {
  /** invoke, no arguments → KioskConfig */
  getConfig: "config:get",
  /** invoke, no arguments → the stored device token, or null */
  getToken: "token:get",
  /** invoke, (token: string) → undefined; stores the token encrypted at rest */
  setToken: "token:set",
  /** invoke, no arguments → undefined; forgets the token */
  clearToken: "token:clear",
  /** invoke, no arguments → a PNG (Uint8Array) of the kiosk window as it shows now */
  captureScreen: "screen:capture",
} as const;

/** One of the IPC channel names. */
export type IpcChannel = (typeof IpcChannels)[keyof typeof IpcChannels];
