import { z } from "zod";
import { AnnouncementSchema, LanguageSchema } from "./announcement";
import { EmergencySchema, ScheduleSchema } from "./schedule";

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

/** The district settings a screen needs to play: zone, language, the contest line. */
export const ScreenDistrictSchema = z.strictObject({
  id: z.string(),
  timeZone: z.string(),
  language: LanguageSchema,
  contestText: z.string(),
  contestUrl: z.string().nullable(),
});
/** A screen's district settings. */
export type ScreenDistrict = z.infer<typeof ScreenDistrictSchema>;

/** What a kiosk must apply to reach `version`. */
export const SyncDeltaSchema = z.strictObject({
  version: VersionSchema,
  /** True when this is the whole manifest: the kiosk replaces what it has. */
  full: z.boolean(),
  announcements: z.array(AnnouncementSchema),
  removedIds: z.array(z.uuid()),
  /** Always sent whole (they are small): the district, its effective schedule, its emergencies. */
  district: ScreenDistrictSchema,
  /** Null when neither the district nor an ancestor has a schedule: every announcement rotates. */
  schedule: ScheduleSchema.nullable(),
  emergencies: z.array(EmergencySchema),
});
/** The server's answer to a hello: the delta, or the full manifest. */
export type SyncDelta = z.infer<typeof SyncDeltaSchema>;

/** The small push that tells kiosks something changed; never carries content. */
export const ContentChangedSchema = z.strictObject({
  version: VersionSchema,
  ids: z.array(z.uuid()).max(1000),
});
/** A content-changed notification. */
export type ContentChanged = z.infer<typeof ContentChangedSchema>;
