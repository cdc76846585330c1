import { z } from "zod";

/** Rejecting an entry: the submitter reads the reason and may resubmit after an edit. */
export const RejectSchema = z.strictObject({
  reason: z.string().trim().min(1, "Say why the entry is rejected.").max(500),
});

/** Why an entry is taken down. */
export const RevokeReasonSchema = z.enum(["obligation_fulfilled", "court_order", "error", "other"]);
/** Why an entry is taken down. */
export type RevokeReason = z.infer<typeof RevokeReasonSchema>;

/** Taking an entry down: a reason from the list, and text when the reason is "other". */
export const RevokeSchema = z
  .strictObject({
    reason: RevokeReasonSchema,
    text: z.string().trim().max(500).optional(),
  })
  .refine((r) => r.reason !== "other" || (r.text ?? "").length > 0, {
    message: 'Describe the reason when it is "other".',
    path: ["text"],
  });
/** Taking an entry down. */
export type RevokeInput = z.infer<typeof RevokeSchema>;

/** A face region in fractions (0–1) of the upright photo. */
export const RegionSchema = z
  .strictObject({
    x: z.number().min(0).max(1),
    y: z.number().min(0).max(1),
    width: z.number().gt(0).max(1),
    height: z.number().gt(0).max(1),
  })
  .refine((r) => r.x + r.width <= 1.000001 && r.y + r.height <= 1.000001, {
    message: "A region must lie inside the photo.",
  });
/** A face region relative to the photo. */
export type Region = z.infer<typeof RegionSchema>;

/**
 * The regions a moderator marks by hand (replacing the previous hand-drawn set). Detected faces
 * are always covered besides these: covering too much is safe, too little is not.
 */
export const RegionsSchema = z.strictObject({
  regions: z.array(RegionSchema).max(20, "At most 20 regions per photo."),
});

/** An entry's revision as the moderator saw it: an approval holds only for that version. */
export const RevisionSchema = z
  .number({ error: "Say which revision of the entry you reviewed." })
  .int()
  .positive();

/** Approving one entry: the revision the moderator reviewed. */
export const ApproveSchema = z.strictObject({ revision: RevisionSchema });

/** Approving a page of clean entries at once, each at the revision the moderator saw. */
export const BulkApproveSchema = z.strictObject({
  entries: z
    .array(z.strictObject({ id: z.uuid(), revision: RevisionSchema }))
    .min(1, "Name at least one entry.")
    .max(100, "At most 100 entries at once."),
});

/** Cropping the photo to the listed person: the box, in fractions of the upright photo. */
export const CropSchema = z.strictObject({ box: RegionSchema.nullable() });

/** Covering the whole photo (a moderator's last resort), or undoing it. */
export const CoverAllSchema = z.strictObject({ on: z.boolean() });

/** Why a redaction that covered every face still needs a moderator's eyes, one entry at a time. */
export const RedactionConcernCodeSchema = z.enum([
  "several_faces",
  "face_too_small",
  "no_confident_face",
  "detectors_disagree",
  "covered_whole_frame",
]);
/** A redaction concern's code. */
export type RedactionConcernCode = z.infer<typeof RedactionConcernCodeSchema>;

/** One redaction concern, with its sentence for the moderator. */
export const RedactionConcernSchema = z.object({
  code: RedactionConcernCodeSchema,
  message: z.string(),
});
/** One redaction concern. */
export type RedactionConcern = z.infer<typeof RedactionConcernSchema>;

/**
 * Every name the server gives what a revision of an entry changed: the fields of an edit
 * (EntryEditSchema's keys), the masked name derived from the full name, the photo, how the
 * photo is treated (hand-drawn regions, crop, covered whole) and a redaction's result. The
 * console names each in its language; a unit test holds both catalogues to this list.
 */
export const RevisionFieldSchema = z.enum([
  "subjectType",
  "fullName",
  "maskedName",
  "idNumber",
  "sex",
  "legalRepresentative",
  "caseNumber",
  "court",
  "obligation",
  "amountMinor",
  "currency",
  "performance",
  "listingGround",
  "legalBasisNumber",
  "legalBasisIssuer",
  "listingDate",
  "expiryDate",
  "districtIds",
  "photo",
  "manualRegions",
  "crop",
  "coverAll",
  "redaction",
]);
/** A name of what a revision changed. */
export type RevisionField = z.infer<typeof RevisionFieldSchema>;

/**
 * What one revision of an entry changed. `fields` are RevisionField names, read as plain
 * strings: a history written by an older or newer server may hold a name this one lacks.
 */
export const RevisionChangeSchema = z.object({
  revision: z.number().int().positive(),
  fields: z.array(z.string()),
  /** The user who made the change; null for the system (a redaction result). */
  by: z.string().nullable(),
  at: z.string(),
});
/** What one revision changed. */
export type RevisionChange = z.infer<typeof RevisionChangeSchema>;

/** Why an entry in the review queue needs attention. */
export const AttentionSchema = z.enum([
  "no_photo",
  "no_face_detected",
  "verification_failed",
  "redaction_failed",
  "redaction_pending",
  "edited_after_approval",
  "resubmitted_after_rejection",
  ...RedactionConcernCodeSchema.options,
]);
/** Why an entry needs attention. */
export type Attention = z.infer<typeof AttentionSchema>;

/** The outcome of a bulk approval: approved ids, and why each other one was refused. */
export const BulkApprovalSchema = z.object({
  approved: z.array(z.string()),
  refused: z.array(
    z.object({
      id: z.string(),
      code: z.string(),
      message: z.string(),
      /** Why, as a key of shared/messages/errorMessages.ts, so the console words it. */
      reason: z.string().max(80).optional(),
      params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    }),
  ),
});
/** The outcome of a bulk approval. */
export type BulkApproval = z.infer<typeof BulkApprovalSchema>;
