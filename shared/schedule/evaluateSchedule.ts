import type {
  Emergency,
  ManifestItem,
  PlaylistSource,
  Schedule,
  TimeWindow,
} from "../schemas/schedule";
import { compareIds, seededShuffle } from "./seededShuffle";
import {
  DAY_MS,
  dayOf,
  dayOfDate,
  fromLocalMs,
  isoWeekday,
  minutesOf,
  toLocalMs,
} from "./zonedTime";

/*
 * What a screen shows is a pure function of (schedule, manifest, emergencies, instant), so
 * every screen of a district agrees without talking, the server can answer "what is on screen
 * X at T", and the console previews exactly. Decisions:
 * - The active window is the one whose occurrence contains `now`; an occurrence may have begun
 *   the previous day (crossing midnight). Highest priority wins, ties go to the earlier window.
 * - Slides are counted in elapsed time from the occurrence's start instant (slot = elapsed ÷
 *   dwell), so a DST change in the middle of a window does not skip or repeat a slot.
 * - Eligible items: matched by the window's playlist, listedFrom <= now < expiresAt. The
 *   rotation is re-derived from the eligible set at every evaluation, so a manifest change or
 *   an expiry mid-slot takes effect at once (an expired item is never shown, even for the
 *   rest of its slot) and all screens holding the same manifest agree.
 * - Rotation order: "sequence" is publishedVersion, then id (compared by code unit, never by
 *   locale); "shuffle" orders by a hash of (seed, id), the seed defaulting to the window id.
 *   A manifest listing an id twice counts it once, at its highest publishedVersion.
 * - List pages: when a window's discredited source asks for the "list" layout, its eligible
 *   discredited items are cut, in rotation order, into pages of LIST_PAGE_SIZE; each page is
 *   one slot of the rotation, at the place of its first item. Pages are cut from the eligible
 *   set like everything else, so an entry taken down or expiring leaves its page at once and
 *   every screen holding the same manifest shows the same page at the same moment.
 * - A window with nothing eligible shows the idle slide if there is one, else blank; so does
 *   the time outside every window.
 * - Screen tags: a window with `screenTags` plays only on a screen carrying at least one of
 *   them; the others skip it as if it were not in the schedule (a lower window, the idle slide
 *   or blank shows instead). A window without them plays everywhere. A caller passing no tags
 *   is a screen without tags, as the console's district timeline is.
 * - Emergencies: the active one that started last wins (a newer notice supersedes), ties go to
 *   the earlier one in the list. While one is active nothing else matters.
 * - nextChangeAt is never later than the next change, so the display sets one timer and no
 *   polling loop. It may be a boundary after which the screen looks the same (a window whose
 *   playlist is empty starting, a daily 00:00–24:00 window rolling over). Outside every window
 *   the search looks 8 days ahead; if nothing starts by then, nextChangeAt is the local
 *   midnight after that horizon, a re-check point. It is null only when nothing can change
 *   any more: every window's `until` has passed and no emergency is pending, or an active
 *   emergency has no end and no newer one is scheduled.
 */

/** An emergency notice has taken over the screen. */
export interface EmergencyResult {
  kind: "emergency";
  emergencyId: string;
  /** When the notice ends or a newer one starts; null when neither is known. */
  nextChangeAt: number | null;
}

/** How many discredited entries one page of the "list" layout shows. */
export const LIST_PAGE_SIZE = 8;

/** One page of the discredited list in the "list" layout. */
export interface ListPage {
  /** The entries on the page, in rotation order; 1 to LIST_PAGE_SIZE of them. */
  itemIds: string[];
  /** The page's number among the list's pages, from 0. */
  page: number;
  /** How many pages the list has now. */
  pages: number;
}

/** A slide from the active window's rotation. */
export interface SlideResult {
  kind: "slide";
  windowId: string;
  /** The item shown; on a list page, the page's first item. */
  itemId: string;
  /** Position of the slide in the window's eligible rotation. */
  index: number;
  /** How many slides are in that rotation. */
  count: number;
  /** Present when the slide is a page of the discredited list in the "list" layout. */
  list?: ListPage;
  nextChangeAt: number;
}

/** The idle slide, or nothing (screen off to save power). */
export interface IdleResult {
  kind: "idle" | "blank";
  /** When a window may start or an item may become eligible; see the decisions above. */
  nextChangeAt: number | null;
}

/** What a screen shows at an instant and when that may next change (epoch ms). */
export type ScheduleResult = EmergencyResult | SlideResult | IdleResult;

/** One stretch of a timeline during which the screen shows `result`. */
export interface TimelineSegment {
  start: number;
  end: number;
  /** The evaluation at `start`; it holds until `end`. */
  result: ScheduleResult;
}

/** What the evaluation needs to know of the screen it is for. */
export interface EvaluateOptions {
  /** The screen's tags (absent: none), matched against windows' `screenTags`. */
  screenTags?: readonly string[] | undefined;
}

/**
 * Whether a window plays on a screen carrying `screenTags`: it names no tags, or the screen
 * carries at least one of them.
 */
export function windowAppliesTo(
  window: Pick<TimeWindow, "screenTags">,
  screenTags: readonly string[] = [],
): boolean {
  const wanted = window.screenTags ?? [];
  return wanted.length === 0 || wanted.some((tag) => screenTags.includes(tag));
}

/**
 * The schedule as one screen plays it: the windows that apply to its tags, in their order, with
 * the tag condition settled (removed), so evaluating it with or without the tags agrees.
 */
export function scheduleForScreen(
  schedule: Schedule,
  screenTags: readonly string[] = [],
): Schedule {
  return {
    ...schedule,
    windows: schedule.windows
      .filter((w) => windowAppliesTo(w, screenTags))
      .map(({ screenTags: _settled, ...w }) => w),
  };
}

/** How far ahead, in days, the blank case looks for the next window start. */
const HORIZON_DAYS = 8;

/** Default cap on timeline segments, so a 3 s dwell over a long range cannot run away. */
export const MAX_TIMELINE_SEGMENTS = 20_000;

interface Occurrence {
  start: number;
  end: number;
}

interface TimedItem {
  id: string;
  listedFrom: number;
  expiresAt: number;
  /** Shown on list pages rather than on a slide of its own. */
  onList: boolean;
}

/** One slot of a rotation: an item, or a page of list items. */
interface RotationSlot {
  /** The item shown; on a list page, the page's first item. */
  item: TimedItem;
  list?: ListPage;
}

interface CompiledWindow {
  id: string;
  position: number;
  priority: number;
  days: ReadonlySet<number>;
  from: number;
  until: number;
  startMinute: number;
  endMinute: number;
  dwellMs: number;
  /** Playlist items in rotation order, before the time filter. */
  items: TimedItem[];
  /** Occurrences by start day; a timeline asks for the same days thousands of times. */
  occurrences: Map<number, Occurrence | null>;
}

interface TimedEmergency {
  id: string;
  startsAt: number;
  endsAt: number;
}

interface Compiled {
  timeZone: string;
  hasIdleSlide: boolean;
  windows: CompiledWindow[];
  emergencies: TimedEmergency[];
}

/** Parses an optional instant; a malformed one becomes NaN, which every comparison refuses. */
function instant(iso: string | undefined, absent: number): number {
  return iso === undefined ? absent : Date.parse(iso);
}

function matches(source: PlaylistSource, item: ManifestItem): boolean {
  switch (source.type) {
    case "discredited":
      return item.kind === "discredited";
    case "redlist":
      return item.kind === "redlist";
    case "announcement":
      return item.kind === "announcement" && item.id === source.id;
    case "announcementsTagged":
      return item.kind === "announcement" && item.tags.includes(source.tag);
  }
}

/** One item per id: a repeated id is the same item republished, so the newest version wins. */
function dedupe(manifest: readonly ManifestItem[]): ManifestItem[] {
  const byId = new Map<string, ManifestItem>();
  for (const item of manifest) {
    const seen = byId.get(item.id);
    if (seen === undefined || item.publishedVersion > seen.publishedVersion)
      byId.set(item.id, item);
  }
  return [...byId.values()];
}

function compileWindow(w: TimeWindow, position: number, manifest: ManifestItem[]): CompiledWindow {
  if (!Number.isFinite(w.dwellSeconds) || w.dwellSeconds <= 0) {
    throw new RangeError(`Window ${w.id}: dwellSeconds must be positive, got ${w.dwellSeconds}`);
  }
  // A playlist naming the discredited list twice, once as a list: the list wins.
  const discreditedAsList = w.playlist.some((s) => s.type === "discredited" && s.layout === "list");
  const playlist = manifest.filter((item) => w.playlist.some((s) => matches(s, item)));
  const ordered =
    w.order === "shuffle"
      ? seededShuffle(playlist, w.seed ?? w.id, (i) => i.id)
      : playlist.sort((a, b) => a.publishedVersion - b.publishedVersion || compareIds(a.id, b.id));
  return {
    id: w.id,
    position,
    priority: w.priority,
    days: new Set(w.days),
    from: w.from === undefined ? -Infinity : dayOfDate(w.from),
    until: w.until === undefined ? Infinity : dayOfDate(w.until),
    startMinute: minutesOf(w.start),
    endMinute: minutesOf(w.end),
    dwellMs: w.dwellSeconds * 1000,
    items: ordered.map((i) => ({
      id: i.id,
      listedFrom: instant(i.listedFrom, -Infinity),
      expiresAt: instant(i.expiresAt, Infinity),
      onList: discreditedAsList && i.kind === "discredited",
    })),
    occurrences: new Map(),
  };
}

function compile(
  schedule: Schedule,
  manifest: readonly ManifestItem[],
  emergencies: readonly Emergency[],
  options: EvaluateOptions,
): Compiled {
  const items = dedupe(manifest);
  return {
    timeZone: schedule.timeZone,
    hasIdleSlide: schedule.idleSlide !== undefined,
    // Positions count among the windows that apply, which keeps their relative order (ties).
    windows: schedule.windows
      .filter((w) => windowAppliesTo(w, options.screenTags))
      .map((w, i) => compileWindow(w, i, items)),
    emergencies: emergencies
      .map((e) => ({
        id: e.id,
        startsAt: Date.parse(e.startsAt),
        endsAt: instant(e.endsAt, Infinity),
      }))
      // A notice that never spans an instant (or cannot be read) can never be shown.
      .filter((e) => e.startsAt < e.endsAt),
  };
}

/** The occurrence of `w` that starts on local day `day`, or null if it has none. */
function occurrenceOn(c: Compiled, w: CompiledWindow, day: number): Occurrence | null {
  const cached = w.occurrences.get(day);
  if (cached !== undefined) return cached;
  let occ: Occurrence | null = null;
  if (w.days.has(isoWeekday(day)) && day >= w.from && day <= w.until) {
    const start = fromLocalMs(day * DAY_MS + w.startMinute * 60_000, c.timeZone);
    // An end at or before the start on the clock face means the next day ("24:00" is 1440,
    // later than any start, so it lands on the next midnight without crossing).
    const endDay = w.endMinute <= w.startMinute ? day + 1 : day;
    const end = fromLocalMs(endDay * DAY_MS + w.endMinute * 60_000, c.timeZone);
    // A window lying wholly inside a spring-forward gap never happens that day.
    if (end > start) occ = { start, end };
  }
  w.occurrences.set(day, occ);
  return occ;
}

/** True when `a` beats `b` on overlap: higher priority, or equal and earlier in the list. */
function outranks(a: CompiledWindow, b: CompiledWindow): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.position < b.position);
}

/** Infinity stands for "never" inside the evaluator; callers get null. */
function orNull(t: number): number | null {
  return Number.isFinite(t) ? t : null;
}

function evaluateCompiled(c: Compiled, now: number): ScheduleResult {
  // Emergencies first: they override everything.
  let emergency: TimedEmergency | null = null;
  let nextEmergencyStart = Infinity;
  for (const e of c.emergencies) {
    if (e.startsAt > now) nextEmergencyStart = Math.min(nextEmergencyStart, e.startsAt);
    else if (now < e.endsAt && (emergency === null || e.startsAt > emergency.startsAt)) {
      emergency = e;
    }
  }
  if (emergency !== null) {
    // A later-starting notice takes over when it starts; an earlier one ending changes nothing.
    return {
      kind: "emergency",
      emergencyId: emergency.id,
      nextChangeAt: orNull(Math.min(emergency.endsAt, nextEmergencyStart)),
    };
  }

  const today = dayOf(toLocalMs(now, c.timeZone));
  const idleKind = c.hasIdleSlide ? "idle" : "blank";

  // The active occurrence began today or, crossing midnight, yesterday.
  let active: { w: CompiledWindow; occ: Occurrence } | null = null;
  for (const w of c.windows) {
    for (const day of [today - 1, today]) {
      const occ = occurrenceOn(c, w, day);
      if (occ === null || occ.start > now || now >= occ.end) continue;
      if (active === null || outranks(w, active.w)) active = { w, occ };
    }
  }

  if (active === null) {
    // Outside every window: the next change is the next start of any window.
    let nextStart = Infinity;
    let canStartLater = false;
    for (const w of c.windows) {
      if (w.until > today + HORIZON_DAYS) canStartLater = true;
      for (let day = today - 1; day <= today + HORIZON_DAYS; day++) {
        const occ = occurrenceOn(c, w, day);
        if (occ !== null && occ.start > now) {
          nextStart = Math.min(nextStart, occ.start);
          break; // Later days of this window start later still.
        }
      }
    }
    if (nextStart === Infinity && canStartLater) {
      // Nothing within the horizon: re-check at the local midnight after it, which no
      // unscanned occurrence can precede.
      nextStart = fromLocalMs((today + HORIZON_DAYS + 1) * DAY_MS, c.timeZone);
    }
    return { kind: idleKind, nextChangeAt: orNull(Math.min(nextStart, nextEmergencyStart)) };
  }

  const { w, occ } = active;
  let next = Math.min(occ.end, nextEmergencyStart);
  // A window that outranks this one and starts before it ends takes over.
  for (const other of c.windows) {
    if (!outranks(other, w)) continue;
    for (let day = today - 1; day <= today + 2; day++) {
      const o = occurrenceOn(c, other, day);
      if (o !== null && o.start > now) next = Math.min(next, o.start);
    }
  }

  const eligible: TimedItem[] = [];
  for (const item of w.items) {
    if (item.listedFrom <= now && now < item.expiresAt) {
      eligible.push(item);
      // An eligible item leaving changes the rotation at that instant, mid-slot or not.
      next = Math.min(next, item.expiresAt);
    } else if (item.listedFrom > now && item.listedFrom < item.expiresAt) {
      next = Math.min(next, item.listedFrom); // A pending item joins the rotation.
    }
  }

  if (eligible.length === 0) return { kind: idleKind, nextChangeAt: next };

  const rotation = rotationOf(eligible);
  const slot = Math.floor((now - occ.start) / w.dwellMs);
  const index = slot % rotation.length;
  const shown = rotation[index];
  if (shown === undefined) throw new Error("unreachable: index is within the rotation");
  // With one slide the slot boundary shows the same slide again: not a change.
  if (rotation.length > 1) next = Math.min(next, occ.start + (slot + 1) * w.dwellMs);
  return {
    kind: "slide",
    windowId: w.id,
    itemId: shown.item.id,
    index,
    count: rotation.length,
    ...(shown.list ? { list: shown.list } : {}),
    nextChangeAt: next,
  };
}

/**
 * The slides of a rotation: each item on its own, except list items, which are cut into
 * pages of LIST_PAGE_SIZE (in rotation order), each page at the place of its first item.
 */
function rotationOf(eligible: readonly TimedItem[]): RotationSlot[] {
  const listed = eligible.filter((i) => i.onList);
  if (listed.length === 0) return eligible.map((item) => ({ item }));
  const pages = Math.ceil(listed.length / LIST_PAGE_SIZE);
  const rotation: RotationSlot[] = [];
  let listPosition = 0;
  for (const item of eligible) {
    if (!item.onList) {
      rotation.push({ item });
      continue;
    }
    if (listPosition % LIST_PAGE_SIZE === 0) {
      const onPage = listed.slice(listPosition, listPosition + LIST_PAGE_SIZE);
      rotation.push({
        item,
        list: { itemIds: onPage.map((i) => i.id), page: listPosition / LIST_PAGE_SIZE, pages },
      });
    }
    listPosition += 1;
  }
  return rotation;
}

function assertInstant(name: string, value: number): void {
  if (!Number.isFinite(value))
    throw new RangeError(`${name} must be a finite epoch ms, got ${value}`);
}

/**
 * What a screen with this schedule, manifest and emergency list shows at `now` (epoch ms),
 * and when that may next change. `options.screenTags`: the screen's tags (absent: none).
 * Pure: never reads the clock.
 */
export function evaluateSchedule(
  schedule: Schedule,
  manifest: readonly ManifestItem[],
  now: number,
  emergencies: readonly Emergency[] = [],
  options: EvaluateOptions = {},
): ScheduleResult {
  assertInstant("now", now);
  return evaluateCompiled(compile(schedule, manifest, emergencies, options), now);
}

/**
 * The contiguous segments shown over [from, to), by following nextChangeAt ("next 24 h" in the
 * console). Stops after `maxSegments`; the last segment then ends before `to`. `options` as for
 * evaluateSchedule.
 */
export function timeline(
  schedule: Schedule,
  manifest: readonly ManifestItem[],
  from: number,
  to: number,
  emergencies: readonly Emergency[] = [],
  maxSegments: number = MAX_TIMELINE_SEGMENTS,
  options: EvaluateOptions = {},
): TimelineSegment[] {
  assertInstant("from", from);
  assertInstant("to", to);
  const compiled = compile(schedule, manifest, emergencies, options);
  const segments: TimelineSegment[] = [];
  let t = from;
  while (t < to && segments.length < maxSegments) {
    const result = evaluateCompiled(compiled, t);
    const end = result.nextChangeAt === null ? to : Math.min(result.nextChangeAt, to);
    segments.push({ start: t, end, result });
    t = end;
  }
  return segments;
}
