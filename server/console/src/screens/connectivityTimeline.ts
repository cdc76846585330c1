import type { ConnectedSpanView } from "../../../../shared/schemas/screen";

/** A stretch of the timeline bar, in percent of its width from the left. */
export interface TimelineSegment {
  kind: "connected" | "disconnected" | "unpaired";
  from: number;
  to: number;
  left: number;
  width: number;
}

/** A day boundary (local midnight) on the bar. */
export interface DayTick {
  at: number;
  left: number;
  /** The day that starts here, in words ("Mon 2 Mar", "3月2日 周一"). */
  label: string;
}

/** How finely local midnights are looked for: every zone's offset is a multiple of 15 min. */
const STEP_MS = 15 * 60_000;

/**
 * The bar of a connectivity timeline from `from` to `to` (epoch ms): connected spans (merged
 * where they overlap), the gaps between them, and before `observedFrom` the time the screen
 * was not paired yet. Segments cover the whole bar, left to right.
 */
export function timelineSegments(
  spans: readonly Pick<ConnectedSpanView, "from" | "to">[],
  period: { from: number; to: number; observedFrom: number },
): TimelineSegment[] {
  const { from, to } = period;
  const total = to - from;
  if (total <= 0) return [];
  const at = (ms: number) => ((ms - from) / total) * 100;
  const segment = (kind: TimelineSegment["kind"], a: number, b: number): TimelineSegment => ({
    kind,
    from: a,
    to: b,
    left: at(a),
    width: at(b) - at(a),
  });
  const merged: [number, number][] = [];
  for (const s of [...spans]
    .map((x) => [Math.max(from, Date.parse(x.from)), Math.min(to, Date.parse(x.to))] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0])) {
    const last = merged.at(-1);
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  const out: TimelineSegment[] = [];
  const observed = Math.min(to, Math.max(from, period.observedFrom));
  if (observed > from) out.push(segment("unpaired", from, observed));
  let cursor = observed;
  for (const [a, b] of merged) {
    const start = Math.max(a, cursor);
    if (start > cursor) out.push(segment("disconnected", cursor, start));
    if (b > start) out.push(segment("connected", start, b));
    cursor = Math.max(cursor, b);
  }
  if (cursor < to) out.push(segment("disconnected", cursor, to));
  return out;
}

/**
 * The local midnights between `from` and `to` (epoch ms) in `timeZone`, each with the day it
 * starts, worded in `language`.
 */
export function dayTicks(
  period: { from: number; to: number },
  timeZone: string,
  language: string,
): DayTick[] {
  const total = period.to - period.from;
  if (total <= 0) return [];
  const clock = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const day = new Intl.DateTimeFormat(language, {
    timeZone,
    weekday: "short",
    month: "short",
    day: "numeric",
  });
  const ticks: DayTick[] = [];
  const first = Math.ceil(period.from / STEP_MS) * STEP_MS;
  for (let t = first; t < period.to; t += STEP_MS) {
    if (clock.format(t) !== "00:00") continue;
    ticks.push({ at: t, left: ((t - period.from) / total) * 100, label: day.format(t) });
  }
  return ticks;
}

/** The browser's own time zone, for a screen whose district names none. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
