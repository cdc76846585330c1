import type { Kysely } from "kysely";
import { emergencyTitles } from "../store/emergencies";
import { announcementTitles } from "../store/announcements";
import { listDistricts } from "../store/districts";
import { maskedNamesOf } from "../store/entries";
import { listScreens } from "../store/screens";
import type { Database } from "../store/schema";
import { listUsers } from "../store/users";

/** Something a presenter may name: an entry, an announcement, a user, a screen... by id. */
export interface NameRef {
  type: string;
  id: string | null;
}

/**
 * Names for people, keyed by `nameKey(type, id)`: an entry's masked name (never its full
 * name), an announcement's or emergency's title, a user's display name, a screen's name, a
 * district's names in both languages.
 */
export type NameBook = ReadonlyMap<string, string>;

/** The key of a thing in a name book. */
export function nameKey(type: string, id: string): string {
  return `${type}:${id}`;
}

/** The name of `ref` in `names`, or null when it has none (gone, or a kind without names). */
export function nameIn(names: NameBook | undefined, ref: NameRef | null): string | null {
  if (!names || !ref || ref.id === null) return null;
  return names.get(nameKey(ref.type, ref.id)) ?? null;
}

/**
 * Looks up the names of `refs` in one query per kind named, so a page of audit records or
 * screens costs a handful of queries, not one per row. Kinds without a name are skipped.
 */
export async function lookUpNames(
  db: Kysely<Database>,
  refs: Iterable<NameRef>,
): Promise<NameBook> {
  const wanted = new Map<string, Set<string>>();
  for (const r of refs) {
    if (r.id === null) continue;
    const ids = wanted.get(r.type) ?? new Set<string>();
    ids.add(r.id);
    wanted.set(r.type, ids);
  }
  const names = new Map<string, string>();
  const put = (type: string, rows: readonly { id: string; name: string }[]): void => {
    for (const row of rows) names.set(nameKey(type, row.id), row.name);
  };
  const ids = (type: string): string[] => [...(wanted.get(type) ?? [])];
  await Promise.all([
    ids("entry").length > 0 &&
      maskedNamesOf(db, ids("entry")).then((rows) =>
        put(
          "entry",
          rows.map((r) => ({ id: r.id, name: r.masked_name })),
        ),
      ),
    ids("announcement").length > 0 &&
      announcementTitles(db, ids("announcement")).then((rows) =>
        put(
          "announcement",
          rows.map((r) => ({ id: r.id, name: r.title })),
        ),
      ),
    ids("emergency").length > 0 &&
      emergencyTitles(db, ids("emergency")).then((rows) =>
        put(
          "emergency",
          rows.map((r) => ({ id: r.id, name: r.title })),
        ),
      ),
    // Users, screens and districts are few (hundreds at most): read whole, filtered here.
    ids("user").length > 0 &&
      listUsers(db).then((rows) =>
        put(
          "user",
          rows.map((r) => ({ id: r.id, name: r.display_name })),
        ),
      ),
    ids("screen").length > 0 &&
      listScreens(db).then((rows) =>
        put(
          "screen",
          rows.map((r) => ({ id: r.id, name: r.name })),
        ),
      ),
    ids("district").length > 0 &&
      listDistricts(db).then((rows) =>
        put(
          "district",
          rows.map((r) => ({
            id: r.id,
            name: r.name_zh === r.name_en ? r.name_zh : `${r.name_zh} · ${r.name_en}`,
          })),
        ),
      ),
  ]);
  return names;
}
