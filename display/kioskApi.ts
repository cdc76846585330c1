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
}

declare global {
  interface Window {
    /** Present only inside the Electron kiosk shell. */
    kiosk?: KioskApi;
  }
}
