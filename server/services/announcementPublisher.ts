import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Announcement, AnnouncementInput } from "../../shared/schemas/announcement";
import type { ContentChanged } from "../../shared/schemas/sync";
import { presentAnnouncement } from "../presenters/presentAnnouncement";
import { appendChange, insertAnnouncement } from "../store/announcements";
import type { Database } from "../store/schema";

/** Tells connected screens that content changed; implemented over socket.io rooms. */
export interface ChangeNotifier {
  contentChanged(change: ContentChanged): void;
}

/** Publishes announcements: stores them with the next change-log version, then notifies screens. */
export class AnnouncementPublisher {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly notifier: ChangeNotifier,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores and pushes one announcement; the notification goes out only after the commit. */
  async publish(input: AnnouncementInput): Promise<Announcement> {
    const id = randomUUID();
    const at = this.now().toISOString();
    const row = await this.db.transaction().execute(async (trx) => {
      const version = await appendChange(trx, "announcement.published", id, at);
      const { tags, ...fields } = input;
      const newRow = { id, ...fields, tags_json: JSON.stringify(tags), created_at: at, version };
      await insertAnnouncement(trx, newRow);
      return newRow;
    });
    this.log.info({ announcementId: id, version: row.version }, "announcement published");
    this.notifier.contentChanged({ version: row.version, ids: [id] });
    return presentAnnouncement(row);
  }
}
