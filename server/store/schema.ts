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
  /** JSON array of tags. */
  tags_json: Generated<string>;
}

/** Where a redaction stands for one entry. */
export type RedactionStatus = "none" | "queued" | "processing" | "done" | "needs_review" | "failed";

/** List entries (discredited, red list). Full ID numbers only ever sealed. */
export interface EntryTable {
  id: string;
  kind: "discredited" | "redlist";
  subject_type: "person" | "organisation";
  state: "draft" | "pending_review" | "approved" | "rejected" | "revoked" | "expired";
  full_name: string;
  masked_name: string;
  id_number_sealed: Buffer | null;
  id_fingerprint: string | null;
  sex: "male" | "female" | "unknown";
  legal_representative: string | null;
  case_number: string;
  court: string;
  obligation: string;
  amount_minor: number | null;
  currency: string;
  performance: string;
  listing_ground: string;
  listing_date: string;
  expiry_date: string;
  source: string;
  has_photo: number;
  redaction_status: RedactionStatus;
  redaction_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** Which districts an entry is shown in. */
export interface EntryDistrictTable {
  entry_id: string;
  district_id: string;
}

/** Raw photos, sealed by the vault. */
export interface RawPhotoTable {
  entry_id: string;
  sealed: Buffer;
  created_at: string;
}

/** Redacted renditions, addressed by the SHA-256 of their bytes. */
export interface RenditionTable {
  hash: string;
  entry_id: string;
  variant: "display" | "thumb";
  mime: string;
  width: number;
  height: number;
  bytes: Buffer;
  created_at: string;
}

/** The last redaction outcome of an entry. */
export interface RedactionResultTable {
  entry_id: string;
  verdict: "publishable" | "needs_review";
  reason: string | null;
  style: "mosaic" | "solid";
  detail_json: string;
  manual_regions_json: string | null;
  completed_at: string;
}

/** The persistent redaction queue. */
export interface RedactionJobTable {
  id: Generated<number>;
  entry_id: string;
  state: "queued" | "running" | "done" | "failed" | "superseded";
  attempts: Generated<number>;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** One import run and its per-row report. */
export interface ImportBatchTable {
  id: string;
  file_name: string;
  kind: "discredited" | "redlist";
  rows_total: number;
  rows_accepted: number;
  rows_unchanged: number;
  rows_refused: number;
  report_json: string;
  created_at: string;
}

/** The city → district tree. */
export interface DistrictTable {
  id: string;
  parent_id: string | null;
  name_zh: string;
  name_en: string;
  time_zone: string;
  language: "zh-CN" | "en";
  contest_text: string;
  contest_url: string | null;
  created_at: string;
  updated_at: string;
}

/** A district's own schedule (districts without one inherit their parent's). */
export interface ScheduleTable {
  district_id: string;
  schedule_json: string;
  updated_at: string;
}

/** Paired screens. */
export interface ScreenTable {
  id: string;
  name: string;
  district_id: string;
  location: string;
  state: "active" | "revoked";
  token_hash: string;
  paired_at: string;
  last_seen_at: string | null;
  width: number | null;
  height: number | null;
  app_version: string | null;
  applied_version: Generated<number>;
  current_slide: string | null;
  uptime_seconds: number | null;
  memory_mb: number | null;
}

/** Pairing codes shown by unpaired kiosks: single use, ten minutes. */
export interface PairingCodeTable {
  code: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  screen_id: string | null;
  width: number;
  height: number;
  app_version: string;
}

/** Emergency notices: they take over their districts' screens until they end or are cleared. */
export interface EmergencyTable {
  id: string;
  title: string;
  body: string;
  starts_at: string;
  ends_at: string | null;
  cleared_at: string | null;
  created_at: string;
}

/** Which districts an emergency covers (a city covers its districts). */
export interface EmergencyDistrictTable {
  emergency_id: string;
  district_id: string;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  change_log: ChangeLogTable;
  announcements: AnnouncementTable;
  entries: EntryTable;
  entry_districts: EntryDistrictTable;
  raw_photos: RawPhotoTable;
  renditions: RenditionTable;
  redaction_results: RedactionResultTable;
  redaction_jobs: RedactionJobTable;
  import_batches: ImportBatchTable;
  districts: DistrictTable;
  schedules: ScheduleTable;
  screens: ScreenTable;
  pairing_codes: PairingCodeTable;
  emergencies: EmergencyTable;
  emergency_districts: EmergencyDistrictTable;
}

/** A screen row as read. */
export type ScreenRow = Selectable<ScreenTable>;

/** A district row as read. */
export type DistrictRow = Selectable<DistrictTable>;

/** An entry row as read. */
export type EntryRow = Selectable<EntryTable>;
/** An entry row to insert. */
export type NewEntryRow = Insertable<EntryTable>;

/** An announcement row as read. */
export type AnnouncementRow = Selectable<AnnouncementTable>;
/** An announcement row to insert. */
export type NewAnnouncementRow = Insertable<AnnouncementTable>;
/** A change-log row as read. */
export type ChangeRow = Selectable<ChangeLogTable>;
