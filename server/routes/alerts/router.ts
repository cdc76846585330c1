import { Router } from "express";
import { z } from "zod";
import {
  AlertListQuerySchema,
  type AlertList,
  type WebhookStatus,
} from "../../../shared/schemas/alert";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AlertBoard } from "../../services/alerts/AlertBoard";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";

/** Query string of GET /api/alerts/webhook: how many deliveries. */
export const WebhookQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Body of POST /api/alerts/seen: nothing. */
export const AlertsSeenSchema = z.strictObject({});

/**
 * /api/alerts: what is wrong with the screens of the user's districts (open first, then the
 * latest resolved), the bell's unread count and its reset, and the webhook's deliveries (admins).
 */
export function alertsRouter(deps: { board: AlertBoard; access: AccessPolicy }): Router {
  const router = Router();

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    deps.access.requirePermission(p, "alert.read");
    const q = validate(AlertListQuerySchema, req.query, "query string");
    const visible = await deps.access.visibleDistricts(p, "alert.read");
    res.json(
      (await deps.board.list(p.id, visible, {
        openOnly: q.state === "open",
        limit: q.limit,
      })) satisfies AlertList,
    );
  });

  router.post("/seen", async (req, res) => {
    const p = principalOf(req);
    deps.access.requirePermission(p, "alert.read");
    validate(AlertsSeenSchema, req.body ?? {}, "request body");
    await deps.board.markSeen(p.id);
    res.status(204).end();
  });

  router.get("/webhook", async (req, res) => {
    const p = principalOf(req);
    deps.access.requireGlobal(p, "alert.webhook", "Where alerts are sent");
    const q = validate(WebhookQuerySchema, req.query, "query string");
    res.json((await deps.board.webhookStatus(q.limit)) satisfies WebhookStatus);
  });

  return router;
}
