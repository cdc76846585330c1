import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Announcement, AnnouncementInput } from "../../shared/schemas/announcement";
import { presentAnnouncement } from "../presenters/presentAnnouncement";
import { insertAnnouncement, listAnnouncements } from "../store/announcements";
import { runInTransaction } from "../store/runInTransaction";
import type { Database } from "../store/schema";
import type { AuditInput, AuditLog } from "./AuditLog";
import type { ChangeFeed } from "./ChangeFeed";

/**
 * Publishes announcements: stores each with the next change-log version and its audit record in
 * one transaction, then pushes it.
 */
export class AnnouncementPublisher {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores and pushes one announcement; the notification goes out only after the commit. */
  async publish(input: AnnouncementInput, actor: AuditInput["actor"]): Promise<Announcement> {
    const id = randomUUID();
    const at = this.now().toISOString();
    const announcement = await runInTransaction(this.db, this.log, async (uow) => {
      const published = await this.changes.announcement(uow, id, at, async (version) => {
        const { tags, ...fields } = input;
        const row = { id, ...fields, tags_json: JSON.stringify(tags), created_at: at, version };
        await insertAnnouncement(uow.trx, row);
        return presentAnnouncement(row);
      });
      await this.audit.record(uow.trx, {
        actor,
        action: "announcement.published",
        target: { type: "announcement", id },
        details: { title: input.title },
      });
      return published;
    });
    this.log.info({ announcementId: id, version: announcement.version }, "announcement published");
    return announcement;
  }

  /** The published announcements, oldest first, as the console lists them. */
  async list(limit: number): Promise<Announcement[]> {
    return (await listAnnouncements(this.db, limit)).map(presentAnnouncement);
  }
}
