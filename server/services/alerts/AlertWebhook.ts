import { createHmac, randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type { Alert, WebhookPayload } from "../../../shared/schemas/alert";
import { claimDelivery, dueDeliveries, insertDelivery, recordAttempt } from "../../store/alerts";
import type { Database } from "../../store/schema";
import { PeriodicTask } from "../PeriodicTask";

/** Where alerts are POSTed, and the secret their signature is made with. */
export interface WebhookTarget {
  url: string;
  secret: string;
}

/** Seconds to wait before each retry; after the last, the delivery is given up (and shown so). */
export const RETRY_DELAYS_SECONDS = [5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400] as const;
/** How long one attempt may take. */
const ATTEMPT_TIMEOUT_MS = 10_000;
/** Deliveries sent per round at most (the rest wait for the next round). */
const PER_ROUND = 20;

/**
 * The signature of a webhook body: HMAC-SHA256 over "TIMESTAMP.BODY" with the shared secret,
 * in hex. The receiver recomputes it, and refuses a timestamp far from its own clock (replay).
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/**
 * Tells a city's own on-call tools about alerts: every raise and resolve is queued in the same
 * transaction as the alert, then POSTed as signed JSON and retried with backoff until the
 * receiver answers 2xx. Failures are kept and shown (GET /api/alerts/webhook); a process that
 * takes a delivery holds it for one attempt, so two processes do not send it together.
 */
export class AlertWebhook {
  private readonly task = new PeriodicTask(
    () => this.deliverDue(),
    (err) => this.deps.log.error({ err }, "alert webhook round failed"),
    { noOverlap: true },
  );

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      target: WebhookTarget;
      now?: () => Date;
    },
  ) {}

  /** The receiver's origin, for people (never the secret or the query). */
  get origin(): string {
    return new URL(this.deps.target.url).origin;
  }

  /** Queues one event, inside the caller's transaction. */
  async enqueue(
    trx: Transaction<Database>,
    event: WebhookPayload["event"],
    alert: Alert,
  ): Promise<void> {
    const id = randomUUID();
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const payload: WebhookPayload = { event, deliveryId: id, sentAt: at, alert };
    await insertDelivery(trx, {
      id,
      alert_id: alert.id,
      event,
      payload_json: JSON.stringify(payload),
      next_attempt_at: at,
      delivered_at: null,
      last_error: null,
      created_at: at,
    });
  }

  private clock(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Sends what is due now and then every `everyMs`, never two rounds at once. */
  start(everyMs: number): void {
    this.task.start(everyMs);
  }

  /** Stops sending; resolves when a round under way has ended. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One round: every due delivery tried once. Returns how many were delivered. */
  async deliverDue(): Promise<number> {
    const due = await dueDeliveries(this.deps.db, this.clock().toISOString(), PER_ROUND);
    let delivered = 0;
    for (const d of due) {
      if (d.next_attempt_at === null) continue;
      // Held from now (a round may have run long): long enough for one attempt.
      const lease = new Date(this.clock().getTime() + ATTEMPT_TIMEOUT_MS * 3).toISOString();
      if (!(await claimDelivery(this.deps.db, d.id, d.next_attempt_at, lease))) continue;
      const error = await this.post(d.payload_json, d.event, d.id);
      if (error === undefined) {
        await recordAttempt(this.deps.db, d.id, {
          delivered: true,
          at: this.clock().toISOString(),
        });
        delivered += 1;
        continue;
      }
      const delay = RETRY_DELAYS_SECONDS[d.attempts];
      const nextAttemptAt =
        delay === undefined ? null : new Date(this.clock().getTime() + delay * 1000).toISOString();
      await recordAttempt(this.deps.db, d.id, { delivered: false, error, nextAttemptAt });
      this.deps.log.warn(
        { delivery: d.id, attempt: d.attempts + 1, error, retryAt: nextAttemptAt },
        nextAttemptAt === null
          ? "alert webhook delivery given up after its last retry"
          : "alert webhook delivery failed; it will be retried",
      );
    }
    return delivered;
  }

  /** POSTs one payload; undefined when the receiver took it, else why not (for people). */
  private async post(body: string, event: string, deliveryId: string): Promise<string | undefined> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      const res = await fetch(this.deps.target.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "civic-signage-alerts",
          "X-Signage-Event": event,
          "X-Signage-Delivery": deliveryId,
          "X-Signage-Timestamp": timestamp,
          "X-Signage-Signature": `sha256=${signWebhook(this.deps.target.secret, timestamp, body)}`,
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return cause ?? (err instanceof Error ? err.name : "error");
    }
  }
}
