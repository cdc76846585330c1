// The kiosk's app updates without Electron: where the feed is, how electron-updater is set up,
// when it checks and when it installs. updater.ts hands it electron-updater's autoUpdater; unit
// tests hand it a fake.
import { switchValue } from "./commandLine";
import { msUntilNext, type TimeOfDay } from "./nightlyReload";

/** The switch naming the release channel the kiosk follows (`stable`, `beta`) or `off`. */
export const UPDATE_CHANNEL_SWITCH = "--update-channel";
/** The environment variable that sets it when the switch is absent. */
export const UPDATE_CHANNEL_ENV = "SIGNAGE_UPDATE_CHANNEL";
/** The channel a kiosk follows unless told otherwise. */
export const DEFAULT_UPDATE_CHANNEL = "stable";
/** How often a running kiosk asks for a new release. */
export const UPDATE_CHECK_INTERVAL_MS = 4 * 60 * 60_000;
/** The first check waits up to this long after start, so a city's kiosks do not ask at once. */
export const FIRST_CHECK_SPREAD_MS = 5 * 60_000;
/** Installs are spread over this window after the quiet time. */
export const INSTALL_SPREAD_MS = 30 * 60_000;
/** When an update installs if the nightly reload is off: the quietest hour on the street. */
export const DEFAULT_QUIET_TIME: TimeOfDay = { hour: 3, minute: 30 };

/** The channel to follow (null: updates off), or the one sentence telling an installer what is wrong. */
export type UpdateChannelSetting =
  { ok: true; channel: string | null } | { ok: false; error: string };

/** Reads `--update-channel=NAME|off`, then SIGNAGE_UPDATE_CHANNEL, then "stable". */
export function loadUpdateChannel(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): UpdateChannelSetting {
  const fromArgv = switchValue(argv, UPDATE_CHANNEL_SWITCH)?.trim();
  const fromEnv = env[UPDATE_CHANNEL_ENV]?.trim();
  const [value, source] =
    fromArgv !== undefined
      ? [fromArgv, `the ${UPDATE_CHANNEL_SWITCH} switch`]
      : fromEnv !== undefined && fromEnv !== ""
        ? [fromEnv, UPDATE_CHANNEL_ENV]
        : [DEFAULT_UPDATE_CHANNEL, "the default"];
  if (value === "off") return { ok: true, channel: null };
  // The server's channel names (shared/schemas/kioskRelease.ts ReleaseChannelSchema).
  if (!/^[a-z][a-z0-9]{0,19}$/.test(value))
    return {
      ok: false,
      error: `The update channel ${JSON.stringify(value)} from ${source} must be a lower-case word such as "stable", or "off".`,
    };
  return { ok: true, channel: value };
}

/** The generic provider's URL of a channel: the server's /kiosk/updates/<channel>. */
export function updateFeedUrl(serverUrl: string, channel: string): string {
  return `${serverUrl.replace(/\/+$/, "")}/kiosk/updates/${channel}`;
}

/** How electron-updater is set up: what the kiosk asks of it, all in one place. */
export interface UpdaterSettings {
  feed: { provider: "generic"; url: string; channel: string };
  /** A rollback offers an older version: it must install too. */
  allowDowngrade: true;
  autoDownload: true;
  /** Installed when the kiosk quits for any reason (a power cut and restart included). */
  autoInstallOnAppQuit: true;
  /** The server serves whole installers only (no blockmaps). */
  disableDifferentialDownload: true;
}

/** The settings of a kiosk following `channel` on `serverUrl`. */
export function updaterSettings(serverUrl: string, channel: string): UpdaterSettings {
  return {
    feed: { provider: "generic", url: updateFeedUrl(serverUrl, channel), channel },
    allowDowngrade: true,
    autoDownload: true,
    autoInstallOnAppQuit: true,
    disableDifferentialDownload: true,
  };
}

/** The few things the kiosk does with electron-updater (updater.ts adapts autoUpdater to it). */
export interface UpdaterPort {
  configure(settings: UpdaterSettings): void;
  /** Headers sent with the feed and the download: the device token. */
  setRequestHeaders(headers: Record<string, string>): void;
  /** Asks the feed; downloads what it offers when that differs from the running version. */
  checkForUpdates(): Promise<unknown>;
  /** Calls back once a downloaded update is ready to install. */
  onDownloaded(listener: (version: string) => void): void;
  /** Quits, installs silently and starts the kiosk again. */
  quitAndInstall(): void;
}

/** Timers and randomness (tests pass fakes). */
export interface UpdateTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  setInterval(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  clearInterval(handle: unknown): void;
  now(): Date;
  random(): number;
}

/** What the update schedule needs. */
export interface KioskUpdatesOptions {
  updater: UpdaterPort;
  serverUrl: string;
  channel: string;
  /** The device token now (null before pairing): read before every check, as it may rotate. */
  deviceToken(): Promise<string | null>;
  /** When a downloaded update installs: the nightly reload's time, or 03:30 when that is off. */
  quietTime: TimeOfDay | null;
  timers: UpdateTimers;
  log: { info(message: string): void; warn(message: string): void };
}

/**
 * Checks for a release at start (spread over a few minutes) and every four hours, with the
 * device token; a downloaded update installs at the next quiet time (plus a spread), not while
 * people are reading the screen. Returns a function that stops it.
 */
export function startKioskUpdates(o: KioskUpdatesOptions): () => void {
  const { updater, timers, log } = o;
  updater.configure(updaterSettings(o.serverUrl, o.channel));
  let installTimer: unknown;
  let installAt: string | undefined;

  const check = async (): Promise<void> => {
    const token = await o.deviceToken();
    // An unpaired kiosk has no token: the feed would refuse it.
    if (token === null) {
      log.info("update check skipped: the kiosk is not paired yet");
      return;
    }
    updater.setRequestHeaders({ Authorization: `Bearer ${token}` });
    await updater.checkForUpdates();
  };
  const checkLogged = (): void => {
    check().catch((error: unknown) =>
      log.warn(`update check failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };

  updater.onDownloaded((version) => {
    // electron-updater says "downloaded" again for a cached download on every later check;
    // rescheduling then could push the install past the quiet time, day after day.
    if (installTimer !== undefined && installAt === version) return;
    if (installTimer !== undefined) timers.clearTimeout(installTimer);
    const delay =
      msUntilNext(o.quietTime ?? DEFAULT_QUIET_TIME, timers.now()) +
      Math.floor(timers.random() * INSTALL_SPREAD_MS);
    installAt = version;
    log.info(`update ${version} downloaded; installing in ${Math.round(delay / 60_000)} minutes`);
    installTimer = timers.setTimeout(() => {
      // Should the install not quit the app, the next "downloaded" schedules it again.
      installTimer = undefined;
      log.info(`installing update ${installAt ?? version}`);
      updater.quitAndInstall();
    }, delay);
  });

  const first = timers.setTimeout(checkLogged, Math.floor(timers.random() * FIRST_CHECK_SPREAD_MS));
  const every = timers.setInterval(checkLogged, UPDATE_CHECK_INTERVAL_MS);
  return () => {
    timers.clearTimeout(first);
    timers.clearInterval(every);
    if (installTimer !== undefined) timers.clearTimeout(installTimer);
  };
}
