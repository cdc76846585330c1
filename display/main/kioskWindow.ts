import type { BrowserWindow, PowerSaveBlocker } from "electron";
import { KIOSK_INDEX_URL } from "./kioskOrigin";
import { secureWebPreferences } from "./security";
import type { SecureWebPreferencesOptions } from "./security";

/** Delay before the first reload after a crash or hang. */
export const BACKOFF_BASE_MS = 1_000;

/** Longest delay between reloads, however often the renderer keeps failing. */
export const BACKOFF_MAX_MS = 60_000;

/** How long a page must stay up after loading before its failure count starts over. */
export const STABLE_AFTER_MS = 120_000;

/** Milliseconds to wait before recovery attempt number `attempt` (0-based): doubling, capped. */
export function nextBackoffMs(attempt: number): number {
  if (Number.isNaN(attempt) || attempt <= 0) return BACKOFF_BASE_MS;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.floor(attempt));
}

/** The parts of a WebContents the crash supervisor watches and drives. */
export interface SupervisedContents {
  /** A renderer crash, kill or OOM. */
  on(
    event: "render-process-gone",
    listener: (event: unknown, details: { reason: string; exitCode: number }) => void,
  ): unknown;
  /** The page stopped answering. */
  on(event: "unresponsive", listener: () => void): unknown;
  /** The page answers again. */
  on(event: "responsive", listener: () => void): unknown;
  /** A (re)load finished. */
  on(event: "did-finish-load", listener: () => void): unknown;
  /** Reloads the current page. */
  reload(): void;
  /** Kills a hung renderer so the page can be reloaded in a fresh process. */
  forcefullyCrashRenderer(): void;
  /** True once the contents are gone for good. */
  isDestroyed(): boolean;
}

/**
 * Reloads the page after a renderer crash or hang, waiting nextBackoffMs between failures;
 * returns a function that stops supervising.
 */
export function superviseRenderer(contents: SupervisedContents): () => void {
  let attempt = 0;
  let pending: { timer: ReturnType<typeof setTimeout>; hung: boolean } | undefined;
  let stableTimer: ReturnType<typeof setTimeout> | undefined;
  let killingHungRenderer = false;

  const recover = (why: string, hung: boolean): void => {
    if (pending !== undefined) return;
    clearTimeout(stableTimer);
    const delay = nextBackoffMs(attempt);
    attempt += 1;
    console.warn(`[kiosk-window] ${why}; reloading in ${delay} ms (failure ${attempt})`);
    const timer = setTimeout(() => {
      pending = undefined;
      if (contents.isDestroyed()) return;
      if (hung) {
        // A hung renderer ignores reload(); kill it first, as Electron's docs do for 'unresponsive'.
        killingHungRenderer = true;
        contents.forcefullyCrashRenderer();
      }
      contents.reload();
    }, delay);
    pending = { timer, hung };
  };

  contents.on("render-process-gone", (_event, details) => {
    if (killingHungRenderer) {
      killingHungRenderer = false;
      return;
    }
    recover(`renderer gone (${details.reason}, exit code ${details.exitCode})`, false);
  });
  contents.on("unresponsive", () => recover("renderer unresponsive", true));
  contents.on("responsive", () => {
    if (pending?.hung !== true) return;
    console.warn("[kiosk-window] renderer responsive again; reload cancelled");
    clearTimeout(pending.timer);
    pending = undefined;
  });
  contents.on("did-finish-load", () => {
    clearTimeout(stableTimer);
    stableTimer = setTimeout(() => {
      attempt = 0;
    }, STABLE_AFTER_MS);
  });

  return () => {
    clearTimeout(pending?.timer);
    clearTimeout(stableTimer);
    pending = undefined;
  };
}

/** The Electron APIs the kiosk window needs, passed in so this module loads under plain Node. */
export interface KioskWindowDeps {
  /** Electron's BrowserWindow class. */
  readonly BrowserWindow: typeof BrowserWindow;
  /** Electron's powerSaveBlocker module. */
  readonly powerSaveBlocker: Pick<PowerSaveBlocker, "start" | "stop">;
}

/** What the kiosk window is opened with. */
export interface KioskWindowOptions extends SecureWebPreferencesOptions {
  /** Absolute path of the bundled preload script. */
  readonly preloadPath: string;
}

/** Opens the fullscreen kiosk window on app://kiosk/index.html, keeps the display awake, and reloads after crashes. */
export function createKioskWindow(
  deps: KioskWindowDeps,
  { preloadPath, ...preferences }: KioskWindowOptions,
): BrowserWindow {
  const win = new deps.BrowserWindow({
    kiosk: true,
    fullscreen: true,
    autoHideMenuBar: true,
    backgroundColor: "#000000",
    show: false,
    webPreferences: secureWebPreferences(preloadPath, preferences),
  });
  win.once("ready-to-show", () => win.show());

  const blocker = deps.powerSaveBlocker.start("prevent-display-sleep");
  const stopSupervising = superviseRenderer(win.webContents);
  win.on("closed", () => {
    stopSupervising();
    deps.powerSaveBlocker.stop(blocker);
  });

  win.loadURL(KIOSK_INDEX_URL).catch((error: unknown) => {
    // The supervisor reloads after crashes; a failed first load is logged for the installer.
    console.error(`[kiosk-window] could not load ${KIOSK_INDEX_URL}`, error);
  });
  return win;
}
