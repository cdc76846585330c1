import { rooms } from "../../shared/protocol/rooms";
import type { ScreenshotAsker } from "../services/screens/ScreenScreenshots";
import { kioskNamespaces, type SignageIo } from "./io";

/**
 * Asks a screen for a picture over every kiosk namespace (through the adapter, so a screen held
 * by another server process is asked too); resolves with how many connections were asked.
 */
export function screenshotAsker(io: SignageIo): ScreenshotAsker {
  return async (screenId, requestId) => {
    const targets = kioskNamespaces(io).map((ns) => ns.to(rooms.screen(screenId)));
    const reached = (await Promise.all(targets.map((t) => t.fetchSockets()))).flat().length;
    for (const t of targets) t.emit("screen:screenshot", { requestId });
    return reached;
  };
}
