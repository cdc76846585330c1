import type { Kysely } from "kysely";
import { SCREEN_ENTRY_COLUMNS } from "./delivery";
import type { Database } from "./schema";

/** The entry behind a public notice id, as screens see it, with its state; undefined if none. */
export async function entryByPublicId(db: Kysely<Database>, publicId: string) {
  return db
    .selectFrom("entries")
    .select([...SCREEN_ENTRY_COLUMNS, "entries.state"])
    .where("entries.public_id", "=", publicId)
    .executeTakeFirst();
}

/** The districts an entry is listed in, with their time zones, by id. */
export async function entryDistricts(db: Kysely<Database>, entryId: string) {
  return db
    .selectFrom("entry_districts")
    .innerJoin("districts", "districts.id", "entry_districts.district_id")
    .select(["districts.id", "districts.time_zone"])
    .where("entry_districts.entry_id", "=", entryId)
    .orderBy("districts.id")
    .execute();
}

/** The display rendition's metadata and bytes of an entry, if it has one. */
export async function displayRendition(db: Kysely<Database>, entryId: string) {
  return db
    .selectFrom("renditions")
    .select(["hash", "mime", "width", "height", "bytes"])
    .where("entry_id", "=", entryId)
    .where("variant", "=", "display")
    .executeTakeFirst();
}
