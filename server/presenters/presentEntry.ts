import { z } from "zod";
import type { EntryView, RenditionRef } from "../../shared/schemas/entryView";
import { RegionSchema, RevokeReasonSchema } from "../../shared/schemas/moderation";
import type { EntryRow } from "../store/schema";

/**
 * The one place that decides which entry fields reach the console. The full name, the ID number
 * and its fingerprint never leave (they are sealed, and erased when the listing ends); neither
 * does anything of the raw photo. The masked name is the name the console shows.
 */
export function presentEntry(
  row: EntryRow,
  districtIds: string[],
  renditions: RenditionRef[] = [],
): EntryView {
  return {
    id: row.id,
    kind: row.kind,
    subjectType: row.subject_type,
    state: row.state,
    maskedName: row.masked_name,
    hasIdNumber: row.id_number_sealed !== null,
    sex: row.sex,
    legalRepresentative: row.legal_representative,
    caseNumber: row.case_number,
    court: row.court,
    obligation: row.obligation,
    amountMinor: row.amount_minor === null ? null : Number(row.amount_minor),
    currency: row.currency,
    performance: row.performance,
    listingGround: row.listing_ground,
    legalBasisNumber: row.legal_basis_number,
    legalBasisIssuer: row.legal_basis_issuer,
    publicId: row.public_id,
    listingDate: row.listing_date,
    expiryDate: row.expiry_date,
    districtIds,
    source: row.source,
    hasPhoto: row.has_photo === 1,
    redactionStatus: row.redaction_status,
    redactionReason: row.redaction_reason,
    renditions,
    manualRegions: parseJson(row.manual_regions_json, RegionsListSchema) ?? [],
    crop: parseJson(row.crop_json, RegionSchema),
    coverAll: row.cover_all === 1,
    revision: Number(row.revision),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    submittedBy: row.submitted_by,
    reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at,
    reviewNote: row.review_note,
    revokedAt: row.revoked_at,
    revokeReason: parseJson(row.revoke_reason, RevokeReasonRecordSchema),
  };
}

const RegionsListSchema = z.array(RegionSchema);
const RevokeReasonRecordSchema = z.object({
  reason: RevokeReasonSchema,
  text: z.string().optional(),
});

/** Parses a stored JSON column; a value that does not fit reads as null rather than failing the page. */
function parseJson<T>(json: string | null, schema: z.ZodType<T>): T | null {
  if (json === null) return null;
  try {
    const r = schema.safeParse(JSON.parse(json));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
