/**
 * Wall-clock arithmetic in an IANA time zone, on top of Intl alone (shared/ runs in browsers
 * and Node, so no tz library and no node:* modules).
 *
 * A wall time is carried as "local ms": the epoch milliseconds the same calendar fields would
 * have in UTC. That keeps calendar arithmetic (next day, minute of day, weekday) plain integer
 * maths, and confines the zone to two conversions: `toLocalMs` and `fromLocalMs`.
 */

/** Milliseconds in a calendar day of wall time (not of elapsed time: DST days differ). */
export const DAY_MS = 86_400_000;

// Formatters are costly to build and are pure for a given zone, so one per zone is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      calendar: "gregory",
      numberingSystem: "latn",
      // h23, not hour12:false: some engines print midnight as "24" with the latter.
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Epoch ms of calendar fields read as UTC; Date.UTC alone maps years 0–99 to 1900–1999. */
function utcFields(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (y >= 0 && y < 100) date.setUTCFullYear(y);
  return date.getTime();
}

// "3/8/2026, 02:30:00": en-US with the fields above; format() is about 3x cheaper than
// formatToParts(), which stays as the fallback should an engine ever print it differently.
const EN_US = /^(\d{1,2})\/(\d{1,2})\/(\d{1,6}),? (\d{1,2}):(\d{2}):(\d{2})$/;

/** The zone's offset (local minus UTC, in ms) in force at `instant`. */
export function offsetAt(instant: number, timeZone: string): number {
  const formatter = formatterFor(timeZone);
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  const m = EN_US.exec(formatter.format(instant));
  if (m !== null) {
    [fields.month, fields.day, fields.year, fields.hour, fields.minute, fields.second] = m
      .slice(1)
      .map(Number) as [number, number, number, number, number, number];
  } else {
    for (const part of formatter.formatToParts(instant)) {
      if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
    }
  }
  const local = utcFields(
    fields.year,
    fields.month,
    fields.day,
    fields.hour % 24,
    fields.minute,
    fields.second,
  );
  return local - Math.floor(instant / 1000) * 1000;
}

/** The wall time ("local ms") shown in `timeZone` at `instant`. */
export function toLocalMs(instant: number, timeZone: string): number {
  return instant + offsetAt(instant, timeZone);
}

// fromLocalMs is pure, so its answers can be kept; bounded so a long-lived kiosk cannot grow it.
const resolved = new Map<string, number>();

/**
 * The instant at which clocks in `timeZone` show the wall time `localMs`.
 * In a fall-back overlap the wall time happens twice: the earlier instant is returned.
 * In a spring-forward gap it never happens: the first instant after the gap is returned
 * (02:30 on a 02:00→03:00 day gives the instant of 03:00), so a window starting inside
 * the gap starts as soon as the clocks resume.
 */
export function fromLocalMs(localMs: number, timeZone: string): number {
  // Every evaluation asks for the same few window starts again.
  const key = `${timeZone} ${localMs}`;
  const known = resolved.get(key);
  if (known !== undefined) return known;
  if (resolved.size >= 10_000) resolved.clear();
  const value = resolveLocal(localMs, timeZone);
  resolved.set(key, value);
  return value;
}

function resolveLocal(localMs: number, timeZone: string): number {
  // Any instant showing localMs lies within ±15 h of it, so its offset is one of those in
  // force a day either side; tz transitions are never closer than that in practice.
  const before = offsetAt(localMs - DAY_MS, timeZone);
  const after = offsetAt(localMs + DAY_MS, timeZone);
  if (before === after) return localMs - before; // No transition nearby: the common case.
  const middle = offsetAt(localMs, timeZone);
  let best: number | null = null;
  for (const offset of [before, middle, after]) {
    const candidate = localMs - offset;
    if (offsetAt(candidate, timeZone) === offset && (best === null || candidate < best)) {
      best = candidate;
    }
  }
  if (best !== null) return best;
  if (after <= before) return localMs - middle; // Not a gap we can explain: stay predictable.
  // A gap: the transition lies between the instant this wall time would have under the new
  // offset and under the old one. Transitions fall on whole seconds; search for the first
  // second whose offset is no longer the old one.
  let lo = Math.floor((localMs - after) / 1000);
  let hi = Math.ceil((localMs - before) / 1000);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid * 1000, timeZone) === before) lo = mid + 1;
    else hi = mid;
  }
  return lo * 1000;
}

/** The calendar day number (days since 1970-01-01) of a wall time. */
export function dayOf(localMs: number): number {
  return Math.floor(localMs / DAY_MS);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number. */
export function isoWeekday(day: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The day number of a "YYYY-MM-DD" calendar date (already validated by its schema). */
export function dayOfDate(date: string): number {
  const [y = 0, m = 1, d = 1] = date.split("-").map(Number);
  return dayOf(utcFields(y, m, d, 0, 0, 0));
}

/** Minutes since local midnight of an "HH:MM" time; "24:00" gives 1440 (the next midnight). */
export function minutesOf(time: string): number {
  const [h = 0, m = 0] = time.split(":").map(Number);
  return h * 60 + m;
}
