import { z } from "zod";
import { ScreenTagSchema, ScreenTagsSchema } from "./announcement";
import { DistrictIdSchema } from "./district";

/** The alphabet of pairing codes: no 0/O, 1/I/L, so a technician reads them off a screen. */
export const PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/** Length of a pairing code. */
export const PAIRING_CODE_LENGTH = 6;

/**
 * A pairing code as a screen shows it and as words about it repeat it: upper case, in two
 * groups of three ("abcdef", "ABC-DEF" → "ABC DEF"). Anything else is returned as it is.
 */
export function groupPairingCode(code: string): string {
  const plain = code.replace(/[\s-]/g, "").toUpperCase();
  return plain.length === PAIRING_CODE_LENGTH ? `${plain.slice(0, 3)} ${plain.slice(3)}` : code;
}

/** A pairing code as typed by an operator (case and spaces forgiven). */
export const PairingCodeSchema = z
  .string()
  .transform((s) => s.replace(/[\s-]/g, "").toUpperCase())
  .pipe(
    z
      .string()
      .length(PAIRING_CODE_LENGTH, `A pairing code has ${PAIRING_CODE_LENGTH} characters.`)
      .regex(new RegExp(`^[${PAIRING_ALPHABET}]+$`), "That is not a pairing code."),
  );

/** What a kiosk reports about its display. */
export const DisplayInfoSchema = z.strictObject({
  width: z.number().int().min(1).max(16_384),
  height: z.number().int().min(1).max(16_384),
  appVersion: z.string().max(40),
});
/** A kiosk's display description. */
export type DisplayInfo = z.infer<typeof DisplayInfoSchema>;

/** The server's answer to a pairing request: the code to show and when it expires. */
export const PairingOfferSchema = z.strictObject({
  code: z.string().length(PAIRING_CODE_LENGTH),
  expiresAt: z.iso.datetime(),
});
/** A pairing offer. */
export type PairingOffer = z.infer<typeof PairingOfferSchema>;

/** Sent to the waiting kiosk once an operator has entered its code. */
export const PairingCompleteSchema = z.strictObject({
  screenId: z.uuid(),
  name: z.string(),
  districtId: DistrictIdSchema,
  /** The device token: the kiosk's only credential, shown to nobody else. */
  token: z.string().min(32).max(200),
});
/** A completed pairing. */
export type PairingComplete = z.infer<typeof PairingCompleteSchema>;

/** A new token for a connected kiosk (rotation). */
export const TokenRotatedSchema = z.strictObject({ token: z.string().min(32).max(200) });
/** A rotated token. */
export type TokenRotated = z.infer<typeof TokenRotatedSchema>;

/** Why the server sent a kiosk back to pairing. */
export const ScreenRevokedSchema = z.strictObject({ reason: z.string().max(200) });
/** A revocation notice. */
export type ScreenRevoked = z.infer<typeof ScreenRevokedSchema>;

/**
 * The code a screen shows when identified: the first eight hex digits of its id, as "3F2A-91C0".
 * Made by the system, never typed: the screen's name is one operator's free text, and nothing one
 * person alone types reaches the street (four eyes).
 */
export function identifyCodeOf(screenId: string): string {
  const hex = screenId
    .replace(/[^0-9a-fA-F]/g, "")
    .slice(0, 8)
    .toUpperCase();
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

/**
 * The console asks a screen to show its identify code large for a few seconds, so a technician
 * on the street can tell which screen is which (the console shows the same code). The field is
 * still called `name`, as earlier kiosks read it. Server-to-kiosk messages are plain objects (not
 * strict): an older kiosk ignores fields it does not know.
 */
export const ScreenIdentifySchema = z.object({
  name: z.string().max(80),
  seconds: z.number().int().min(1).max(60),
});
/** An identify command. */
export type ScreenIdentify = z.infer<typeof ScreenIdentifySchema>;

/** The console asks a screen to reload its page (after an update, or to clear a fault). */
export const ScreenReloadSchema = z.object({ reason: z.string().max(200) });
/** A reload command. */
export type ScreenReload = z.infer<typeof ScreenReloadSchema>;

/** What an operator may send with an identify request. */
export const IdentifyScreenInputSchema = z.strictObject({
  seconds: z.number().int().min(1).max(60).default(10),
});

/** The kiosk's periodic health report (every 30 s). */
export const ScreenStatusSchema = z.strictObject({
  width: z.number().int().min(1).max(16_384),
  height: z.number().int().min(1).max(16_384),
  appVersion: z.string().max(40),
  appliedVersion: z.number().int().nonnegative(),
  currentSlide: z.string().max(200).nullable(),
  uptimeSeconds: z.number().nonnegative().max(1e9),
  memoryMb: z.number().nonnegative().max(1e6).nullable(),
  /** The kiosk's estimate of server time minus its own clock (ms); null before it knows. */
  clockSkewMs: z.number().int().min(-1e12).max(1e12).nullable().optional(),
  /** Its offline storage in use and the browser's quota for it (MB); null where not told. */
  storageUsedMb: z.number().nonnegative().max(1e9).nullable().optional(),
  storageQuotaMb: z.number().nonnegative().max(1e9).nullable().optional(),
});
/** A health report. */
export type ScreenStatus = z.infer<typeof ScreenStatusSchema>;

/** What an operator enters to pair a screen. */
export const PairScreenInputSchema = z.strictObject({
  code: PairingCodeSchema,
  name: z.string().trim().min(1, "Name the screen.").max(80),
  districtId: DistrictIdSchema,
  location: z.string().trim().max(200).default(""),
});
/** A pairing request from the console. */
export type PairScreenInput = z.infer<typeof PairScreenInputSchema>;

/** What an operator may change on a screen; moving it to another district switches content. */
export const UpdateScreenInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80).optional(),
    districtId: DistrictIdSchema.optional(),
    location: z.string().trim().max(200).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "Change at least one of name, districtId, location.");
/** A screen update. */
export type UpdateScreenInput = z.infer<typeof UpdateScreenInputSchema>;

/**
 * PUT /api/screens/:id/tags: the screen's whole tag set ("metro", "bus-stop"), replacing the
 * old one; windows and announcements targeting tags follow it at once.
 */
export const ScreenTagsInputSchema = z.strictObject({ tags: ScreenTagsSchema });
/** A screen's new tags. */
export type ScreenTagsInput = z.infer<typeof ScreenTagsInputSchema>;

/** What the screens list can be narrowed to: screens with one problem, or with any. */
export const ScreenProblemSchema = z.enum(
  ["offline", "storage_low", "clock_skew", "old_app_version", "takedown_unacknowledged", "any"],
  "problem is one of offline, storage_low, clock_skew, old_app_version, takedown_unacknowledged, any.",
);
/** A problem filter of the screens list. */
export type ScreenProblem = z.infer<typeof ScreenProblemSchema>;

/**
 * GET /api/screens: optionally only the screens carrying a tag (`?tag=metro`) or having a
 * problem (`?problem=offline`), sorted by name or last seen (`?sort=lastSeen&order=asc`: the
 * longest silent first); by district then name without `sort`.
 */
export const ScreenListQuerySchema = z.strictObject({
  tag: ScreenTagSchema.optional(),
  problem: ScreenProblemSchema.optional(),
  sort: z.enum(["name", "lastSeen"], "sort is name or lastSeen.").optional(),
  order: z.enum(["asc", "desc"], "order is asc or desc.").optional(),
});
/** The screens list's filter and order. */
export type ScreenListQuery = z.infer<typeof ScreenListQuerySchema>;

/**
 * What a screen reports showing, as people read it: the kind of slide and the masked name (an
 * entry, or the first of a list page) or the title (an announcement, an emergency) it shows;
 * `title` is null when the content is gone or the kiosk's label is not understood.
 */
export const ScreenShowingSchema = z.strictObject({
  kind: z.enum(["entry", "list", "announcement", "emergency", "idle", "blank", "other"]),
  title: z.string().nullable(),
  /** A list slide's page and page count (1-based); null for other slides. */
  page: z.number().nullable(),
  pages: z.number().nullable(),
});
/** What a screen shows, named. */
export type ScreenShowing = z.infer<typeof ScreenShowingSchema>;

/** A screen as the console sees it (never its token). */
export const ScreenSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  districtId: DistrictIdSchema,
  location: z.string(),
  state: z.enum(["active", "revoked"]),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  orientation: z.enum(["landscape", "portrait"]).nullable(),
  appVersion: z.string().nullable(),
  appliedVersion: z.number(),
  currentSlide: z.string().nullable(),
  /** `currentSlide` named for people (masked names and titles, never a full name). */
  showing: ScreenShowingSchema.nullable(),
  uptimeSeconds: z.number().nullable(),
  memoryMb: z.number().nullable(),
  /** Server time minus the screen's clock (ms), as last reported; null if unknown. */
  clockSkewMs: z.number().nullable(),
  pairedAt: z.string(),
  /** Its tags, sorted; schedules' windows and announcements may target them. */
  tags: z.array(z.string()),
});
/** A screen. */
export type Screen = z.infer<typeof ScreenSchema>;

/** GET /api/screens/:id/history: the last `days` days (1 to 7, 7 by default). */
export const ScreenHistoryQuerySchema = z.strictObject({
  days: z.coerce
    .number("days is a whole number from 1 to 7.")
    .int("days is a whole number from 1 to 7.")
    .min(1, "days is a whole number from 1 to 7.")
    .max(7, "days is a whole number from 1 to 7.")
    .default(7),
});
/** A screen history's period. */
export type ScreenHistoryQuery = z.infer<typeof ScreenHistoryQuerySchema>;

/** One stretch of time a screen was connected, cut to the period asked for. */
export const ConnectedSpanViewSchema = z.strictObject({
  from: z.string(),
  /** The disconnect, the last report of a connection that went silent, or now. */
  to: z.string(),
  /** Still connected. */
  open: z.boolean(),
});
/** A connected span. */
export type ConnectedSpanView = z.infer<typeof ConnectedSpanViewSchema>;

/** One status report a screen sent, as it came (the last ones are kept). */
export const StatusReportViewSchema = z.strictObject({
  /** When the server received it. */
  at: z.string(),
  appVersion: z.string(),
  appliedVersion: z.number(),
  currentSlide: z.string().nullable(),
  /** `currentSlide` named for people (masked names and titles only). */
  showing: ScreenShowingSchema.nullable(),
  uptimeSeconds: z.number(),
  memoryMb: z.number().nullable(),
  /** Server time minus the screen's clock (ms); null when the kiosk did not know or say. */
  clockSkewMs: z.number().nullable(),
  storageUsedMb: z.number().nullable(),
  storageQuotaMb: z.number().nullable(),
});
/** A status report. */
export type StatusReportView = z.infer<typeof StatusReportViewSchema>;

/**
 * A screen's recent history: when it was connected over the period, its uptime, and its last
 * status reports (newest first).
 */
export const ScreenHistorySchema = z.strictObject({
  screenId: z.uuid(),
  days: z.number(),
  /** The period: `days` days back from now. */
  from: z.string(),
  to: z.string(),
  /** Where uptime is counted from: the period's start, or the pairing if later. */
  observedFrom: z.string(),
  spans: z.array(ConnectedSpanViewSchema),
  connectedMs: z.number(),
  /** Connected share of the observed time, 0–100; null when nothing was observed yet. */
  uptimePercent: z.number().nullable(),
  reports: z.array(StatusReportViewSchema),
});
/** A screen's history. */
export type ScreenHistory = z.infer<typeof ScreenHistorySchema>;
