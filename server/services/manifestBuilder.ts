import type { Kysely } from "kysely";
import type { ManifestItem } from "../../shared/schemas/schedule";
import { dayOfDate, DAY_MS, fromLocalMs } from "../../shared/schedule/zonedTime";
import { parseTags } from "../presenters/presentAnnouncement";
import type { Database } from "../store/schema";

/**
 * The instant an entry with this expiry date leaves the screens: the start of the expiry date
 * in the district's time zone. Takedown wins, so the earlier reading of "expires on" is used.
 */
export function expiryInstant(expiryDate: string, timeZone: string): string {
  return new Date(fromLocalMs(dayOfDate(expiryDate) * DAY_MS, timeZone)).toISOString();
}

/**
 * The manifest a district's screens choose from: every announcement, and the approved entries
 * of the district or any of its ancestors (a city entry shows in all its districts).
 */
export async function buildManifestItems(
  db: Kysely<Database>,
  districtChain: readonly string[],
  timeZone: string,
): Promise<ManifestItem[]> {
  const announcements = await db
    .selectFrom("announcements")
    .select(["id", "version", "tags_json"])
    .execute();
  const entries =
    districtChain.length === 0
      ? []
      : await db
          .selectFrom("entries")
          .innerJoin("entry_districts", "entry_districts.entry_id", "entries.id")
          .select([
            "entries.id",
            "entries.kind",
            "entries.expiry_date",
            "entries.published_version",
          ])
          .where("entries.state", "=", "approved")
          .where("entry_districts.district_id", "in", [...districtChain])
          .distinct()
          .execute();
  return [
    ...announcements.map((a): ManifestItem => ({
      id: a.id,
      kind: "announcement",
      tags: parseTags(a.tags_json),
      publishedVersion: Number(a.version),
    })),
    ...entries.map((e): ManifestItem => ({
      id: e.id,
      kind: e.kind,
      tags: [],
      expiresAt: expiryInstant(e.expiry_date, timeZone),
      publishedVersion: Number(e.published_version ?? 0),
    })),
  ];
}
