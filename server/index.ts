import { accessSync, constants, mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { createApp, type SignageApp } from "./app";
import type { Config } from "./config";
import { StartupError } from "./errors";
import { AuditLog } from "./services/AuditLog";
import { SetupToken } from "./services/auth/SetupToken";
import { MasterKeyring } from "./services/crypto/MasterKeyring";
import { EntryExpiry } from "./services/EntryExpiry";
import { RetentionSweep } from "./services/RetentionSweep";
import { checkPhoto } from "./services/photoCheck";
import { createPhotoRedactor } from "./services/photoRedactor";
import { RedactionQueue } from "./services/RedactionQueue";
import { PosterRedaction } from "./services/PosterRedaction";
import { ServerMetrics } from "./services/ServerMetrics";
import { catchUpKiosks } from "./sockets/catchUpKiosks";
import { connectRedisFanOut, type RedisFanOut } from "./sockets/redisAdapter";
import { migrateToLatest, openStore, type Store } from "./store/database";
import { madePrivateSentence, makeDataPrivate } from "./store/makeFilesPrivate";
import { countUsers } from "./store/users";

/** A listening server and how to stop it. */
export interface RunningServer {
  app: SignageApp;
  store: Store;
  port: number;
  /** Graceful stop: closes sockets and HTTP, then the database. */
  stop(): Promise<void>;
}

/** Makes sure the data directory exists and is writable, or says why not in one sentence. */
export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new StartupError(
      `The data directory ${dir} cannot be created or written (${reason}); set SIGNAGE_DATA_DIR to a writable folder.`,
    );
  }
}

/** Makes the data folder and database files private; logs what was readable by others. */
function makeStartPrivate(config: Config, log: Logger): void {
  for (const f of makeDataPrivate(config)) log.warn({ path: f.path }, madePrivateSentence(f));
}

function listen(app: SignageApp, config: Config): Promise<number> {
  return new Promise((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === "EADDRINUSE") {
        reject(
          new StartupError(
            `Port ${config.port} on ${config.host} is already in use; stop the other program or set PORT to a free port.`,
          ),
        );
      } else if (err.code === "EACCES") {
        reject(
          new StartupError(
            `Not allowed to listen on port ${config.port}; pick a port above 1023 with PORT.`,
          ),
        );
      } else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") {
        reject(new StartupError(`HOST ${config.host} is not an address of this machine.`));
      } else reject(err);
    };
    app.httpServer.once("error", onError);
    // A deep accept queue: when a city of screens reconnects at once, connections wait in it
    // for their turn instead of the kernel dropping them, which would leave each kiosk in TCP's
    // own retransmission backoff (1 s, 3 s, 7 s, 15 s) however soon the server could take it.
    // The kernel caps it at net.core.somaxconn (4096 on current Linux).
    app.httpServer.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
      app.httpServer.off("error", onError);
      resolveListen((app.httpServer.address() as AddressInfo).port);
    });
  });
}

/** Connections the kernel may hold for the server to accept (Node's default is 511). */
export const LISTEN_BACKLOG = 4096;

/** Opens storage, migrates, builds the app and listens. */
export async function startServer(
  config: Config,
  log: Logger,
  version?: string,
): Promise<RunningServer> {
  prepareDataDir(config.dataDir);
  makeStartPrivate(config, log);
  const store = openStore(config.database, log);
  // The current master key, and the previous one while an online rotation runs.
  let vault: MasterKeyring;
  try {
    vault = MasterKeyring.open({ dataDir: config.dataDir, keyBase64: config.masterKey });
  } catch (err) {
    await store.db.destroy();
    throw err instanceof StartupError ? err : new StartupError((err as Error).message);
  }
  try {
    // The vault re-seals entries written before per-entry data keys (migration 0010).
    const applied = await migrateToLatest(store, { legacy: vault.current() });
    for (const m of applied)
      log.info({ migration: m.migrationName, status: m.status }, "migration");
    // Again, now that the database, its -wal and -shm and master.key all exist.
    makeStartPrivate(config, log);
    // A key retired by "signage rotate-key" (or another server's key) must not chain records on.
    const chain = new AuditLog({ db: store.db, kind: store.kind, key: vault });
    if (!(await chain.lastRecordVerifies()))
      throw new StartupError(
        `The master key (id ${vault.keyId()}) is not the one the audit log is chained under: after "signage rotate-key" use the new key (DATA_DIR/master.key, or SIGNAGE_MASTER_KEY; a rotation that did not finish leaves it in master.key.new).`,
      );
  } catch (err) {
    await store.db.destroy();
    throw err;
  }
  let fanOut: RedisFanOut | undefined;
  if (config.redis) {
    try {
      fanOut = await connectRedisFanOut(config.redis, log);
    } catch (err) {
      await store.db.destroy();
      throw err;
    }
    if (store.kind === "sqlite")
      log.warn(
        "SIGNAGE_REDIS_URL is set but the database is SQLite: several processes need one PostgreSQL database (DATABASE_URL).",
      );
  }
  // First run: a one-time token, printed below, is what lets the first admin be created.
  const setupToken = new SetupToken(config.dataDir);
  let firstRunToken: string | undefined;
  try {
    if ((await countUsers(store.db)) === 0) firstRunToken = setupToken.ensure();
    else setupToken.remove();
  } catch (err) {
    await fanOut?.close();
    await store.db.destroy();
    throw err;
  }
  const workers = config.redactionWorkers || availableParallelism();
  // Worker threads start on the first job, so a server with nothing to redact stays light.
  const redactor = createPhotoRedactor({ workers, engine: config.detectorEngine, log });
  const metrics = new ServerMetrics();
  const audit = new AuditLog({ db: store.db, kind: store.kind, key: vault });
  const queue = new RedactionQueue({
    db: store.db,
    vault,
    redactor,
    log,
    // One photo waiting at each worker besides the one it works on, so a worker never idles
    // while the main thread stores a result and claims the next job.
    concurrency: workers * 2,
    audit,
    measured: (seconds, outcome) => metrics.redactionFinished(seconds, outcome),
    // The app is built below and the queue starts after it: open consoles hear of each outcome.
    settled: () => app.consoles.changed("entries"),
  });
  // Announcement posters go through the same face pipeline, in the same worker pool.
  const posters = new PosterRedaction({ db: store.db, vault, redactor, log, audit });
  const retention = new RetentionSweep({ db: store.db, log, audit, settings: config.retention });
  const app = createApp({
    db: store.db,
    log,
    sealer: vault,
    opener: vault,
    audit,
    dbKind: store.kind,
    checkPhoto,
    redaction: queue,
    posterRedaction: posters,
    ...(version ? { version } : {}),
    ...(fanOut ? { adapter: fanOut.adapter } : {}),
    syncConcurrency: config.syncConcurrency,
    ...(config.socketLimits ? { socketLimits: config.socketLimits } : {}),
    trustProxy: config.trustProxy,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    setupToken,
    metrics,
    metricsAccess: config.metrics,
    alerts: config.alerts,
    releasesDir: join(config.dataDir, "releases"),
  });
  // Expiry takes entries down through the app's change feed, as a revoke does.
  const expiry = new EntryExpiry({ db: store.db, log, audit, changes: app.changes });
  // Pushes from other processes may have been lost while Redis was away: screens here catch up.
  fanOut?.onResume(() => {
    catchUpKiosks(app.io, store.db).catch((err: unknown) =>
      log.error({ err }, "screens not told to catch up after Redis came back"),
    );
  });
  let port: number;
  try {
    port = await listen(app, config);
    await queue.start();
    await posters.start();
    expiry.start();
    app.takedownRepush.start();
    app.announcements.start();
    retention.start();
    app.alerts.monitor.start(config.alerts.checkSeconds * 1000);
    app.alerts.webhook?.start(Math.min(5, config.alerts.checkSeconds) * 1000);
  } catch (err) {
    await expiry.stop();
    await app.takedownRepush.stop();
    await app.announcements.stop();
    await retention.stop();
    await app.alerts.monitor.stop();
    await app.alerts.webhook?.stop();
    await app.close();
    await queue.stop();
    await posters.stop();
    await redactor.close();
    await fanOut?.close();
    await store.db.destroy();
    throw err;
  }
  // The set-up token before "listening": whoever waits for that line (a supervisor, a test) then
  // has the token in what it read.
  if (firstRunToken !== undefined)
    log.warn(
      `First-run set-up: no user exists yet. Open the console and enter the set-up token ${firstRunToken} to create the first admin ("signage setup-token" prints it again).`,
    );
  log.info(
    { port, host: config.host, dataDir: config.dataDir, database: config.database.kind },
    "listening",
  );
  if (config.trustProxy.length > 0 && !config.publicUrl)
    log.warn(
      "SIGNAGE_TRUST_PROXY is set but SIGNAGE_PUBLIC_URL is not: the Host header is not checked (DNS rebinding) and cookies are Secure only when the proxy says https; set SIGNAGE_PUBLIC_URL to the address people use.",
    );
  let stopping: Promise<void> | undefined;
  return {
    app,
    store,
    port,
    stop: () => {
      stopping ??= (async () => {
        await expiry.stop();
        await app.takedownRepush.stop();
        await app.announcements.stop();
        await retention.stop();
        await app.alerts.monitor.stop();
        await app.alerts.webhook?.stop();
        await app.close();
        await queue.stop();
        await posters.stop();
        await redactor.close();
        await fanOut?.close();
        await store.db.destroy();
        log.info("stopped");
      })();
      return stopping;
    },
  };
}
