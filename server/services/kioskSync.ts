import type { Kysely } from "kysely";
import type { ScreenDistrict, SyncDelta } from "../../shared/schemas/sync";
import type { Emergency, Schedule } from "../../shared/schemas/schedule";
import { presentAnnouncement } from "../presenters/presentAnnouncement";
import { announcementsSince, listAnnouncements, removedSince } from "../store/announcements";
import { currentVersion } from "../store/changeLog";
import { deliverableEntries, entriesChangedSince } from "../store/delivery";
import type { Database } from "../store/schema";
import { toScreenEntry } from "./manifestBuilder";
import { contestLineOf, type DistrictRegistry } from "./DistrictRegistry";
import type { EmergencyNotices } from "./EmergencyNotices";

/** What a screen needs besides content: its district, effective schedule and live emergencies. */
export interface ScreenContext {
  district: ScreenDistrict;
  schedule: Schedule | null;
  emergencies: Emergency[];
}

/** A district as its screens see it, with the chain and the schedule's owner for the console. */
export interface ResolvedDistrict extends ScreenContext {
  /** The district and its ancestors, itself first. */
  chain: string[];
  /** Whose own schedule applies (the district's or an ancestor's); null when none does. */
  scheduleFrom: string | null;
}

/**
 * Resolves a district once: its ancestry, the schedule it inherits and the emergencies of the
 * whole chain. Both the kiosk sync and the console's timeline read it, so they agree.
 */
export async function resolveDistrict(
  deps: { registry: DistrictRegistry; emergencies: EmergencyNotices },
  districtId: string,
): Promise<ResolvedDistrict> {
  const rows = await deps.registry.ancestry(districtId);
  const own = rows[0];
  if (!own) throw new Error(`district ${districtId} has no ancestry`);
  const chain = rows.map((d) => d.id);
  const { schedule, fromDistrictId } = await deps.registry.scheduleOfChain(rows);
  return {
    chain,
    scheduleFrom: fromDistrictId,
    district: {
      id: own.id,
      timeZone: own.time_zone,
      language: own.language,
      // A district without its own contest line shows its nearest ancestor's.
      ...contestOf(rows),
    },
    schedule,
    emergencies: await deps.emergencies.forChain(chain),
  };
}

function contestOf(
  rows: Parameters<typeof contestLineOf>[0],
): Pick<ScreenDistrict, "contestText" | "contestUrl" | "contestContact"> {
  const { contestText, contestUrl, contestContact } = contestLineOf(rows);
  return { contestText, contestUrl, contestContact };
}

/**
 * Computes what a kiosk must apply to catch up from `appliedVersion`: the delta when it is
 * behind, the full manifest when it has nothing (or claims a version the server never issued).
 * Entries come only from the screen's district chain and only as screens may show them; an
 * entry changed since `appliedVersion` that the screen may no longer show is in `removedIds`.
 */
export async function computeSync(
  db: Kysely<Database>,
  appliedVersion: number,
  context: ScreenContext & { chain: readonly string[] },
): Promise<SyncDelta> {
  // Only these three leave: the chain and the schedule's owner are the console's business.
  const screen = {
    district: context.district,
    schedule: context.schedule,
    emergencies: context.emergencies,
  };
  return db.transaction().execute(async (trx) => {
    const version = await currentVersion(trx);
    if (appliedVersion === 0 || appliedVersion > version) {
      const rows = await listAnnouncements(trx);
      const entries = await deliverableEntries(trx, context.chain);
      return {
        version,
        full: true,
        announcements: rows.map(presentAnnouncement),
        entries: entries.map(toScreenEntry),
        removedIds: [],
        ...screen,
      };
    }
    const rows = await announcementsSince(trx, appliedVersion);
    const removedIds = await removedSince(trx, appliedVersion);
    const changed = await entriesChangedSince(trx, appliedVersion);
    const entries = await deliverableEntries(trx, context.chain, appliedVersion);
    const shown = new Set(entries.map((e) => e.row.id));
    return {
      version,
      full: false,
      announcements: rows.map(presentAnnouncement),
      entries: entries.map(toScreenEntry),
      // Takedowns first in the kiosk's eyes: whatever changed and is not deliverable goes.
      removedIds: [...removedIds, ...changed.filter((id) => !shown.has(id))],
      ...screen,
    };
  });
}
