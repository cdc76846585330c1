import { Router, type Request } from "express";
import { said } from "../../../shared/messages/errorMessages";
import { AppError } from "../../errors";
import { validate } from "../../http/validate";
import type { KioskReleases } from "../../services/releases/KioskReleases";
import type { ScreenRegistry } from "../../services/screens/ScreenRegistry";
import type { ScreenRow } from "../../store/schema";
import { bearerToken } from "../kiosk/router";
import { FeedParamsSchema } from "./schema";

/**
 * /kiosk/updates/<channel>/: the update feed of electron-updater's generic provider, with the
 * screen's device token. The channel file (stable-linux.yml) names the release this screen is
 * offered (staged to its district or a tag, else the channel's release); files/<name> serves
 * that release's installer and no other.
 */
export function kioskUpdatesRouter(deps: {
  screens: ScreenRegistry;
  releases: KioskReleases;
}): Router {
  const router = Router();

  const authenticated = async (req: Request): Promise<ScreenRow> => {
    const token = bearerToken(req);
    const screen = token === undefined ? undefined : await deps.screens.authenticate(token);
    if (!screen) throw new AppError(401, "unauthenticated", said("kiosk.tokenMissing"));
    return screen;
  };

  router.get("/:channel/:file", async (req, res) => {
    const screen = await authenticated(req);
    const { channel, file } = validate(FeedParamsSchema, req.params, "update feed file");
    const answer = await deps.releases.feed(screen, channel, { kind: "channelFile", name: file });
    // What a screen is offered changes with every stage, promotion and rollback.
    res.setHeader("Cache-Control", "private, no-store");
    if (answer.kind === "yaml") res.type("text/yaml").send(answer.text);
  });

  router.get("/:channel/files/:file", async (req, res) => {
    const screen = await authenticated(req);
    const { channel, file } = validate(FeedParamsSchema, req.params, "release file");
    const answer = await deps.releases.feed(screen, channel, { kind: "file", name: file });
    if (answer.kind !== "file") return;
    res.setHeader("Cache-Control", "private, no-store");
    await new Promise<void>((resolve, reject) => {
      // Relative to the channel's folder, dot segments allowed: a data dir such as
      // ~/.local/share/signage must not turn every download into a 404 (send's default ignores
      // them on the whole path). The name comes from the release row, never from the request.
      res.sendFile(
        answer.name,
        {
          root: answer.root,
          dotfiles: "allow",
          headers: { "Content-Type": "application/octet-stream" },
          lastModified: false,
        },
        (err) => {
          if (!err) resolve();
          else if (res.headersSent) resolve();
          else
            reject(new AppError(404, "not_found", said("release.fileNotOffered", { name: file })));
        },
      );
    });
  });

  return router;
}
