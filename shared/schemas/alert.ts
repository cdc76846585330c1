import { z } from "zod";

/**
 * What can be wrong with a screen, as the field team is told: dark for longer than its
 * district allows, a takedown it has not acknowledged in time, its storage nearly full, its
 * clock off, or an old app version.
 */
export const AlertKindSchema = z.enum([
  "screen_offline",
  "takedown_unacknowledged",
  "storage_low",
  "clock_skew",
  "old_app_version",
]);
/** An alert's kind. */
export type AlertKind = z.infer<typeof AlertKindSchema>;

/**
 * One alert as the console and the webhook see it. It is raised when its cause starts and
 * resolves itself when the cause ends (`resolvedAt`); the same cause raises at most one open
 * alert per screen.
 */
export const AlertSchema = z.object({
  id: z.string(),
  kind: AlertKindSchema,
  screenId: z.string(),
  screenName: z.string(),
  districtId: z.string(),
  /** What the cause concerns besides the screen (a takedown's version); "" when nothing. */
  subject: z.string(),
  /** The figures behind it: minutes offline, seconds since the takedown, skew in ms, … */
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  raisedAt: z.string(),
  resolvedAt: z.string().nullable(),
});
/** An alert. */
export type Alert = z.infer<typeof AlertSchema>;

/** GET /api/alerts: the open alerts and the latest resolved ones of the user's districts. */
export const AlertListSchema = z.object({
  alerts: z.array(AlertSchema),
  /** Open alerts raised since the user last opened the list (the bell's count). */
  unread: z.number().int().nonnegative(),
});
/** The alert list. */
export type AlertList = z.infer<typeof AlertListSchema>;

/** Query of GET /api/alerts. */
export const AlertListQuerySchema = z.strictObject({
  state: z.enum(["open", "all"]).default("all"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** One attempt to tell the city's webhook about an alert. */
export const WebhookDeliverySchema = z.object({
  id: z.string(),
  alertId: z.string(),
  event: z.enum(["alert.raised", "alert.resolved"]),
  attempts: z.number().int(),
  /** When it is tried next; null once delivered or given up. */
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  /** Why the last attempt failed (status or network error); null when none failed. */
  lastError: z.string().nullable(),
  /** True once every attempt failed: nobody will try again. */
  gaveUp: z.boolean(),
  createdAt: z.string(),
});
/** A webhook delivery. */
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

/** GET /api/alerts/webhook: whether a webhook is set, and its latest deliveries. */
export const WebhookStatusSchema = z.object({
  /** The receiver's origin (never the secret, nor the path's query). */
  target: z.string().nullable(),
  failing: z.number().int().nonnegative(),
  deliveries: z.array(WebhookDeliverySchema),
});
/** The webhook's state. */
export type WebhookStatus = z.infer<typeof WebhookStatusSchema>;

/** The JSON body POSTed to the webhook, signed with HMAC-SHA256 (header X-Signage-Signature). */
export const WebhookPayloadSchema = z.object({
  event: z.enum(["alert.raised", "alert.resolved"]),
  /** Unique per delivery, the same on every retry: a receiver drops repeats by it. */
  deliveryId: z.string(),
  sentAt: z.string(),
  alert: AlertSchema,
});
/** A webhook payload. */
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
