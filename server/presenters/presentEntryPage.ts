import type { EntryPage } from "../../shared/schemas/entryView";
import type { EntryRow } from "../store/schema";
import { presentEntry } from "./presentEntry";

/**
 * A page of entries as the console lists them. `districts` holds each entry's district ids;
 * the cursor is the route's to encode, as it is the route's to decode.
 */
export function presentEntryPage(
  rows: readonly EntryRow[],
  districts: ReadonlyMap<string, string[]>,
  nextCursor: string | null,
): EntryPage {
  return { entries: rows.map((r) => presentEntry(r, districts.get(r.id) ?? [])), nextCursor };
}
