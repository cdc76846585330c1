import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, type Config } from "../config";
import { StartupError } from "../errors";
import { loadMasterKey, RawVault } from "../services/crypto/RawVault";
import { AuditChainBrokenError, rotateMasterKey } from "../services/keyRotation";
import { checkpointWal, migrateToLatest } from "../store/database";
import { DatabaseInUseError, openStoreExclusively } from "../store/exclusiveStore";
import type { CommandOutput } from "./maskName";

/** Help text of `signage key`. */
export const keyUsage = `Usage: signage key export

Prints the master key (base64, one line) on stdout, with a warning on stderr. The key opens every
sealed photo, ID number and full name; backups do not contain it. Keep the printed key apart from
the backups (a password safe, a sealed envelope), never beside them.
  signage key export > /media/usb/signage-master.key

Exit codes: 0 printed; 2 usage; 4 there is no master key (SIGNAGE_MASTER_KEY or DATA_DIR/master.key).
`;

/** Help text of `signage rotate-key`. */
export const rotateKeyUsage = `Usage: signage rotate-key

Makes a new master key and moves everything the old one protected onto it: every entry's data
key is wrapped again, every ID match fingerprint is recomputed, and the audit log gets a
"key.rotated" record chained under the new key (earlier records stay verifiable). Afterwards the
old key opens nothing in the database; backups made before still need the old key.

The server must be stopped: the command refuses while it (or any other process) uses the
database, and keeps it from starting until the rotation is done.

Where the new key goes:
  - with DATA_DIR/master.key: the file is replaced atomically by the new key;
  - with SIGNAGE_MASTER_KEY: the new key is printed on stdout and written to
    DATA_DIR/master.key.new (mode 0600); put it into SIGNAGE_MASTER_KEY, delete that file,
    then start the server.
Export the new key for safekeeping ("signage key export") before you start the server again.

Exit codes: 0 rotated; 2 usage; 3 the server (or another process) uses the database;
4 no master key; 5 a previous rotation left DATA_DIR/master.key.new, or the audit chain is
broken (nothing changed); 1 anything else.
`;

/** `signage key export`: returns the exit code. */
export function runKeyCommand(argv: string[], out: CommandOutput = process): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    out.stderr.write(`signage key: ${(err as Error).message}\n\n${keyUsage}`);
    return Promise.resolve(2);
  }
  if (args.values.help === true) {
    out.stdout.write(keyUsage);
    return Promise.resolve(0);
  }
  if (args.positionals.length !== 1 || args.positionals[0] !== "export") {
    out.stderr.write(`signage key: the only subcommand is "export".\n\n${keyUsage}`);
    return Promise.resolve(2);
  }
  try {
    const config = loadConfig(process.env);
    const key = existingKey(config);
    if (key === undefined) {
      out.stderr.write(`signage key: ${noKeySentence(config)}\n`);
      return Promise.resolve(4);
    }
    out.stderr.write(
      `signage: WARNING: this is the master key (id ${RawVault.fromMasterKey(key).keyId()}). Whoever has it and a backup can read every sealed photo, ID number and full name in it. Keep it offline and apart from the backups; do not paste it into tickets, chats or shell history.\n`,
    );
    out.stdout.write(`${key.toString("base64")}\n`);
    return Promise.resolve(0);
  } catch (err) {
    if (err instanceof StartupError) {
      out.stderr.write(`signage key: ${err.message}\n`);
      return Promise.resolve(1);
    }
    throw err;
  }
}

/** `signage rotate-key`: returns the exit code. */
export async function runRotateKeyCommand(
  argv: string[],
  out: CommandOutput = process,
): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { help: { type: "boolean", short: "h" } } });
  } catch (err) {
    out.stderr.write(`signage rotate-key: ${(err as Error).message}\n\n${rotateKeyUsage}`);
    return 2;
  }
  if (args.values.help === true) {
    out.stdout.write(rotateKeyUsage);
    return 0;
  }
  const fail = (code: number, sentence: string): number => {
    out.stderr.write(`signage rotate-key: ${sentence}\n`);
    return code;
  };
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof StartupError) return fail(1, err.message);
    throw err;
  }
  const keyFile = join(config.dataDir, "master.key");
  const newKeyFile = `${keyFile}.new`;
  if (existsSync(newKeyFile))
    return fail(
      5,
      `${newKeyFile} is left from a rotation that did not finish; if "signage audit verify" passes with SIGNAGE_MASTER_KEY set to its content, the rotation was done: make it the key (rename it to master.key, or put it in SIGNAGE_MASTER_KEY); otherwise delete it, then run this again.`,
    );
  let oldKey: Buffer | undefined;
  try {
    oldKey = existingKey(config);
  } catch (err) {
    if (err instanceof StartupError) return fail(4, err.message);
    throw err;
  }
  if (oldKey === undefined) return fail(4, noKeySentence(config));
  let store;
  try {
    store = await openStoreExclusively(config.database);
  } catch (err) {
    if (err instanceof DatabaseInUseError)
      return fail(3, `${err.message} Key rotation needs the server stopped.`);
    if ((err as { code?: string }).code === "SQLITE_CANTOPEN")
      return fail(1, `There is no database at ${describe(config)}; nothing to rotate.`);
    throw err;
  }
  const from = RawVault.fromMasterKey(oldKey);
  const newKey = randomBytes(32);
  const to = RawVault.fromMasterKey(newKey);
  try {
    await migrateToLatest(store, { legacy: from });
    // The new key is on disk before the database depends on it.
    writeKeyFile(newKeyFile, newKey);
    let outcome;
    try {
      outcome = await rotateMasterKey({ db: store.db, kind: store.kind, from, to });
    } catch (err) {
      rmSync(newKeyFile, { force: true }); // the transaction rolled back: the old key stays
      if (err instanceof AuditChainBrokenError) return fail(5, err.message);
      if (err instanceof Error)
        return fail(
          1,
          `The rotation failed and changed nothing (the old key stays): ${err.message}`,
        );
      throw err;
    }
    // No frame holding the keys wrapped by the old master key stays in the -wal file.
    await checkpointWal(store.db);
    const summary = `rotated the master key ${outcome.previousKeyId} → ${outcome.keyId}: ${outcome.entryKeysRewrapped} entry data keys re-wrapped, ${outcome.idMatchesRecomputed} ID fingerprints recomputed, audit record ${outcome.rotationSeq} chains the log on under the new key. The old key opens nothing in this database now; backups made before need it.`;
    if (config.masterKey === undefined) {
      renameSync(newKeyFile, keyFile); // atomic: master.key is the old key or the new one
      out.stderr.write(
        `signage: ${summary}\nsignage: ${keyFile} now holds the new key; export it for safekeeping ("signage key export") before starting the server.\n`,
      );
    } else {
      out.stderr.write(
        `signage: ${summary}\nsignage: set SIGNAGE_MASTER_KEY to the new key printed below (also in ${newKeyFile}; delete that file once it is stored), then start the server.\n`,
      );
      out.stdout.write(`${newKey.toString("base64")}\n`);
    }
    return 0;
  } finally {
    newKey.fill(0);
    await store.db.destroy();
  }
}

/** The configured master key, or the key file's; undefined when neither exists (never makes one). */
function existingKey(config: Config): Buffer | undefined {
  if (config.masterKey === undefined && !existsSync(join(config.dataDir, "master.key")))
    return undefined;
  return loadMasterKey({ dataDir: config.dataDir, keyBase64: config.masterKey });
}

function noKeySentence(config: Config): string {
  return `There is no master key: SIGNAGE_MASTER_KEY is not set and ${join(config.dataDir, "master.key")} does not exist (check SIGNAGE_DATA_DIR).`;
}

function describe(config: Config): string {
  return config.database.kind === "sqlite" ? config.database.file : "DATABASE_URL";
}

function writeKeyFile(file: string, key: Buffer): void {
  const fd = openSync(file, "wx", 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${key.toString("base64")}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
