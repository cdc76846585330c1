import { switchValue } from "./commandLine";

/** The switch that sets the nightly reload time (`HH:MM` local time, or `off`). */
export const NIGHTLY_RELOAD_SWITCH = "--nightly-reload";
/** The environment variable that sets it when the switch is absent. */
export const NIGHTLY_RELOAD_ENV = "SIGNAGE_NIGHTLY_RELOAD";
/** When a kiosk reloads its page unless told otherwise: the quietest hour on the street. */
export const DEFAULT_NIGHTLY_RELOAD = "03:30";
/** Reloads are spread over this window after the set time, so a city does not reconnect at once. */
export const NIGHTLY_SPREAD_MS = 30 * 60_000;

/** A local time of day. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}

/** The nightly reload time (null: off), or the one sentence telling an installer what is wrong. */
export type NightlyReloadSetting =
  { ok: true; at: TimeOfDay | null } | { ok: false; error: string };

/**
 * Reads the nightly reload setting: `--nightly-reload=HH:MM|off`, then SIGNAGE_NIGHTLY_RELOAD,
 * then 03:30. A page that runs for weeks slowly gathers memory; one reload a night, from the
 * kiosk's own storage, costs a second of black screen when nobody is looking.
 */
export function loadNightlyReload(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): NightlyReloadSetting {
  const fromArgv = switchValue(argv, NIGHTLY_RELOAD_SWITCH);
  const fromEnv = env[NIGHTLY_RELOAD_ENV]?.trim();
  const [value, source] =
    fromArgv !== undefined
      ? [fromArgv.trim(), `the ${NIGHTLY_RELOAD_SWITCH} switch`]
      : fromEnv !== undefined && fromEnv !== ""
        ? [fromEnv, NIGHTLY_RELOAD_ENV]
        : [DEFAULT_NIGHTLY_RELOAD, "the default"];
  if (value.toLowerCase() === "off") return { ok: true, at: null };
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m)
    return {
      ok: false,
      error: `The nightly reload time ${JSON.stringify(value)} from ${source} must be HH:MM (24-hour, local time) or "off".`,
    };
  return { ok: true, at: { hour: Number(m[1]), minute: Number(m[2]) } };
}

/**
 * Milliseconds from `now` to the next `at` in the machine's local time, strictly later than
 * now (at the time itself, the next day's). Built from local calendar fields, so a daylight
 * saving change in between is honoured.
 */
export function msUntilNext(at: TimeOfDay, now: Date): number {
  const next = new Date(now.getFullYear(), now.getMonth(), now.getDate(), at.hour, at.minute);
  if (next.getTime() <= now.getTime()) next.setDate(next.getDate() + 1);
  return next.getTime() - now.getTime();
}

/** The timer functions the schedule uses (tests pass fakes). */
export interface NightlyTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): Date;
  random(): number;
}

/** Reloads every night at `at` plus a random spread; returns a function that stops it. */
export function scheduleNightlyReload(
  at: TimeOfDay,
  reload: () => void,
  timers: NightlyTimers = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    now: () => new Date(),
    random: Math.random,
  },
): () => void {
  let handle: unknown;
  const arm = (): void => {
    const delay = msUntilNext(at, timers.now()) + Math.floor(timers.random() * NIGHTLY_SPREAD_MS);
    handle = timers.setTimeout(() => {
      reload();
      arm();
    }, delay);
  };
  arm();
  return () => timers.clearTimeout(handle);
}
