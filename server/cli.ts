import { parseArgs } from "node:util";
import { configHelp, loadConfig } from "./config";
import { StartupError } from "./errors";
import type { RunningServer } from "./index";
import { createLogger } from "./logger";
import { packageVersion } from "./packageRoot";
import { openStore } from "./store/database";
import { makeDataPrivate } from "./store/makeFilesPrivate";

/** The variables' column, as wide as the longest name. */
const helpWidth = Math.max(...configHelp.map(([name]) => name.length));

const usage = `signage ${packageVersion} — civic notice signage server

Usage:
  signage serve          start the server (API, console at /console, display at /display)
  signage migrate        bring the database schema up to date and exit
  signage import FILE --district ID --as EMAIL
                         import a court export (CSV/JSON) with photos as that console user (an
                         operator of the districts; audited as from the command line); see
                         "signage import --help"
  signage redact IN OUT  redact the faces in a photo as the server does; see "signage redact --help"
  signage mask-name NAME print a name masked as screens show it
  signage create-admin --email EMAIL  create an admin of the whole city (prints a one-time password)
  signage setup-token    print the one-time token the console's first-run set-up page asks for
  signage reset-password --email EMAIL
                         give a user a one-time password and clear their sign-in delay
  signage audit verify|export  check the audit log's hash chain or export it as JSON Lines
  signage backup --out FILE    write a consistent copy of the database, taken while the server
                         runs (never the master key); see "signage backup --help"
  signage restore FILE   restore a backup into an empty data folder and verify it
  signage key export     print the master key (base64) to keep apart from backups
  signage rotate-key     re-wrap every data key under a new master key (server stopped, or
                         --online while it serves); see
                         "signage rotate-key --help"
  signage kiosk-release add|stage|promote|rollback|list
                         the kiosk app's update feed: add an installer, stage it to districts or
                         tags, release it to every screen, roll back; see
                         "signage kiosk-release --help"
  signage --help         show this help
  signage --version      print the version

Configuration is read from the environment:
${configHelp.map(([name, meaning]) => `  ${name.padEnd(helpWidth)} ${meaning}`).join("\n")}
`;

async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  // Handlers go in before the server starts, so a signal during start-up still stops it cleanly.
  const state: { server?: RunningServer; stopRequested: boolean } = { stopRequested: false };
  const shutdown = (signal: string): void => {
    if (state.stopRequested) {
      log.warn({ signal }, "already shutting down");
      return;
    }
    log.info({ signal }, "shutting down");
    state.stopRequested = true;
    const force = setTimeout(() => {
      log.error("shutdown took longer than 10 s; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    if (!state.server) return; // start-up finishes, sees stopRequested, and stops
    state.server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  // Loaded here, not at the top, so light commands (mask-name, --help) start instantly.
  const { startServer } = await import("./index");
  const server = await startServer(config, log, packageVersion);
  state.server = server;
  if (state.stopRequested) {
    await server.stop();
    process.exit(0);
  }
  process.stderr.write(
    `signage: serving on http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${server.port} — console at /console, display at /display\n`,
  );
}

async function migrate(): Promise<void> {
  const config = loadConfig(process.env);
  const store = openStore(config.database);
  try {
    // Loaded here, as the other commands are, so light commands start instantly.
    const { openCommandVault } = await import("./commands/openCommandVault");
    const { applied: results } = await openCommandVault(config, store);
    // What the command created or found readable by others becomes private, as on a server
    // start; quietly, since stdout and stderr are the command's answer (the server logs it).
    makeDataPrivate(config);
    process.stdout.write(
      results.length === 0
        ? "signage: the database is already up to date.\n"
        : results.map((r) => `signage: applied ${r.migrationName}\n`).join(""),
    );
  } finally {
    await store.db.destroy();
  }
}

/** Subcommands that parse their own arguments. */
const delegated: Record<string, (argv: string[]) => Promise<number>> = {
  import: async (argv) => (await import("./commands/import")).runImportCommand(argv),
  redact: async (argv) => (await import("./commands/redact")).runRedactCommand(argv),
  "create-admin": async (argv) =>
    (await import("./commands/createAdmin")).runCreateAdminCommand(argv),
  "mask-name": async (argv) => (await import("./commands/maskName")).runMaskNameCommand(argv),
  audit: async (argv) => (await import("./commands/audit")).runAuditCommand(argv),
  "setup-token": async (argv) => (await import("./commands/setupToken")).runSetupTokenCommand(argv),
  "reset-password": async (argv) =>
    (await import("./commands/resetPassword")).runResetPasswordCommand(argv),
  backup: async (argv) => (await import("./commands/backup")).runBackupCommand(argv),
  restore: async (argv) => (await import("./commands/backup")).runRestoreCommand(argv),
  key: async (argv) => (await import("./commands/key")).runKeyCommand(argv),
  "rotate-key": async (argv) => (await import("./commands/key")).runRotateKeyCommand(argv),
  "kiosk-release": async (argv) =>
    (await import("./commands/kioskRelease")).runKioskReleaseCommand(argv),
};

/** Entry point of the `signage` command. */
export async function main(argv: string[]): Promise<number> {
  const sub = argv[0] === undefined ? undefined : delegated[argv[0]];
  if (sub) {
    try {
      return await sub(argv.slice(1));
    } catch (err) {
      if (err instanceof StartupError) {
        process.stderr.write(`signage: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } },
    });
  } catch (err) {
    process.stderr.write(`signage: ${(err as Error).message}\nRun "signage --help" for usage.\n`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === "help") {
    process.stdout.write(usage);
    return 0;
  }
  if (parsed.values.version) {
    process.stdout.write(`${packageVersion}\n`);
    return 0;
  }
  if (rest.length > 0) {
    process.stderr.write(
      `signage: unexpected argument "${rest.join(" ")}".\nRun "signage --help" for usage.\n`,
    );
    return 2;
  }
  try {
    switch (command) {
      case "serve":
        await serve();
        return -1; // keep running until a signal
      case "migrate":
        await migrate();
        return 0;
      case undefined:
        process.stderr.write(usage);
        return 2;
      default:
        process.stderr.write(
          `signage: unknown command "${command}".\nRun "signage --help" for usage.\n`,
        );
        return 2;
    }
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`signage: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
