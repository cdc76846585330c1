import type { Kysely } from "kysely";
import { AppError } from "../errors";
import { renditionByHash, renditionHolders } from "../store/delivery";
import type { Database, ScreenRow } from "../store/schema";
import { said } from "../../shared/messages/errorMessages";

/** What a screen's request for a rendition comes to. */
export type RenditionAnswer =
  | { kind: "bytes"; mime: string; bytes: Buffer }
  /** The screen already holds these bytes (its ETag matched) and may keep showing them. */
  | { kind: "unchanged" };

/**
 * The kiosk rendition rule: a paired screen gets the redacted rendition behind a hash only
 * while an approved entry in its district chain (its district and the ancestors whose content
 * it shows) holds it. Taken down or never approved there: 410, and the kiosk must forget it.
 */
export class KioskRenditions {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      districts: { ancestry(id: string): Promise<readonly { id: string }[]> };
    },
  ) {}

  /** Answers `screen`'s request for the rendition `hash` (`heldHash`: the ETag it sent). */
  async fetch(screen: ScreenRow, hash: string, heldHash?: string): Promise<RenditionAnswer> {
    const holders = await renditionHolders(this.deps.db, hash);
    // No holder: never issued, or erased with its listing (the rows go at erasure). Either way
    // gone for this screen, which must forget it.
    if (holders.length === 0) throw new AppError(410, "gone", said("kiosk.noRendition"));
    const chain = new Set(
      (await this.deps.districts.ancestry(screen.district_id)).map((d) => d.id),
    );
    const shownHere = holders.some((h) => h.state === "approved" && chain.has(h.district_id));
    if (!shownHere) throw new AppError(410, "gone", said("kiosk.pictureNotShown"));
    if (heldHash === hash) return { kind: "unchanged" };
    const rendition = await renditionByHash(this.deps.db, hash);
    if (!rendition) throw new AppError(410, "gone", said("kiosk.pictureRemoved"));
    return { kind: "bytes", mime: rendition.mime, bytes: rendition.bytes };
  }
}
