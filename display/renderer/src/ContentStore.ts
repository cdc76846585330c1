import { z } from "zod";
import { AnnouncementSchema, type Announcement } from "../../../shared/schemas/announcement";
import {
  EmergencySchema,
  ScheduleSchema,
  type Emergency,
  type Schedule,
} from "../../../shared/schemas/schedule";
import { ScreenEntrySchema, type ScreenEntry } from "../../../shared/schemas/screenEntry";
import { ClockOffset } from "./ClockOffset";
import {
  ScreenDistrictSchema,
  VersionSchema,
  type ScreenDistrict,
  type SyncDelta,
} from "../../../shared/schemas/sync";

/**
 * What the kiosk writes to its own storage after every change, and plays from when it starts
 * without a server. Parsed on the way back in: a damaged copy is discarded, never half-used.
 */
export const KioskSnapshotSchema = z.object({
  format: z.literal(1),
  version: VersionSchema,
  district: ScreenDistrictSchema.nullable(),
  schedule: ScheduleSchema.nullable(),
  emergencies: z.array(EmergencySchema),
  announcements: z.array(AnnouncementSchema),
  entries: z.array(ScreenEntrySchema),
  clockOffsetMs: z.number().finite(),
  /** The screen's own tags (schedule windows may require them); absent from an older copy. */
  screenTags: z.array(z.string()).default([]),
  /**
   * The instant the kiosk believed it was when it stored this copy: its clock is not let fall
   * behind it at the next start (see `notBefore`). Absent from an older copy.
   */
  savedAt: z.number().finite().optional(),
});
/** The kiosk's stored copy of what it plays. */
export type KioskSnapshot = z.infer<typeof KioskSnapshotSchema>;

/**
 * What can be trusted of a stored copy that does not parse as a whole (one damaged record):
 * every emergency, announcement and entry that parses on its own, the rest dropped. Its version
 * is 0, so the next sync is a full one and brings the dropped ones back. Null when the frame
 * itself (version, district, schedule) is unreadable.
 */
export function salvageSnapshot(raw: unknown): KioskSnapshot | null {
  const frame = KioskSnapshotSchema.extend({
    emergencies: z.array(z.unknown()),
    announcements: z.array(z.unknown()),
    entries: z.array(z.unknown()),
  }).safeParse(raw);
  if (!frame.success) return null;
  const readable = <T>(items: readonly unknown[], schema: z.ZodType<T>): T[] =>
    items.flatMap((item) => {
      const parsed = schema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  return {
    ...frame.data,
    version: 0,
    emergencies: readable(frame.data.emergencies, EmergencySchema),
    announcements: readable(frame.data.announcements, AnnouncementSchema),
    entries: readable(frame.data.entries, ScreenEntrySchema),
  };
}

/** What the kiosk currently holds: the applied version, the content, the schedule. */
export class ContentStore {
  private items = new Map<string, Announcement>();
  private listed = new Map<string, ScreenEntry>();
  private applied = 0;
  /** The screen's district settings, once synced. */
  district: ScreenDistrict | null = null;
  /** The district's effective schedule; null means "rotate everything held". */
  schedule: Schedule | null = null;
  /** Live and upcoming emergency notices for this screen. */
  emergencies: Emergency[] = [];
  /** The screen's own tags: a schedule window naming tags plays only on screens carrying one. */
  screenTags: string[] = [];
  /**
   * Added to the kiosk's clock before any expiry is judged: the hook for correcting a screen
   * whose clock is known to be off. 0 until the kiosk learns the server's time.
   */
  clockOffsetMs = 0;
  private readonly clockSamples = new ClockOffset();

  /** `clock` is the kiosk's own clock (injected by tests). */
  constructor(private readonly clock: () => number = Date.now) {}

  /** The instant the kiosk believes it is (epoch ms): its clock plus the correction. */
  now(): number {
    return this.clock() + this.clockOffsetMs;
  }

  /**
   * Learns the server's clock from a sync answer: `serverTime` was read between `sentAt` and
   * `receivedAt` (the kiosk's clock), so the midpoint is the guess, and of the last few answers
   * the one with the shortest round trip is believed (see ClockOffset). A slow round trip
   * says little, and is ignored.
   */
  learnServerTime(serverTime: string, sentAt: number, receivedAt: number): void {
    if (!this.clockSamples.add(serverTime, sentAt, receivedAt)) return;
    this.clockOffsetMs = this.clockSamples.offsetMs() ?? this.clockOffsetMs;
  }

  /**
   * Moves the kiosk's reckoning forward to `instant` if it is behind it, and keeps it running from
   * there: a clock set back (a dead clock battery, a technician's mistake) while the screen was
   * off must not bring back what had already expired by the time it last stored what it held.
   * The server's time, once heard, replaces the correction (learnServerTime).
   */
  notBefore(instant: number): void {
    const behind = instant - this.now();
    if (Number.isFinite(behind) && behind > 0) this.clockOffsetMs += behind;
  }

  /** The offset learnt from the server since this start (null before any answer): the skew. */
  learntClockOffsetMs(): number | null {
    return this.clockSamples.offsetMs();
  }

  /** The last change-log version fully applied. */
  get version(): number {
    return this.applied;
  }

  /** Applies a sync answer; a delta older than what is held changes no content. */
  apply(delta: SyncDelta): boolean {
    // District, schedule and emergencies always come whole and current.
    this.district = delta.district;
    this.schedule = delta.schedule;
    this.emergencies = delta.emergencies;
    // An older server sends no `screen`: the screen then has no tags.
    this.screenTags = delta.screen?.tags ?? [];
    if (!delta.full && delta.version <= this.applied) return false;
    if (delta.full) {
      this.items.clear();
      this.listed.clear();
    }
    // Removals first, so a takedown is never hidden behind a re-add in the same delta.
    for (const id of delta.removedIds) {
      this.items.delete(id);
      this.listed.delete(id);
    }
    for (const a of delta.announcements) this.items.set(a.id, a);
    for (const e of delta.entries) this.listed.set(e.id, e);
    this.applied = delta.version;
    return true;
  }

  /**
   * Drops content named by a takedown push at once, without changing the applied version:
   * removing is always safe, and the next sync from the old version removes it again.
   */
  remove(ids: readonly string[]): boolean {
    let changed = false;
    for (const id of ids) {
      const announcement = this.items.delete(id);
      const entry = this.listed.delete(id);
      changed ||= announcement || entry;
    }
    // An emergency cleared: its id names it as a takedown names content.
    const emergencies = this.emergencies.filter((e) => !ids.includes(e.id));
    changed ||= emergencies.length !== this.emergencies.length;
    this.emergencies = emergencies;
    return changed;
  }

  /**
   * Holds what a push carried (published content, screen-ready) without changing the applied
   * version: the kiosk shows it at once, and a later sync from the old version brings it again
   * along with anything the kiosk missed.
   */
  hold(entries: readonly ScreenEntry[], announcements: readonly Announcement[]): void {
    for (const a of announcements) this.items.set(a.id, a);
    for (const e of entries) this.listed.set(e.id, e);
  }

  /** Everything held, to store durably. */
  snapshot(): KioskSnapshot {
    return {
      format: 1,
      version: this.applied,
      district: this.district,
      schedule: this.schedule,
      emergencies: this.emergencies,
      announcements: [...this.items.values()],
      entries: [...this.listed.values()],
      clockOffsetMs: this.clockOffsetMs,
      screenTags: this.screenTags,
      // Only a time learnt from the server this run is a floor worth keeping: a wrong clock's
      // would hold every later start too far ahead.
      ...(this.clockSamples.offsetMs() !== null ? { savedAt: this.now() } : {}),
    };
  }

  /** Takes back a stored copy (at start, before any server is reached). */
  restore(snapshot: KioskSnapshot): void {
    this.reset();
    this.applied = snapshot.version;
    this.district = snapshot.district;
    this.schedule = snapshot.schedule;
    this.emergencies = snapshot.emergencies;
    this.screenTags = snapshot.screenTags;
    for (const a of snapshot.announcements) this.items.set(a.id, a);
    for (const e of snapshot.entries) this.listed.set(e.id, e);
    // A correction that held the kiosk's fast clock back is not trusted across a restart (the
    // clock may have been set right meanwhile, and the kiosk would then judge expiry late): until
    // the server's time is heard again, it errs on the early side.
    this.clockOffsetMs = Math.max(0, snapshot.clockOffsetMs);
    if (snapshot.savedAt !== undefined) this.notBefore(snapshot.savedAt);
  }

  /** Forgets everything (the screen was unpaired). */
  reset(): void {
    this.items.clear();
    this.listed.clear();
    this.applied = 0;
    this.district = null;
    this.schedule = null;
    this.emergencies = [];
    this.screenTags = [];
    this.clockOffsetMs = 0;
  }

  /**
   * Announcements not yet ended at `now`, in publication order: one at or past its `endsAt` is
   * never returned, whether or not the server has said so yet (offline). One whose `startsAt`
   * is still ahead is returned (playback keeps it off screen until then, see playback.ts).
   */
  announcements(now: number = this.now()): Announcement[] {
    return [...this.items.values()]
      .filter((a) => !hasEnded(a, now))
      .sort((a, b) => a.version - b.version);
  }

  /**
   * List entries still showable at `now`, in publication order. An entry at or past its
   * `expiresAt` is never returned, whether or not the server has said so yet (offline).
   */
  entries(now: number = this.now()): ScreenEntry[] {
    return [...this.listed.values()]
      .filter((e) => now < Date.parse(e.expiresAt))
      .sort((a, b) => a.publishedVersion - b.publishedVersion);
  }

  /**
   * Forgets the entries that have expired and the announcements that have ended by `now`, and
   * returns them (to drop their photos and posters).
   */
  dropExpired(now: number = this.now()): (ScreenEntry | Announcement)[] {
    const gone: (ScreenEntry | Announcement)[] = [];
    for (const e of this.listed.values()) {
      // `!(now < t)` rather than `now >= t`: an unreadable instant counts as expired.
      if (!(now < Date.parse(e.expiresAt))) gone.push(e);
    }
    for (const e of gone) this.listed.delete(e.id);
    for (const a of this.items.values()) if (hasEnded(a, now)) gone.push(a);
    for (const a of gone) this.items.delete(a.id);
    return gone;
  }
}

/** True when an announcement's `endsAt` has come by `now` (an unreadable one counts as come). */
function hasEnded(a: Announcement, now: number): boolean {
  return a.endsAt !== undefined && !(now < Date.parse(a.endsAt));
}
