import { text } from "node:stream/consumers";
import { parseArgs } from "node:util";
import pino from "pino";
import { CreateUserSchema } from "../../shared/schemas/account";
import { loadConfig } from "../config";
import { AppError } from "../errors";
import { SetupToken } from "../services/auth/SetupToken";
import { UserAccounts } from "../services/auth/UserAccounts";
import { openStore } from "../store/database";
import { makeDataPrivate } from "../store/makeFilesPrivate";
import { openCommandVault } from "./openCommandVault";

const usage = `Usage: signage create-admin --email EMAIL [--name NAME] [--password-stdin]

Creates an admin of the whole city in the database the server uses (same environment:
SIGNAGE_DATA_DIR, DATABASE_URL, SIGNAGE_MASTER_KEY). There are no default credentials: without
--password-stdin a one-time password is printed, to be changed at the first sign-in.

Options:
  --email EMAIL      the admin's email address, used to sign in (required)
  --name NAME        the name shown in the console and the audit log (default: the email)
  --password-stdin   read the password from standard input (at least 12 characters)
`;

/** `signage create-admin`: returns the exit code (0 created, 1 refused, 2 usage error). */
export async function runCreateAdminCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        email: { type: "string" },
        name: { type: "string" },
        "password-stdin": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    process.stderr.write(`signage create-admin: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const password =
    v["password-stdin"] === true ? (await text(process.stdin)).replace(/\r?\n$/, "") : undefined;
  const input = CreateUserSchema.safeParse({
    email: v.email ?? "",
    displayName: v.name ?? v.email ?? "",
    roles: [{ role: "admin", scope: "*" }],
    ...(password !== undefined ? { password } : {}),
  });
  if (!input.success) {
    const issue = input.error.issues[0];
    process.stderr.write(
      `signage create-admin: ${issue ? `${issue.path.join(".") || "input"}: ${issue.message}` : "invalid input"}\n${usage}`,
    );
    return 2;
  }
  const config = loadConfig(process.env);
  const store = openStore(config.database);
  try {
    const { audit } = await openCommandVault(config, store);
    // What the command created or found readable by others becomes private, as on a server
    // start; quietly, since stdout and stderr are the command's answer (the server logs it).
    makeDataPrivate(config);
    const accounts = new UserAccounts({
      db: store.db,
      audit,
      log: pino({ level: "silent" }),
    });
    const { user, oneTimePassword } = await accounts.create(input.data, { type: "cli" });
    // A user exists now: the first-run set-up token has nothing left to open.
    new SetupToken(config.dataDir).remove();
    process.stdout.write(
      oneTimePassword === undefined
        ? `signage: admin ${user.email} created.\n`
        : `signage: admin ${user.email} created. One-time password (change it at first sign-in):\n${oneTimePassword}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`signage create-admin: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.db.destroy();
  }
}
