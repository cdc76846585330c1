import { z } from "zod";
import { ScreenTagSchema } from "./announcement";
import { DistrictIdSchema } from "./district";

/**
 * A kiosk release channel ("stable", "beta"): electron-updater's feed file of channel C on Linux
 * is `C-linux.yml`, so a channel is a short lower-case word.
 */
export const ReleaseChannelSchema = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,19}$/, "A channel is a lower-case word of letters and digits.");

/** A semantic version (1.4.0, 2.0.0-beta.1), as electron-updater compares them. */
export const ReleaseVersionSchema = z
  .string()
  .max(40)
  .regex(
    /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/,
    "A version is a semantic version such as 1.4.0 or 2.0.0-beta.1.",
  );

/** One kiosk release the server can offer: the installer file and its checksum. */
export const KioskReleaseSchema = z.object({
  version: ReleaseVersionSchema,
  channel: ReleaseChannelSchema,
  fileName: z.string(),
  /** SHA-512 of the file, base64, as electron-updater checks a download. */
  sha512: z.string(),
  size: z.number().int().nonnegative(),
  releaseDate: z.string(),
  notes: z.string().nullable(),
  addedAt: z.string(),
});
/** One kiosk release. */
export type KioskRelease = z.infer<typeof KioskReleaseSchema>;

/** A version offered ahead of the channel's release to the screens of a district or a tag. */
export const ReleaseStageSchema = z.object({
  channel: ReleaseChannelSchema,
  version: ReleaseVersionSchema,
  target: z.object({ type: z.enum(["district", "tag"]), id: z.string() }),
  stagedAt: z.string(),
});
/** One stage of a rollout. */
export type ReleaseStage = z.infer<typeof ReleaseStageSchema>;

/** What a channel offers everyone, and what a rollback would go back to. */
export const ReleaseRolloutSchema = z.object({
  channel: ReleaseChannelSchema,
  released: ReleaseVersionSchema.nullable(),
  previous: ReleaseVersionSchema.nullable(),
  updatedAt: z.string(),
});
/** One channel's rollout. */
export type ReleaseRollout = z.infer<typeof ReleaseRolloutSchema>;

/** GET /api/kiosk-releases: releases, rollouts, stages, and how many screens run each version. */
export const KioskReleasesViewSchema = z.object({
  releases: z.array(KioskReleaseSchema),
  rollouts: z.array(ReleaseRolloutSchema),
  stages: z.array(ReleaseStageSchema),
  /** Paired screens by the app version they last reported (null: never reported). */
  screensByVersion: z.array(z.object({ appVersion: z.string().nullable(), screens: z.number() })),
});
/** The console's kiosk releases page. */
export type KioskReleasesView = z.infer<typeof KioskReleasesViewSchema>;

/** POST /api/kiosk-releases/:version/stage: offer the version to these districts and tags. */
export const StageReleaseInputSchema = z
  .strictObject({
    channel: ReleaseChannelSchema,
    districtIds: z.array(DistrictIdSchema).max(100).default([]),
    tags: z.array(ScreenTagSchema).max(100).default([]),
  })
  .refine((v) => v.districtIds.length + v.tags.length > 0, {
    message: "Name at least one district or tag.",
    path: ["districtIds"],
  });
/** A stage request. */
export type StageReleaseInput = z.infer<typeof StageReleaseInputSchema>;

/** POST /api/kiosk-releases/:version/promote and /rollback: the channel to change. */
export const ReleaseChannelInputSchema = z.strictObject({ channel: ReleaseChannelSchema });
/** A promote or rollback request. */
export type ReleaseChannelInput = z.infer<typeof ReleaseChannelInputSchema>;
