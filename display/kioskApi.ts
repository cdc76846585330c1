import type { KioskConfig } from "../shared/schemas/kioskConfig";

/**
 * The narrow API the Electron preload exposes to the renderer as `window.kiosk`.
 * Absent when the renderer runs in a plain browser at /display.
 */
export interface KioskApi {
  /** The server this kiosk was configured for. */
  getConfig(): Promise<KioskConfig>;
  /** The kiosk shell's version string. */
  readonly appVersion: string;
  /** The stored device token (encrypted at rest with Electron safeStorage), or null. */
  getToken(): Promise<string | null>;
  /** Stores the device token received at pairing or rotation. */
  setToken(token: string): Promise<void>;
  /** Forgets the device token (the screen was unpaired). */
  clearToken(): Promise<void>;
  /**
   * A PNG of the kiosk window as it shows now (webContents.capturePage), for a screenshot the
   * console asked for. Absent in shells older than this API.
   */
  captureScreen?(): Promise<Uint8Array<ArrayBuffer>>;
}

declare global {
  interface Window {
    /** Present only inside the Electron kiosk shell. */
    kiosk?: KioskApi;
  }
}
