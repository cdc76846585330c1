import { Router } from "express";
import type { Permission } from "../../../shared/access/permissions";
import { RegionsSchema } from "../../../shared/schemas/moderation";
import { AppError } from "../../errors";
import { readMultipart } from "../../http/readMultipart";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AnnouncementPosters } from "../../services/AnnouncementPosters";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
import { AnnouncementParamsSchema, ConfirmPosterSchema } from "./schema";
import { said } from "../../../shared/messages/errorMessages";

/** Largest poster accepted at upload. */
export const MAX_POSTER_BYTES = 20 * 1024 * 1024;

/**
 * /api/announcements/:id/poster: upload (multipart "poster"), remove, the redacted rendition,
 * a moderator's acceptance of covered faces, hand-drawn regions. Every route checks the user's
 * role over the districts the announcement targets (none: the whole city) before anything else.
 */
export function posterRouter(deps: { posters: AnnouncementPosters; access: AccessPolicy }): Router {
  const router = Router();
  const { access, posters } = deps;

  /** The announcement's id, once `p` may take `permission` over all it targets. */
  const requireOver = async (
    p: UserPrincipal,
    permission: Permission,
    params: unknown,
  ): Promise<string> => {
    access.requirePermission(p, permission);
    const { id } = validate(AnnouncementParamsSchema, params, "announcement id");
    const districtIds = await posters.districtsOf(id);
    if (districtIds.length === 0)
      access.requireGlobal(p, permission, "An announcement to the whole city");
    else await access.requireDistricts(p, permission, districtIds);
    return id;
  };

  router.put("/:id/poster", async (req, res) => {
    const p = principalOf(req);
    const id = await requireOver(p, "announcement.edit", req.params);
    if (!req.is("multipart/form-data"))
      throw new AppError(415, "unsupported_media_type", said("poster.notMultipart"));
    const form = await readMultipart(req, {
      files: { poster: { maxBytes: MAX_POSTER_BYTES } },
      fields: [],
    });
    const file = form.files["poster"];
    if (!file) throw new AppError(400, "bad_request", said("poster.formNeedsPoster"));
    res.json({ poster: await posters.upload(id, file.bytes, p.id) });
  });

  router.delete("/:id/poster", async (req, res) => {
    const p = principalOf(req);
    const id = await requireOver(p, "announcement.edit", req.params);
    await posters.remove(id, p.id);
    res.json({ poster: await posters.status(id) });
  });

  // The redacted rendition as screens will show it (never the upload), for the console.
  router.get("/:id/poster", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "announcement.read");
    const { id } = validate(AnnouncementParamsSchema, req.params, "announcement id");
    const districtIds = await posters.districtsOf(id);
    if (districtIds.length > 0 && !(await access.seesAny(p, "announcement.read", districtIds)))
      throw new AppError(403, "forbidden", said("access.announcementDistricts"));
    const r = await posters.rendition(id);
    res.setHeader("ETag", `"${r.hash}"`);
    // Stored by no browser: a redacted photo is erased with its entry, on every machine.
    res.setHeader("Cache-Control", "private, no-store");
    if (req.headers["if-none-match"] === `"${r.hash}"`) {
      res.status(304).end();
      return;
    }
    res.type(r.mime).send(r.bytes);
  });

  // A moderator accepts the covered rendition of a poster on which faces were found.
  router.post("/:id/poster/confirm", async (req, res) => {
    const p = principalOf(req);
    const id = await requireOver(p, "announcement.approve", req.params);
    const { hash } = validate(ConfirmPosterSchema, req.body ?? {}, "poster acceptance");
    res.json({ poster: await posters.confirm(id, p.id, hash) });
  });

  // Areas to cover besides every face found (replacing the previous set); re-rendered, re-verified.
  router.put("/:id/poster/regions", async (req, res) => {
    const p = principalOf(req);
    const id = await requireOver(p, "announcement.edit", req.params);
    const { regions } = validate(RegionsSchema, req.body, "regions");
    res.json({ poster: await posters.setRegions(id, regions, p.id) });
  });

  return router;
}
