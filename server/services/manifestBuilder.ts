import type { Kysely, Transaction } from "kysely";
import type { Announcement } from "../../shared/schemas/announcement";
import type { ScreenEntry } from "../../shared/schemas/screenEntry";
import { entryExpiresAt } from "../../shared/schedule/entryExpiresAt";
import { presentAnnouncement, targetsScreen } from "../presenters/presentAnnouncement";
import { presentScreenEntry } from "../presenters/presentScreenEntry";
import { publishedForChain } from "../store/announcements";
import { posterOf } from "../store/posters";
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
 * The published announcements a screen of `districtChain` carrying `screenTags` may show (those
 * published after `since`, if given), as screens get them, oldest version first.
 */
export async function announcementsForScreen(
  db: Kysely<Database> | Transaction<Database>,
  districtChain: readonly string[],
  screenTags: readonly string[],
  since?: number,
): Promise<Announcement[]> {
  const rows = (await publishedForChain(db, districtChain, since)).filter((r) =>
    targetsScreen(r, screenTags),
  );
  const posters = await posterOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => presentAnnouncement(r, posters.get(r.id)));
}

/**
 * What the screens of a district chain hold after a full sync: the announcements and the
 * deliverable entries of the chain, read as the sync reads them, so the console's timeline
 * plans over exactly what a kiosk plans over (a screen with `screenTags`, none by default).
 */
export async function heldByScreens(
  db: Kysely<Database> | Transaction<Database>,
  districtChain: readonly string[],
  screenTags: readonly string[] = [],
): Promise<{ announcements: Announcement[]; entries: ScreenEntry[] }> {
  const announcements = await announcementsForScreen(db, districtChain, screenTags);
  const entries = await deliverableEntries(db, districtChain);
  return { announcements, entries: entries.map(toScreenEntry) };
}
