import { accessSync, constants, mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import { createApp, type SignageApp } from "./app";
import type { Config } from "./config";
import { StartupError } from "./errors";
import { AuditLog } from "./services/auditLog";
import { RawVault } from "./services/crypto/rawVault";
import { EntryExpiry } from "./services/entryExpiry";
import { checkPhoto } from "./services/photoCheck";
import { createPhotoRedactor } from "./services/photoRedactor";
import { RedactionQueue } from "./services/redactionQueue";
import { connectRedisFanOut, type RedisFanOut } from "./sockets/redisAdapter";
import { migrateToLatest, openStore, type Store } from "./store/database";

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
    app.httpServer.listen(config.port, config.host, () => {
      app.httpServer.off("error", onError);
      resolveListen((app.httpServer.address() as AddressInfo).port);
    });
  });
}

/** Opens storage, migrates, builds the app and listens. */
export async function startServer(
  config: Config,
  log: Logger,
  version?: string,
): Promise<RunningServer> {
  prepareDataDir(config.dataDir);
  const store = openStore(config.database);
  try {
    const applied = await migrateToLatest(store);
    for (const m of applied)
      log.info({ migration: m.migrationName, status: m.status }, "migration");
  } catch (err) {
    await store.db.destroy();
    throw err;
  }
  let vault: RawVault;
  try {
    vault = RawVault.open({ dataDir: config.dataDir, keyBase64: config.masterKey });
  } catch (err) {
    await store.db.destroy();
    throw err instanceof StartupError ? err : new StartupError((err as Error).message);
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
  const workers = config.redactionWorkers || availableParallelism();
  // Worker threads start on the first job, so a server with nothing to redact stays light.
  const redactor = createPhotoRedactor({ workers, engine: config.detectorEngine, log });
  const audit = new AuditLog({ db: store.db, kind: store.kind, key: vault.auditChainKey() });
  const queue = new RedactionQueue({
    db: store.db,
    vault,
    redactor,
    log,
    // One photo waiting at each worker besides the one it works on, so a worker never idles
    // while the main thread stores a result and claims the next job.
    concurrency: workers * 2,
    audit,
  });
  // The app exists once the sweep first runs (start() comes after createApp).
  const ended: { notify?: (ids: string[]) => void } = {};
  const expiry = new EntryExpiry({
    db: store.db,
    log,
    audit,
    onExpired: (ids) => ended.notify?.(ids),
  });
  const app = createApp({
    db: store.db,
    log,
    sealer: vault,
    opener: vault,
    audit,
    dbKind: store.kind,
    checkPhoto,
    onRedactionQueued: () => queue.kick(),
    ...(version ? { version } : {}),
    ...(fanOut ? { adapter: fanOut.adapter } : {}),
    syncConcurrency: config.syncConcurrency,
  });
  ended.notify = (ids) => {
    app.entriesEnded(ids).catch((err: unknown) => log.error({ err }, "could not notify screens"));
  };
  let port: number;
  try {
    port = await listen(app, config);
    await queue.start();
    expiry.start();
  } catch (err) {
    expiry.stop();
    await app.close();
    await queue.stop();
    await redactor.close();
    await fanOut?.close();
    await store.db.destroy();
    throw err;
  }
  log.info(
    { port, host: config.host, dataDir: config.dataDir, database: config.database.kind },
    "listening",
  );
  let stopping: Promise<void> | undefined;
  return {
    app,
    store,
    port,
    stop: () => {
      stopping ??= (async () => {
        expiry.stop();
        await app.close();
        await queue.stop();
        await redactor.close();
        await fanOut?.close();
        await store.db.destroy();
        log.info("stopped");
      })();
      return stopping;
    },
  };
}
