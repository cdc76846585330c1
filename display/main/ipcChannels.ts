/** Every IPC channel between the kiosk's main process and its preload, named once. */
export const IpcChannels = {
  /** invoke, no arguments → KioskConfig */
  getConfig: "config:get",
} as const;

/** One of the IPC channel names. */
export type IpcChannel = (typeof IpcChannels)[keyof typeof IpcChannels];
