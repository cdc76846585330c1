import type { Kysely, Transaction } from "kysely";
import type { Announcement } from "../../shared/schemas/announcement";
import type { ScreenEntry } from "../../shared/schemas/screenEntry";
import { entryExpiresAt } from "../../shared/schedule/entryExpiresAt";
import { presentAnnouncement } from "../presenters/presentAnnouncement";
import { presentScreenEntry } from "../presenters/presentScreenEntry";
import { listAnnouncements } from "../store/announcements";
import { deliverableEntries, deliverableEntry, type DeliverableEntry } from "../store/delivery";
import type { Database } from "../store/schema";

/** A deliverable entry as its screens get it, ending when entryExpiresAt says for its districts. */
export function toScreenEntry(e: DeliverableEntry): ScreenEntry {
  return presentScreenEntry(e.row, entryExpiresAt(e.row.expiry_date, e.timeZones), e.photo);
}

/** One approved entry as its screens get it (exactly as a sync delivers it), or undefined. */
export async function screenEntryOf(
  db: Kysely<Database>,
  entryId: string,
): Promise<ScreenEntry | undefined> {
  const e = await deliverableEntry(db, entryId);
  return e ? toScreenEntry(e) : undefined;
}

/**
 * What the screens of a district chain hold after a full sync: every announcement and the
 * deliverable entries of the chain, read as the sync reads them, so the console's timeline
 * plans over exactly what a kiosk plans over.
 */
export async function heldByScreens(
  db: Kysely<Database> | Transaction<Database>,
  districtChain: readonly string[],
): Promise<{ announcements: Announcement[]; entries: ScreenEntry[] }> {
  const announcements = await listAnnouncements(db);
  const entries = await deliverableEntries(db, districtChain);
  return {
    announcements: announcements.map(presentAnnouncement),
    entries: entries.map(toScreenEntry),
  };
}
