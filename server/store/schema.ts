import type { Generated, Insertable, Selectable } from "kysely";

/** The change log: every publish, edit or removal gets the next version. */
export interface ChangeLogTable {
  version: Generated<number>;
  kind:
    | "announcement.published"
    | "announcement.removed"
    | "entry.published"
    | "entry.revoked"
    | "entry.expired"
    /** An approved entry went back to review (edited): screens drop it until approved again. */
    | "entry.withdrawn"
    /** A published announcement was withdrawn (by hand, or by an edit sending it back to review). */
    | "announcement.withdrawn"
    /** A published announcement's end passed. */
    | "announcement.ended"
    /** An emergency notice went out to its districts' screens (entity: the emergency id). */
    | "emergency.sent"
    /** An emergency notice left its districts' screens (cleared, pulled or ended). */
    | "emergency.cleared";
  entity_id: string;
  at: string;
  /** JSON: the districts (and an announcement's screen tags) it went to, when recorded (0016). */
  scope_json: Generated<string | null>;
  /** When a takedown was pushed to screens (0030); null until then. Others: when appended. */
  pushed_at: Generated<string | null>;
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
  /** draft → in_review → published → withdrawn / ended (0016; older rows read "published"). */
  state: Generated<"draft" | "in_review" | "published" | "withdrawn" | "ended">;
  /** JSON array of screen tags it targets; empty: every screen of its districts. */
  screen_tags_json: Generated<string>;
  poster_layout: Generated<"beside" | "full">;
  /** JSON array of the user ids that changed it since its last review. */
  changed_by_json: Generated<string>;
  starts_at: Generated<string | null>;
  ends_at: Generated<string | null>;
  created_by: Generated<string | null>;
  reviewed_by: Generated<string | null>;
  reviewed_at: Generated<string | null>;
  /** The last rejection's or withdrawal's reason. */
  reason: Generated<string | null>;
  updated_at: Generated<string | null>;
  revision: Generated<number>;
}

/** The districts an announcement targets; none: the whole city. */
export interface AnnouncementDistrictTable {
  announcement_id: string;
  district_id: string;
}

/** An announcement's poster: the upload sealed, the redacted rendition a screen fetches. */
export interface AnnouncementPosterTable {
  announcement_id: string;
  status: "queued" | "processing" | "done" | "needs_review" | "failed";
  /** The upload, sealed by the master key; dropped when the announcement is withdrawn or ends. */
  raw_sealed: Buffer | null;
  raw_mime: string | null;
  faces: Generated<number>;
  /** Face regions (normalised boxes) drawn by hand or found, JSON. */
  regions_json: string | null;
  detail_json: string | null;
  reason: string | null;
  /** SHA-256 of the redacted rendition: /kiosk/posters/<hash>. */
  hash: string | null;
  mime: string | null;
  width: number | null;
  height: number | null;
  bytes: Buffer | null;
  uploaded_by: string | null;
  attempts: Generated<number>;
  updated_at: string;
  /** The process running it through the pipeline (0024), while processing. */
  claimed_by: string | null;
  /** Until when that process's claim holds unless renewed (0024); expired: taken back. */
  lease_until: string | null;
}

/** Where a redaction stands for one entry. */
export type RedactionStatus = "none" | "queued" | "processing" | "done" | "needs_review" | "failed";

/** List entries (discredited, red list). Full ID numbers only ever sealed. */
export interface EntryTable {
  id: string;
  kind: "discredited" | "redlist";
  subject_type: "person" | "organisation";
  state: "draft" | "pending_review" | "approved" | "rejected" | "revoked" | "expired";
  /** The full name sealed under the entry's data key; null once the listing ended (erased). */
  full_name_sealed: Buffer | null;
  /** The record: what screens show, kept after the listing ends. */
  masked_name: string;
  /** The ID number sealed under the entry's data key; null without one or once erased. */
  id_number_sealed: Buffer | null;
  /** Keyed HMAC of the ID number, to warn of the same ID in another live case; erased at the end. */
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
  /** The user who created it (null for entries made before accounts existed). */
  created_by: string | null;
  /** The user who last changed its shown fields; with created_by, who may not approve it. */
  submitted_by: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
  /** Why it was rejected. */
  review_note: string | null;
  revoked_by: string | null;
  revoked_at: string | null;
  /** JSON: { reason, text? }. */
  revoke_reason: string | null;
  /** JSON array of RelativeBox a moderator drew; covered besides every detected face. */
  manual_regions_json: string | null;
  /** The change-log version that last published it. */
  published_version: number | null;
  /** Bumped by every change of what a screen shows or what decides it; approvals name it. */
  revision: Generated<number>;
  /** JSON array of { revision, fields }: what the recent revisions changed (newest last). */
  revision_changes_json: string | null;
  /**
   * JSON array of the user ids that changed what it shows since its last approval (0026): kept
   * whole, unlike the history, and cleared only by an approval; none of them may approve it.
   */
  changed_by_json: Generated<string>;
  /** JSON array of { code, message }: what the last redaction asks a moderator to look at. */
  redaction_concerns_json: string | null;
  /** JSON RelativeBox the moderator cropped the upright photo to; regions are relative to it. */
  crop_json: string | null;
  /** 1 when a moderator had the whole photo covered. */
  cover_all: Generated<number>;
  /** The opaque id of its public notice page (/n/<public_id>); never the database id. */
  public_id: string;
  /** The legal basis: the number of the document that lists it ("(2024)京0101执1234号"). */
  legal_basis_number: Generated<string>;
  /** The legal basis: the body that issued that document. */
  legal_basis_issuer: Generated<string>;
}

/** Which districts an entry is shown in. */
export interface EntryDistrictTable {
  entry_id: string;
  district_id: string;
}

/** Each entry's data key, wrapped by the master key; deleting the row erases the entry's raw data. */
export interface EntryKeyTable {
  entry_id: string;
  wrapped: Buffer;
  created_at: string;
}

/** Raw photos, sealed under the entry's data key. */
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
  /** The process running it (0023), while running. */
  claimed_by: string | null;
  /** Until when that process's claim holds unless renewed (0023); expired: taken back. */
  lease_until: string | null;
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
  /** Who to contact to contest (phone, counter, address); null or empty inherits the parent's. */
  contest_contact: Generated<string | null>;
  /** "two-person": emergencies need approval before sending; null inherits the parent's (0016). */
  emergency_approval: Generated<"review-after" | "two-person" | null>;
  /** Minutes a screen may be dark before an alert; null inherits the parent's (0018). */
  alert_offline_minutes: Generated<number | null>;
  /**
   * The contest line and emergency setting a second person approved (ReviewedSettings as JSON,
   * settingsJson); null reads as none set (0032). What is saved above applies only as far as
   * it matches this, or is safer (see districtSettings.ts).
   */
  settings_approved_json: Generated<string | null>;
  /** Who saved the settings since their last approval (user ids, a JSON array) (0032). */
  settings_changers_json: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** A district's own schedule (districts without one inherit their parent's). */
export interface ScheduleTable {
  district_id: string;
  schedule_json: string;
  updated_at: string;
  /**
   * The idle slide as a second person approved it (JSON), the one screens show; null when none
   * is approved. Differs from the schedule's own idle slide while a change waits for approval.
   */
  idle_approved_json: string | null;
  /**
   * Everyone who saved the schedule with an idle slide not yet approved, since its last approval
   * (JSON array of user ids): none of them may approve it.
   */
  idle_changers_json: string;
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
  /** Server time minus the screen's clock (ms) in its last status report; null if unknown. */
  clock_skew_ms: Generated<number | null>;
  /** The socket id of the screen's connection now, on whichever process; null when none. */
  connection_id: Generated<string | null>;
  /** Bumped by every change of the screen's district set (move, an ancestor re-parented). */
  district_epoch: Generated<number>;
  /** JSON array of the districts it was in before that change (whose content it may hold). */
  stale_districts_json: Generated<string | null>;
  /**
   * The version of the first full manifest it applied after that change; null while none has
   * been (then its next sync is full and its applied version counts for nothing).
   */
  stale_cleared_version: Generated<number | null>;
  /** JSON array of its tags ("metro", "bus-stop"), sorted (0016). */
  tags_json: Generated<string>;
  /** The kiosk's offline storage in use and its quota (MB), as last reported (0018). */
  storage_used_mb: Generated<number | null>;
  storage_quota_mb: Generated<number | null>;
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
  /**
   * "unreviewed": sent, waiting for a moderator; "confirmed" or "pulled" by one;
   * "awaiting_approval": not sent until a second person approves (two-person cities).
   */
  review_state: Generated<"unreviewed" | "confirmed" | "pulled" | "awaiting_approval">;
  sent_by: Generated<string | null>;
  reviewed_by: Generated<string | null>;
  reviewed_at: Generated<string | null>;
  review_reason: Generated<string | null>;
}

/** Which districts an emergency covers (a city covers its districts). */
export interface EmergencyDistrictTable {
  emergency_id: string;
  district_id: string;
}

/** A role a user holds. */
export type RoleName = "admin" | "operator" | "moderator";

/** Console users. Passwords are stored only as scrypt hashes. */
export interface UserTable {
  id: string;
  /** Lower-cased. */
  email: string;
  display_name: string;
  password_hash: string;
  state: "active" | "disabled";
  /** 1 after an admin reset or a generated first password. */
  must_change_password: number;
  created_at: string;
  updated_at: string;
}

/** One role of a user over one scope: "*" (the whole tree) or a district and its sub-districts. */
export interface UserRoleTable {
  user_id: string;
  role: RoleName;
  scope: string;
}

/** Server-side sessions, keyed by the SHA-256 of the cookie value. */
export interface SessionTable {
  id_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** The append-only, hash-chained audit log. */
export interface AuditLogTable {
  seq: Generated<number>;
  at: string;
  actor_type: "user" | "system" | "cli" | "anonymous";
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details_json: string;
  prev_hash: string;
  hash: string;
}

/** The audit chain key of each retired master key and the last record chained under it. */
export interface AuditChainKeyTable {
  last_seq: number;
  chain_key: Buffer;
  key_id: string;
  retired_at: string;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  change_log: ChangeLogTable;
  announcements: AnnouncementTable;
  announcement_districts: AnnouncementDistrictTable;
  announcement_posters: AnnouncementPosterTable;
  entries: EntryTable;
  entry_districts: EntryDistrictTable;
  raw_photos: RawPhotoTable;
  entry_keys: EntryKeyTable;
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
  users: UserTable;
  user_roles: UserRoleTable;
  sessions: SessionTable;
  audit_log: AuditLogTable;
  audit_chain_keys: AuditChainKeyTable;
  plays: PlayTable;
  play_days: PlayDayTable;
  objections: ObjectionTable;
  alerts: AlertTable;
  alert_deliveries: AlertDeliveryTable;
  alert_seen: AlertSeenTable;
  screen_connections: ScreenConnectionTable;
  screen_status_reports: ScreenStatusReportTable;
  screenshots: ScreenshotTable;
  kiosk_releases: KioskReleaseTable;
  kiosk_release_rollouts: KioskReleaseRolloutTable;
  kiosk_release_stages: KioskReleaseStageTable;
}

/**
 * A request for a picture of what a screen shows (0020), and the picture once it came: a JPEG
 * the server re-encoded (metadata stripped). Deleted after SIGNAGE_RETAIN_SCREENSHOTS_HOURS, and
 * at once when an entry of the screen's districts is erased (the picture may show it).
 */
export interface ScreenshotTable {
  id: string;
  screen_id: string;
  /** The screen's district when asked. */
  district_id: string;
  /** The user who asked. */
  requested_by: string | null;
  requested_at: string;
  state: "requested" | "received" | "unavailable";
  /** Why none came: no_answer (2 minutes passed), not_connected, kiosk (it said why). */
  unavailable: "no_answer" | "not_connected" | "kiosk" | null;
  /** The kiosk's own words when it could not take the picture. */
  reason: string | null;
  received_at: string | null;
  width: number | null;
  height: number | null;
  bytes: number | null;
  image: Buffer | null;
}

/** A kiosk app release the update feed can offer (0021); its file is <dataDir>/releases/<file_name>. */
export interface KioskReleaseTable {
  id: string;
  channel: string;
  version: string;
  file_name: string;
  /** SHA-512 of the file, base64 (what electron-updater checks). */
  sha512: string;
  /** Bytes; PostgreSQL's bigint comes back as a string. */
  size: number | string;
  release_date: string;
  notes: string | null;
  added_at: string;
  /** Who added it: "cli" or a user id. */
  added_by: string;
}

/** A channel's rollout (0021): what every screen is offered, and what a rollback returns to. */
export interface KioskReleaseRolloutTable {
  channel: string;
  released_version: string | null;
  previous_version: string | null;
  updated_at: string;
}

/** A version offered ahead of its channel's release to one district's or one tag's screens (0021). */
export interface KioskReleaseStageTable {
  channel: string;
  target_type: "district" | "tag";
  target_id: string;
  version: string;
  staged_at: string;
}

/**
 * One connection a screen held (0019), from its socket's connect to its disconnect. A process
 * killed mid-connection never writes `disconnected_at`: such a row ended at its `last_seen_at`
 * once that is older than the online window (see store/screenHistory.ts).
 */
export interface ScreenConnectionTable {
  id: string;
  screen_id: string;
  connection_id: string;
  connected_at: string;
  last_seen_at: string;
  disconnected_at: string | null;
}

/** A screen's status report as it came (0019); a bounded number of the latest are kept. */
export interface ScreenStatusReportTable {
  id: string;
  screen_id: string;
  at: string;
  /** The ScreenStatus the kiosk sent (shared/schemas/screen.ts), as JSON. */
  report_json: string;
}

/** When each user last opened the alert list: open alerts raised later are unread (0018). */
export interface AlertSeenTable {
  user_id: string;
  seen_at: string;
}

/**
 * What is wrong with a screen (0018): raised when its cause starts, resolved when it ends. At
 * most one open alert per kind, screen and subject (a partial unique index).
 */
export interface AlertTable {
  id: string;
  kind:
    "screen_offline" | "takedown_unacknowledged" | "storage_low" | "clock_skew" | "old_app_version";
  screen_id: string;
  district_id: string;
  /** A takedown alert's version ("entry:ID@VERSION"); "" for the others. */
  subject: string;
  detail_json: string;
  raised_at: string;
  resolved_at: string | null;
}

/** One alert event to POST to the city's webhook, retried with backoff until delivered (0018). */
export interface AlertDeliveryTable {
  id: string;
  alert_id: string;
  event: "alert.raised" | "alert.resolved";
  payload_json: string;
  attempts: Generated<number>;
  /** When to try (again); null once delivered or given up. */
  next_attempt_at: string | null;
  delivered_at: string | null;
  last_error: string | null;
  gave_up: Generated<number>;
  created_at: string;
}

/**
 * A citizen's objection to a listing (0017). The objector's name, contact, text and document
 * are sealed under the entry's data key (erased with the entry); the decision is public.
 */
export interface ObjectionTable {
  id: string;
  entry_id: string;
  /** "OBJ-" and 10 random base32 characters: what the objector is told, not enumerable. */
  reference: string;
  state: "received" | "suspended" | "dismissed" | "forwarded";
  name_sealed: Buffer | null;
  contact_sealed: Buffer | null;
  text_sealed: Buffer | null;
  document_sealed: Buffer | null;
  document_mime: string | null;
  /** A dismissal's reason, shown to the objector on the status page. */
  decision_reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
  /** A keyed hash of the sender's address (never the address itself). */
  address_hash: string;
  created_at: string;
  /** Set once the entry's data was erased: the retention sweep deletes the row after it. */
  erase_after: string | null;
}

/** Proof of play: one slide a screen showed, named by the kiosk (idempotent uploads). */
export interface PlayTable {
  screen_id: string;
  play_id: string;
  kind: "announcement" | "entry" | "emergency";
  content_id: string;
  version: number;
  /** ISO instant, UTC ("Z"), so text order is time order. */
  started_at: string;
  duration_ms: number;
  received_at: string;
}

/**
 * Plays summed per screen, content and UTC day (0022), kept with each batch of plays, so a
 * report over months reads days, not plays. Deleted with the plays by the retention sweep.
 */
export interface PlayDayTable {
  screen_id: string;
  /** The UTC date the plays started on, "YYYY-MM-DD". */
  day: string;
  kind: PlayTable["kind"];
  content_id: string;
  plays: number;
  total_ms: number;
}

/** A user row as read. */
export type UserRow = Selectable<UserTable>;

/** An audit record as read. */
export type AuditRow = Selectable<AuditLogTable>;

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
