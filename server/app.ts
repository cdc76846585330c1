import { existsSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type RequestHandler } from "express";
import { sql, type Kysely } from "kysely";
import type { Logger } from "pino";
import { rooms } from "../shared/protocol/rooms";
import { AppError } from "./errors";
import { errorHandler, notFound } from "./http/errorHandler";
import { requireLocalOperator } from "./http/requireLocalOperator";
import { announcementsRouter } from "./routes/announcements/router";
import { districtsRouter } from "./routes/districts/router";
import { emergenciesRouter } from "./routes/emergencies/router";
import { entriesRouter } from "./routes/entries/router";
import { importsRouter } from "./routes/imports/router";
import { screensRouter } from "./routes/screens/router";
import { AnnouncementPublisher, type ChangeNotifier } from "./services/announcementPublisher";
import { DistrictRegistry } from "./services/districtRegistry";
import { EmergencyNotices } from "./services/emergencyNotices";
import { EntryImporter } from "./services/entryImport";
import { ExportParser } from "./services/import/parseOffThread";
import { EntryIntake, type PhotoCheck, type Sealer } from "./services/entryIntake";
import { ScreenPairing } from "./services/screenPairing";
import { createIo, type SignageIo } from "./sockets/io";
import { registerKioskHandlers, socketScreenNotifier } from "./sockets/kiosk.handlers";
import type { Database } from "./store/schema";

/** Where the built web apps live, by default the repository's dist/ folder. */
export const defaultWebRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../dist");

/** Everything the app needs, injected so tests build a real app on port 0. */
export interface AppDeps {
  db: Kysely<Database>;
  log: Logger;
  /** Folder holding display/ and console/ builds. */
  webRoot?: string;
  version?: string;
  /** Seals raw photos and ID numbers at rest. */
  sealer: Sealer;
  /** Refuses unusable photos by content before anything is stored. */
  checkPhoto: PhotoCheck;
  /** Told when redaction work was queued. */
  onRedactionQueued?: () => void;
}

/** A built, not yet listening, server. */
export interface SignageApp {
  httpServer: HttpServer;
  io: SignageIo;
  publisher: AnnouncementPublisher;
  /** Stops accepting connections, disconnects sockets and waits for the HTTP server to close. */
  close(): Promise<void>;
}

const requireJsonBody: RequestHandler = (req, _res, next) => {
  const mutating = req.method === "POST" || req.method === "PUT" || req.method === "PATCH";
  if (mutating && !req.is(["application/json", "multipart/form-data"])) {
    next(
      new AppError(
        415,
        "unsupported_media_type",
        "Send the request body as application/json (or multipart/form-data where a file is uploaded).",
      ),
    );
    return;
  }
  next();
};

/** The web apps load only their own code and talk only to this server. */
const webAppPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Serves a built single-page app, or a 503 sentence telling how to build it. */
function serveWebApp(dir: string, name: string): RequestHandler[] {
  const index = join(dir, "index.html");
  return [
    (_req, res, next) => {
      res.setHeader("Content-Security-Policy", webAppPolicy);
      next();
    },
    express.static(dir, { index: false, maxAge: "1h", fallthrough: true }),
    (_req, res) => {
      if (!existsSync(index)) {
        res
          .status(503)
          .type("text/plain")
          .send(`The ${name} is not built yet; run "npm run build:web" and reload.`);
        return;
      }
      res.setHeader("Cache-Control", "no-cache");
      res.sendFile(index);
    },
  ];
}

/** Builds the express app, the socket.io server and the services on one HTTP server. */
export function createApp(deps: AppDeps): SignageApp {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  const httpServer = createServer(app);
  const io = createIo(httpServer);

  const notifier: ChangeNotifier = {
    contentChanged: (change) => io.to(rooms.allScreens()).emit("content:changed", change),
  };
  const publisher = new AnnouncementPublisher(deps.db, notifier, deps.log);
  const registry = new DistrictRegistry({ db: deps.db, log: deps.log });
  const intakeDeps = {
    db: deps.db,
    districts: registry,
    sealer: deps.sealer,
    checkPhoto: deps.checkPhoto,
    log: deps.log,
    onQueued: () => deps.onRedactionQueued?.(),
  };
  const intake = new EntryIntake(intakeDeps);
  const exportParser = new ExportParser();
  const importer = new EntryImporter({ ...intakeDeps, parse: (b, o) => exportParser.parse(b, o) });
  const pairing = new ScreenPairing({
    db: deps.db,
    log: deps.log,
    districts: registry,
    notifier: socketScreenNotifier(io),
  });
  // Schedule, district and emergency changes: the screens of those districts re-sync at once.
  const districtsChanged = (ids: readonly string[]): void => {
    if (ids.length > 0)
      io.to(ids.map((id) => rooms.district(id))).emit("content:changed", { version: 0, ids: [] });
  };
  const emergencies = new EmergencyNotices({
    db: deps.db,
    log: deps.log,
    registry,
    notify: districtsChanged,
  });
  registerKioskHandlers(io, { db: deps.db, log: deps.log, pairing, registry, emergencies });

  app.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    next();
  });

  app.get("/healthz", async (_req, res) => {
    try {
      await sql`select 1`.execute(deps.db);
      res.json({ status: "ok", version: deps.version ?? "dev", database: "ok" });
    } catch (err) {
      deps.log.error({ err }, "health check: database unreachable");
      res
        .status(503)
        .json({ status: "degraded", version: deps.version ?? "dev", database: "unreachable" });
    }
  });

  app.use("/api", requireLocalOperator, requireJsonBody, express.json({ limit: "64kb" }));
  app.use("/api/announcements", announcementsRouter({ db: deps.db, publisher }));
  app.use(
    "/api/districts",
    districtsRouter({ db: deps.db, registry, emergencies, notify: districtsChanged }),
  );
  app.use("/api/emergencies", emergenciesRouter({ emergencies }));
  app.use("/api/entries", entriesRouter({ db: deps.db, intake }));
  app.use("/api/screens", screensRouter({ pairing, db: deps.db, registry, emergencies }));
  app.use("/api/imports", importsRouter({ importer }));
  app.use("/api", notFound);

  const webRoot = deps.webRoot ?? defaultWebRoot;
  app.get("/", (_req, res) => res.redirect(302, "/console/"));
  // Relative asset URLs need the trailing slash; non-strict routing matches both forms here.
  app.get(["/display", "/console"], (req, res, next) => {
    if (req.path.endsWith("/")) next();
    else res.redirect(301, `${req.path}/`);
  });
  app.use("/display/", ...serveWebApp(join(webRoot, "display"), "display"));
  app.use("/console/", ...serveWebApp(join(webRoot, "console"), "console"));
  app.use(notFound);
  app.use(errorHandler(deps.log));

  return {
    httpServer,
    io,
    publisher,
    close: () =>
      new Promise<void>((resolveClose) => {
        // io.close() also closes the HTTP server; sockets get a clean disconnect.
        void io.close(() => {
          void exportParser.close().finally(resolveClose);
        });
        httpServer.closeAllConnections();
      }),
  };
}
