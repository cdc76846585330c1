import { chmodSync, lstatSync, readdirSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { DatabaseConfig } from "../config";
import { StartupError } from "../errors";

/** What {@link makeFilesPrivate} looks at. */
export interface PrivateFilesOptions {
  /** The data folder: it becomes 0700, every folder in it 0700 and every file 0600. */
  dataDir: string;
  /** Files kept elsewhere (a SQLite database outside the data folder, its -wal and -shm). */
  files?: readonly string[];
  /**
   * Files that are refused rather than fixed when others can read them: a key others could read
   * may already have been copied, so its owner has to decide (rotate it or chmod it).
   */
  refuseWhenWider?: readonly string[];
  /** The server's user; the process's own by default. */
  uid?: number;
}

/** A file or folder that was readable by others and has been made private. */
export interface MadePrivate {
  path: string;
  /** Its permission bits before, e.g. 0o644. */
  was: number;
}

/**
 * Makes the data folder private to the server's user (issue 14 item 6): the folder and every
 * folder in it 0700, every file 0600, on every start, whether or not the folder already existed.
 * What is wider is fixed and returned (to be logged); what cannot be fixed — a file or folder
 * that another user owns, a chmod that fails — refuses the start with a StartupError naming it.
 * A symbolic link to a file is judged (and fixed) by its target; one to a folder is left alone and
 * never followed (no loops, and a link to /tmp must not make /tmp private).
 * Windows has no POSIX modes; there it does nothing.
 */
export function makeFilesPrivate(opts: PrivateFilesOptions): MadePrivate[] {
  if (process.platform === "win32") return [];
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  const refuse = new Set(opts.refuseWhenWider ?? []);
  const fixed: MadePrivate[] = [];
  const check = (path: string, isDir: boolean, stat: Stats): void => {
    if (stat.uid !== uid) {
      throw new StartupError(
        `${path} belongs to another user (uid ${stat.uid}), not to the user running signage (uid ${uid}), so it cannot be made private; run "chown ${uid} ${path}" or run signage as its owner, then start again.`,
      );
    }
    const bits = stat.mode & 0o777;
    if ((bits & 0o077) === 0) return;
    if (refuse.has(path)) {
      throw new StartupError(
        `${path} is readable by group or others (mode ${octal(bits)}), so it may have been copied; run "chmod 600 ${path}" and start again.`,
      );
    }
    try {
      chmodSync(path, isDir ? 0o700 : 0o600);
    } catch (err) {
      throw new StartupError(
        `${path} is readable by group or others (mode ${octal(bits)}) and cannot be made private (${(err as NodeJS.ErrnoException).code ?? "error"}); run "chmod ${isDir ? "700" : "600"} ${path}" and start again.`,
      );
    }
    fixed.push({ path, was: bits });
  };
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const stat = statOrUndefined(path);
      // A file gone since the listing (SQLite removes -wal and -shm), or a dangling link.
      if (stat === undefined) continue;
      if (stat.isDirectory()) {
        // A link to a folder elsewhere (a shared disk, /tmp) is not ours to lock down.
        if (lstatSync(path).isSymbolicLink()) continue;
        check(path, true, stat);
        walk(path);
      } else check(path, false, stat);
    }
  };
  const top = statOrUndefined(opts.dataDir);
  if (top === undefined) {
    throw new StartupError(`The data directory ${opts.dataDir} does not exist.`);
  }
  check(opts.dataDir, true, top);
  walk(opts.dataDir);
  for (const file of opts.files ?? []) {
    const stat = statOrUndefined(file);
    if (stat !== undefined) check(file, false, stat);
  }
  return fixed;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StartupError(
      `${path} cannot be examined (${(err as NodeJS.ErrnoException).code ?? "error"}), so it cannot be made private.`,
    );
  }
}

function octal(bits: number): string {
  return `0${bits.toString(8)}`;
}

/**
 * {@link makeFilesPrivate} for a configuration, as every start (server and command line) runs it:
 * the data folder, a SQLite database kept elsewhere with its -wal and -shm; a readable
 * `master.key` is refused, never fixed.
 */
export function makeDataPrivate(config: {
  dataDir: string;
  database: DatabaseConfig;
}): MadePrivate[] {
  const db = config.database.kind === "sqlite" ? config.database.file : undefined;
  return makeFilesPrivate({
    dataDir: config.dataDir,
    files: db === undefined ? [] : [db, `${db}-wal`, `${db}-shm`],
    refuseWhenWider: [join(config.dataDir, "master.key")],
  });
}

/** One sentence saying what was made private, for a log line or the command line. */
export function madePrivateSentence(f: MadePrivate): string {
  return `${f.path} was readable by other users of this machine (mode ${octal(f.was)}); it is now private to the user running signage.`;
}
