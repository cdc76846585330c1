import { Router } from "express";
import type { KioskReleasesView } from "../../../shared/schemas/kioskRelease";
import {
  ReleaseChannelInputSchema,
  StageReleaseInputSchema,
} from "../../../shared/schemas/kioskRelease";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { KioskReleases } from "../../services/releases/KioskReleases";
import { ReleaseVersionParamsSchema } from "./schema";

/**
 * /api/kiosk-releases: the kiosk app's releases, their rollout and the screens' versions
 * (release.read); stage, promote and roll back (release.manage). Releases are the whole city's.
 */
export function kioskReleasesRouter(deps: {
  releases: KioskReleases;
  access: AccessPolicy;
}): Router {
  const router = Router();
  const what = "Kiosk releases";

  router.get("/", async (req, res) => {
    deps.access.requireGlobal(principalOf(req), "release.read", what);
    res.json((await deps.releases.view()) satisfies KioskReleasesView);
  });

  router.post("/rollback", async (req, res) => {
    const p = principalOf(req);
    deps.access.requireGlobal(p, "release.manage", what);
    const { channel } = validate(ReleaseChannelInputSchema, req.body, "rollback request");
    const done = await deps.releases.rollback(channel, { type: "user", id: p.id });
    res.json({ channel, ...done });
  });

  router.post("/:version/stage", async (req, res) => {
    const p = principalOf(req);
    deps.access.requireGlobal(p, "release.manage", what);
    const { version } = validate(ReleaseVersionParamsSchema, req.params, "release");
    const input = validate(StageReleaseInputSchema, req.body, "stage request");
    const stages = await deps.releases.stage(version, input, { type: "user", id: p.id });
    res.json({ stages });
  });

  router.post("/:version/promote", async (req, res) => {
    const p = principalOf(req);
    deps.access.requireGlobal(p, "release.manage", what);
    const { version } = validate(ReleaseVersionParamsSchema, req.params, "release");
    const { channel } = validate(ReleaseChannelInputSchema, req.body, "promote request");
    await deps.releases.promote(channel, version, { type: "user", id: p.id });
    res.json({ channel, released: version });
  });

  return router;
}
