import { Router, type Request } from "express";
import type { Role } from "../../../shared/schemas/account";
import { PlayReportQuerySchema } from "../../../shared/schemas/proofOfPlay";
import { recordAudit } from "../../http/recordAudit";
import { principalOf } from "../../http/session";
import type { AuditLog } from "../../services/auditLog";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import { validate } from "../../http/validate";
import type { Kysely } from "kysely";
import type { DistrictRegistry } from "../../services/districtRegistry";
import { districtTimeline } from "../../services/districtTimeline";
import type { EmergencyNotices } from "../../services/emergencyNotices";
import type { ProofOfPlay } from "../../services/proofOfPlay";
import type { ScreenPairing } from "../../services/screenPairing";
import type { Database } from "../../store/schema";
import { TimelineQuerySchema } from "../districts/schema";
import {
  IdentifyScreenInputSchema,
  PairScreenInputSchema,
  ReloadScreenInputSchema,
  ScreenParamsSchema,
  UpdateScreenInputSchema,
} from "./schema";
import { clientAddressOf } from "../../http/publicUrl";

/** /api/screens: pair a kiosk by its code, list, rename or move, unpair, rotate the token. */
export function screensRouter(deps: {
  pairing: ScreenPairing;
  db: Kysely<Database>;
  registry: DistrictRegistry;
  emergencies: EmergencyNotices;
  access: AccessPolicy;
  audit: AuditLog;
  plays: ProofOfPlay;
}): Router {
  const router = Router();
  const { pairing, access } = deps;
  const anyRole = ["operator", "moderator"] as const;
  /** The route's gate: a role over the district of the screen named in the path. */
  const over = async (req: Request, roles: readonly Role[]) => {
    const p = principalOf(req);
    access.requireRole(p, roles);
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    const screen = await pairing.get(id);
    await access.requireDistricts(p, roles, [screen.district_id]);
    return { id, p, screen };
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, anyRole);
    const visible = await access.visibleDistricts(p, anyRole);
    const screens = await pairing.list();
    res.json({
      screens: visible === "all" ? screens : screens.filter((s) => visible.has(s.districtId)),
    });
  });

  router.post("/pair", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["operator"]);
    const input = validate(PairScreenInputSchema, req.body, "pairing request");
    await access.requireDistricts(p, ["operator"], [input.districtId]);
    // The token goes to the kiosk over its socket, never to the console.
    const { screen } = await pairing.pair(input, clientAddressOf(req));
    await recordAudit(
      deps,
      p,
      "screen.paired",
      { type: "screen", id: screen.id },
      {
        name: screen.name,
        districtId: screen.districtId,
      },
    );
    res.status(201).json({ screen });
  });

  router.get("/:id", async (req, res) => {
    const { screen } = await over(req, anyRole);
    res.json({ screen: pairing.present(screen) });
  });

  // What this screen shows at a time and over the following hours (its district's timeline).
  router.get("/:id/timeline", async (req, res) => {
    const { id, screen } = await over(req, anyRole);
    const q = validate(TimelineQuerySchema, req.query, "query string");
    const from = q.from ? Date.parse(q.from) : Date.now();
    res.json({
      screenId: id,
      ...(await districtTimeline(deps, screen.district_id, from, q.hours)),
    });
  });

  // Proof of play: what this screen showed, per content and the latest plays.
  router.get("/:id/plays", async (req, res) => {
    const { id } = await over(req, anyRole);
    const q = validate(PlayReportQuerySchema, req.query, "query string");
    res.json({ screenId: id, report: await deps.plays.screenReport(id, q) });
  });

  router.patch("/:id", async (req, res) => {
    const { id, p, screen: before } = await over(req, ["operator"]);
    const input = validate(UpdateScreenInputSchema, req.body, "screen change");
    if (input.districtId) await access.requireDistricts(p, ["operator"], [input.districtId]);
    const screen = await pairing.update(id, input);
    await recordAudit(
      deps,
      p,
      screen.districtId !== before.district_id ? "screen.moved" : "screen.updated",
      { type: "screen", id },
      {
        before: { name: before.name, location: before.location, districtId: before.district_id },
        after: { name: screen.name, location: screen.location, districtId: screen.districtId },
      },
    );
    res.json({ screen });
  });

  router.post("/:id/revoke", async (req, res) => {
    const { id, p } = await over(req, ["operator"]);
    const screen = await pairing.revoke(id);
    await recordAudit(deps, p, "screen.unpaired", { type: "screen", id }, { name: screen.name });
    res.json({ screen });
  });

  // Flash the screen's name on it, so a technician on the street can tell which it is.
  router.post("/:id/identify", async (req, res) => {
    const { id } = await over(req, ["operator"]);
    const { seconds } = validate(IdentifyScreenInputSchema, req.body ?? {}, "identify request");
    const { reached } = await pairing.command(id, { kind: "identify", seconds });
    res.json({ screenId: id, reached });
  });

  // Reload the kiosk page; audited, since the screen goes blank for a moment on the street.
  router.post("/:id/reload", async (req, res) => {
    const { id, p } = await over(req, ["operator"]);
    validate(ReloadScreenInputSchema, req.body ?? {}, "reload request");
    const { reached } = await pairing.command(id, {
      kind: "reload",
      reason: `Reload requested by ${p.displayName}.`,
    });
    await recordAudit(deps, p, "screen.reload_requested", { type: "screen", id }, { reached });
    res.json({ screenId: id, reached });
  });

  router.post("/:id/rotate-token", async (req, res) => {
    const { id, p } = await over(req, ["operator"]);
    const screen = await pairing.rotate(id);
    await recordAudit(deps, p, "screen.token_rotated", { type: "screen", id });
    res.json({ screen });
  });

  return router;
}
