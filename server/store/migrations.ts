import { randomBytes } from "node:crypto";
import {
  sql,
  type ColumnDefinitionBuilder,
  type Generated,
  type Kysely,
  type Migration,
  type MigrationProvider,
} from "kysely";
import type { DatabaseConfig } from "../config";
import { maskName } from "../../shared/privacy/maskName";
import type { Database } from "./schema";
import { takeLock } from "./transactionLocks";

type Dialect = DatabaseConfig["kind"];

/**
 * Every schema migration, in order. Never edit one that has shipped: add the next.
 * Each takes the dialect because auto-increment keys differ between SQLite and PostgreSQL.
 */
function migrations(dialect: Dialect, opts: MigrationOptions): Record<string, Migration> {
  return {
    "0001_change_log_and_announcements": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("change_log")
          .addColumn("version", dialect === "postgres" ? "bigserial" : "integer", (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("entity_id", "text", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("announcements")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("language", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("version", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("announcements_version_idx")
          .on("announcements")
          .column("version")
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("announcements").execute();
        await db.schema.dropTable("change_log").execute();
      },
    },
    "0002_entries_photos_redaction": {
      async up(db: Kysely<unknown>) {
        const blob = dialect === "postgres" ? "bytea" : "blob";
        const serial = dialect === "postgres" ? "bigserial" : "integer";
        const autoKey = (c: ColumnDefinitionBuilder) =>
          dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement();
        await db.schema
          .createTable("entries")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("subject_type", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("full_name", "text", (c) => c.notNull())
          .addColumn("masked_name", "text", (c) => c.notNull())
          .addColumn("id_number_sealed", blob)
          .addColumn("id_fingerprint", "text")
          .addColumn("sex", "text", (c) => c.notNull())
          .addColumn("legal_representative", "text")
          .addColumn("case_number", "text", (c) => c.notNull())
          .addColumn("court", "text", (c) => c.notNull())
          .addColumn("obligation", "text", (c) => c.notNull())
          .addColumn("amount_minor", "bigint")
          .addColumn("currency", "text", (c) => c.notNull())
          .addColumn("performance", "text", (c) => c.notNull())
          .addColumn("listing_ground", "text", (c) => c.notNull())
          .addColumn("listing_date", "text", (c) => c.notNull())
          .addColumn("expiry_date", "text", (c) => c.notNull())
          .addColumn("source", "text", (c) => c.notNull())
          .addColumn("has_photo", "integer", (c) => c.notNull())
          .addColumn("redaction_status", "text", (c) => c.notNull())
          .addColumn("redaction_reason", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .addUniqueConstraint("entries_case_court_uq", ["case_number", "court"])
          .execute();
        for (const [name, cols] of [
          ["entries_kind_state_idx", ["kind", "state", "created_at"]],
          ["entries_created_idx", ["created_at", "id"]],
          ["entries_fingerprint_idx", ["id_fingerprint"]],
          ["entries_masked_name_idx", ["masked_name"]],
        ] as const) {
          await db.schema
            .createIndex(name)
            .on("entries")
            .columns([...cols])
            .execute();
        }
        await db.schema
          .createTable("entry_districts")
          .addColumn("entry_id", "text", (c) =>
            c.notNull().references("entries.id").onDelete("cascade"),
          )
          .addColumn("district_id", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("entry_districts_pk", ["entry_id", "district_id"])
          .execute();
        await db.schema
          .createIndex("entry_districts_district_idx")
          .on("entry_districts")
          .columns(["district_id", "entry_id"])
          .execute();
        // Raw photos, sealed with the vault key; deleted when the entry ends.
        await db.schema
          .createTable("raw_photos")
          .addColumn("entry_id", "text", (c) =>
            c.primaryKey().references("entries.id").onDelete("cascade"),
          )
          .addColumn("sealed", blob, (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .execute();
        // Redacted renditions only: the one image form that may leave the server.
        await db.schema
          .createTable("renditions")
          .addColumn("hash", "text", (c) => c.primaryKey())
          .addColumn("entry_id", "text", (c) =>
            c.notNull().references("entries.id").onDelete("cascade"),
          )
          .addColumn("variant", "text", (c) => c.notNull())
          .addColumn("mime", "text", (c) => c.notNull())
          .addColumn("width", "integer", (c) => c.notNull())
          .addColumn("height", "integer", (c) => c.notNull())
          .addColumn("bytes", blob, (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("renditions_entry_idx")
          .on("renditions")
          .column("entry_id")
          .execute();
        await db.schema
          .createTable("redaction_results")
          .addColumn("entry_id", "text", (c) =>
            c.primaryKey().references("entries.id").onDelete("cascade"),
          )
          .addColumn("verdict", "text", (c) => c.notNull())
          .addColumn("reason", "text")
          .addColumn("style", "text", (c) => c.notNull())
          .addColumn("detail_json", "text", (c) => c.notNull())
          .addColumn("manual_regions_json", "text")
          .addColumn("completed_at", "text", (c) => c.notNull())
          .execute();
        // The redaction queue lives in the database so jobs survive a restart.
        await db.schema
          .createTable("redaction_jobs")
          .addColumn("id", serial, autoKey)
          .addColumn("entry_id", "text", (c) =>
            c.notNull().references("entries.id").onDelete("cascade"),
          )
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("last_error", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("redaction_jobs_state_idx")
          .on("redaction_jobs")
          .columns(["state", "id"])
          .execute();
        await db.schema
          .createTable("import_batches")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("file_name", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("rows_total", "integer", (c) => c.notNull())
          .addColumn("rows_accepted", "integer", (c) => c.notNull())
          .addColumn("rows_unchanged", "integer", (c) => c.notNull())
          .addColumn("rows_refused", "integer", (c) => c.notNull())
          .addColumn("report_json", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const t of [
          "import_batches",
          "redaction_jobs",
          "redaction_results",
          "renditions",
          "raw_photos",
          "entry_districts",
          "entries",
        ]) {
          await db.schema.dropTable(t).execute();
        }
      },
    },
    "0003_districts_schedules": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("districts")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("parent_id", "text", (c) => c.references("districts.id"))
          .addColumn("name_zh", "text", (c) => c.notNull())
          .addColumn("name_en", "text", (c) => c.notNull())
          .addColumn("time_zone", "text", (c) => c.notNull())
          .addColumn("language", "text", (c) => c.notNull())
          .addColumn("contest_text", "text", (c) => c.notNull())
          .addColumn("contest_url", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("districts_parent_idx")
          .on("districts")
          .column("parent_id")
          .execute();
        await db.schema
          .createTable("schedules")
          .addColumn("district_id", "text", (c) =>
            c.primaryKey().references("districts.id").onDelete("cascade"),
          )
          .addColumn("schedule_json", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("schedules").execute();
        await db.schema.dropTable("districts").execute();
      },
    },
    "0004_screens_pairing": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("screens")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("district_id", "text", (c) => c.notNull().references("districts.id"))
          .addColumn("location", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          // Only the SHA-256 of the device token is kept: a database leak pairs no screen.
          .addColumn("token_hash", "text", (c) => c.notNull().unique())
          .addColumn("paired_at", "text", (c) => c.notNull())
          .addColumn("last_seen_at", "text")
          .addColumn("width", "integer")
          .addColumn("height", "integer")
          .addColumn("app_version", "text")
          .addColumn("applied_version", "bigint", (c) => c.notNull().defaultTo(0))
          .addColumn("current_slide", "text")
          .addColumn("uptime_seconds", "integer")
          .addColumn("memory_mb", "integer")
          .execute();
        await db.schema
          .createIndex("screens_district_idx")
          .on("screens")
          .column("district_id")
          .execute();
        await db.schema
          .createTable("pairing_codes")
          .addColumn("code", "text", (c) => c.primaryKey())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addColumn("used_at", "text")
          .addColumn("screen_id", "text")
          .addColumn("width", "integer", (c) => c.notNull())
          .addColumn("height", "integer", (c) => c.notNull())
          .addColumn("app_version", "text", (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("pairing_codes").execute();
        await db.schema.dropTable("screens").execute();
      },
    },
    "0005_announcement_tags_emergencies": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable("announcements")
          .addColumn("tags_json", "text", (c) => c.notNull().defaultTo("[]"))
          .execute();
        await db.schema
          .createTable("emergencies")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("starts_at", "text", (c) => c.notNull())
          .addColumn("ends_at", "text")
          .addColumn("cleared_at", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("emergency_districts")
          .addColumn("emergency_id", "text", (c) =>
            c.notNull().references("emergencies.id").onDelete("cascade"),
          )
          .addColumn("district_id", "text", (c) => c.notNull().references("districts.id"))
          .addPrimaryKeyConstraint("emergency_districts_pk", ["emergency_id", "district_id"])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("emergency_districts").execute();
        await db.schema.dropTable("emergencies").execute();
        await db.schema.alterTable("announcements").dropColumn("tags_json").execute();
      },
    },
    "0006_accounts_moderation_audit": {
      async up(db: Kysely<unknown>) {
        const serial = dialect === "postgres" ? "bigserial" : "integer";
        // Renditions were keyed by their hash alone, so two entries with the same photo (one
        // person, two cases) could not both have one. Key them by entry and variant instead.
        await db.schema
          .createTable("renditions_v2")
          .addColumn("entry_id", "text", (c) =>
            c.notNull().references("entries.id").onDelete("cascade"),
          )
          .addColumn("variant", "text", (c) => c.notNull())
          .addColumn("hash", "text", (c) => c.notNull())
          .addColumn("mime", "text", (c) => c.notNull())
          .addColumn("width", "integer", (c) => c.notNull())
          .addColumn("height", "integer", (c) => c.notNull())
          .addColumn("bytes", dialect === "postgres" ? "bytea" : "blob", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("renditions_v2_pk", ["entry_id", "variant"])
          .execute();
        await sql`insert into renditions_v2 (entry_id, variant, hash, mime, width, height, bytes, created_at)
          select entry_id, variant, hash, mime, width, height, bytes, created_at from renditions`.execute(
          db,
        );
        await db.schema.dropTable("renditions").execute();
        await db.schema.alterTable("renditions_v2").renameTo("renditions").execute();
        await db.schema
          .createIndex("renditions_hash_idx")
          .on("renditions")
          .column("hash")
          .execute();
        await db.schema
          .createTable("users")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("email", "text", (c) => c.notNull().unique())
          .addColumn("display_name", "text", (c) => c.notNull())
          .addColumn("password_hash", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("must_change_password", "integer", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("user_roles")
          .addColumn("user_id", "text", (c) =>
            c.notNull().references("users.id").onDelete("cascade"),
          )
          .addColumn("role", "text", (c) => c.notNull())
          // "*" is the whole city tree; otherwise a district id (covering its sub-districts).
          .addColumn("scope", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("user_roles_pk", ["user_id", "role", "scope"])
          .execute();
        await db.schema
          .createTable("sessions")
          .addColumn("id_hash", "text", (c) => c.primaryKey())
          .addColumn("user_id", "text", (c) =>
            c.notNull().references("users.id").onDelete("cascade"),
          )
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("last_seen_at", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();
        await db.schema
          .createTable("audit_log")
          .addColumn("seq", serial, (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("actor_type", "text", (c) => c.notNull())
          .addColumn("actor_id", "text")
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("target_type", "text")
          .addColumn("target_id", "text")
          .addColumn("details_json", "text", (c) => c.notNull())
          .addColumn("prev_hash", "text", (c) => c.notNull())
          .addColumn("hash", "text", (c) => c.notNull())
          .execute();
        for (const [name, cols] of [
          ["audit_target_idx", ["target_type", "target_id", "seq"]],
          ["audit_actor_idx", ["actor_id", "seq"]],
          ["audit_action_idx", ["action", "seq"]],
        ] as const) {
          await db.schema
            .createIndex(name)
            .on("audit_log")
            .columns([...cols])
            .execute();
        }
        for (const column of [
          "created_by",
          "submitted_by",
          "reviewed_by",
          "reviewed_at",
          "review_note",
          "revoked_by",
          "revoked_at",
          "revoke_reason",
          "manual_regions_json",
        ]) {
          await db.schema.alterTable("entries").addColumn(column, "text").execute();
        }
        // The change-log version that last published the entry (playlist order on screens).
        await db.schema.alterTable("entries").addColumn("published_version", "bigint").execute();
        await db.schema
          .createIndex("entries_state_created_idx")
          .on("entries")
          .columns(["state", "created_at", "id"])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex("entries_state_created_idx").execute();
        await db.schema.alterTable("entries").dropColumn("published_version").execute();
        for (const column of [
          "created_by",
          "submitted_by",
          "reviewed_by",
          "reviewed_at",
          "review_note",
          "revoked_by",
          "revoked_at",
          "revoke_reason",
          "manual_regions_json",
        ]) {
          await db.schema.alterTable("entries").dropColumn(column).execute();
        }
        await db.schema.dropTable("audit_log").execute();
        await db.schema.dropTable("sessions").execute();
        await db.schema.dropTable("user_roles").execute();
        await db.schema.dropTable("users").execute();
      },
    },
    "0007_proof_of_play": {
      async up(db: Kysely<unknown>) {
        // One row per slide shown. The kiosk names each play, so an upload retried after a
        // lost receipt is stored once (the primary key refuses the second copy).
        await db.schema
          .createTable("plays")
          .addColumn("screen_id", "text", (c) =>
            c.notNull().references("screens.id").onDelete("cascade"),
          )
          .addColumn("play_id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("content_id", "text", (c) => c.notNull())
          .addColumn("version", "bigint", (c) => c.notNull())
          .addColumn("started_at", "text", (c) => c.notNull())
          .addColumn("duration_ms", "integer", (c) => c.notNull())
          .addColumn("received_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("plays_pk", ["screen_id", "play_id"])
          .execute();
        await db.schema
          .createIndex("plays_screen_started_idx")
          .on("plays")
          .columns(["screen_id", "started_at"])
          .execute();
        await db.schema
          .createIndex("plays_content_started_idx")
          .on("plays")
          .columns(["content_id", "started_at"])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("plays").execute();
      },
    },
    "0008_screen_connection": {
      async up(db: Kysely<unknown>) {
        // The connection a screen holds now, whichever server process it is on (null: none),
        // so every process can tell which screens are online.
        await db.schema.alterTable("screens").addColumn("connection_id", "text").execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("screens").dropColumn("connection_id").execute();
      },
    },
    "0009_review_revision": {
      async up(db: Kysely<unknown>) {
        // The revision a moderator approves: bumped by every change of what a screen shows or
        // what decides it, so an approval holds only for the version the approver saw.
        await db.schema
          .alterTable("entries")
          .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
          .execute();
        for (const column of [
          // JSON: the fields each recent revision changed, for the review queue.
          "revision_changes_json",
          // JSON: what the redaction asks a moderator to look at one by one.
          "redaction_concerns_json",
          // JSON: the box the moderator cropped the photo to.
          "crop_json",
        ]) {
          await db.schema.alterTable("entries").addColumn(column, "text").execute();
        }
        await db.schema
          .alterTable("entries")
          .addColumn("cover_all", "integer", (c) => c.notNull().defaultTo(0))
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const column of [
          "cover_all",
          "crop_json",
          "redaction_concerns_json",
          "revision_changes_json",
          "revision",
        ]) {
          await db.schema.alterTable("entries").dropColumn(column).execute();
        }
      },
    },
    "0012_screen_sync": {
      async up(db: Kysely<unknown>) {
        // Bumped by every change of a screen's district set (a move, an ancestor re-parented);
        // a kiosk's acknowledgement of a full manifest counts only for the epoch it was made for.
        await db.schema
          .alterTable("screens")
          .addColumn("district_epoch", "integer", (c) => c.notNull().defaultTo(0))
          .execute();
        // JSON array of the districts the screen was in before its district set last changed
        // (what it may hold), and the version of the first full manifest it applied after that
        // change (null: none yet, so its next sync is full and it has acknowledged nothing).
        await db.schema.alterTable("screens").addColumn("stale_districts_json", "text").execute();
        await db.schema
          .alterTable("screens")
          .addColumn("stale_cleared_version", "bigint")
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const column of ["stale_cleared_version", "stale_districts_json", "district_epoch"])
          await db.schema.alterTable("screens").dropColumn(column).execute();
      },
    },
    "0010_entry_keys": {
      async up(db: Kysely<unknown>) {
        const blob = dialect === "postgres" ? "bytea" : "blob";
        const run = async (trx: Kysely<unknown>) => {
          // Each entry's raw data is sealed under its own random data key, stored here wrapped
          // by the master key. Deleting the row (when the listing ends) erases the raw data.
          await trx.schema
            .createTable("entry_keys")
            .addColumn("entry_id", "text", (c) =>
              c.primaryKey().references("entries.id").onDelete("cascade"),
            )
            .addColumn("wrapped", blob, (c) => c.notNull())
            .addColumn("created_at", "text", (c) => c.notNull())
            .execute();
          await trx.schema.alterTable("entries").addColumn("full_name_sealed", blob).execute();
          await moveToEntryKeys(trx as unknown as Kysely<LegacyEntryTables>, opts.legacy);
          // Every full name is sealed now (or, for an ended listing, erased with the column).
          await trx.schema.alterTable("entries").dropColumn("full_name").execute();
        };
        // Kysely runs SQLite migrations outside a transaction; a re-seal that fails half-way
        // must leave the database as it was, so this one brings its own.
        if (dialect === "sqlite") await db.transaction().execute(run);
        else await run(db);
      },
      down() {
        // The plain full names cannot come back: they were sealed or erased on purpose.
        return Promise.reject(
          new Error("0010_entry_keys cannot be undone: it sealed or erased the full names."),
        );
      },
    },
    "0013_retention": {
      async up(db: Kysely<unknown>) {
        const blob = dialect === "postgres" ? "bytea" : "blob";
        // The audit chain key of each master key retired by "signage rotate-key", with the last
        // record chained under it. An HMAC key of a closed stretch of the chain: the rotation
        // record, chained under the new key, commits to that stretch's last hash, so this key
        // cannot rewrite it unnoticed (see AuditLog.verify).
        await db.schema
          .createTable("audit_chain_keys")
          .addColumn("last_seq", "bigint", (c) => c.primaryKey())
          .addColumn("chain_key", blob, (c) => c.notNull())
          .addColumn("key_id", "text", (c) => c.notNull())
          .addColumn("retired_at", "text", (c) => c.notNull())
          .execute();
        // The retention sweep deletes plays by when they were shown.
        await db.schema.createIndex("plays_started_idx").on("plays").column("started_at").execute();
        await db.schema
          .createIndex("sessions_expires_idx")
          .on("sessions")
          .column("expires_at")
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex("sessions_expires_idx").execute();
        await db.schema.dropIndex("plays_started_idx").execute();
        await db.schema.dropTable("audit_chain_keys").execute();
      },
    },
    "0014_fleet": {
      async up(db: Kysely<unknown>) {
        // How far the screen's clock is from the server's (ms), as its last status report said.
        await db.schema.alterTable("screens").addColumn("clock_skew_ms", "integer").execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("screens").dropColumn("clock_skew_ms").execute();
      },
    },
    "0015_due_process": {
      async up(db: Kysely<unknown>) {
        // The entry's public notice page is /n/<public_id>: 128 random bits, base64url, never
        // the database id, so pages cannot be enumerated.
        await db.schema.alterTable("entries").addColumn("public_id", "text").execute();
        // The legal basis a slide shows: the document's number and the body that issued it.
        for (const column of ["legal_basis_number", "legal_basis_issuer"])
          await db.schema
            .alterTable("entries")
            .addColumn(column, "text", (c) => c.notNull().defaultTo(""))
            .execute();
        const rows = await (db as Kysely<{ entries: { id: string; public_id: string | null } }>)
          .selectFrom("entries")
          .select("id")
          .execute();
        for (const row of rows)
          await (db as Kysely<{ entries: { id: string; public_id: string | null } }>)
            .updateTable("entries")
            .set({ public_id: randomBytes(16).toString("base64url") })
            .where("id", "=", row.id)
            .execute();
        await db.schema
          .createIndex("entries_public_id_idx")
          .on("entries")
          .column("public_id")
          .unique()
          .execute();
        // Who to contact to contest a listing (a phone, a counter); empty inherits the parent's.
        await db.schema.alterTable("districts").addColumn("contest_contact", "text").execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("districts").dropColumn("contest_contact").execute();
        await db.schema.dropIndex("entries_public_id_idx").execute();
        for (const column of ["legal_basis_issuer", "legal_basis_number", "public_id"])
          await db.schema.alterTable("entries").dropColumn(column).execute();
      },
    },
    "0016_content_life_cycle": {
      async up(db: Kysely<unknown>) {
        const blob = dialect === "postgres" ? "bytea" : "blob";
        // Announcements get a life cycle (draft → in review → published → withdrawn / ended),
        // a window, a target and four eyes. Those published before keep playing city-wide.
        const text = (name: string, dflt: string) =>
          db.schema
            .alterTable("announcements")
            .addColumn(name, "text", (c) => c.notNull().defaultTo(dflt))
            .execute();
        await text("state", "published");
        await text("screen_tags_json", "[]");
        await text("poster_layout", "beside");
        await text("changed_by_json", "[]");
        for (const column of [
          "starts_at",
          "ends_at",
          "created_by",
          "reviewed_by",
          "reviewed_at",
          "reason",
          "updated_at",
        ])
          await db.schema.alterTable("announcements").addColumn(column, "text").execute();
        await db.schema
          .alterTable("announcements")
          .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
          .execute();
        // A published announcement's version is its last publication or takedown; a draft has none.
        await db.schema
          .createTable("announcement_districts")
          .addColumn("announcement_id", "text", (c) => c.notNull())
          .addColumn("district_id", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("announcement_districts_pk", ["announcement_id", "district_id"])
          .execute();
        await db.schema
          .createIndex("announcement_districts_district_idx")
          .on("announcement_districts")
          .column("district_id")
          .execute();
        // A poster: the uploaded image sealed by the master key, its redacted rendition by hash.
        await db.schema
          .createTable("announcement_posters")
          .addColumn("announcement_id", "text", (c) => c.primaryKey())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("raw_sealed", blob)
          .addColumn("raw_mime", "text")
          .addColumn("faces", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("regions_json", "text")
          .addColumn("detail_json", "text")
          .addColumn("reason", "text")
          .addColumn("hash", "text")
          .addColumn("mime", "text")
          .addColumn("width", "integer")
          .addColumn("height", "integer")
          .addColumn("bytes", blob)
          .addColumn("uploaded_by", "text")
          .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("announcement_posters_hash_idx")
          .on("announcement_posters")
          .column("hash")
          .execute();
        // Screen tags ("metro", "bus-stop"): schedules' windows and announcements target them.
        await db.schema
          .alterTable("screens")
          .addColumn("tags_json", "text", (c) => c.notNull().defaultTo("[]"))
          .execute();
        // Emergencies: sent at once and reviewed after ("unreviewed" → "confirmed" / "pulled"),
        // or, where the city requires two people, "awaiting_approval" until approved.
        await db.schema
          .alterTable("emergencies")
          .addColumn("review_state", "text", (c) => c.notNull().defaultTo("confirmed"))
          .execute();
        for (const column of ["sent_by", "reviewed_by", "reviewed_at", "review_reason"])
          await db.schema.alterTable("emergencies").addColumn(column, "text").execute();
        // A city (or any district, inherited downwards) may require approval before sending.
        await db.schema.alterTable("districts").addColumn("emergency_approval", "text").execute();
        // Where each change went, kept with it: a takedown counts the screens it was sent to,
        // even after the content's districts or target changed.
        await db.schema.alterTable("change_log").addColumn("scope_json", "text").execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("change_log").dropColumn("scope_json").execute();
        await db.schema.alterTable("districts").dropColumn("emergency_approval").execute();
        for (const column of [
          "review_reason",
          "reviewed_at",
          "reviewed_by",
          "sent_by",
          "review_state",
        ])
          await db.schema.alterTable("emergencies").dropColumn(column).execute();
        await db.schema.alterTable("screens").dropColumn("tags_json").execute();
        await db.schema.dropTable("announcement_posters").execute();
        await db.schema.dropTable("announcement_districts").execute();
        for (const column of [
          "revision",
          "updated_at",
          "reason",
          "reviewed_at",
          "reviewed_by",
          "created_by",
          "ends_at",
          "starts_at",
          "changed_by_json",
          "poster_layout",
          "screen_tags_json",
          "state",
        ])
          await db.schema.alterTable("announcements").dropColumn(column).execute();
      },
    },
    "0017_objections": {
      async up(db: Kysely<unknown>) {
        const blob = dialect === "postgres" ? "bytea" : "blob";
        // A citizen's objection to a listing. What identifies the objector (name, contact, text,
        // document) is sealed under the entry's data key: the entry's erasure erases it too.
        await db.schema
          .createTable("objections")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("entry_id", "text", (c) => c.notNull())
          .addColumn("reference", "text", (c) => c.notNull().unique())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("name_sealed", blob)
          .addColumn("contact_sealed", blob)
          .addColumn("text_sealed", blob)
          .addColumn("document_sealed", blob)
          .addColumn("document_mime", "text")
          .addColumn("decision_reason", "text")
          .addColumn("decided_by", "text")
          .addColumn("decided_at", "text")
          .addColumn("address_hash", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("erase_after", "text")
          .execute();
        await db.schema
          .createIndex("objections_entry_idx")
          .on("objections")
          .columns(["entry_id", "created_at"])
          .execute();
        await db.schema
          .createIndex("objections_created_idx")
          .on("objections")
          .column("created_at")
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("objections").execute();
      },
    },
    "0018_alerts": {
      async up(db: Kysely<unknown>) {
        // What is wrong with a screen, raised and resolved by the alert monitor.
        await db.schema
          .createTable("alerts")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("screen_id", "text", (c) => c.notNull())
          .addColumn("district_id", "text", (c) => c.notNull())
          .addColumn("subject", "text", (c) => c.notNull().defaultTo(""))
          .addColumn("detail_json", "text", (c) => c.notNull())
          .addColumn("raised_at", "text", (c) => c.notNull())
          .addColumn("resolved_at", "text")
          .execute();
        // One open alert per cause, however many processes check at once.
        await db.schema
          .createIndex("alerts_open_idx")
          .on("alerts")
          .columns(["kind", "screen_id", "subject"])
          .unique()
          .where(sql.ref("resolved_at"), "is", null)
          .execute();
        await db.schema
          .createIndex("alerts_raised_idx")
          .on("alerts")
          .columns(["district_id", "raised_at"])
          .execute();
        // Their webhook deliveries, retried with backoff until delivered or given up.
        await db.schema
          .createTable("alert_deliveries")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("alert_id", "text", (c) => c.notNull())
          .addColumn("event", "text", (c) => c.notNull())
          .addColumn("payload_json", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("next_attempt_at", "text")
          .addColumn("delivered_at", "text")
          .addColumn("last_error", "text")
          .addColumn("gave_up", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("created_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("alert_deliveries_due_idx")
          .on("alert_deliveries")
          .column("next_attempt_at")
          .execute();
        await db.schema
          .createTable("alert_seen")
          .addColumn("user_id", "text", (c) => c.primaryKey())
          .addColumn("seen_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .alterTable("districts")
          .addColumn("alert_offline_minutes", "integer")
          .execute();
        await db.schema.alterTable("screens").addColumn("storage_used_mb", "real").execute();
        await db.schema.alterTable("screens").addColumn("storage_quota_mb", "real").execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("screens").dropColumn("storage_quota_mb").execute();
        await db.schema.alterTable("screens").dropColumn("storage_used_mb").execute();
        await db.schema.alterTable("districts").dropColumn("alert_offline_minutes").execute();
        await db.schema.dropTable("alert_seen").execute();
        await db.schema.dropTable("alert_deliveries").execute();
        await db.schema.dropTable("alerts").execute();
      },
    },
    "0019_screen_history": {
      async up(db: Kysely<unknown>) {
        // Each connection a screen held: the connectivity timeline and uptime are read from these.
        await db.schema
          .createTable("screen_connections")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("screen_id", "text", (c) => c.notNull())
          .addColumn("connection_id", "text", (c) => c.notNull())
          .addColumn("connected_at", "text", (c) => c.notNull())
          // Moved by every status report; an open connection not seen for 90 s ended here.
          .addColumn("last_seen_at", "text", (c) => c.notNull())
          .addColumn("disconnected_at", "text")
          .execute();
        await db.schema
          .createIndex("screen_connections_screen_idx")
          .on("screen_connections")
          .columns(["screen_id", "connected_at"])
          .execute();
        await db.schema
          .createIndex("screen_connections_connection_idx")
          .on("screen_connections")
          .column("connection_id")
          .execute();
        // The last status reports of each screen, as they came (a bounded number per screen).
        await db.schema
          .createTable("screen_status_reports")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("screen_id", "text", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("report_json", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("screen_status_reports_screen_idx")
          .on("screen_status_reports")
          .columns(["screen_id", "at"])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("screen_status_reports").execute();
        await db.schema.dropTable("screen_connections").execute();
      },
    },
    "0020_screenshots": {
      async up(db: Kysely<unknown>) {
        // One row per request for a picture of what a screen shows; the JPEG itself (re-encoded
        // by the server, metadata stripped) in `image` once received. Kept 24 hours by default.
        await db.schema
          .createTable("screenshots")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("screen_id", "text", (c) => c.notNull())
          .addColumn("district_id", "text", (c) => c.notNull())
          .addColumn("requested_by", "text")
          .addColumn("requested_at", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("unavailable", "text")
          .addColumn("reason", "text")
          .addColumn("received_at", "text")
          .addColumn("width", "integer")
          .addColumn("height", "integer")
          .addColumn("bytes", "integer")
          .addColumn("image", dialect === "postgres" ? "bytea" : "blob")
          .execute();
        await db.schema
          .createIndex("screenshots_screen_idx")
          .on("screenshots")
          .columns(["screen_id", "requested_at"])
          .execute();
        await db.schema
          .createIndex("screenshots_requested_idx")
          .on("screenshots")
          .column("requested_at")
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("screenshots").execute();
      },
    },
    "0021_kiosk_releases": {
      async up(db: Kysely<unknown>) {
        // Kiosk app releases the update feed offers (files in <dataDir>/releases/).
        await db.schema
          .createTable("kiosk_releases")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("channel", "text", (c) => c.notNull())
          .addColumn("version", "text", (c) => c.notNull())
          .addColumn("file_name", "text", (c) => c.notNull())
          .addColumn("sha512", "text", (c) => c.notNull())
          .addColumn("size", "bigint", (c) => c.notNull())
          .addColumn("release_date", "text", (c) => c.notNull())
          .addColumn("notes", "text")
          .addColumn("added_at", "text", (c) => c.notNull())
          .addColumn("added_by", "text", (c) => c.notNull())
          .addUniqueConstraint("kiosk_releases_channel_version", ["channel", "version"])
          .execute();
        // Per channel: the version every screen is offered, and the one a rollback returns to.
        await db.schema
          .createTable("kiosk_release_rollouts")
          .addColumn("channel", "text", (c) => c.primaryKey())
          .addColumn("released_version", "text")
          .addColumn("previous_version", "text")
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        // Versions offered ahead of the release to a district's screens or a tag's.
        await db.schema
          .createTable("kiosk_release_stages")
          .addColumn("channel", "text", (c) => c.notNull())
          .addColumn("target_type", "text", (c) => c.notNull())
          .addColumn("target_id", "text", (c) => c.notNull())
          .addColumn("version", "text", (c) => c.notNull())
          .addColumn("staged_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("kiosk_release_stages_pk", [
            "channel",
            "target_type",
            "target_id",
          ])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("kiosk_release_stages").execute();
        await db.schema.dropTable("kiosk_release_rollouts").execute();
        await db.schema.dropTable("kiosk_releases").execute();
      },
    },
    "0022_play_rollup": {
      async up(db: Kysely<unknown>) {
        // Plays summed per screen, content and UTC day, kept with each batch of plays, so a
        // district report over months reads days instead of every play.
        await db.schema
          .createTable("play_days")
          .addColumn("screen_id", "text", (c) =>
            c.notNull().references("screens.id").onDelete("cascade"),
          )
          .addColumn("day", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("content_id", "text", (c) => c.notNull())
          .addColumn("plays", "bigint", (c) => c.notNull())
          .addColumn("total_ms", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("play_days_pk", ["screen_id", "day", "kind", "content_id"])
          .execute();
        // The retention sweep deletes whole days.
        await db.schema.createIndex("play_days_day_idx").on("play_days").column("day").execute();
        await sql`insert into play_days (screen_id, day, kind, content_id, plays, total_ms)
          select screen_id, substr(started_at, 1, 10), kind, content_id, count(*), sum(duration_ms)
          from plays group by screen_id, substr(started_at, 1, 10), kind, content_id`.execute(db);
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("play_days").execute();
      },
    },
    "0023_redaction_lease": {
      async up(db: Kysely<unknown>) {
        // A running redaction job names its process and holds a lease it renews: a starting
        // process takes back only jobs whose lease ran out, never those of a live one.
        await db.schema.alterTable("redaction_jobs").addColumn("claimed_by", "text").execute();
        await db.schema.alterTable("redaction_jobs").addColumn("lease_until", "text").execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("redaction_jobs").dropColumn("lease_until").execute();
        await db.schema.alterTable("redaction_jobs").dropColumn("claimed_by").execute();
      },
    },
    "0024_poster_lease": {
      async up(db: Kysely<unknown>) {
        // Posters get the redaction jobs' lease (0023): a starting process takes back only the
        // posters of a process whose lease ran out, never one another live process works on.
        await db.schema
          .alterTable("announcement_posters")
          .addColumn("claimed_by", "text")
          .execute();
        await db.schema
          .alterTable("announcement_posters")
          .addColumn("lease_until", "text")
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("announcement_posters").dropColumn("lease_until").execute();
        await db.schema.alterTable("announcement_posters").dropColumn("claimed_by").execute();
      },
    },
    "0025_connection_once": {
      async up(db: Kysely<unknown>) {
        // One row per socket connection, so opening it again is a no-op (ON CONFLICT DO NOTHING):
        // a presence batch whose COMMIT went through but whose answer was lost is written again
        // write by write. Rows that such a retry already doubled go first, one of each kept
        // (the copies differ only in their random id). Each step may be run again: SQLite runs
        // migrations outside a transaction, and a start cut short here must not stop the next.
        await sql`delete from screen_connections where exists (
          select 1 from screen_connections other
          where other.connection_id = screen_connections.connection_id
            and other.id < screen_connections.id)`.execute(db);
        await db.schema.dropIndex("screen_connections_connection_idx").ifExists().execute();
        await db.schema
          .createIndex("screen_connections_connection_key")
          .ifNotExists()
          .on("screen_connections")
          .column("connection_id")
          .unique()
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex("screen_connections_connection_key").execute();
        await db.schema
          .createIndex("screen_connections_connection_idx")
          .on("screen_connections")
          .column("connection_id")
          .execute();
      },
    },
    "0026_entry_changed_by": {
      async up(db: Kysely<unknown>) {
        const run = async (trx: Kysely<unknown>) => {
          // Who changed what an entry shows since its last approval, kept whole on the row and
          // cleared only by an approval (four eyes): the revision history keeps only the last
          // changes, and a rejection is no approval.
          await trx.schema
            .alterTable("entries")
            .addColumn("changed_by_json", "text", (c) => c.notNull().defaultTo("[]"))
            .execute();
          await fillChangedBy(trx as unknown as Kysely<ChangedByTables>);
        };
        // As 0010: SQLite runs migrations outside a transaction, and a fill cut short must not
        // leave the column behind without it.
        if (dialect === "sqlite") await db.transaction().execute(run);
        else await run(db);
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("entries").dropColumn("changed_by_json").execute();
      },
    },
    "0027_erase_legal_representatives": {
      async up(db: Kysely<unknown>) {
        // The legal representative's name is erased with the raw data (deleteRawData) from
        // this release on; listings that ended before it lose it now.
        await (db as unknown as Kysely<{ entries: ErasedEntryColumns }>)
          .updateTable("entries")
          .set({ legal_representative: null })
          .where("full_name_sealed", "is", null)
          .where("legal_representative", "is not", null)
          .execute();
      },
      async down() {
        // What was erased stays erased.
      },
    },
    "0028_remask_organisations": {
      async up(db: Kysely<unknown>) {
        const run = (trx: Kysely<unknown>) =>
          remaskOrganisations(trx as unknown as Kysely<RemaskTables>, dialect, (row) =>
            maskName(row.masked_name, { subjectType: "organisation" }),
          );
        // As 0026: SQLite runs migrations outside a transaction; the names and their change-log
        // events land together or not at all.
        if (dialect === "sqlite") await db.transaction().execute(run);
        else await run(db);
      },
      async down() {
        // A name masked stays masked.
      },
    },
    "0029_erase_ended_renditions": {
      async up(db: Kysely<unknown>) {
        // The redacted renditions (the raw photo's pixels outside the covered faces) and the
        // redaction result are erased with the raw data (deleteRawData) from this release on;
        // listings that ended before it lose them now.
        const d = db as unknown as Kysely<EndedRenditionTables>;
        const ended = d
          .selectFrom("entries")
          .select("id")
          .where("state", "in", ["revoked", "expired"]);
        await d.deleteFrom("renditions").where("entry_id", "in", ended).execute();
        await d.deleteFrom("redaction_results").where("entry_id", "in", ended).execute();
      },
      async down() {
        // What was erased stays erased.
      },
    },
    "0030_change_log_pushed": {
      async up(db: Kysely<unknown>) {
        // When a takedown was pushed to screens: null until then, so a push lost with its process
        // (killed between commit and push) or to an error is found and sent again (TakedownRepush).
        // Everything before this release counts as pushed.
        await db.schema.alterTable("change_log").addColumn("pushed_at", "text").execute();
        await sql`update change_log set pushed_at = at`.execute(db);
        await db.schema
          .createIndex("change_log_unpushed_idx")
          .on("change_log")
          .column("version")
          .where(sql.ref("pushed_at"), "is", null)
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex("change_log_unpushed_idx").execute();
        await db.schema.alterTable("change_log").dropColumn("pushed_at").execute();
      },
    },
    "0031_idle_slide_review": {
      async up(db: Kysely<unknown>) {
        // An idle slide goes to the street: a second person approves it as they saw it. Screens
        // show the approved one (idle_approved_json); one set before this release waits for its
        // first approval, as any change does, and none of those who changed the district's
        // schedule (by the audit log) may give it.
        await db.schema.alterTable("schedules").addColumn("idle_approved_json", "text").execute();
        await db.schema
          .alterTable("schedules")
          .addColumn("idle_changers_json", "text", (c) => c.notNull().defaultTo("[]"))
          .execute();
        const d = db as unknown as Kysely<IdleReviewTables>;
        const changes = await d
          .selectFrom("audit_log")
          .select(["target_id", "actor_id"])
          .where("action", "=", "schedule.changed")
          .where("target_type", "=", "district")
          .where("actor_id", "is not", null)
          .execute();
        const changers = new Map<string, Set<string>>();
        for (const c of changes) {
          if (c.target_id === null || c.actor_id === null) continue;
          const set = changers.get(c.target_id) ?? new Set<string>();
          set.add(c.actor_id);
          changers.set(c.target_id, set);
        }
        for (const [districtId, ids] of changers)
          await d
            .updateTable("schedules")
            .set({ idle_changers_json: JSON.stringify([...ids].sort()) })
            .where("district_id", "=", districtId)
            .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("schedules").dropColumn("idle_changers_json").execute();
        await db.schema.alterTable("schedules").dropColumn("idle_approved_json").execute();
      },
    },
    "0032_district_settings_review": {
      async up(db: Kysely<unknown>) {
        // A district's contest line (on every list slide) and its emergency setting take effect
        // once a second person approves them as saved. What districts have now is on the street
        // already and counts as approved: taking the contest lines off would take due process
        // off the slides.
        await db.schema
          .alterTable("districts")
          .addColumn("settings_approved_json", "text")
          .execute();
        await db.schema
          .alterTable("districts")
          .addColumn("settings_changers_json", "text", (c) => c.notNull().defaultTo("[]"))
          .execute();
        const d = db as unknown as Kysely<SettingsReviewTables>;
        const rows = await d
          .selectFrom("districts")
          .select(["id", "contest_text", "contest_url", "contest_contact", "emergency_approval"])
          .execute();
        for (const row of rows)
          await d
            .updateTable("districts")
            .set({
              // As reviewedSettingsJson writes them, spelt out: a migration stays as it ran.
              settings_approved_json: JSON.stringify({
                contestText: row.contest_text.trim(),
                contestUrl: row.contest_url,
                contestContact: (row.contest_contact ?? "").trim(),
                emergencyApproval: row.emergency_approval,
              }),
            })
            .where("id", "=", row.id)
            .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable("districts").dropColumn("settings_changers_json").execute();
        await db.schema.alterTable("districts").dropColumn("settings_approved_json").execute();
      },
    },
    "0033_remask_owner_names": {
      async up(db: Kysely<unknown>) {
        // An organisation's name showing its legal representative's whole name (a sole trader's
        // shop, 张三烧烤店) shows it masked from this release on (张某烧烤店); as 0028, its
        // screens take the masked name at their next sync.
        const run = (trx: Kysely<unknown>) =>
          remaskOrganisations(trx as unknown as Kysely<RemaskTables>, dialect, (row) =>
            maskName(row.masked_name, {
              subjectType: "organisation",
              people: [row.legal_representative],
            }),
          );
        if (dialect === "sqlite") await db.transaction().execute(run);
        else await run(db);
      },
      async down() {
        // A name masked stays masked.
      },
    },
    "0034_change_log_entity_index": {
      async up(db: Kysely<unknown>) {
        // An erasure reads every district its entry was sent to from the entry's change-log
        // events (its screens' pictures go with it): found by the entity, not by a scan.
        await db.schema
          .createIndex("change_log_entity_idx")
          .on("change_log")
          .column("entity_id")
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex("change_log_entity_idx").execute();
      },
    },
  };
}

/** The columns 0032 reads and fills. */
interface SettingsReviewTables {
  districts: {
    id: string;
    contest_text: string;
    contest_url: string | null;
    contest_contact: string | null;
    emergency_approval: "review-after" | "two-person" | null;
    settings_approved_json: string | null;
  };
}

/** The tables 0031 reads and fills. */
interface IdleReviewTables {
  audit_log: {
    action: string;
    target_type: string | null;
    target_id: string | null;
    actor_id: string | null;
  };
  schedules: { district_id: string; idle_changers_json: string };
}

/** The tables 0029 reads and deletes from. */
interface EndedRenditionTables {
  entries: { id: string; state: string };
  renditions: { entry_id: string };
  redaction_results: { entry_id: string };
}

/** The columns 0028 reads and writes. */
interface RemaskTables {
  entries: {
    id: string;
    subject_type: string;
    state: string;
    masked_name: string;
    legal_representative: string | null;
  };
  entry_districts: { entry_id: string; district_id: string };
  change_log: {
    version: Generated<number>;
    kind: string;
    entity_id: string;
    at: string;
    scope_json: string | null;
  };
}

/**
 * 0028's step. An organisation was shown in full up to this release; one whose name reads like a
 * person's (a sole trader, a wrong pick) is masked now (maskName). Rows stored before keep the
 * whole name as their masked name: masked again here, so the console, reports and the public page
 * show the mask too, and each one on screens gets a change-log event, so a kiosk holding the
 * whole name takes the masked one at its next sync (a delta carries every entry with an event
 * after the kiosk's version). Nothing is read from the sealed full name: an organisation's masked
 * name was its full name.
 */
async function remaskOrganisations(
  db: Kysely<RemaskTables>,
  dialect: Dialect,
  mask: (row: { masked_name: string; legal_representative: string | null }) => string,
): Promise<void> {
  const rows = await db
    .selectFrom("entries")
    .select(["id", "state", "masked_name", "legal_representative"])
    .where("subject_type", "=", "organisation")
    .execute();
  const at = new Date().toISOString();
  for (const row of rows) {
    const masked = mask(row);
    if (masked === row.masked_name) continue;
    await db.updateTable("entries").set({ masked_name: masked }).where("id", "=", row.id).execute();
    if (row.state !== "approved") continue;
    // Appends are serialised as appendChange does, so a process of the old release writing at
    // the same moment cannot commit a version out of order.
    await takeLock(db as unknown as Kysely<Database>, "changeLog", dialect);
    const districts = await db
      .selectFrom("entry_districts")
      .select("district_id")
      .where("entry_id", "=", row.id)
      .execute();
    await db
      .insertInto("change_log")
      .values({
        kind: "entry.published",
        entity_id: row.id,
        at,
        scope_json: JSON.stringify({ districtIds: districts.map((d) => d.district_id) }),
      })
      .execute();
  }
}

/** The entry columns 0027 reads and writes. */
interface ErasedEntryColumns {
  full_name_sealed: Buffer | null;
  legal_representative: string | null;
}

/** The entry columns 0026 reads and writes, as they stand at that migration. */
interface ChangedByTables {
  entries: {
    id: string;
    state: string;
    reviewed_at: string | null;
    review_note: string | null;
    revision_changes_json: string | null;
    changed_by_json: string;
  };
}

/**
 * 0026's data step: an entry awaiting a decision gets everyone its revision history names since
 * its last approval, or, after a rejection or before any review, everyone it names at all.
 * Changes the history had already forgotten cannot be recovered.
 */
async function fillChangedBy(db: Kysely<ChangedByTables>): Promise<void> {
  const rows = await db
    .selectFrom("entries")
    .select(["id", "reviewed_at", "review_note", "revision_changes_json"])
    .where("state", "in", ["draft", "pending_review", "rejected"])
    .where("revision_changes_json", "is not", null)
    .execute();
  for (const row of rows) {
    // A review without a note was an approval: a rejection always says why.
    const approvedAt = row.review_note === null ? row.reviewed_at : null;
    const changers = changersAfter(row.revision_changes_json, approvedAt);
    if (changers.length > 0)
      await db
        .updateTable("entries")
        .set({ changed_by_json: JSON.stringify(changers) })
        .where("id", "=", row.id)
        .execute();
  }
}

/**
 * The users a stored revision history (0009's format) names as changing it after `after`
 * (null: ever); a change without a readable time counts as after.
 */
function changersAfter(json: string | null, after: string | null): string[] {
  let history: unknown;
  try {
    history = JSON.parse(json ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(history)) return [];
  const changers = new Set<string>();
  for (const change of history as unknown[]) {
    if (typeof change !== "object" || change === null) continue;
    const { by, at } = change as Record<string, unknown>;
    if (typeof by === "string" && (after === null || typeof at !== "string" || at > after))
      changers.add(by);
  }
  return [...changers];
}

/** Supplies the migrations from code, so they work the same from source and from a bundle. */
export function migrationProvider(
  dialect: Dialect,
  opts: MigrationOptions = {},
): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrations(dialect, opts)) };
}

/** What a migration may need besides the database. */
export interface MigrationOptions {
  /** Re-seals entries written before per-entry data keys (0010); needed only when there are any. */
  legacy?: LegacyResealer | undefined;
}

/** The raw data of an entry written before 0010: plain full name, values sealed by the master key. */
export interface LegacyEntryData {
  fullName: string;
  idNumberSealed: Buffer | null;
  photoSealed: Buffer | null;
}

/** The same data re-sealed under a fresh data key, with that key wrapped by the master key. */
export interface ResealedEntryData {
  wrappedKey: Buffer;
  fullNameSealed: Buffer;
  idNumberSealed: Buffer | null;
  photoSealed: Buffer | null;
}

/** Moves one legacy entry onto its own data key; implemented by RawVault. */
export interface LegacyResealer {
  resealLegacyEntry(entryId: string, legacy: LegacyEntryData): ResealedEntryData;
}

/** The tables 0010 reads and writes, as they stand at that migration. */
interface LegacyEntryTables {
  entries: {
    id: string;
    state: string;
    full_name: string;
    full_name_sealed: Buffer | null;
    id_number_sealed: Buffer | null;
    id_fingerprint: string | null;
  };
  raw_photos: { entry_id: string; sealed: Buffer };
  entry_keys: { entry_id: string; wrapped: Buffer; created_at: string };
}

/**
 * 0010's data step: a live entry gets a data key and its photo, ID number and full name are
 * sealed under it; an ended one (revoked, expired) keeps nothing raw, not even the fingerprint.
 */
async function moveToEntryKeys(
  db: Kysely<LegacyEntryTables>,
  legacy: LegacyResealer | undefined,
): Promise<void> {
  const live = await db
    .selectFrom("entries")
    .select(["id", "full_name", "id_number_sealed"])
    .where("state", "not in", ["revoked", "expired"])
    .execute();
  if (live.length > 0 && !legacy)
    throw new Error(
      `0010_entry_keys must seal ${String(live.length)} existing entries and needs the master key for it; run "signage migrate" or "signage serve" with the data directory or SIGNAGE_MASTER_KEY.`,
    );
  await db
    .updateTable("entries")
    .set({ id_number_sealed: null, id_fingerprint: null })
    .where("state", "in", ["revoked", "expired"])
    .execute();
  await db
    .deleteFrom("raw_photos")
    .where("entry_id", "in", (eb) =>
      eb.selectFrom("entries").select("id").where("state", "in", ["revoked", "expired"]),
    )
    .execute();
  if (live.length === 0 || !legacy) return;
  const at = new Date().toISOString();
  for (const row of live) {
    const photo = await db
      .selectFrom("raw_photos")
      .select("sealed")
      .where("entry_id", "=", row.id)
      .executeTakeFirst();
    const sealed = legacy.resealLegacyEntry(row.id, {
      fullName: row.full_name,
      idNumberSealed: row.id_number_sealed,
      photoSealed: photo?.sealed ?? null,
    });
    await db
      .insertInto("entry_keys")
      .values({ entry_id: row.id, wrapped: sealed.wrappedKey, created_at: at })
      .execute();
    await db
      .updateTable("entries")
      .set({ full_name_sealed: sealed.fullNameSealed, id_number_sealed: sealed.idNumberSealed })
      .where("id", "=", row.id)
      .execute();
    if (sealed.photoSealed !== null)
      await db
        .updateTable("raw_photos")
        .set({ sealed: sealed.photoSealed })
        .where("entry_id", "=", row.id)
        .execute();
  }
}
