// electron-updater's autoUpdater behind the kiosk's UpdaterPort: the thin, Electron-bound part of
// kiosk updates (the schedule and settings are in kioskUpdates.ts, unit-tested with a fake).
import { autoUpdater } from "electron-updater";
import { startKioskUpdates, type KioskUpdatesOptions, type UpdaterPort } from "./kioskUpdates";

/** autoUpdater, narrowed to what the kiosk does with it. */
export function electronUpdaterPort(): UpdaterPort {
  return {
    configure(settings) {
      autoUpdater.setFeedURL(settings.feed);
      // Setting the channel (after the feed, which does not set it) names the feed file
      // (<channel>-linux.yml); it also allows downgrades, which a rollback needs anyway.
      autoUpdater.channel = settings.feed.channel;
      autoUpdater.allowDowngrade = settings.allowDowngrade;
      autoUpdater.autoDownload = settings.autoDownload;
      autoUpdater.autoInstallOnAppQuit = settings.autoInstallOnAppQuit;
      autoUpdater.disableDifferentialDownload = settings.disableDifferentialDownload;
      autoUpdater.logger = {
        info: (m: unknown) => console.info(`[kiosk] updater: ${String(m)}`),
        warn: (m: unknown) => console.warn(`[kiosk] updater: ${String(m)}`),
        error: (m: unknown) => console.error(`[kiosk] updater: ${String(m)}`),
      };
    },
    setRequestHeaders(headers) {
      autoUpdater.requestHeaders = headers;
    },
    checkForUpdates: () => autoUpdater.checkForUpdates(),
    onDownloaded(listener) {
      autoUpdater.on("update-downloaded", (info) => listener(info.version));
    },
    // Silent, and the kiosk starts again on the new version.
    quitAndInstall: () => autoUpdater.quitAndInstall(true, true),
  };
}

/** Starts the kiosk's update checks with electron-updater and the real clock. */
export function startElectronUpdates(
  options: Omit<KioskUpdatesOptions, "updater" | "timers">,
): () => void {
  return startKioskUpdates({
    ...options,
    updater: electronUpdaterPort(),
    timers: {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      setInterval: (fn, ms) => setInterval(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
      now: () => new Date(),
      random: Math.random,
    },
  });
}
