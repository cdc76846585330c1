import type { Kysely } from "kysely";
import type { SyncDelta } from "../../shared/schemas/sync";
import { presentAnnouncement } from "../presenters/presentAnnouncement";
import {
  announcementsSince,
  currentVersion,
  listAnnouncements,
  removedSince,
} from "../store/announcements";
import type { Database } from "../store/schema";

/**
 * Computes what a kiosk must apply to catch up from `appliedVersion`: the delta when it is
 * behind, the full manifest when it has nothing (or claims a version the server never issued).
 */
export async function computeSync(
  db: Kysely<Database>,
  appliedVersion: number,
): Promise<SyncDelta> {
  return db.transaction().execute(async (trx) => {
    const version = await currentVersion(trx);
    if (appliedVersion === 0 || appliedVersion > version) {
      const rows = await listAnnouncements(trx);
      return { version, full: true, announcements: rows.map(presentAnnouncement), removedIds: [] };
    }
    const rows = await announcementsSince(trx, appliedVersion);
    const removedIds = await removedSince(trx, appliedVersion);
    return { version, full: false, announcements: rows.map(presentAnnouncement), removedIds };
  });
}
