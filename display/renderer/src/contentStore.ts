import type { Announcement } from "../../../shared/schemas/announcement";
import type { SyncDelta } from "../../../shared/schemas/sync";

/** What the kiosk currently holds: the applied version and the announcements it may show. */
export class ContentStore {
  private items = new Map<string, Announcement>();
  private applied = 0;

  /** The last change-log version fully applied. */
  get version(): number {
    return this.applied;
  }

  /** Applies a sync answer; an older or equal version than what is held is ignored. */
  apply(delta: SyncDelta): boolean {
    if (!delta.full && delta.version <= this.applied) return false;
    if (delta.full) this.items.clear();
    // Removals first, so a takedown is never hidden behind a re-add in the same delta.
    for (const id of delta.removedIds) this.items.delete(id);
    for (const a of delta.announcements) this.items.set(a.id, a);
    this.applied = delta.version;
    return true;
  }

  /** Announcements in publication order. */
  announcements(): Announcement[] {
    return [...this.items.values()].sort((a, b) => a.version - b.version);
  }
}
