import type { Kysely } from "kysely";
import type { Database } from "../../server/store/schema";

/**
 * A district and active screens written straight into a migrated store, for tests of the store
 * and of services over it (no API, no pairing). Screen `i` of `ids` gets token hash `hash-<id>`.
 */
export async function insertDistrictWithScreens(
  db: Kysely<Database>,
  districtId: string,
  screenIds: readonly string[],
): Promise<void> {
  const at = new Date().toISOString();
  await db
    .insertInto("districts")
    .values({
      id: districtId,
      parent_id: null,
      name_zh: `${districtId}区`,
      name_en: `District ${districtId}`,
      time_zone: "Asia/Shanghai",
      language: "zh-CN",
      contest_text: "致电 12345",
      contest_url: null,
      created_at: at,
      updated_at: at,
    } as never)
    .execute();
  for (const id of screenIds)
    await db
      .insertInto("screens")
      .values({
        id,
        name: `Screen ${id}`,
        district_id: districtId,
        location: "",
        state: "active",
        token_hash: `hash-${id}`,
        paired_at: at,
      } as never)
      .execute();
}
