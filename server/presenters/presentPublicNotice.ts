import { PublicNoticeSchema, type PublicNotice } from "../../shared/schemas/publicNotice";
import type { ScreenPhoto } from "../../shared/schemas/screenEntry";
import type { ContestLine } from "../services/districtSettings";
import type { ScreenEntryRow } from "../store/delivery";
import { presentScreenEntry } from "./presentScreenEntry";

/**
 * The one exit of the public notice page: the entry as its slide shows it (through
 * `presentScreenEntry`, so the page can never say more than the street), without the
 * database id or the rendition's hash, and the district's contest line. Parsed strictly on
 * the way out: a new field must be added to `PublicNoticeSchema` on purpose.
 */
export function presentPublicNotice(
  row: ScreenEntryRow,
  expiresAt: string,
  photo: ScreenPhoto | null,
  contest: ContestLine,
): PublicNotice {
  const {
    id: _id,
    photo: _photo,
    publishedVersion: _version,
    ...shown
  } = presentScreenEntry(row, expiresAt, photo);
  return PublicNoticeSchema.parse({
    entry: shown,
    contest: {
      text: contest.contestText,
      contact: contest.contestContact,
      url: contest.contestUrl,
    },
    photoUrl: photo ? `/n/${encodeURIComponent(row.public_id)}/photo` : null,
  });
}
