import { Router } from "express";
import { z } from "zod";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { TakedownProgress } from "../../services/TakedownProgress";
import type { Takedown } from "../../../shared/schemas/takedown";

/** Query string of GET /api/takedowns: one entry's or announcement's, and how many. */
export const TakedownQuerySchema = z.strictObject({
  entry: z.uuid().optional(),
  announcement: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/**
 * /api/takedowns: the newest revocations, expiries and withdrawals of shown entries and the
 * withdrawals and ends of published announcements, each with
 * how many of the screens that must drop it have acknowledged, and which have not.
 */
export function takedownsRouter(deps: {
  takedowns: TakedownProgress;
  access: AccessPolicy;
}): Router {
  const router = Router();

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    deps.access.requirePermission(p, "takedown.read");
    const q = validate(TakedownQuerySchema, req.query, "query string");
    const visible = await deps.access.visibleDistricts(p, "takedown.read");
    res.json({
      takedowns: await deps.takedowns.recent({
        limit: q.limit,
        ...(q.entry ? { entryId: q.entry } : {}),
        ...(q.announcement ? { announcementId: q.announcement } : {}),
        ...(visible === "all" ? {} : { within: visible }),
      }),
    } satisfies { takedowns: Takedown[] });
  });

  return router;
}
