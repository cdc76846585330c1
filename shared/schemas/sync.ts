import { z } from "zod";
import { AnnouncementSchema, LanguageSchema } from "./announcement";
import { EmergencySchema, ScheduleSchema } from "./schedule";
import { ScreenEntrySchema } from "./screenEntry";

/** A change-log version: 0 means "nothing applied yet". */
export const VersionSchema = z.number().int().nonnegative();

/** Sent by a kiosk after every (re)connect and whenever it learns of a newer version. */
export const KioskHelloSchema = z.strictObject({
  /** The last change-log version this kiosk has fully applied. */
  appliedVersion: VersionSchema,
  /** The kiosk software version, for the console's screen list. */
  appVersion: z.string().max(40).optional(),
});
/** A kiosk's hello or sync request. */
export type KioskHello = z.infer<typeof KioskHelloSchema>;

/** The district settings a screen needs to play: zone, language, the contest line (inherited). */
export const ScreenDistrictSchema = z.object({
  id: z.string(),
  timeZone: z.string(),
  language: LanguageSchema,
  contestText: z.string(),
  contestUrl: z.string().nullable(),
  /** Who to contact to contest; "" from an older server. Inherited like the text and URL. */
  contestContact: z.string().default(""),
});
/** A screen's district settings. */
export type ScreenDistrict = z.infer<typeof ScreenDistrictSchema>;

/**
 * What a kiosk must apply to reach `version`. Server-to-kiosk messages are plain (not strict)
 * objects: a kiosk running older software drops fields it does not know instead of refusing
 * the whole message, so a server update never stops a fleet from taking content down.
 */
export const SyncDeltaSchema = z.object({
  version: VersionSchema,
  /** True when this is the whole manifest: the kiosk replaces what it has. */
  full: z.boolean(),
  announcements: z.array(AnnouncementSchema),
  /** Approved list entries this screen may show, as screens show them (masked, redacted). */
  entries: z.array(ScreenEntrySchema),
  /** Announcements and entries to drop (revoked, expired, withdrawn for review). */
  removedIds: z.array(z.uuid()),
  /** Always sent whole (they are small): the district, its effective schedule, its emergencies. */
  district: ScreenDistrictSchema,
  /** Null when neither the district nor an ancestor has a schedule: every announcement rotates. */
  schedule: ScheduleSchema.nullable(),
  emergencies: z.array(EmergencySchema),
  /**
   * The screen itself: its tags, which a schedule window may require (`screenTags`). Absent
   * from an older server: the screen has no tags.
   */
  screen: z.object({ tags: z.array(z.string()) }).optional(),
  /** The server's clock when it answered: the kiosk corrects its own by it to judge expiry. */
  serverTime: z.iso.datetime({ offset: true }).optional(),
  /**
   * With a full manifest: the screen's district epoch it was made for (a move or a re-parent
   * starts a new one). The kiosk echoes it when it acknowledges the manifest, so a manifest made
   * for where the screen was cannot count as applied where it is now.
   */
  manifestEpoch: z.number().int().nonnegative().optional(),
});
/** The server's answer to a hello: the delta, or the full manifest. */
export type SyncDelta = z.infer<typeof SyncDeltaSchema>;

/** A kiosk reports the version it has fully applied: its acknowledgement of every takedown up to it. */
export const KioskAppliedSchema = z.strictObject({
  version: VersionSchema,
  /** Set when what was applied is a full manifest: the kiosk holds nothing else now. */
  full: z.literal(true).optional(),
  /** With `full`: the manifest's `manifestEpoch` (absent from kiosks of earlier releases). */
  epoch: z.number().int().nonnegative().optional(),
  /**
   * Set when this acknowledges a push: the versions of the takedowns the kiosk applied from
   * pushes since its last sync, `version` among them. Each counts, not what came before it (a
   * takedown whose push never arrived is not acknowledged by a later one's). Absent from kiosks
   * of earlier releases, whose push acknowledgements count as before.
   */
  pushed: z.array(VersionSchema).min(1).max(1000).optional(),
});
/** A kiosk's acknowledgement. */
export type KioskApplied = z.infer<typeof KioskAppliedSchema>;

/** Most items a push carries; more than that goes through a sync round trip. */
export const MAX_PUSHED_ITEMS = 20;

/**
 * The push that tells kiosks something changed. It carries no content but what a single small
 * change adds (`added`: one published entry as screens show it, or one announcement); anything
 * else — a district move, a large batch, what a kiosk missed — comes through a sync.
 */
export const ContentChangedSchema = z.object({
  version: VersionSchema,
  ids: z.array(z.uuid()).max(1000),
  /**
   * Published at `version`, screen-ready (masked, redacted, as a sync would deliver it): the
   * kiosk holds it at once, without a round trip, and catches up on versions with a later sync.
   */
  added: z
    .object({
      entries: z.array(ScreenEntrySchema).max(MAX_PUSHED_ITEMS),
      announcements: z.array(AnnouncementSchema).max(MAX_PUSHED_ITEMS),
    })
    .optional(),
  /**
   * A takedown: entries to drop at once, before anything else is drawn. Removing is always
   * safe, so the kiosk applies it without a round trip and acknowledges `version` with
   * kiosk:applied; a push with nothing else new needs no sync.
   */
  removedIds: z.array(z.uuid()).max(1000).optional(),
  /**
   * With version 0 (re-check everything): emergencies cleared, to drop at once rather than after
   * the sync that follows. A kiosk of an earlier release ignores it and syncs as before.
   */
  emergenciesCleared: z.array(z.uuid()).max(1000).optional(),
});
/** A content-changed notification. */
export type ContentChanged = z.infer<typeof ContentChangedSchema>;
