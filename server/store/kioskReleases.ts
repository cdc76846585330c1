import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import type {
  Database,
  KioskReleaseRolloutTable,
  KioskReleaseStageTable,
  KioskReleaseTable,
} from "./schema";

type Db = Kysely<Database> | Transaction<Database>;

/** A kiosk release row as read. */
export type KioskReleaseRow = Selectable<KioskReleaseTable>;
/** A channel's rollout row as read. */
export type KioskRolloutRow = Selectable<KioskReleaseRolloutTable>;
/** A stage row as read. */
export type KioskStageRow = Selectable<KioskReleaseStageTable>;

/** Stores a new release. */
export async function insertKioskRelease(
  db: Db,
  row: Insertable<KioskReleaseTable>,
): Promise<void> {
  await db.insertInto("kiosk_releases").values(row).execute();
}

/** One release of a channel, by version. */
export async function kioskRelease(
  db: Db,
  channel: string,
  version: string,
): Promise<KioskReleaseRow | undefined> {
  return db
    .selectFrom("kiosk_releases")
    .selectAll()
    .where("channel", "=", channel)
    .where("version", "=", version)
    .executeTakeFirst();
}

/** Every release, newest added first. */
export async function allKioskReleases(db: Db): Promise<KioskReleaseRow[]> {
  return db
    .selectFrom("kiosk_releases")
    .selectAll()
    .orderBy("added_at", "desc")
    .orderBy("version", "desc")
    .execute();
}

/** A channel's rollout, or undefined before anything was released on it. */
export async function kioskRollout(db: Db, channel: string): Promise<KioskRolloutRow | undefined> {
  return db
    .selectFrom("kiosk_release_rollouts")
    .selectAll()
    .where("channel", "=", channel)
    .executeTakeFirst();
}

/** Every channel's rollout. */
export async function allKioskRollouts(db: Db): Promise<KioskRolloutRow[]> {
  return db.selectFrom("kiosk_release_rollouts").selectAll().orderBy("channel").execute();
}

/** Sets what a channel offers everyone and what a rollback returns to. */
export async function saveKioskRollout(db: Db, row: KioskRolloutRow): Promise<void> {
  await db
    .insertInto("kiosk_release_rollouts")
    .values(row)
    .onConflict((oc) =>
      oc.column("channel").doUpdateSet({
        released_version: row.released_version,
        previous_version: row.previous_version,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** The stages of one channel, or of every channel. */
export async function kioskStages(db: Db, channel?: string): Promise<KioskStageRow[]> {
  let q = db.selectFrom("kiosk_release_stages").selectAll();
  if (channel !== undefined) q = q.where("channel", "=", channel);
  return q.orderBy("channel").orderBy("target_type").orderBy("target_id").execute();
}

/** Offers a version to one target, replacing what that target was staged before. */
export async function saveKioskStage(db: Db, row: KioskStageRow): Promise<void> {
  await db
    .insertInto("kiosk_release_stages")
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(["channel", "target_type", "target_id"])
        .doUpdateSet({ version: row.version, staged_at: row.staged_at }),
    )
    .execute();
}

/** Clears a channel's stages (those of one version only, when given); returns how many. */
export async function clearKioskStages(db: Db, channel: string, version?: string): Promise<number> {
  let q = db.deleteFrom("kiosk_release_stages").where("channel", "=", channel);
  if (version !== undefined) q = q.where("version", "=", version);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** How many paired screens last reported each app version. */
export async function screensByAppVersion(
  db: Db,
): Promise<{ app_version: string | null; screens: number }[]> {
  const rows = await db
    .selectFrom("screens")
    .select(["app_version", (eb) => eb.fn.countAll<number | string>().as("screens")])
    .where("state", "=", "active")
    .groupBy("app_version")
    .orderBy("app_version")
    .execute();
  return rows.map((r) => ({ app_version: r.app_version, screens: Number(r.screens) }));
}
