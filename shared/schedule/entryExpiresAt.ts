import { DEFAULT_TIME_ZONE } from "../schemas/schedule";
import { DAY_MS, dayOfDate, fromLocalMs } from "./zonedTime";

/**
 * The instant an entry's listing ends (ISO 8601, UTC): the start of its expiry date in the time
 * zone of each district it is listed in, the earliest of them, whatever schedule a screen
 * plays it under. Takedown wins, so where the districts disagree on when the date begins, the
 * earlier reading holds everywhere. An entry in no district reads the date in the default zone.
 * The expiry sweep, the kiosk sync, the console's timeline and the public notice all use this.
 */
export function entryExpiresAt(expiryDate: string, districtTimeZones: readonly string[]): string {
  const zones = districtTimeZones.length > 0 ? districtTimeZones : [DEFAULT_TIME_ZONE];
  const startOfDate = dayOfDate(expiryDate) * DAY_MS;
  return new Date(Math.min(...zones.map((zone) => fromLocalMs(startOfDate, zone)))).toISOString();
}
