import type { Kysely } from "kysely";
import type { AlertList, WebhookStatus } from "../../../shared/schemas/alert";
import { presentAlert } from "../../presenters/presentAlert";
import {
  alertsSeenAt,
  countUnread,
  failingDeliveries,
  listAlerts,
  markAlertsSeen,
  recentDeliveries,
} from "../../store/alerts";
import type { Database } from "../../store/schema";
import type { AlertWebhook } from "./AlertWebhook";

/** What the console reads of alerts: the list per user's districts, its unread count, the webhook. */
export class AlertBoard {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      webhook?: AlertWebhook | undefined;
      now?: () => Date;
    },
  ) {}

  /** The open alerts and the latest resolved ones of `districts`, and how many are new to `userId`. */
  async list(
    userId: string,
    districts: ReadonlySet<string> | "all",
    opts: { openOnly: boolean; limit: number },
  ): Promise<AlertList> {
    const scope = districts === "all" ? "all" : [...districts];
    const rows = await listAlerts(this.deps.db, { districts: scope, ...opts });
    const seen = await alertsSeenAt(this.deps.db, userId);
    return {
      alerts: rows.map((r) => presentAlert(r, null)),
      unread: await countUnread(this.deps.db, scope, seen),
    };
  }

  /** The user opened the list: what is open now is no longer unread. */
  async markSeen(userId: string): Promise<void> {
    await markAlertsSeen(this.deps.db, userId, (this.deps.now?.() ?? new Date()).toISOString());
  }

  /** Where alerts go, and how the latest deliveries went. */
  async webhookStatus(limit: number): Promise<WebhookStatus> {
    const rows = this.deps.webhook ? await recentDeliveries(this.deps.db, limit) : [];
    return {
      target: this.deps.webhook?.origin ?? null,
      failing: this.deps.webhook ? await failingDeliveries(this.deps.db) : 0,
      deliveries: rows.map((d) => ({
        id: d.id,
        alertId: d.alert_id,
        event: d.event,
        attempts: Number(d.attempts),
        nextAttemptAt: d.next_attempt_at,
        deliveredAt: d.delivered_at,
        lastError: d.last_error,
        gaveUp: Number(d.gave_up) === 1,
        createdAt: d.created_at,
      })),
    };
  }
}
