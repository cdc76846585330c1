import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { StartupError } from "./errors";
import { MetricsTokenSchema, parseMetricsAllow, type MetricsAccess } from "./http/metricsAccess";
import { parsePublicUrl, type PublicUrl } from "./http/publicUrl";
import { parseTrustProxy, type TrustProxy } from "./http/TrustedProxies";
import { type DetectorEngineChoice, detectorEngineChoices } from "./services/redaction/types";
import type { SocketLimits } from "./sockets/SocketBounds";

/** Where the server keeps its data: the embedded SQLite file or a PostgreSQL server. */
export type DatabaseConfig = { kind: "sqlite"; file: string } | { kind: "postgres"; url: string };

/** How long kept data lives before the daily retention sweep deletes it. */
export interface RetentionSettings {
  /** Proof-of-play records, by when the slide was shown. */
  playsDays: number;
  /** Console sessions, from when they ended (idle deadline or maximum age). */
  endedSessionsDays: number;
  /**
   * Citizens' objections, after their entry's erasure or their decision (dismissed, forwarded);
   * absent: {@link DEFAULT_OBJECTION_RETENTION_DAYS}.
   */
  objectionsDays?: number;
  /** Resolved alerts and their webhook deliveries; absent: {@link DEFAULT_ALERT_RETENTION_DAYS}. */
  alertsDays?: number;
  /**
   * Screens' pictures taken on request, by when they were asked (swept hourly); absent:
   * {@link DEFAULT_SCREENSHOT_RETENTION_HOURS}.
   */
  screenshotsHours?: number;
}

/** Hours a screen's picture is kept (SIGNAGE_RETAIN_SCREENSHOTS_HOURS). */
export const DEFAULT_SCREENSHOT_RETENTION_HOURS = 24;

/** Days a resolved alert is kept (SIGNAGE_RETAIN_ALERTS_DAYS). */
export const DEFAULT_ALERT_RETENTION_DAYS = 90;

/** Days an objection is kept after its entry's erasure or its decision, unless the city sets it. */
export const DEFAULT_OBJECTION_RETENTION_DAYS = 180;

/** The server's validated configuration. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Base64 master key for raw data at rest; when absent, a key file in the data directory. */
  masterKey?: string;
  /** Redaction worker threads; 0 means one per core. */
  redactionWorkers: number;
  /** Where the face detectors run. */
  detectorEngine: DetectorEngineChoice;
  /** Kiosk handshakes and syncs served at once before "come back shortly". */
  syncConcurrency: number;
  /** Socket and pairing-code limits the city set; the rest keep DEFAULT_SOCKET_LIMITS. */
  socketLimits?: Partial<SocketLimits>;
  /** Redis for scale-out: several server processes fan out through its stream. */
  redis?: { url: string; stream: string };
  /** What the daily retention sweep deletes. */
  retention: RetentionSettings;
  /** The address people and screens use (behind a reverse proxy): Host, Origin, Secure, HSTS. */
  publicUrl?: PublicUrl;
  /** The proxies whose X-Forwarded-For is believed; none by default. */
  trustProxy: TrustProxy;
  /** Who may scrape /metrics; off (404) when neither a token nor an address is set. */
  metrics: MetricsAccess;
  /** When alerts are raised, how often they are checked, and where they are POSTed. */
  alerts: AlertConfig;
}

/** The alert monitor's settings (SIGNAGE_ALERT_*). */
export interface AlertConfig {
  offlineMinutes: number;
  takedownSeconds: number;
  checkSeconds: number;
  webhook?: { url: string; secret: string };
}

/** A whole number from `min` to `max` for an alert setting, with its default. */
const alertNumber = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number from ${min} to ${max}.`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be a whole number from ${min} to ${max}.`)
    .default(fallback);

/** A whole number of days from 1 to 36,500, for a retention setting. */
const retentionDays = (name: string, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number of days from 1 to 36500.`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 36_500, `${name} must be a whole number of days from 1 to 36500.`)
    .default(fallback);

/** A whole number from 1 to 1,000,000 for a socket or pairing-code limit; unset keeps the default. */
const socketLimit = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number from 1 to 1000000.`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1_000_000, `${name} must be a whole number from 1 to 1000000.`)
    .optional();

const EnvSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d+$/, "PORT must be a whole number between 0 and 65535.")
    .transform(Number)
    .refine((n) => n <= 65535, "PORT must be a whole number between 0 and 65535.")
    .default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  SIGNAGE_DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SIGNAGE_MASTER_KEY: z.string().min(1).optional(),
  SIGNAGE_REDACTION_WORKERS: z
    .string()
    .regex(/^\d+$/, "SIGNAGE_REDACTION_WORKERS must be a whole number (0 = one per core).")
    .transform(Number)
    .refine((n) => n <= 64, "SIGNAGE_REDACTION_WORKERS must be at most 64.")
    .default(0),
  SIGNAGE_DETECTOR_ENGINE: z
    .enum(detectorEngineChoices, "SIGNAGE_DETECTOR_ENGINE must be auto, onnxruntime or wasm.")
    .default("auto"),
  SIGNAGE_SYNC_CONCURRENCY: z
    .string()
    .regex(/^\d+$/, "SIGNAGE_SYNC_CONCURRENCY must be a whole number from 1 to 100000.")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100_000, "SIGNAGE_SYNC_CONCURRENCY must be from 1 to 100000.")
    .default(500),
  SIGNAGE_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, "SIGNAGE_REDIS_URL must look like redis://host:6379.")
    .optional(),
  SIGNAGE_REDIS_STREAM: z
    .string()
    .regex(/^[\w:.-]{1,100}$/, "SIGNAGE_REDIS_STREAM may hold letters, digits and _ : . - only.")
    .default("signage"),
  SIGNAGE_RETAIN_PLAYS_DAYS: retentionDays("SIGNAGE_RETAIN_PLAYS_DAYS", 400),
  SIGNAGE_RETAIN_SESSIONS_DAYS: retentionDays("SIGNAGE_RETAIN_SESSIONS_DAYS", 30),
  // No default here: unset, the sweep keeps objections DEFAULT_OBJECTION_RETENTION_DAYS.
  SIGNAGE_RETAIN_OBJECTIONS_DAYS: z
    .string()
    .regex(
      /^\d+$/,
      "SIGNAGE_RETAIN_OBJECTIONS_DAYS must be a whole number of days from 1 to 36500.",
    )
    .transform(Number)
    .refine(
      (n) => n >= 1 && n <= 36_500,
      "SIGNAGE_RETAIN_OBJECTIONS_DAYS must be a whole number of days from 1 to 36500.",
    )
    .optional(),
  // No default here: unset, the sweep keeps resolved alerts DEFAULT_ALERT_RETENTION_DAYS.
  SIGNAGE_RETAIN_ALERTS_DAYS: z
    .string()
    .regex(/^\d+$/, "SIGNAGE_RETAIN_ALERTS_DAYS must be a whole number of days from 1 to 36500.")
    .transform(Number)
    .refine(
      (n) => n >= 1 && n <= 36_500,
      "SIGNAGE_RETAIN_ALERTS_DAYS must be a whole number of days from 1 to 36500.",
    )
    .optional(),
  // No default here: unset, the sweep keeps pictures DEFAULT_SCREENSHOT_RETENTION_HOURS.
  SIGNAGE_RETAIN_SCREENSHOTS_HOURS: z
    .string()
    .regex(
      /^\d+$/,
      "SIGNAGE_RETAIN_SCREENSHOTS_HOURS must be a whole number of hours from 1 to 8760.",
    )
    .transform(Number)
    .refine(
      (n) => n >= 1 && n <= 8_760,
      "SIGNAGE_RETAIN_SCREENSHOTS_HOURS must be a whole number of hours from 1 to 8760.",
    )
    .optional(),
  SIGNAGE_UNPAIRED_SOCKETS_PER_ADDRESS: socketLimit("SIGNAGE_UNPAIRED_SOCKETS_PER_ADDRESS"),
  SIGNAGE_UNPAIRED_SOCKETS_TOTAL: socketLimit("SIGNAGE_UNPAIRED_SOCKETS_TOTAL"),
  SIGNAGE_HANDSHAKES_PER_MINUTE: socketLimit("SIGNAGE_HANDSHAKES_PER_MINUTE"),
  SIGNAGE_PAIRING_CODES_PER_RANGE: socketLimit("SIGNAGE_PAIRING_CODES_PER_RANGE"),
  SIGNAGE_PAIRING_CODES_PER_MINUTE: socketLimit("SIGNAGE_PAIRING_CODES_PER_MINUTE"),
  SIGNAGE_PUBLIC_URL: z.string().optional(),
  SIGNAGE_TRUST_PROXY: z.string().optional(),
  SIGNAGE_METRICS_TOKEN: MetricsTokenSchema.optional(),
  SIGNAGE_METRICS_ALLOW: z.string().optional(),
  SIGNAGE_ALERT_OFFLINE_MINUTES: alertNumber("SIGNAGE_ALERT_OFFLINE_MINUTES", 1, 10_080, 5),
  SIGNAGE_ALERT_TAKEDOWN_SECONDS: alertNumber("SIGNAGE_ALERT_TAKEDOWN_SECONDS", 1, 86_400, 60),
  SIGNAGE_ALERT_CHECK_SECONDS: alertNumber("SIGNAGE_ALERT_CHECK_SECONDS", 1, 3_600, 15),
  SIGNAGE_ALERT_WEBHOOK_URL: z
    .url({
      protocol: /^https?$/,
      error:
        "SIGNAGE_ALERT_WEBHOOK_URL must be an http(s) address, e.g. https://oncall.city.gov/hook.",
    })
    .optional(),
  SIGNAGE_ALERT_WEBHOOK_SECRET: z
    .string()
    .min(16, "SIGNAGE_ALERT_WEBHOOK_SECRET must have at least 16 characters.")
    .max(200, "SIGNAGE_ALERT_WEBHOOK_SECRET must have at most 200 characters.")
    .optional(),
});

/** Documentation of every environment variable, printed by `signage --help`. */
export const configHelp: readonly (readonly [name: string, meaning: string])[] = [
  ["PORT", "TCP port to listen on (default 8080; 0 picks a free port)"],
  ["HOST", "address to listen on (default 0.0.0.0, every interface)"],
  ["SIGNAGE_DATA_DIR", "directory for the database file and other data (default ./data)"],
  [
    "DATABASE_URL",
    "sqlite:///abs/path.db, sqlite:relative.db or postgres://user@host/db (default: SQLite file signage.db in the data directory)",
  ],
  ["LOG_LEVEL", "fatal, error, warn, info (default), debug, trace or silent"],
  [
    "SIGNAGE_MASTER_KEY",
    "32-byte base64 key sealing raw photos and ID numbers (default: generated once into DATA_DIR/master.key, mode 0600)",
  ],
  ["SIGNAGE_REDACTION_WORKERS", "redaction worker threads (default 0: one per core)"],
  [
    "SIGNAGE_DETECTOR_ENGINE",
    "where the face detectors run: onnxruntime (native), wasm (tfjs), or auto (default: onnxruntime where it loads, else wasm)",
  ],
  [
    "SIGNAGE_SYNC_CONCURRENCY",
    "kiosk handshakes and syncs served at once; more are told to retry in a few seconds (default 500)",
  ],
  [
    "SIGNAGE_REDIS_URL",
    "redis://host:6379 to run several server processes on one PostgreSQL database (default: none, one process)",
  ],
  ["SIGNAGE_REDIS_STREAM", "the Redis stream the processes share (default signage)"],
  [
    "SIGNAGE_UNPAIRED_SOCKETS_PER_ADDRESS",
    "unpaired kiosk connections open at once from one client address; more are refused (default 20)",
  ],
  [
    "SIGNAGE_UNPAIRED_SOCKETS_TOTAL",
    "unpaired kiosk connections open at once on this server; more are told to retry (default 2000; paired screens are never counted)",
  ],
  [
    "SIGNAGE_HANDSHAKES_PER_MINUTE",
    "socket handshakes a minute from one client address that prove neither a device token nor a session (default 60)",
  ],
  [
    "SIGNAGE_PAIRING_CODES_PER_RANGE",
    "pairing codes a minute for one address range, IPv4 /24 or IPv6 /64 (default 60; one address gets at most 30)",
  ],
  [
    "SIGNAGE_PAIRING_CODES_PER_MINUTE",
    "pairing codes a minute in all; beyond it only ranges that asked for fewer than 5 get one (default 600)",
  ],
  [
    "SIGNAGE_RETAIN_PLAYS_DAYS",
    "days proof-of-play records are kept before the daily sweep deletes them (default 400)",
  ],
  [
    "SIGNAGE_RETAIN_SESSIONS_DAYS",
    "days an ended console session is kept before the daily sweep deletes it (default 30)",
  ],
  [
    "SIGNAGE_RETAIN_OBJECTIONS_DAYS",
    "days a citizen's objection is kept after it was decided (dismissed or forwarded) or its listing's data was erased, before the daily sweep deletes it (default 180)",
  ],
  [
    "SIGNAGE_PUBLIC_URL",
    "the address people and screens use, e.g. https://signage.city.gov: requests naming another Host are refused; https adds Secure cookies and HSTS (default: none)",
  ],
  [
    "SIGNAGE_TRUST_PROXY",
    "reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: loopback, or IPs and CIDRs separated by commas (default: none)",
  ],
  [
    "SIGNAGE_METRICS_TOKEN",
    "bearer token (16+ characters) that lets Prometheus scrape /metrics (default: none; /metrics is off unless this or SIGNAGE_METRICS_ALLOW is set)",
  ],
  [
    "SIGNAGE_RETAIN_SCREENSHOTS_HOURS",
    "hours a picture a screen took on request is kept before the hourly sweep deletes it (default 24)",
  ],
  [
    "SIGNAGE_RETAIN_ALERTS_DAYS",
    "days a resolved alert (and its webhook deliveries) is kept before the daily sweep deletes it (default 90)",
  ],
  [
    "SIGNAGE_ALERT_OFFLINE_MINUTES",
    "minutes a screen may be offline before an alert, where its district sets none (default 5)",
  ],
  [
    "SIGNAGE_ALERT_TAKEDOWN_SECONDS",
    "seconds a screen may take to acknowledge a takedown before an alert (default 60)",
  ],
  ["SIGNAGE_ALERT_CHECK_SECONDS", "how often alerts are checked, in seconds (default 15)"],
  [
    "SIGNAGE_ALERT_WEBHOOK_URL",
    "http(s) address alerts are POSTed to as signed JSON, for a city's on-call tools (default: none)",
  ],
  [
    "SIGNAGE_ALERT_WEBHOOK_SECRET",
    "the shared secret (16+ characters) of the webhook's HMAC-SHA256 signature; required with the URL",
  ],
  [
    "SIGNAGE_METRICS_ALLOW",
    "IPs and CIDRs, separated by commas, that may scrape /metrics without the token (default: none)",
  ],
];

/** Reads and validates configuration from environment variables; throws StartupError with one sentence. */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join(".") ?? "environment";
    throw new StartupError(`Invalid ${name}: ${issue?.message ?? "unreadable value"}`);
  }
  const e = parsed.data;
  if (
    (e.SIGNAGE_ALERT_WEBHOOK_URL === undefined) !==
    (e.SIGNAGE_ALERT_WEBHOOK_SECRET === undefined)
  )
    throw new StartupError(
      "Set SIGNAGE_ALERT_WEBHOOK_URL and SIGNAGE_ALERT_WEBHOOK_SECRET together: the secret signs what is sent to the URL.",
    );
  const dataDir = resolve(cwd, e.SIGNAGE_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: parseDatabaseUrl(e.DATABASE_URL, dataDir),
    logLevel: e.LOG_LEVEL,
    redactionWorkers: e.SIGNAGE_REDACTION_WORKERS,
    detectorEngine: e.SIGNAGE_DETECTOR_ENGINE,
    syncConcurrency: e.SIGNAGE_SYNC_CONCURRENCY,
    ...socketLimitsOf(e),
    retention: {
      playsDays: e.SIGNAGE_RETAIN_PLAYS_DAYS,
      endedSessionsDays: e.SIGNAGE_RETAIN_SESSIONS_DAYS,
      ...(e.SIGNAGE_RETAIN_OBJECTIONS_DAYS !== undefined
        ? { objectionsDays: e.SIGNAGE_RETAIN_OBJECTIONS_DAYS }
        : {}),
      ...(e.SIGNAGE_RETAIN_ALERTS_DAYS !== undefined
        ? { alertsDays: e.SIGNAGE_RETAIN_ALERTS_DAYS }
        : {}),
      ...(e.SIGNAGE_RETAIN_SCREENSHOTS_HOURS !== undefined
        ? { screenshotsHours: e.SIGNAGE_RETAIN_SCREENSHOTS_HOURS }
        : {}),
    },
    trustProxy: parseTrustProxy(e.SIGNAGE_TRUST_PROXY),
    metrics: {
      allow: parseMetricsAllow(e.SIGNAGE_METRICS_ALLOW),
      ...(e.SIGNAGE_METRICS_TOKEN !== undefined ? { token: e.SIGNAGE_METRICS_TOKEN } : {}),
    },
    alerts: {
      offlineMinutes: e.SIGNAGE_ALERT_OFFLINE_MINUTES,
      takedownSeconds: e.SIGNAGE_ALERT_TAKEDOWN_SECONDS,
      checkSeconds: e.SIGNAGE_ALERT_CHECK_SECONDS,
      ...(e.SIGNAGE_ALERT_WEBHOOK_URL !== undefined && e.SIGNAGE_ALERT_WEBHOOK_SECRET !== undefined
        ? { webhook: { url: e.SIGNAGE_ALERT_WEBHOOK_URL, secret: e.SIGNAGE_ALERT_WEBHOOK_SECRET } }
        : {}),
    },
    ...(e.SIGNAGE_PUBLIC_URL !== undefined
      ? { publicUrl: parsePublicUrl(e.SIGNAGE_PUBLIC_URL) }
      : {}),
    ...(e.SIGNAGE_MASTER_KEY ? { masterKey: e.SIGNAGE_MASTER_KEY } : {}),
    ...(e.SIGNAGE_REDIS_URL
      ? { redis: { url: e.SIGNAGE_REDIS_URL, stream: e.SIGNAGE_REDIS_STREAM } }
      : {}),
  };
}

/** The socket limits set in the environment, as `{ socketLimits }`, or nothing when none is. */
function socketLimitsOf(e: z.output<typeof EnvSchema>): { socketLimits?: Partial<SocketLimits> } {
  const set: Partial<SocketLimits> = {
    ...(e.SIGNAGE_UNPAIRED_SOCKETS_PER_ADDRESS !== undefined
      ? { unpairedPerAddress: e.SIGNAGE_UNPAIRED_SOCKETS_PER_ADDRESS }
      : {}),
    ...(e.SIGNAGE_UNPAIRED_SOCKETS_TOTAL !== undefined
      ? { unpairedTotal: e.SIGNAGE_UNPAIRED_SOCKETS_TOTAL }
      : {}),
    ...(e.SIGNAGE_HANDSHAKES_PER_MINUTE !== undefined
      ? { handshakesPerMinute: e.SIGNAGE_HANDSHAKES_PER_MINUTE }
      : {}),
    ...(e.SIGNAGE_PAIRING_CODES_PER_RANGE !== undefined
      ? { pairingCodesPerRange: e.SIGNAGE_PAIRING_CODES_PER_RANGE }
      : {}),
    ...(e.SIGNAGE_PAIRING_CODES_PER_MINUTE !== undefined
      ? { pairingCodesPerMinute: e.SIGNAGE_PAIRING_CODES_PER_MINUTE }
      : {}),
  };
  return Object.keys(set).length > 0 ? { socketLimits: set } : {};
}

/** Turns DATABASE_URL into a database choice; relative SQLite paths are taken from the data directory. */
export function parseDatabaseUrl(url: string | undefined, dataDir: string): DatabaseConfig {
  if (url === undefined) return { kind: "sqlite", file: resolve(dataDir, "signage.db") };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") return { kind: "postgres", url };
  if (scheme === "sqlite" || scheme === "file") {
    // sqlite:///abs/path.db → /abs/path.db; sqlite:rel.db or sqlite://rel.db → <dataDir>/rel.db
    const rest = url
      .slice(scheme.length + 1)
      .replace(/^\/\/(?=\/)/, "")
      .replace(/^\/\//, "");
    if (rest === "") {
      throw new StartupError(
        "DATABASE_URL names no SQLite file; use sqlite:///absolute/path.db or sqlite:name.db.",
      );
    }
    return { kind: "sqlite", file: isAbsolute(rest) ? rest : resolve(dataDir, rest) };
  }
  throw new StartupError(
    `DATABASE_URL uses an unsupported scheme "${scheme ?? url}"; use sqlite:///path/to/file.db or postgres://user@host/db.`,
  );
}
