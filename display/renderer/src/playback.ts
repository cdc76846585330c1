import type { Announcement } from "../../../shared/schemas/announcement";
import type {
  Emergency,
  IdleSlide,
  ManifestItem,
  Schedule,
} from "../../../shared/schemas/schedule";
import { evaluateSchedule } from "../../../shared/schedule/evaluateSchedule";

/** Dwell when no schedule applies and every announcement simply rotates. */
export const FALLBACK_DWELL_MS = 10_000;

/** What the screen draws now. */
export type Slide =
  | { kind: "announcement"; announcement: Announcement }
  | { kind: "emergency"; emergency: Emergency }
  | { kind: "idle"; idle: IdleSlide }
  | { kind: "blank" }
  | { kind: "waiting" };

/** The slide and when to look again (null: nothing changes until new content arrives). */
export interface Frame {
  slide: Slide;
  nextChangeAt: number | null;
}

/** The manifest items the evaluator chooses from, built from what the kiosk holds. */
export function manifestOf(announcements: readonly Announcement[]): ManifestItem[] {
  return announcements.map((a) => ({
    id: a.id,
    kind: "announcement",
    tags: a.tags,
    publishedVersion: a.version,
  }));
}

/**
 * The schedule of a district that has none: every announcement in turn, all day, so a fresh
 * installation shows what was posted. Evaluated like any other, emergencies included.
 */
export function fallbackSchedule(announcements: readonly Announcement[]): Schedule {
  return {
    timeZone: "UTC",
    windows: [
      {
        id: "every-announcement",
        days: [1, 2, 3, 4, 5, 6, 7],
        start: "00:00",
        end: "24:00",
        playlist: announcements.map((a) => ({ type: "announcement", id: a.id })),
        dwellSeconds: FALLBACK_DWELL_MS / 1000,
        order: "sequence",
        priority: 0,
      },
    ],
  };
}

/**
 * Decides the slide at `now` with the shared evaluator, so every screen of a district shows
 * the same slide at the same instant. Without a schedule, announcements rotate.
 */
export function frameAt(
  content: {
    announcements: readonly Announcement[];
    schedule: Schedule | null;
    emergencies: readonly Emergency[];
  },
  now: number,
): Frame {
  const byId = new Map(content.announcements.map((a) => [a.id, a]));
  const schedule = content.schedule ?? fallbackSchedule(content.announcements);
  const result = evaluateSchedule(
    schedule,
    manifestOf(content.announcements),
    now,
    content.emergencies,
  );
  switch (result.kind) {
    case "emergency": {
      const emergency = content.emergencies.find((e) => e.id === result.emergencyId);
      return emergency
        ? { slide: { kind: "emergency", emergency }, nextChangeAt: result.nextChangeAt }
        : { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
    }
    case "slide": {
      const announcement = byId.get(result.itemId);
      // Entries arrive with moderation and delivery; until then only announcements are drawable.
      return announcement
        ? { slide: { kind: "announcement", announcement }, nextChangeAt: result.nextChangeAt }
        : { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
    }
    case "idle":
      return schedule.idleSlide
        ? {
            slide: { kind: "idle", idle: schedule.idleSlide },
            nextChangeAt: result.nextChangeAt,
          }
        : { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
    case "blank":
      // Nothing posted yet: the waiting screen, until new content or a pending notice arrives.
      if (content.schedule === null) {
        return {
          slide: { kind: "waiting" },
          nextChangeAt: content.emergencies.length > 0 ? result.nextChangeAt : null,
        };
      }
      return { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
  }
}
