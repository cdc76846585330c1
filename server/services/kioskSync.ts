import type { Kysely } from "kysely";
import type { ScreenDistrict, SyncDelta } from "../../shared/schemas/sync";
import type { Emergency, Schedule } from "../../shared/schemas/schedule";
import { presentAnnouncement } from "../presenters/presentAnnouncement";
import {
  announcementsSince,
  currentVersion,
  listAnnouncements,
  removedSince,
} from "../store/announcements";
import type { Database } from "../store/schema";
import type { DistrictRegistry } from "./districtRegistry";
import type { EmergencyNotices } from "./emergencyNotices";

/** What a screen needs besides content: its district, effective schedule and live emergencies. */
export interface ScreenContext {
  district: ScreenDistrict;
  schedule: Schedule | null;
  emergencies: Emergency[];
}

/** Gathers a screen's context from its district (schedule inherited, emergencies of ancestors). */
export async function buildScreenContext(
  deps: { registry: DistrictRegistry; emergencies: EmergencyNotices },
  districtId: string,
): Promise<ScreenContext> {
  const chain = await deps.registry.ancestry(districtId);
  const own = chain[0];
  if (!own) throw new Error(`district ${districtId} has no ancestry`);
  const { schedule } = await deps.registry.effectiveSchedule(districtId);
  return {
    district: {
      id: own.id,
      timeZone: own.time_zone,
      language: own.language,
      contestText: own.contest_text,
      contestUrl: own.contest_url,
    },
    schedule,
    emergencies: await deps.emergencies.forChain(chain.map((d) => d.id)),
  };
}

/**
 * Computes what a kiosk must apply to catch up from `appliedVersion`: the delta when it is
 * behind, the full manifest when it has nothing (or claims a version the server never issued).
 */
export async function computeSync(
  db: Kysely<Database>,
  appliedVersion: number,
  context: ScreenContext,
): Promise<SyncDelta> {
  return db.transaction().execute(async (trx) => {
    const version = await currentVersion(trx);
    if (appliedVersion === 0 || appliedVersion > version) {
      const rows = await listAnnouncements(trx);
      return {
        version,
        full: true,
        announcements: rows.map(presentAnnouncement),
        removedIds: [],
        ...context,
      };
    }
    const rows = await announcementsSince(trx, appliedVersion);
    const removedIds = await removedSince(trx, appliedVersion);
    return {
      version,
      full: false,
      announcements: rows.map(presentAnnouncement),
      removedIds,
      ...context,
    };
  });
}
