import type { Kysely } from "kysely";
import type { PublicNotice } from "../../shared/schemas/publicNotice";
import { presentPublicNotice } from "../presenters/presentPublicNotice";
import { displayRendition, entryByPublicId, entryDistricts } from "../store/notices";
import type { Database } from "../store/schema";
import type { DistrictRegistry } from "./DistrictRegistry";
import { contestLineOf } from "./districtSettings";
import { entryExpiresAt } from "../../shared/schedule/entryExpiresAt";

/**
 * What a public notice address leads to: the notice while the entry is published; "ended"
 * once it was revoked, expired or withdrawn; "unknown" for an address no published entry ever
 * had (never told apart from a made-up one).
 */
export type NoticeLookup =
  | { status: "live"; notice: PublicNotice; entryId: string }
  | { status: "ended" }
  | { status: "unknown" };

/** Finds the public notice of an entry by its opaque id, and its redacted photo while live. */
export class PublicNotices {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      registry: DistrictRegistry;
      now?: () => Date;
    },
  ) {}

  /** The notice behind `publicId`, or why there is none. */
  async lookup(publicId: string): Promise<NoticeLookup> {
    const row = await entryByPublicId(this.deps.db, publicId);
    // Never published (a draft, one under review or rejected): as if it did not exist.
    if (!row || row.published_version === null) return { status: "unknown" };
    if (row.state !== "approved") return { status: "ended" };
    const districts = await entryDistricts(this.deps.db, row.id);
    // As the screens judge it: past it, the listing has ended even before the sweep marks it.
    const expiresAt = entryExpiresAt(
      row.expiry_date,
      districts.map((d) => d.time_zone),
    );
    const now = this.deps.now?.() ?? new Date();
    if (Date.parse(expiresAt) <= now.getTime()) return { status: "ended" };
    const first = districts[0];
    const contest = contestLineOf(first ? await this.deps.registry.ancestry(first.id) : []);
    const photo = await displayRendition(this.deps.db, row.id);
    const notice = presentPublicNotice(
      row,
      expiresAt,
      photo
        ? {
            hash: photo.hash,
            mime: photo.mime,
            width: Number(photo.width),
            height: Number(photo.height),
          }
        : null,
      contest,
    );
    return { status: "live", notice, entryId: row.id };
  }

  /** The redacted display rendition of a live notice; undefined once it ended (or never was). */
  async photo(publicId: string): Promise<{ mime: string; bytes: Buffer } | undefined> {
    const found = await this.lookup(publicId);
    if (found.status !== "live" || found.notice.photoUrl === null) return undefined;
    const photo = await displayRendition(this.deps.db, found.entryId);
    return photo ? { mime: photo.mime, bytes: photo.bytes } : undefined;
  }
}
