import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { StartupError } from "../errors";
import { packageVersion } from "../packageRoot";
import {
  BackupError,
  restoreBackup,
  writeBackup,
  type BackupProblem,
} from "../services/backup/backupArchive";
import { RETIRING_KEY_FILE_NAME } from "../services/crypto/RawVault";
import type { CommandOutput } from "./maskName";
import { openKeyring } from "./openCommandVault";

/** Help text of `signage backup`. */
export const backupUsage = `Usage: signage backup --out FILE

Writes one file (a tar archive: manifest.json + signage.db) holding a consistent copy of the
SQLite database, taken while the server runs. Entries, sealed raw data, renditions, users,
screens, schedules, plays and the audit log are all in it. The master key is NOT in it: keep it
apart ("signage key export"). FILE is created mode 0600 and must not exist.

Kiosk release installers (DATA_DIR/releases) are not in it: copy that folder apart, or add the
releases again after a restore ("signage kiosk-release add").

On PostgreSQL the command refuses: back the database up with pg_dump (README, "Operations").
While an online key rotation is unfinished (DATA_DIR/master.key.retiring exists) it refuses too:
some data keys are still under the old key, which the backup would not name; finish the
rotation ("signage rotate-key --online") first.

Exit codes: 0 written; 2 usage; 3 FILE exists; 4 no database or no master key found; 5 the
audit chain is broken; 6 the database is PostgreSQL; 7 a key rotation is unfinished; 1 anything
else (one sentence on stderr).
`;

/** Help text of `signage restore`. */
export const restoreUsage = `Usage: signage restore FILE

Restores a backup made by "signage backup" into an EMPTY data folder (SIGNAGE_DATA_DIR; it may
hold only master.key), then checks the database's checksum, its row counts against the backup's
manifest and the audit chain. The master key is supplied apart: SIGNAGE_MASTER_KEY, or the key
file copied to DATA_DIR/master.key (mode 0600). Start the server afterwards with "signage serve".

Exit codes: 0 restored; 2 usage; 3 the data folder is not empty; 4 no master key, or not the
backup's; 5 the backup is damaged or does not verify (nothing is left behind); 6 PostgreSQL;
1 anything else.
`;

/** The exit code of each refusal, as the help texts list them. */
const exitCodes: Record<BackupProblem, number> = {
  exists: 3,
  not_empty: 3,
  no_database: 4,
  no_key: 4,
  wrong_key: 4,
  chain_broken: 5,
  damaged: 5,
  counts_differ: 5,
  postgres: 6,
  rotating: 7,
};

/** `signage backup --out FILE`: returns the exit code. */
export async function runBackupCommand(
  argv: string[],
  out: CommandOutput = process,
): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    out.stderr.write(`signage backup: ${(err as Error).message}\n\n${backupUsage}`);
    return 2;
  }
  if (args.values.help === true) {
    out.stdout.write(backupUsage);
    return 0;
  }
  if (args.values.out === undefined || args.values.out === "") {
    out.stderr.write(`signage backup: name the backup file with --out FILE.\n\n${backupUsage}`);
    return 2;
  }
  return answer("backup", out, async () => {
    const config = loadConfig(process.env);
    const m = await writeBackup({
      config,
      openVault: () => {
        if (existsSync(join(config.dataDir, RETIRING_KEY_FILE_NAME)))
          throw new BackupError(
            "rotating",
            `An online key rotation is unfinished (${join(config.dataDir, RETIRING_KEY_FILE_NAME)} exists): some data keys are still under the old key. Finish it with "signage rotate-key --online", then back up.`,
          );
        // Never make a key here: a backup checks the chain with the server's own key.
        if (config.masterKey === undefined && !existsSync(join(config.dataDir, "master.key")))
          throw new BackupError(
            "no_key",
            `There is no master key to check the audit chain with: SIGNAGE_MASTER_KEY is not set and ${join(config.dataDir, "master.key")} does not exist.`,
          );
        // No rotation runs (refused above), so the keyring holds the one key the data is under.
        return openKeyring(config).current();
      },
      out: args.values.out ?? "",
      appVersion: packageVersion,
    });
    const rows = Object.entries(m.counts)
      .filter(([t]) => !t.startsWith("kysely_"))
      .reduce((a, [, n]) => a + n, 0);
    out.stdout.write(
      `signage: backup written to ${args.values.out ?? ""}: ${m.database.bytes} database bytes, ${rows} rows, ${m.audit.records} audit records (chain intact), master key ${m.keyId} (not included).\n`,
    );
    return 0;
  });
}

/** `signage restore FILE`: returns the exit code. */
export async function runRestoreCommand(
  argv: string[],
  out: CommandOutput = process,
): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    out.stderr.write(`signage restore: ${(err as Error).message}\n\n${restoreUsage}`);
    return 2;
  }
  if (args.values.help === true) {
    out.stdout.write(restoreUsage);
    return 0;
  }
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) {
    out.stderr.write(`signage restore: name one backup file.\n\n${restoreUsage}`);
    return 2;
  }
  return answer("restore", out, async () => {
    const config = loadConfig(process.env);
    const r = await restoreBackup({
      config,
      file,
      openVault: () => openKeyring(config).current(),
    });
    out.stdout.write(
      `signage: restored the backup of ${r.manifest.createdAt} into ${r.databaseFile}: checksum, row counts and audit chain (${r.auditRecords} records) verified; start the server with "signage serve".\n`,
    );
    return 0;
  });
}

async function answer(
  name: string,
  out: CommandOutput,
  run: () => Promise<number>,
): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof BackupError) {
      out.stderr.write(`signage ${name}: ${err.message}\n`);
      return exitCodes[err.problem];
    }
    if (err instanceof StartupError) {
      out.stderr.write(`signage ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
