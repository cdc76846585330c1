import type { Announcement } from "../schemas/announcement";
import type { ManifestItem, Schedule } from "../schemas/schedule";
import type { ScreenEntry } from "../schemas/screenEntry";
import { scheduleForScreen } from "./evaluateSchedule";
import { compareIds } from "./seededShuffle";

/*
 * What a screen evaluates, decided in one place for the kiosk and the console alike: the
 * district's schedule over the manifest of what the screen holds, or, for a district without a
 * schedule, the fallback rotation of everything held. The kiosk draws from this plan and the
 * console's "what plays at" lists it, so the two cannot tell different stories.
 */

/** Dwell when no schedule applies and everything held simply rotates. */
export const FALLBACK_DWELL_MS = 10_000;

/** What playback needs of an announcement: identity, tags, window and publication order. */
export type PlannedAnnouncement = Pick<Announcement, "id" | "tags" | "version"> &
  Partial<Pick<Announcement, "startsAt" | "endsAt">>;

/** What playback needs of a list entry: identity, kind, end and publication order. */
export type PlannedEntry = Pick<ScreenEntry, "id" | "kind" | "expiresAt" | "publishedVersion">;

/** What a screen holds, as far as choosing a slide goes. */
export interface HeldContent {
  announcements: readonly PlannedAnnouncement[];
  /** List entries; expired ones may be passed, the evaluator never shows them. */
  entries: readonly PlannedEntry[];
  /** The district's effective schedule; null when neither it nor an ancestor has one. */
  schedule: Schedule | null;
  /**
   * The screen's own tags (the sync's `screen.tags`); absent: none. Windows whose `screenTags`
   * the screen does not carry are not in its plan.
   */
  screenTags?: readonly string[] | undefined;
}

/** The schedule and manifest a screen evaluates, with whether the fallback stands in. */
export interface PlaybackPlan {
  /** Settled for the screen's tags (scheduleForScreen): evaluate it without further options. */
  schedule: Schedule;
  manifest: ManifestItem[];
  /** The district has no schedule: everything held rotates (fallbackSchedule). */
  fallback: boolean;
}

/** The manifest items the evaluator chooses from, built from what a screen holds. */
export function manifestOf(
  announcements: readonly PlannedAnnouncement[],
  entries: readonly PlannedEntry[] = [],
): ManifestItem[] {
  return [
    ...announcements.map((a): ManifestItem => ({
      id: a.id,
      kind: "announcement",
      tags: a.tags,
      publishedVersion: a.version,
      // Its window, judged like an entry's: not before it starts, never at or after its end.
      ...(a.startsAt !== undefined ? { listedFrom: a.startsAt } : {}),
      ...(a.endsAt !== undefined ? { expiresAt: a.endsAt } : {}),
    })),
    ...entries.map((e): ManifestItem => ({
      id: e.id,
      kind: e.kind,
      tags: [],
      expiresAt: e.expiresAt,
      publishedVersion: e.publishedVersion,
    })),
  ];
}

const KIND_RANK: Record<ManifestItem["kind"], number> = {
  announcement: 0,
  discredited: 1,
  redlist: 2,
};

/**
 * The fallback's rotation: announcements, then the discredited list, then the red list, each
 * in publication order. The evaluator orders a "sequence" window by publishedVersion alone,
 * so the items are renumbered by their place here (ties broken as the evaluator does).
 */
function fallbackManifest(manifest: readonly ManifestItem[]): ManifestItem[] {
  return [...manifest]
    .sort(
      (a, b) =>
        KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
        a.publishedVersion - b.publishedVersion ||
        compareIds(a.id, b.id),
    )
    .map((item, position) => ({ ...item, publishedVersion: position }));
}

/**
 * The schedule of a district that has none: every announcement and every list entry in turn,
 * all day, so a fresh installation shows what was posted. Evaluated like any other,
 * emergencies included.
 */
export function fallbackSchedule(announcements: readonly Pick<Announcement, "id">[]): Schedule {
  return {
    timeZone: "UTC",
    windows: [
      {
        id: "everything",
        days: [1, 2, 3, 4, 5, 6, 7],
        start: "00:00",
        end: "24:00",
        playlist: [
          ...announcements.map((a) => ({ type: "announcement" as const, id: a.id })),
          { type: "discredited" },
          { type: "redlist" },
        ],
        dwellSeconds: FALLBACK_DWELL_MS / 1000,
        order: "sequence",
        priority: 0,
      },
    ],
  };
}

/**
 * The plan a screen holding `content` plays: its schedule as it applies to the screen's tags, or
 * the fallback when it has none.
 */
export function playbackPlan(content: HeldContent): PlaybackPlan {
  const manifest = manifestOf(content.announcements, content.entries);
  return content.schedule === null
    ? {
        schedule: fallbackSchedule(content.announcements),
        manifest: fallbackManifest(manifest),
        fallback: true,
      }
    : {
        schedule: scheduleForScreen(content.schedule, content.screenTags),
        manifest,
        fallback: false,
      };
}
