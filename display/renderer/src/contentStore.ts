import type { Announcement } from "../../../shared/schemas/announcement";
import type { Emergency, Schedule } from "../../../shared/schemas/schedule";
import type { ScreenDistrict, SyncDelta } from "../../../shared/schemas/sync";

/** What the kiosk currently holds: the applied version, the content, the schedule. */
export class ContentStore {
  private items = new Map<string, Announcement>();
  private applied = 0;
  /** The screen's district settings, once synced. */
  district: ScreenDistrict | null = null;
  /** The district's effective schedule; null means "rotate every announcement". */
  schedule: Schedule | null = null;
  /** Live and upcoming emergency notices for this screen. */
  emergencies: Emergency[] = [];

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
    if (!delta.full && delta.version <= this.applied) return false;
    if (delta.full) this.items.clear();
    // Removals first, so a takedown is never hidden behind a re-add in the same delta.
    for (const id of delta.removedIds) this.items.delete(id);
    for (const a of delta.announcements) this.items.set(a.id, a);
    this.applied = delta.version;
    return true;
  }

  /** Forgets everything (the screen was unpaired). */
  reset(): void {
    this.items.clear();
    this.applied = 0;
    this.district = null;
    this.schedule = null;
    this.emergencies = [];
  }

  /** Announcements in publication order. */
  announcements(): Announcement[] {
    return [...this.items.values()].sort((a, b) => a.version - b.version);
  }
}
