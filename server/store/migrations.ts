import {
  sql,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
} from "kysely";
import type { DatabaseConfig } from "../config";

type Dialect = DatabaseConfig["kind"];

/**
 * Every schema migration, in order. Never edit one that has shipped: add the next.
 * Each takes the dialect because auto-increment keys differ between SQLite and PostgreSQL.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
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
  };
}

/** Supplies the migrations from code, so they work the same from source and from a bundle. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrations(dialect)) };
}
