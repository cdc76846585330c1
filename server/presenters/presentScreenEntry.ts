import { maskName } from "../../shared/privacy/maskName";
import type { ScreenEntry, ScreenPhoto } from "../../shared/schemas/screenEntry";
import type { ScreenEntryRow } from "../store/delivery";

/**
 * The one place that decides which entry fields reach a street screen: masked strings and the
 * redacted rendition only. The full name, ID number and raw photo never pass here.
 */
export function presentScreenEntry(
  row: ScreenEntryRow,
  expiresAt: string,
  photo: ScreenPhoto | null,
): ScreenEntry {
  return {
    id: row.id,
    kind: row.kind,
    subjectType: row.subject_type,
    // An organisation's stored name is its full name; one stored before names that read like
    // a person's were masked (张三 as an "organisation"), or before its legal representative's
    // name in it was (张三烧烤店), is masked here, on its way out.
    maskedName:
      row.subject_type === "organisation"
        ? maskName(row.masked_name, {
            subjectType: "organisation",
            people: [row.legal_representative],
          })
        : row.masked_name,
    caseNumber: row.case_number,
    court: row.court,
    obligation: row.obligation,
    amountMinor: row.amount_minor === null ? null : Number(row.amount_minor),
    currency: row.currency,
    listingGround: row.listing_ground,
    listingDate: row.listing_date,
    legalBasisNumber: row.legal_basis_number,
    legalBasisIssuer: row.legal_basis_issuer,
    expiryDate: row.expiry_date,
    performance: row.performance,
    sourceDate: row.updated_at.slice(0, 10),
    publicId: row.public_id,
    expiresAt,
    publishedVersion: Number(row.published_version ?? 0),
    photo,
  };
}
