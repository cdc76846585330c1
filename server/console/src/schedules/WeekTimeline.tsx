import { useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import type { TimeWindow } from "../../../../shared/schemas/schedule";
import { useI18n } from "../lib/i18n";
import { dayKeys, minutesOfTime, timeOfMinutes, windowSummary } from "./scheduleText";

/** The grid's resolution: drags snap to quarter hours. */
const SNAP = 15;
const DAY_MINUTES = 1440;

/** One stretch of a window on one day's column (a window crossing midnight has two). */
interface Segment {
  windowId: string;
  index: number;
  /** ISO weekday of the column, 1–7. */
  day: number;
  from: number;
  to: number;
  /** Whether this stretch holds the window's start (top edge) and its end (bottom edge). */
  holdsStart: boolean;
  holdsEnd: boolean;
  lane: number;
  lanes: number;
}

/** A drag in progress: drawing a new window, or moving one edge of a window. */
type Drag =
  | { kind: "create"; day: number; anchor: number; at: number }
  | { kind: "start" | "end"; windowId: string; day: number; at: number };

/** The stretches of every window per day, with side-by-side lanes where they overlap. */
function segmentsOf(windows: readonly TimeWindow[]): Segment[] {
  const all: Segment[] = [];
  windows.forEach((w, index) => {
    const start = minutesOfTime(w.start);
    const end = minutesOfTime(w.end);
    for (const day of w.days) {
      if (end > start) {
        all.push({
          windowId: w.id,
          index,
          day,
          from: start,
          to: end,
          holdsStart: true,
          holdsEnd: true,
          lane: 0,
          lanes: 1,
        });
      } else {
        // Crosses midnight: the rest of the day, then the start of the next (Sunday → Monday).
        all.push({
          windowId: w.id,
          index,
          day,
          from: start,
          to: DAY_MINUTES,
          holdsStart: true,
          holdsEnd: false,
          lane: 0,
          lanes: 1,
        });
        if (end > 0)
          all.push({
            windowId: w.id,
            index,
            day: (day % 7) + 1,
            from: 0,
            to: end,
            holdsStart: false,
            holdsEnd: true,
            lane: 0,
            lanes: 1,
          });
      }
    }
  });
  for (let day = 1; day <= 7; day++) {
    const here = all.filter((s) => s.day === day).sort((a, b) => a.from - b.from);
    const laneEnds: number[] = [];
    for (const s of here) {
      const free = laneEnds.findIndex((e) => e <= s.from);
      s.lane = free === -1 ? laneEnds.length : free;
      laneEnds[s.lane] = s.to;
    }
    for (const s of here) s.lanes = Math.max(1, laneEnds.length);
  }
  return all;
}

/** Minutes since midnight at a pointer's height in a day column, snapped. */
function minuteAt(e: { clientY: number }, column: Element): number {
  const box = column.getBoundingClientRect();
  const ratio = Math.min(1, Math.max(0, (e.clientY - box.top) / box.height));
  return Math.round((ratio * DAY_MINUTES) / SNAP) * SNAP;
}

/**
 * The week at a glance: seven day columns of 24 hours with the schedule's windows drawn in.
 * With a mouse, drag on an empty part of a day to draw a window, drag a window's top or bottom
 * edge to move its start or end; each window is a button that opens it in the form, which
 * does everything the mouse does (the drag handles are not for the keyboard).
 */
export function WeekTimeline({
  windows,
  selectedId,
  readOnly,
  onSelect,
  onCreate,
  onResize,
}: {
  windows: readonly TimeWindow[];
  selectedId: string | null;
  readOnly: boolean;
  onSelect: (id: string) => void;
  onCreate: (w: { day: number; start: string; end: string }) => void;
  onResize: (id: string, times: { start?: string; end?: string }) => void;
}) {
  const { t } = useI18n();
  const [drag, setDrag] = useState<Drag | null>(null);
  const columns = useRef<(HTMLDivElement | null)[]>([]);
  const segments = segmentsOf(windows);

  const columnOf = (day: number): HTMLDivElement | null => columns.current[day - 1] ?? null;

  const beginCreate = (e: ReactPointerEvent<HTMLDivElement>, day: number): void => {
    if (readOnly || e.button !== 0 || e.target !== e.currentTarget) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const at = minuteAt(e, e.currentTarget);
    setDrag({ kind: "create", day, anchor: at, at });
  };

  const beginEdge = (
    e: ReactPointerEvent<HTMLSpanElement>,
    windowId: string,
    edge: "start" | "end",
    day: number,
  ): void => {
    if (readOnly || e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    e.currentTarget.setPointerCapture(e.pointerId);
    const column = columnOf(day);
    if (!column) return;
    setDrag({ kind: edge, windowId, day, at: minuteAt(e, column) });
  };

  const move = (e: ReactPointerEvent, day: number): void => {
    if (!drag) return;
    const column = columnOf(day);
    if (!column) return;
    setDrag({ ...drag, at: minuteAt(e, column) });
  };

  const finish = (e: ReactPointerEvent): void => {
    if (!drag) return;
    setDrag(null);
    // Where the pointer is let go, not where the last move's render left `drag.at`: a
    // release can come before that render.
    const column = columnOf(drag.day);
    const at = column ? minuteAt(e, column) : drag.at;
    if (drag.kind === "create") {
      const from = Math.min(drag.anchor, at);
      const to = Math.max(drag.anchor, at);
      // A click without a drag draws nothing.
      if (to - from < SNAP) return;
      onCreate({
        day: drag.day,
        start: timeOfMinutes(Math.min(from, DAY_MINUTES - SNAP)),
        end: timeOfMinutes(to),
      });
      return;
    }
    const w = windows.find((x) => x.id === drag.windowId);
    if (!w) return;
    const start = minutesOfTime(w.start);
    const end = minutesOfTime(w.end);
    const crosses = end <= start;
    if (drag.kind === "start") {
      const newStart = Math.min(at, DAY_MINUTES - SNAP);
      // A same-day window keeps at least one step; a window crossing midnight only must not
      // become empty.
      if ((!crosses && newStart > end - SNAP) || newStart === end % DAY_MINUTES) return;
      onResize(w.id, { start: timeOfMinutes(newStart) });
    } else {
      const newEnd = at === 0 ? DAY_MINUTES : at;
      if ((!crosses && newEnd < start + SNAP) || newEnd === start) return;
      onResize(w.id, { end: timeOfMinutes(newEnd) });
    }
  };

  /** The minutes a segment covers while its window's edge is being dragged. */
  const shown = (s: Segment): { from: number; to: number } => {
    if (!drag || drag.kind === "create" || drag.windowId !== s.windowId) return s;
    if (drag.kind === "start" && s.holdsStart)
      return { from: Math.min(drag.at, s.to - SNAP), to: s.to };
    if (drag.kind === "end" && s.holdsEnd)
      return { from: s.from, to: Math.max(drag.at, s.from + SNAP) };
    return s;
  };

  const pct = (minutes: number) => `${(minutes / DAY_MINUTES) * 100}%`;

  return (
    <div className="timeline" role="group" aria-label={t("schedules.timeline")}>
      <div className="tl-head" aria-hidden="true">
        <span />
        {dayKeys.map((k) => (
          <span key={k}>{t(k)}</span>
        ))}
      </div>
      <div className="tl-body">
        <div className="tl-hours" aria-hidden="true">
          {Array.from({ length: 24 }, (_, h) => (
            <span key={h} style={{ top: pct(h * 60) }}>
              {String(h).padStart(2, "0")}
            </span>
          ))}
        </div>
        {dayKeys.map((k, i) => {
          const day = i + 1;
          return (
            <div
              key={k}
              className={`tl-day${readOnly ? " read-only" : ""}`}
              ref={(el) => {
                columns.current[i] = el;
              }}
              onPointerDown={(e) => beginCreate(e, day)}
              onPointerMove={(e) => move(e, drag?.kind === "create" ? drag.day : day)}
              onPointerUp={finish}
              onPointerCancel={() => setDrag(null)}
            >
              {segments
                .filter((s) => s.day === day)
                .map((s) => {
                  const w = windows[s.index];
                  if (!w) return null;
                  const span = shown(s);
                  return (
                    <button
                      type="button"
                      key={`${s.windowId}-${s.from}`}
                      className={`tl-window c${s.index % 6}`}
                      aria-pressed={s.windowId === selectedId}
                      style={{
                        top: pct(span.from),
                        height: pct(span.to - span.from),
                        left: `${(s.lane / s.lanes) * 100}%`,
                        width: `${100 / s.lanes}%`,
                      }}
                      onClick={() => onSelect(s.windowId)}
                    >
                      <span className="visually-hidden">
                        {t("schedules.windowButton", {
                          n: s.index + 1,
                          day: t(k),
                          summary: windowSummary(w, t),
                        })}
                      </span>
                      <span className="tl-label" aria-hidden="true">
                        {s.index + 1}
                        {s.to - s.from >= 90 && (
                          <small>
                            {" "}
                            {w.start}–{w.end}
                            {/* A window for tagged screens only says so: "#metro". */}
                            {(w.screenTags ?? []).map((tag) => ` #${tag}`).join("")}
                          </small>
                        )}
                      </span>
                      {!readOnly && s.holdsStart && (
                        <span
                          className="tl-edge top"
                          aria-hidden="true"
                          onPointerDown={(e) => beginEdge(e, s.windowId, "start", day)}
                        />
                      )}
                      {!readOnly && s.holdsEnd && (
                        <span
                          className="tl-edge bottom"
                          aria-hidden="true"
                          onPointerDown={(e) => beginEdge(e, s.windowId, "end", day)}
                        />
                      )}
                    </button>
                  );
                })}
              {drag?.kind === "create" && drag.day === day && (
                <div
                  className="tl-draft"
                  aria-hidden="true"
                  style={{
                    top: pct(Math.min(drag.anchor, drag.at)),
                    height: pct(Math.abs(drag.at - drag.anchor)),
                  }}
                />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
