import { existsSync } from "node:fs";
import { TakedownRepush } from "./services/TakedownRepush";
import { createServer, type Server as HttpServer } from "node:http";
import { join } from "node:path";
import express, { type Express, type RequestHandler } from "express";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { rooms } from "../shared/protocol/rooms";
import { said, wordError } from "../shared/messages/errorMessages";
import { AppError } from "./errors";
import { errorHandler, notFound } from "./http/errorHandler";
import { answerClientError } from "./http/clientError";
import { checkOrigin, loadPrincipal, requireUser } from "./http/session";
import { metricsAccess, type MetricsAccess } from "./http/metricsAccess";
import { publicAddressGuard, type PublicUrl } from "./http/publicUrl";
import { packageRoot, packageVersion } from "./packageRoot";
import { TrustedProxies, type TrustProxy } from "./http/TrustedProxies";
import { announcementsRouter } from "./routes/announcements/router";
import { auditRouter } from "./routes/audit/router";
import { authRouter, setupRouter, type SetupTokenCheck } from "./routes/auth/router";
import { kioskRouter } from "./routes/kiosk/router";
import { kioskReleasesRouter } from "./routes/kioskReleases/router";
import { kioskUpdatesRouter } from "./routes/kioskReleases/updatesRouter";
import { KioskReleases } from "./services/releases/KioskReleases";
import { KioskRenditions } from "./services/KioskRenditions";
import { KioskPosters } from "./services/KioskPosters";
import { AnnouncementPosters, type PosterWake } from "./services/AnnouncementPosters";
import { posterRouter } from "./routes/announcements/posterRouter";
import { noticesRouter } from "./routes/notices/router";
import { PublicNotices } from "./services/PublicNotices";
import { objectionsRouter } from "./routes/objections/router";
import { Objections } from "./services/Objections";
import { takedownsRouter } from "./routes/takedowns/router";
import { usersRouter } from "./routes/users/router";
import { TakedownProgress } from "./services/TakedownProgress";
import { ServerMetrics } from "./services/ServerMetrics";
import { TakedownAckTimer } from "./services/TakedownAckTimer";
import { redactionJobCounts } from "./store/fleet";
import { pingDatabase } from "./store/database";
import type { AuditLog } from "./services/AuditLog";
import { AccessPolicy } from "./services/auth/AccessPolicy";
import { UserAccounts } from "./services/auth/UserAccounts";
import { EntryModeration } from "./services/EntryModeration";
import { EntryCatalog } from "./services/EntryCatalog";
import type { Opener } from "./services/RedactionQueue";
import { districtsRouter } from "./routes/districts/router";
import { emergenciesRouter } from "./routes/emergencies/router";
import { entriesRouter } from "./routes/entries/router";
import { importsRouter } from "./routes/imports/router";
import { ImportSlots } from "./services/import/ImportSlots";
import { screensRouter } from "./routes/screens/router";
import { playsRouter } from "./routes/plays/router";
import { AnnouncementDesk } from "./services/AnnouncementDesk";
import { DistrictRegistry } from "./services/DistrictRegistry";
import { EmergencyNotices } from "./services/EmergencyNotices";
import { ProofOfPlay } from "./services/ProofOfPlay";
import { districtTimeline, type TimelineOf } from "./services/districtTimeline";
import { readPlays } from "./services/playExport";
import { screenEntryOf } from "./services/manifestBuilder";
import { EntryImporter } from "./services/EntryImporter";
import { ExportParser } from "./services/import/parseOffThread";
import { EntryIntake, type PhotoCheck, type Sealer } from "./services/EntryIntake";
import { ScreenCommands } from "./services/screens/ScreenCommands";
import { ScreenPairing } from "./services/screens/ScreenPairing";
import { ScreenPresence } from "./services/screens/ScreenPresence";
import { ScreenRegistry } from "./services/screens/ScreenRegistry";
import {
  consoleNamespace,
  createIo,
  kioskNamespaces,
  type AdapterFactory,
  type SignageIo,
} from "./sockets/io";
import { endConsoleSockets } from "./sockets/endConsoleSockets";
import { registerKioskHandlers } from "./sockets/kiosk.handlers";
import { registerConsoleSockets } from "./sockets/console.handlers";
import { ScreenPush } from "./sockets/ScreenPush";
import type { ConsoleNotifier } from "./sockets/ConsoleNotifier";
import { ChangeFeed, type RedactionWake } from "./services/ChangeFeed";
import { AdmissionGate } from "./sockets/AdmissionGate";
import { DEFAULT_SOCKET_LIMITS, SocketBounds, type SocketLimits } from "./sockets/SocketBounds";
import { handshakeGuard } from "./sockets/handshakeGuard";
import { AppliedVersions } from "./sockets/AppliedVersions";
import { throttled } from "./sockets/throttled";
import type { Database } from "./store/schema";
import type { AlertConfig } from "./config";
import { AlertBoard } from "./services/alerts/AlertBoard";
import { AlertMonitor, defaultAlertSettings } from "./services/alerts/AlertMonitor";
import { AlertWebhook } from "./services/alerts/AlertWebhook";
import { alertsRouter } from "./routes/alerts/router";
import { openApiRoute } from "./openapi/openApiRoute";
import { screenshotsRouter } from "./routes/screenshots/router";
import { kioskScreenshotsRouter } from "./routes/screenshots/kioskRouter";
import { ScreenScreenshots } from "./services/screens/ScreenScreenshots";
import { screenshotAsker } from "./sockets/screenshotAsker";
import { reportsRouter } from "./routes/reports/router";
import { DistrictReport } from "./services/reports/DistrictReport";

/** Where the built web apps live, by default the repository's dist/ folder. */
export const defaultWebRoot = join(packageRoot, "dist");

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
  /** Opens sealed raw photos for a moderator's audited view. */
  opener: Opener;
  /** The hash-chained audit log. */
  audit: AuditLog;
  /** Which database the store is (PostgreSQL needs a few explicit locks). */
  dbKind?: "sqlite" | "postgres";
  /** Woken after a commit that queued redaction work. */
  redaction?: RedactionWake;
  /** Woken after a commit that queued an announcement's poster (services/PosterRedaction.ts). */
  posterRedaction?: PosterWake;
  /** socket.io's adapter when several server processes share the screens (Redis Streams). */
  adapter?: AdapterFactory;
  /** Kiosk handshakes and syncs served at once; beyond, "overloaded" (default 500). */
  syncConcurrency?: number;
  /** Unpaired sockets, handshakes and pairing codes, where the city changed the defaults. */
  socketLimits?: Partial<SocketLimits>;
  /** The address people and screens use (SIGNAGE_PUBLIC_URL): Host and Origin checked against it. */
  publicUrl?: PublicUrl;
  /** Reverse proxies whose X-Forwarded-For is believed (SIGNAGE_TRUST_PROXY); none by default. */
  trustProxy?: TrustProxy;
  /** The first-run set-up token; without it set-up over HTTP is closed (signage create-admin). */
  setupToken?: SetupTokenCheck;
  /** The process's metrics (the redaction queue reports into them too); a fresh set by default. */
  metrics?: ServerMetrics;
  /** Who may scrape /metrics (SIGNAGE_METRICS_TOKEN, SIGNAGE_METRICS_ALLOW); off by default. */
  metricsAccess?: MetricsAccess;
  /** When alerts are raised and where they are POSTed (SIGNAGE_ALERT_*); the defaults otherwise. */
  alerts?: Partial<AlertConfig>;
  /** Where kiosk release files are kept (<dataDir>/releases); without it the feed serves none. */
  releasesDir?: string;
}

/** A built, not yet listening, server. */
export interface SignageApp {
  httpServer: HttpServer;
  /** The express app (its router stack lists every HTTP route, for the authorization test). */
  expressApp: Express;
  io: SignageIo;
  /** Announcements' life cycle; its end sweep is started by the server's entry point. */
  announcements: AnnouncementDesk;
  /** The one way changes reach screens (the expiry sweep records its takedowns through it). */
  changes: ChangeFeed;
  /** Sends again takedowns whose push was lost; started by the server's entry point. */
  takedownRepush: TakedownRepush;
  /** Notices to open consoles (the redaction queue says when an entry's redaction settled). */
  consoles: ConsoleNotifier;
  accounts: UserAccounts;
  /** The Prometheus metrics /metrics renders. */
  metrics: ServerMetrics;
  /** The imports running now, bounded per user and in all. */
  imports: ImportSlots;
  /** Alerts: the monitor and the webhook, started by the server's entry point. */
  alerts: { monitor: AlertMonitor; webhook?: AlertWebhook; checkSeconds: number };
  /** Stops accepting connections, disconnects sockets and waits for the HTTP server to close. */
  close(): Promise<void>;
}

const requireJsonBody: RequestHandler = (req, _res, next) => {
  const mutating = req.method === "POST" || req.method === "PUT" || req.method === "PATCH";
  if (mutating && !req.is(["application/json", "multipart/form-data"])) {
    next(new AppError(415, "unsupported_media_type", said("request.notJson")));
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
  // One rule for express (req.secure from X-Forwarded-Proto) and for the address every limit uses.
  const trusted = new TrustedProxies(deps.trustProxy ?? []);
  app.set("trust proxy", (address: string) => trusted.trusts(address));
  // Idle keep-alive connections stay open longer than a reverse proxy's or a client's own idle
  // timeout (nginx 60 s, undici 4 s), so the client always closes first: a request sent on a
  // connection the server was closing at that instant fails with ECONNRESET. Request and header
  // timeouts are checked every 5 s rather than Node's 30 s, so a body that trickles in is cut
  // off close to its deadline.
  const httpServer = createServer(
    { keepAliveTimeout: 65_000, connectionsCheckingInterval: 5_000 },
    app,
  );
  // A request Node's parser refuses gets a code and a sentence too, not a bare status line.
  httpServer.on("clientError", answerClientError);
  const io = createIo(httpServer, deps.adapter);
  const guard = { trusted, ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}) };
  for (const ns of kioskNamespaces(io)) ns.use(handshakeGuard({ ...guard, audience: "kiosk" }));
  consoleNamespace(io).use(handshakeGuard({ ...guard, audience: "console" }));

  const push = new ScreenPush({
    io,
    db: deps.db,
    log: deps.log,
    shared: deps.adapter !== undefined,
  });
  const changes = new ChangeFeed({
    push,
    ...(deps.redaction ? { redaction: deps.redaction } : {}),
    screenEntryOf: (entryId) => screenEntryOf(deps.db, entryId),
  });
  const registry = new DistrictRegistry({ db: deps.db, log: deps.log, audit: deps.audit, changes });
  const consoles = push.consoles;
  const imports = new ImportSlots();
  const announcements = new AnnouncementDesk({
    db: deps.db,
    changes,
    audit: deps.audit,
    log: deps.log,
    requireExisting: (ids) => registry.requireExisting(ids),
  });
  const takedowns = new TakedownProgress({ db: deps.db, registry });
  // Alerts: what the server knows of its screens, checked now and then and told to consoles and
  // the city's webhook (the entry point starts both).
  const alertConfig = {
    offlineMinutes: defaultAlertSettings.offlineMinutes,
    takedownSeconds: defaultAlertSettings.takedownSeconds,
    checkSeconds: 15,
    ...deps.alerts,
  };
  const alertWebhook = alertConfig.webhook
    ? new AlertWebhook({ db: deps.db, log: deps.log, target: alertConfig.webhook })
    : undefined;
  const alertMonitor = new AlertMonitor({
    db: deps.db,
    log: deps.log,
    settings: {
      ...defaultAlertSettings,
      offlineMinutes: alertConfig.offlineMinutes,
      takedownSeconds: alertConfig.takedownSeconds,
      kioskVersion: packageVersion,
    },
    takedowns,
    webhook: alertWebhook,
    changed: () => consoles.changed("alerts"),
  });
  const alertBoard = new AlertBoard({ db: deps.db, webhook: alertWebhook });
  // Kiosk acknowledgements, written in batches; each batch may complete takedowns to audit.
  const recordCompleted = throttled(5_000, () => takedowns.recordCompleted(deps.audit));
  const metrics = deps.metrics ?? new ServerMetrics();
  metrics.probe({
    connectedScreens: () => {
      let n = 0;
      for (const ns of kioskNamespaces(io))
        for (const s of ns.sockets.values()) if (s.data.mode === "screen") n += 1;
      return n;
    },
    redactionJobs: () => redactionJobCounts(deps.db),
  });
  const ackTimer = new TakedownAckTimer({
    db: deps.db,
    registry,
    observe: (seconds) => metrics.takedownAcknowledged(seconds),
  });
  const appliedVersions = new AppliedVersions({
    db: deps.db,
    log: deps.log,
    // At most every 5 s: the summaries may wait, the acknowledgements themselves may not.
    afterFlush: () => {
      consoles.changed("takedowns");
      return recordCompleted();
    },
    advanced: (screens) => ackTimer.measure(screens),
  });
  const intakeDeps = {
    db: deps.db,
    districts: registry,
    sealer: deps.sealer,
    checkPhoto: deps.checkPhoto,
    log: deps.log,
    audit: deps.audit,
    changes,
  };
  const access = new AccessPolicy(registry);
  // Citizens' objections, filed on the public notice pages and decided in the console.
  const notices = new PublicNotices({ db: deps.db, registry });
  const objections = new Objections({
    db: deps.db,
    log: deps.log,
    audit: deps.audit,
    changes,
    notices,
    sealer: deps.sealer,
    checkImage: deps.checkPhoto,
    consoles,
  });
  const accounts = new UserAccounts({
    db: deps.db,
    audit: deps.audit,
    log: deps.log,
    kind: deps.dbKind ?? "sqlite",
    sessionsEnded: (ended) => endConsoleSockets(io, ended),
  });
  const moderation = new EntryModeration({
    db: deps.db,
    audit: deps.audit,
    vault: deps.opener,
    log: deps.log,
    changes,
    consoles,
  });
  const intake = new EntryIntake({ ...intakeDeps, consoles });
  const exportParser = new ExportParser();
  const importer = new EntryImporter({
    ...intakeDeps,
    consoles,
    parse: (b, o) => exportParser.parse(b, o),
  });
  const screenDeps = {
    db: deps.db,
    log: deps.log,
    districts: registry,
    notifier: push.screens,
    audit: deps.audit,
  };
  const socketLimits = { ...DEFAULT_SOCKET_LIMITS, ...deps.socketLimits };
  const bounds = new SocketBounds(socketLimits);
  const pairing = new ScreenPairing({
    ...screenDeps,
    codeLimits: {
      perRange: socketLimits.pairingCodesPerRange,
      overall: socketLimits.pairingCodesPerMinute,
    },
  });
  const screens = new ScreenRegistry(screenDeps);
  const commands = new ScreenCommands(screenDeps);
  const presence = new ScreenPresence({ db: deps.db });
  const emergencies = new EmergencyNotices({
    db: deps.db,
    log: deps.log,
    registry,
    changes,
    audit: deps.audit,
    consoles,
  });
  const plays = new ProofOfPlay(deps.db);
  // Pictures of what a screen shows, on request; overdue requests are marked every 15 s.
  const screenshots = new ScreenScreenshots({
    db: deps.db,
    log: deps.log,
    audit: deps.audit,
    ask: screenshotAsker(io),
    changed: () => consoles.changed("screens"),
  });
  screenshots.start();
  const timeline: TimelineOf = (districtId, from, hours, screenTags) =>
    districtTimeline({ db: deps.db, registry, emergencies }, districtId, from, hours, screenTags);
  registerKioskHandlers(kioskNamespaces(io), {
    db: deps.db,
    log: deps.log,
    plays,
    pairing,
    screens,
    presence,
    registry,
    emergencies,
    syncCache: push.syncCache,
    appliedVersions,
    admission: new AdmissionGate(deps.syncConcurrency ?? 500),
    bounds,
    consoles,
    metrics,
  });
  registerConsoleSockets(consoleNamespace(io), {
    log: deps.log,
    authenticateUser: (token) => accounts.authenticate(token),
    bounds,
  });

  app.use(
    publicAddressGuard({ trusted, ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}) }),
  );
  app.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    // An answer that is not a page (JSON, an image) loads nothing and is framed by nothing; the
    // web apps and the public notice pages replace this with their own policy.
    res.setHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    next();
  });

  app.get("/healthz", async (_req, res) => {
    try {
      await pingDatabase(deps.db);
      res.json({ status: "ok", version: deps.version ?? "dev", database: "ok" });
    } catch (err) {
      deps.log.error({ err }, "health check: database unreachable");
      // A probe reads the status; a person or a program reads the code and sentence every 5xx has.
      res.status(503).json({
        status: "degraded",
        version: deps.version ?? "dev",
        database: "unreachable",
        error: {
          code: "unavailable",
          message: wordError("request.databaseUnreachable", {}, "en"),
          reason: "request.databaseUnreachable",
          params: {},
        },
      });
    }
  });

  // Prometheus scrapes with a token or from configured addresses; off (404) otherwise.
  app.get("/metrics", metricsAccess(deps.metricsAccess), async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.setHeader("Cache-Control", "no-store");
    res.type(contentType).send(body);
  });

  // Every /api request: CSRF origin check, JSON only, then the session (if any) is looked up.
  app.use(
    "/api",
    checkOrigin(deps.publicUrl?.origin),
    requireJsonBody,
    express.json({ limit: "64kb" }),
    loadPrincipal((token) => accounts.authenticate(token)),
  );
  // Reachable without a session: sign-in and first-run set-up. Everything after requireUser
  // needs a signed-in user, and each route then checks roles over districts.
  const secureCookies = deps.publicUrl?.https === true;
  // The API description: public, like the sign-in it describes.
  app.get("/api/openapi.json", openApiRoute(deps.version ?? packageVersion));
  app.use("/api/auth", authRouter({ accounts, secureCookies }));
  app.use(
    "/api/setup",
    setupRouter({
      accounts,
      secureCookies,
      ...(deps.setupToken ? { setupToken: deps.setupToken } : {}),
    }),
  );
  app.use("/api", requireUser);
  const audit = deps.audit;
  app.use("/api/announcements", announcementsRouter({ desk: announcements, access }));
  app.use(
    "/api/announcements",
    posterRouter({
      posters: new AnnouncementPosters({
        db: deps.db,
        log: deps.log,
        audit: deps.audit,
        sealer: deps.sealer,
        desk: announcements,
        ...(deps.posterRedaction ? { wake: deps.posterRedaction } : {}),
      }),
      access,
    }),
  );
  app.use("/api/districts", districtsRouter({ registry, timeline, access }));
  app.use("/api/emergencies", emergenciesRouter({ emergencies, access }));
  app.use(
    "/api/entries",
    entriesRouter({
      catalog: new EntryCatalog({ db: deps.db }),
      intake,
      moderation,
      access,
      plays,
    }),
  );
  app.use(
    "/api/screens",
    screensRouter({
      pairing,
      screens,
      commands,
      timeline,
      access,
      plays,
      presence,
    }),
  );
  app.use(
    "/api/imports",
    importsRouter({
      slots: imports,
      importer,
      access,
      progress: (userId, event) =>
        consoleNamespace(io).to(rooms.user(userId)).emit("import:progress", event),
      finished: (outcome) => metrics.importFinished(outcome),
    }),
  );
  app.use("/api/alerts", alertsRouter({ board: alertBoard, access }));
  app.use("/api/users", usersRouter({ accounts, access }));
  app.use("/api/takedowns", takedownsRouter({ takedowns, access }));
  app.use("/api/objections", objectionsRouter({ objections, access }));
  app.use(
    "/api/plays",
    playsRouter({
      readPlays: (filter) => readPlays(deps.db, filter),
      access,
      registry,
      log: deps.log,
    }),
  );
  app.use("/api/audit", auditRouter({ audit, access, db: deps.db }));
  const releases = new KioskReleases({
    db: deps.db,
    log: deps.log,
    audit,
    dir: deps.releasesDir,
  });
  app.use("/api/kiosk-releases", kioskReleasesRouter({ releases, access }));
  app.use(
    "/api",
    reportsRouter({
      reports: new DistrictReport({
        db: deps.db,
        registry,
        isOnline: (id) => push.screens.isOnline(id),
      }),
      access,
      registry,
    }),
  );
  app.use("/api", screenshotsRouter({ screens, screenshots, access }));
  app.use("/api", notFound);

  // The kiosk app's update feed (electron-updater's generic provider), with the device token.
  app.use("/kiosk/updates", kioskUpdatesRouter({ screens, releases }));
  // A kiosk answers a screenshot request with its device token (a picture, or why not).
  app.use("/kiosk/screenshots", kioskScreenshotsRouter({ screens, screenshots }));
  // Kiosks fetch redacted renditions with their device token (no session, no console).
  app.use(
    "/kiosk",
    kioskRouter({
      screens,
      renditions: new KioskRenditions({ db: deps.db, districts: registry }),
      posters: new KioskPosters({ db: deps.db, districts: registry }),
    }),
  );
  app.use("/kiosk", notFound);

  // Each listed entry's public notice page (the QR code on its slide): no sign-in.
  app.use(
    "/n",
    noticesRouter({
      notices,
      objections,
      ...(deps.publicUrl ? { publicOrigin: deps.publicUrl.origin } : {}),
    }),
  );

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
    expressApp: app,
    announcements,
    metrics,
    imports,
    alerts: {
      monitor: alertMonitor,
      ...(alertWebhook ? { webhook: alertWebhook } : {}),
      checkSeconds: alertConfig.checkSeconds,
    },
    changes,
    takedownRepush: new TakedownRepush({ db: deps.db, push, log: deps.log }),
    consoles,
    accounts,
    close: () =>
      new Promise<void>((resolveClose) => {
        push.close();
        // The overdue-request check stops; one under way ends before the database closes.
        const screenshotsStopped = screenshots.stop();
        // io.close() also closes the HTTP server; sockets get a clean disconnect.
        void io.close(() => {
          // Acknowledgements still buffered are written before the database closes.
          void Promise.all([
            appliedVersions.flush({ last: true }),
            // Screens' disconnects, written before the database closes.
            presence.settled(),
            exportParser.close(),
            screenshotsStopped,
          ]).finally(resolveClose);
        });
        httpServer.closeAllConnections();
      }),
  };
}
