import { sql, type Kysely } from "kysely";
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

/**
 * A court-list entry written straight into a store as an older release left it (an organisation
 * of district `d1` unless told), for migration tests: only the columns every release since 0026
 * has, the full name's sealed bytes as given (null: erased).
 */
export async function insertEntryRow(
  db: Kysely<Database>,
  row: {
    id: string;
    state: string;
    maskedName: string;
    sealed?: Buffer | null;
    subjectType?: "person" | "organisation";
    legalRepresentative?: string | null;
    districtId?: string;
  },
): Promise<void> {
  await sql`insert into entries (id, kind, subject_type, state, full_name_sealed, masked_name, sex,
      legal_representative, case_number, court, obligation, currency, performance,
      listing_ground, listing_date, expiry_date, source, has_photo, redaction_status,
      created_at, updated_at)
    values (${row.id}, 'discredited', ${row.subjectType ?? "organisation"}, ${row.state},
      ${row.sealed === undefined ? Buffer.from("sealed") : row.sealed}, ${row.maskedName},
      'unknown', ${row.legalRepresentative ?? null}, ${`（2024）京0101执${row.id}号`},
      '北京市东城区人民法院', '给付1000元', 'CNY', '全部未履行', '违反财产报告制度', '2026-01-15',
      '2028-01-15', 'manual', 0, 'none', '2026-01-15T00:00:00.000Z',
      '2026-01-15T00:00:00.000Z')`.execute(db);
  if (row.districtId !== undefined)
    await db
      .insertInto("entry_districts")
      .values({ entry_id: row.id, district_id: row.districtId })
      .execute();
}
