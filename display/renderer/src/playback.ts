import type { Announcement } from "../../../shared/schemas/announcement";
import type { Emergency, IdleSlide, Schedule } from "../../../shared/schemas/schedule";
import type { ScreenEntry } from "../../../shared/schemas/screenEntry";
import { evaluateSchedule } from "../../../shared/schedule/evaluateSchedule";
import { playbackPlan } from "../../../shared/schedule/playbackPlan";

/** What the screen draws now. */
export type Slide =
  | { kind: "announcement"; announcement: Announcement }
  | { kind: "entry"; entry: ScreenEntry }
  /** A page of the discredited list in the "list" layout; `page` counts from 0. */
  | { kind: "list"; entries: ScreenEntry[]; page: number; pages: number }
  | { kind: "emergency"; emergency: Emergency }
  | { kind: "idle"; idle: IdleSlide }
  | { kind: "blank" }
  | { kind: "waiting" };

/** The slide and when to look again (null: nothing changes until new content arrives). */
export interface Frame {
  slide: Slide;
  nextChangeAt: number | null;
}

/** What playback chooses from: what the kiosk holds. */
export interface PlaybackContent {
  announcements: readonly Announcement[];
  /** List entries; expired ones may be passed, the evaluator never shows them. */
  entries: readonly ScreenEntry[];
  schedule: Schedule | null;
  emergencies: readonly Emergency[];
  /** The screen's own tags: windows naming tags it does not carry are not its own. */
  screenTags?: readonly string[];
}

/**
 * Decides the slide at `now` with the shared evaluator and plan, so every screen of a district
 * shows the same slide at the same instant, and the console's timeline lists the same.
 */
export function frameAt(content: PlaybackContent, now: number): Frame {
  const announcements = new Map(content.announcements.map((a) => [a.id, a]));
  const entries = new Map(content.entries.map((e) => [e.id, e]));
  // The plan gives each announcement its window (not before `startsAt`, never from `endsAt`).
  const { schedule, fallback, manifest } = playbackPlan(content);
  const result = evaluateSchedule(schedule, manifest, now, content.emergencies);
  switch (result.kind) {
    case "emergency": {
      const emergency = content.emergencies.find((e) => e.id === result.emergencyId);
      return emergency
        ? { slide: { kind: "emergency", emergency }, nextChangeAt: result.nextChangeAt }
        : { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
    }
    case "slide": {
      if (result.list) {
        const { itemIds, page, pages } = result.list;
        const onPage = itemIds.flatMap((id) => entries.get(id) ?? []);
        return onPage.length > 0
          ? {
              slide: { kind: "list", entries: onPage, page, pages },
              nextChangeAt: result.nextChangeAt,
            }
          : { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
      }
      const announcement = announcements.get(result.itemId);
      if (announcement)
        return {
          slide: { kind: "announcement", announcement },
          nextChangeAt: result.nextChangeAt,
        };
      const entry = entries.get(result.itemId);
      return entry
        ? { slide: { kind: "entry", entry }, nextChangeAt: result.nextChangeAt }
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
      if (fallback) {
        return {
          slide: { kind: "waiting" },
          nextChangeAt: content.emergencies.length > 0 ? result.nextChangeAt : null,
        };
      }
      return { slide: { kind: "blank" }, nextChangeAt: result.nextChangeAt };
  }
}

/** The id of the announcement or entry a slide shows, if it shows one (a list page's first). */
export function contentIdOf(slide: Slide): string | null {
  return contentIdsOf(slide)[0] ?? null;
}

/** The ids of every announcement and entry a slide shows: one, several on a list page, or none. */
export function contentIdsOf(slide: Slide): string[] {
  switch (slide.kind) {
    case "announcement":
      return [slide.announcement.id];
    case "entry":
      return [slide.entry.id];
    case "list":
      return slide.entries.map((e) => e.id);
    default:
      return [];
  }
}
