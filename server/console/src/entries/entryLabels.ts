import type { EntryKind, EntryState, Sex } from "../../../../shared/schemas/entry";
import type { RedactionStatus } from "../../../../shared/schemas/entryView";
import {
  RevisionFieldSchema,
  type Attention,
  type RevisionField,
  type RevokeReason,
} from "../../../../shared/schemas/moderation";
import type { PlainMessageKey, Translate } from "../lib/i18n";

/** The message naming each list kind. */
export const kindKeys: Record<EntryKind, PlainMessageKey> = {
  discredited: "kind.discredited",
  redlist: "kind.redlist",
};

/** The message naming each entry state. */
export const stateKeys: Record<EntryState, PlainMessageKey> = {
  draft: "state.draft",
  pending_review: "state.pending_review",
  approved: "state.approved",
  rejected: "state.rejected",
  revoked: "state.revoked",
  expired: "state.expired",
};

/** The message naming each redaction status. */
export const redactionKeys: Record<RedactionStatus, PlainMessageKey> = {
  none: "redaction.none",
  queued: "redaction.queued",
  processing: "redaction.processing",
  done: "redaction.done",
  needs_review: "redaction.needs_review",
  failed: "redaction.failed",
};

/** The message naming each sex. */
export const sexKeys: Record<Sex, PlainMessageKey> = {
  male: "sex.male",
  female: "sex.female",
  unknown: "sex.unknown",
};

/** The message naming each reason to take an entry down. */
export const revokeReasonKeys: Record<RevokeReason, PlainMessageKey> = {
  obligation_fulfilled: "revokeReason.obligation_fulfilled",
  court_order: "revokeReason.court_order",
  error: "revokeReason.error",
  other: "revokeReason.other",
};

/** The message explaining each reason an entry needs a moderator's attention. */
export const attentionKeys: Record<Attention, PlainMessageKey> = {
  no_photo: "attention.no_photo",
  no_face_detected: "attention.no_face_detected",
  verification_failed: "attention.verification_failed",
  redaction_failed: "attention.redaction_failed",
  redaction_pending: "attention.redaction_pending",
  edited_after_approval: "attention.edited_after_approval",
  resubmitted_after_rejection: "attention.resubmitted_after_rejection",
  several_faces: "attention.several_faces",
  face_too_small: "attention.face_too_small",
  no_confident_face: "attention.no_confident_face",
  detectors_disagree: "attention.detectors_disagree",
  covered_whole_frame: "attention.covered_whole_frame",
};

/** The message naming each thing a revision of an entry can change. */
export const revisionFieldKeys: Record<RevisionField, PlainMessageKey> = {
  subjectType: "revisionField.subjectType",
  fullName: "revisionField.fullName",
  maskedName: "revisionField.maskedName",
  idNumber: "revisionField.idNumber",
  sex: "revisionField.sex",
  legalRepresentative: "revisionField.legalRepresentative",
  caseNumber: "revisionField.caseNumber",
  court: "revisionField.court",
  obligation: "revisionField.obligation",
  amountMinor: "revisionField.amountMinor",
  currency: "revisionField.currency",
  performance: "revisionField.performance",
  listingGround: "revisionField.listingGround",
  legalBasisNumber: "revisionField.legalBasisNumber",
  legalBasisIssuer: "revisionField.legalBasisIssuer",
  listingDate: "revisionField.listingDate",
  expiryDate: "revisionField.expiryDate",
  districtIds: "revisionField.districtIds",
  photo: "revisionField.photo",
  manualRegions: "revisionField.manualRegions",
  crop: "revisionField.crop",
  coverAll: "revisionField.coverAll",
  redaction: "revisionField.redaction",
};

/**
 * What a revision changed, named in the console's language; a name this console does not know
 * (from a newer server, or an older history) is shown as sent.
 */
export function revisionFieldName(field: string, t: Translate): string {
  const known = RevisionFieldSchema.safeParse(field);
  return known.success ? t(revisionFieldKeys[known.data]) : field;
}

/** An amount in minor units (fen) as yuan with two decimals, e.g. "12,345.00 CNY". */
export function formatAmount(minor: number | null, currency: string, language: string): string {
  if (minor === null) return "—";
  return `${(minor / 100).toLocaleString(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
}

/**
 * The photo formats the server decodes (server/services/redaction/imageIntake.ts: JPEG, PNG,
 * WebP, and AVIF among the HEIF family; HEIC needs a patented codec and is refused), by media
 * type and name, for the file picker and its hint.
 */
export const photoFormats = [
  { mime: "image/jpeg", name: "JPEG" },
  { mime: "image/png", name: "PNG" },
  { mime: "image/webp", name: "WebP" },
  { mime: "image/avif", name: "AVIF" },
] as const;

/** The largest photo the server accepts, in MB (MAX_PHOTO_BYTES in server/routes/entries/router.ts). */
export const MAX_PHOTO_MB = 15;

/** The accepted formats' names as a list in the console's language ("JPEG, PNG, WebP or AVIF"). */
export function photoFormatList(language: string): string {
  return new Intl.ListFormat(language, { type: "disjunction" }).format(
    photoFormats.map((f) => f.name),
  );
}

/**
 * Why a chosen photo will be refused, before it is sent: a HEIC photo (the iPhone's own format,
 * often picked by mistake), another format, or one too large; null when it may go.
 */
export function photoProblem(file: File): "heic" | "type" | "size" | null {
  if (/\.(heic|heif)$/i.test(file.name) || /^image\/hei[cf]/.test(file.type)) return "heic";
  if (file.type !== "" && !photoFormats.some((f) => f.mime === file.type)) return "type";
  if (file.size > MAX_PHOTO_MB * 1024 * 1024) return "size";
  return null;
}
