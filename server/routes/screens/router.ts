import { Router, type Request } from "express";
import type { Permission } from "../../../shared/access/permissions";
import { PlayReportQuerySchema } from "../../../shared/schemas/proofOfPlay";
import { principalOf } from "../../http/session";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import { validate } from "../../http/validate";
import type { TimelineOf } from "../../services/districtTimeline";
import type { ProofOfPlay } from "../../services/ProofOfPlay";
import type { ScreenCommands } from "../../services/screens/ScreenCommands";
import type { ScreenPairing } from "../../services/screens/ScreenPairing";
import type { ScreenPresence } from "../../services/screens/ScreenPresence";
import { screenListView } from "../../services/screens/screenListView";
import type { ScreenRegistry } from "../../services/screens/ScreenRegistry";
import { TimelineQuerySchema } from "../districts/schema";
import {
  IdentifyScreenInputSchema,
  PairScreenInputSchema,
  ReloadScreenInputSchema,
  ScreenHistoryQuerySchema,
  ScreenListQuerySchema,
  ScreenParamsSchema,
  ScreenTagsInputSchema,
  UpdateScreenInputSchema,
} from "./schema";
import { clientAddressOf } from "../../http/publicUrl";
import { said } from "../../../shared/messages/errorMessages";
import { AppError } from "../../errors";

/**
 * /api/screens: pair a kiosk by its code, list (filtered by problem, sorted), rename or move,
 * tag, unpair, rotate the token; a screen's connectivity history and last status reports.
 */
export function screensRouter(deps: {
  pairing: ScreenPairing;
  screens: ScreenRegistry;
  commands: ScreenCommands;
  /** What a district's screens show from an instant on. */
  timeline: TimelineOf;
  access: AccessPolicy;
  plays: ProofOfPlay;
  /** Screens' connection history, status reports and open alerts. */
  presence: ScreenPresence;
}): Router {
  const router = Router();
  const { pairing, screens, commands, access } = deps;
  /** The route's gate: a permission over the district of the screen named in the path. */
  const over = async (req: Request, permission: Permission) => {
    const p = principalOf(req);
    access.requirePermission(p, permission);
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    const screen = await screens.get(id);
    await access.requireDistricts(p, permission, [screen.district_id]);
    return { id, p, screen };
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "screen.read");
    const query = validate(ScreenListQuerySchema, req.query, "query string");
    const visible = await access.visibleDistricts(p, "screen.read");
    const all = await screens.list({ tag: query.tag });
    const mine = visible === "all" ? all : all.filter((s) => visible.has(s.districtId));
    const alertKinds =
      query.problem === undefined ? new Map() : await deps.presence.openAlertKinds();
    res.json({ screens: screenListView(mine, alertKinds, query) });
  });

  router.post("/pair", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "screen.pair");
    const input = validate(PairScreenInputSchema, req.body, "pairing request");
    await access.requireDistricts(p, "screen.pair", [input.districtId]);
    // The token goes to the kiosk over its socket, never to the console.
    const { screen } = await pairing.pair(input, clientAddressOf(req), { type: "user", id: p.id });
    res.status(201).json({ screen });
  });

  router.get("/:id", async (req, res) => {
    const { screen } = await over(req, "screen.read");
    res.json({ screen: screens.present(screen) });
  });

  // What this screen shows at a time and over the following hours: its district's timeline as a
  // screen with its tags plays it.
  router.get("/:id/timeline", async (req, res) => {
    const { id, screen } = await over(req, "screen.read");
    const q = validate(TimelineQuerySchema, req.query, "query string");
    const from = q.from ? Date.parse(q.from) : Date.now();
    res.json({
      screenId: id,
      ...(await deps.timeline(screen.district_id, from, q.hours, screens.present(screen).tags)),
    });
  });

  // Connectivity over the last days (1–7) and the last status reports. A screen outside the
  // user's districts is not there for them (404), as in the list.
  router.get("/:id/history", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "screen.read");
    const { id } = validate(ScreenParamsSchema, req.params, "screen id");
    const { days } = validate(ScreenHistoryQuerySchema, req.query, "query string");
    const screen = await screens.get(id);
    if (!(await access.seesAny(p, "screen.read", [screen.district_id])))
      throw new AppError(404, "not_found", said("screen.notFound", { id }));
    res.json({ history: await deps.presence.history(screen, days) });
  });

  // Proof of play: what this screen showed, per content and the latest plays.
  router.get("/:id/plays", async (req, res) => {
    const { id } = await over(req, "screen.read");
    const q = validate(PlayReportQuerySchema, req.query, "query string");
    res.json({ screenId: id, report: await deps.plays.screenReport(id, q) });
  });

  router.patch("/:id", async (req, res) => {
    const { id, p } = await over(req, "screen.manage");
    const input = validate(UpdateScreenInputSchema, req.body, "screen change");
    if (input.districtId) await access.requireDistricts(p, "screen.manage", [input.districtId]);
    const screen = await screens.update(id, input, { type: "user", id: p.id });
    res.json({ screen });
  });

  // The screen's whole tag set; what it may receive follows at once (a full re-sync).
  router.put("/:id/tags", async (req, res) => {
    const { id, p } = await over(req, "screen.manage");
    const { tags } = validate(ScreenTagsInputSchema, req.body, "screen tags");
    const screen = await screens.setTags(id, tags, { type: "user", id: p.id });
    res.json({ screen });
  });

  router.post("/:id/revoke", async (req, res) => {
    const { id, p } = await over(req, "screen.manage");
    const screen = await screens.revoke(id, { type: "user", id: p.id });
    res.json({ screen });
  });

  // Flash the screen's name on it, so a technician on the street can tell which it is.
  router.post("/:id/identify", async (req, res) => {
    const { id, p } = await over(req, "screen.manage");
    const { seconds } = validate(IdentifyScreenInputSchema, req.body ?? {}, "identify request");
    const { reached } = await commands.send(
      id,
      { kind: "identify", seconds },
      { type: "user", id: p.id },
    );
    res.json({ screenId: id, reached });
  });

  // Reload the kiosk page; audited, since the screen goes blank for a moment on the street.
  router.post("/:id/reload", async (req, res) => {
    const { id, p } = await over(req, "screen.manage");
    validate(ReloadScreenInputSchema, req.body ?? {}, "reload request");
    const { reached } = await commands.send(
      id,
      { kind: "reload", reason: `Reload requested by ${p.displayName}.` },
      { type: "user", id: p.id },
    );
    res.json({ screenId: id, reached });
  });

  router.post("/:id/rotate-token", async (req, res) => {
    const { id, p } = await over(req, "screen.manage");
    const screen = await screens.rotate(id, { type: "user", id: p.id });
    res.json({ screen });
  });

  return router;
}
