import type { Kysely } from "kysely";
import { scheduleForScreen } from "../../shared/schedule/evaluateSchedule";
import type { ScreenDistrict, SyncDelta } from "../../shared/schemas/sync";
import type { Emergency, Schedule } from "../../shared/schemas/schedule";
import { announcementsChangedSince, removedSince } from "../store/announcements";
import { currentVersion, versionIssued } from "../store/changeLog";
import { deliverableEntries, entriesChangedSince } from "../store/delivery";
import type { Database } from "../store/schema";
import { announcementsForScreen, toScreenEntry } from "./manifestBuilder";
import type { DistrictRegistry } from "./DistrictRegistry";
import { contestLineOf } from "./districtSettings";
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
  context: ScreenContext & { chain: readonly string[]; screenTags: readonly string[] },
): Promise<SyncDelta> {
  // Only these leave: the chain and the schedule's owner are the console's business.
  const screen = {
    district: context.district,
    // Cut down to the windows this screen's tags select: a kiosk of the previous release,
    // which knows no window tags, plays it as it is.
    schedule: context.schedule ? scheduleForScreen(context.schedule, context.screenTags) : null,
    emergencies: context.emergencies,
    screen: { tags: [...context.screenTags] },
  };
  return db.transaction().execute(async (trx) => {
    const version = await currentVersion(trx);
    // A version this database never issued (a kiosk that applied changes made after the backup
    // this server was restored from) is no base for a delta: the numbers after it mean other
    // changes here, and takedowns among them would be missed.
    if (
      appliedVersion === 0 ||
      appliedVersion > version ||
      (appliedVersion !== version && !(await versionIssued(trx, appliedVersion)))
    ) {
      const announcements = await announcementsForScreen(trx, context.chain, context.screenTags);
      const entries = await deliverableEntries(trx, context.chain);
      return {
        version,
        full: true,
        announcements,
        entries: entries.map(toScreenEntry),
        removedIds: [],
        ...screen,
      };
    }
    const announcements = await announcementsForScreen(
      trx,
      context.chain,
      context.screenTags,
      appliedVersion,
    );
    const announced = new Set(announcements.map((a) => a.id));
    const removedAnnouncements = await removedSince(trx, appliedVersion);
    const changedAnnouncements = await announcementsChangedSince(trx, appliedVersion);
    const changed = await entriesChangedSince(trx, appliedVersion);
    const entries = await deliverableEntries(trx, context.chain, appliedVersion);
    const shown = new Set(entries.map((e) => e.row.id));
    return {
      version,
      full: false,
      announcements,
      entries: entries.map(toScreenEntry),
      // Takedowns first in the kiosk's eyes: whatever changed and is not deliverable goes.
      removedIds: [
        ...new Set([
          ...removedAnnouncements.filter((id) => !announced.has(id)),
          ...changedAnnouncements.filter((id) => !announced.has(id)),
          ...changed.filter((id) => !shown.has(id)),
        ]),
      ],
      ...screen,
    };
  });
}
