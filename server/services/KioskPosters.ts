import type { Kysely } from "kysely";
import { AppError } from "../errors";
import { parseStrings, targetsScreen } from "../presenters/presentAnnouncement";
import { announcementDistricts } from "../store/announcements";
import { posterBytesByHash, posterHolders } from "../store/posters";
import type { Database, ScreenRow } from "../store/schema";
import type { RenditionAnswer } from "./KioskRenditions";
import { said } from "../../shared/messages/errorMessages";

/**
 * The kiosk poster rule: a paired screen gets the redacted poster behind a hash only while a
 * published announcement it is targeted by (its district chain, its tags) holds it, and only a
 * poster the face pipeline finished (and a moderator accepted, when it had faces). Anything
 * else is a 404: the screen must not show it, and learns nothing more.
 */
export class KioskPosters {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      districts: { ancestry(id: string): Promise<readonly { id: string }[]> };
    },
  ) {}

  /** Answers `screen`'s request for the poster `hash` (`heldHash`: the ETag it sent). */
  async fetch(screen: ScreenRow, hash: string, heldHash?: string): Promise<RenditionAnswer> {
    const holders = (await posterHolders(this.deps.db, hash)).filter(
      (h) => h.state === "published" && h.status === "done",
    );
    const refused = new AppError(404, "not_found", said("kiosk.posterNotShown"));
    if (holders.length === 0) throw refused;
    const chain = new Set(
      (await this.deps.districts.ancestry(screen.district_id)).map((d) => d.id),
    );
    const tags = parseStrings(screen.tags_json);
    const targets = await announcementDistricts(
      this.deps.db,
      holders.map((h) => h.announcement_id),
    );
    const shownHere = holders.some((h) => {
      const districts = targets.get(h.announcement_id) ?? [];
      return (
        (districts.length === 0 || districts.some((d) => chain.has(d))) && targetsScreen(h, tags)
      );
    });
    if (!shownHere) throw refused;
    if (heldHash === hash) return { kind: "unchanged" };
    const poster = await posterBytesByHash(this.deps.db, hash);
    if (!poster) throw refused;
    return { kind: "bytes", mime: poster.mime, bytes: poster.bytes };
  }
}
