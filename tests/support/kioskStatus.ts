import type { KioskSocket } from "./testServer";

/**
 * Sends the status report a kiosk sends every 30 s (a 1080p screen of this release, nothing
 * wrong), with what a test wants it to say on top: a clock off, storage nearly full, an app
 * version.
 */
export function reportStatus(socket: KioskSocket, extra: Record<string, unknown> = {}): void {
  socket.emit("screen:status", {
    width: 1920,
    height: 1080,
    appVersion: "0.1.0",
    appliedVersion: 0,
    currentSlide: null,
    uptimeSeconds: 60,
    memoryMb: null,
    ...extra,
  });
}
