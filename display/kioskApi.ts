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
}

declare global {
  interface Window {
    /** Present only inside the Electron kiosk shell. */
    kiosk?: KioskApi;
  }
}
