import type { Announcement } from "../../../shared/schemas/announcement";
import type {
  Emergency,
  IdleSlide,
  ManifestItem,
  Schedule,
} from "../../../shared/schemas/schedule";
import { evaluateSchedule } from "../../../shared/schedule/evaluateSchedule";
import { rotateSlides } from "../../../shared/schedule/rotateSlides";

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
  if (content.schedule === null) {
    const live = content.emergencies.filter(
      (e) =>
        Date.parse(e.startsAt) <= now && (e.endsAt === undefined || now < Date.parse(e.endsAt)),
    );
    const newest = live.sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt))[0];
    if (newest) {
      return {
        slide: { kind: "emergency", emergency: newest },
        nextChangeAt: newest.endsAt ? Date.parse(newest.endsAt) : null,
      };
    }
    const slot = rotateSlides(content.announcements.length, FALLBACK_DWELL_MS, now);
    const current = slot ? content.announcements[slot.index] : undefined;
    if (!slot || !current) return { slide: { kind: "waiting" }, nextChangeAt: null };
    return {
      slide: { kind: "announcement", announcement: current },
      nextChangeAt: slot.nextChangeAt,
    };
  }
  const result = evaluateSchedule(
    content.schedule,
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
      return content.schedule.idleSlide
        ? {
            slide: { kind: "idle", idle: content.schedule.idleSlide },
            nextChangeAt: result.nextChangeAt,
          }
        : { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
    case "blank":
      return { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
  }
}
