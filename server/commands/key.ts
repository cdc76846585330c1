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
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, type Config } from "../config";
import { StartupError } from "../errors";
import {
  loadMasterKey,
  RawVault,
  readKeyFile,
  RETIRING_KEY_FILE_NAME,
} from "../services/crypto/RawVault";
import { AuditLog } from "../services/AuditLog";
import {
  AuditChainBrokenError,
  rotateMasterKey,
  rotateMasterKeyOnline,
} from "../services/keyRotation";
import { checkpointWal, migrateToLatest, openStore } from "../store/database";
import { DatabaseInUseError, openStoreExclusively } from "../store/exclusiveStore";
import { z } from "zod";
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
export const rotateKeyUsage = `Usage: signage rotate-key [--online [--batch N] [--pause-ms MS] [--grace-seconds S]]

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

--online rotates while the server runs (DATA_DIR/master.key only; every server process must use
this data folder's key files):
  1. the old key is copied to DATA_DIR/master.key.retiring and master.key is replaced by a new
     key; every server process notices within a second, seals new data under the new key and
     still opens what the old key wrapped;
  2. after --grace-seconds (default 3) a "key.rotated" audit record moves the audit chain to the
     new key;
  3. the data keys and ID fingerprints are moved in batches of --batch (default 200), each its
     own short transaction, with --pause-ms (default 0) between batches, until a full pass finds
     nothing left under the old key;
  4. master.key.retiring is deleted: the old key opens nothing in the database any more.
If it is interrupted, run "signage rotate-key --online" again: it resumes where it stopped
(master.key.retiring must stay until then). With SIGNAGE_MASTER_KEY it refuses (exit 6): the new
key could not reach the running server; stop the server and rotate without --online.

Exit codes: 0 rotated; 2 usage; 3 the server (or another process) uses the database (without
--online); 4 no master key; 5 a previous rotation left DATA_DIR/master.key.new, an online
rotation left master.key.retiring (without --online), or the audit chain is broken (nothing
changed); 6 --online with SIGNAGE_MASTER_KEY; 1 anything else (an online rotation: run it again
to resume).
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
    args = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", short: "h" },
        online: { type: "boolean" },
        batch: { type: "string" },
        "pause-ms": { type: "string" },
        "grace-seconds": { type: "string" },
      },
    });
  } catch (err) {
    out.stderr.write(`signage rotate-key: ${(err as Error).message}\n\n${rotateKeyUsage}`);
    return 2;
  }
  if (args.values.help === true) {
    out.stdout.write(rotateKeyUsage);
    return 0;
  }
  const pacing = OnlinePacingSchema.safeParse({
    batch: args.values.batch,
    pauseMs: args.values["pause-ms"],
    graceSeconds: args.values["grace-seconds"],
  });
  const paced = [args.values.batch, args.values["pause-ms"], args.values["grace-seconds"]].some(
    (v) => v !== undefined,
  );
  if (!pacing.success || (paced && args.values.online !== true)) {
    const why = pacing.success
      ? "--batch, --pause-ms and --grace-seconds go with --online."
      : (pacing.error.issues[0]?.message ?? "an option is invalid.");
    out.stderr.write(`signage rotate-key: ${why}\n\n${rotateKeyUsage}`);
    return 2;
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
  if (args.values.online === true) return rotateOnline(config, pacing.data, out, fail);
  if (existsSync(join(config.dataDir, RETIRING_KEY_FILE_NAME)))
    return fail(
      5,
      `${join(config.dataDir, RETIRING_KEY_FILE_NAME)} is left from an online rotation that did not finish; run "signage rotate-key --online" to finish it (nothing changed).`,
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
      return fail(
        3,
        `${err.message} Key rotation needs the server stopped, or run "signage rotate-key --online" (with DATA_DIR/master.key) to rotate while it serves.`,
      );
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

/** Pacing of an online rotation, from the command line. */
const OnlinePacingSchema = z.object({
  batch: z.coerce
    .number({ error: "--batch must be a whole number from 1 to 10000." })
    .int({ error: "--batch must be a whole number from 1 to 10000." })
    .min(1, { error: "--batch must be a whole number from 1 to 10000." })
    .max(10_000, { error: "--batch must be a whole number from 1 to 10000." })
    .default(200),
  pauseMs: z.coerce
    .number({ error: "--pause-ms must be a whole number of milliseconds up to 60000." })
    .int({ error: "--pause-ms must be a whole number of milliseconds up to 60000." })
    .min(0, { error: "--pause-ms must be a whole number of milliseconds up to 60000." })
    .max(60_000, { error: "--pause-ms must be a whole number of milliseconds up to 60000." })
    .default(0),
  graceSeconds: z.coerce
    .number({ error: "--grace-seconds must be a number of seconds from 1 to 600." })
    .min(1, { error: "--grace-seconds must be a number of seconds from 1 to 600." })
    .max(600, { error: "--grace-seconds must be a number of seconds from 1 to 600." })
    .default(3),
});

/**
 * `signage rotate-key --online`: the key files first (old key kept as master.key.retiring, a new
 * master.key), then the database in small transactions while servers serve (see
 * rotateMasterKeyOnline), then master.key.retiring goes. A run after an interruption resumes.
 */
async function rotateOnline(
  config: Config,
  pacing: z.infer<typeof OnlinePacingSchema>,
  out: CommandOutput,
  fail: (code: number, sentence: string) => number,
): Promise<number> {
  if (config.masterKey !== undefined)
    return fail(
      6,
      `--online needs the master key in ${join(config.dataDir, "master.key")}: with SIGNAGE_MASTER_KEY a new key cannot reach the running server. Stop the server and run "signage rotate-key" without --online (it prints the new key for SIGNAGE_MASTER_KEY).`,
    );
  const keyFile = join(config.dataDir, "master.key");
  const retiringFile = join(config.dataDir, RETIRING_KEY_FILE_NAME);
  let current: Buffer | undefined;
  let retiring: Buffer | undefined;
  try {
    current = readKeyFile(keyFile);
    retiring = readKeyFile(retiringFile);
  } catch (err) {
    if (err instanceof StartupError) return fail(4, err.message);
    throw err;
  }
  if (current === undefined) return fail(4, noKeySentence(config));
  if (config.database.kind === "sqlite" && !existsSync(config.database.file))
    return fail(1, `There is no database at ${describe(config)}; nothing to rotate.`);
  const store = openStore(config.database);
  const resuming = retiring !== undefined && !retiring.equals(current);
  const from = RawVault.fromMasterKey(resuming && retiring !== undefined ? retiring : current);
  let to: RawVault;
  try {
    if (resuming) {
      to = RawVault.fromMasterKey(current);
      out.stderr.write(
        `signage: resuming the rotation ${from.keyId()} → ${to.keyId()} (${retiringFile} holds the old key).\n`,
      );
    } else {
      const before = await new AuditLog({
        db: store.db,
        kind: store.kind,
        key: from.auditChainKey(),
      }).verify();
      if (!before.ok)
        return fail(
          5,
          `The audit chain is broken at record ${before.brokenAt} (${before.message}); the key was not rotated.`,
        );
      // The old key is kept before master.key changes, so no moment lacks it.
      if (retiring === undefined) replaceKeyFile(retiringFile, current);
      const newKey = randomBytes(32);
      to = RawVault.fromMasterKey(newKey);
      replaceKeyFile(keyFile, newKey);
      newKey.fill(0);
      out.stderr.write(
        `signage: ${keyFile} holds the new key ${to.keyId()}; the old key ${from.keyId()} stays in ${retiringFile} until every data key is moved. Running servers pick both up within a second.\n`,
      );
    }
    let outcome;
    try {
      outcome = await rotateMasterKeyOnline({
        db: store.db,
        kind: store.kind,
        from,
        to,
        batch: pacing.batch,
        pauseMs: pacing.pauseMs,
        graceMs: pacing.graceSeconds * 1000,
      });
    } catch (err) {
      if (err instanceof AuditChainBrokenError) return fail(5, err.message);
      if (err instanceof Error)
        return fail(
          1,
          `The rotation stopped: ${err.message} Both keys stay in place (${keyFile}, ${retiringFile}) and servers keep serving; run "signage rotate-key --online" again to resume.`,
        );
      throw err;
    }
    // No frame holding keys wrapped by the old master key stays in the -wal file (best effort
    // beside a running server: its next checkpoint takes the rest).
    await checkpointWal(store.db);
    rmSync(retiringFile, { force: true });
    syncFolder(config.dataDir);
    out.stderr.write(
      `signage: rotated the master key ${from.keyId()} → ${to.keyId()} online: ${outcome.entryKeysRewrapped} entry data keys re-wrapped, ${outcome.idMatchesRecomputed} ID fingerprints recomputed${outcome.rotationSeq === undefined ? "" : `, audit record ${outcome.rotationSeq} chains the log on under the new key`}. ${retiringFile} is deleted: the old key opens nothing in this database now; backups made before need it. Export the new key for safekeeping ("signage key export").\n`,
    );
    return 0;
  } finally {
    await store.db.destroy();
  }
}

/** Writes a key file atomically (a private temporary file renamed over it) and durably. */
function replaceKeyFile(file: string, key: Buffer): void {
  const temp = join(dirname(file), `.${randomBytes(6).toString("hex")}.key.tmp`);
  try {
    writeKeyFile(temp, key);
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
  syncFolder(dirname(file));
}

/** Makes renames and deletions in a folder durable. */
function syncFolder(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
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
