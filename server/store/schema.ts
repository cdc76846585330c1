import type { Generated, Insertable, Selectable } from "kysely";

/** The change log: every publish, edit or removal gets the next version. */
export interface ChangeLogTable {
  version: Generated<number>;
  kind: "announcement.published" | "announcement.removed";
  entity_id: string;
  at: string;
}

/** Published announcements. */
export interface AnnouncementTable {
  id: string;
  title: string;
  body: string;
  language: "zh-CN" | "en";
  created_at: string;
  /** Change-log version at which this row was last published. */
  version: number;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  change_log: ChangeLogTable;
  announcements: AnnouncementTable;
}

/** An announcement row as read. */
export type AnnouncementRow = Selectable<AnnouncementTable>;
/** An announcement row to insert. */
export type NewAnnouncementRow = Insertable<AnnouncementTable>;
/** A change-log row as read. */
export type ChangeRow = Selectable<ChangeLogTable>;
