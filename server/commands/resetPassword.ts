import { parseArgs } from "node:util";
import pino from "pino";
import { EmailSchema } from "../../shared/schemas/account";
import { loadConfig } from "../config";
import { AppError } from "../errors";
import { UserAccounts } from "../services/auth/UserAccounts";
import { openStore } from "../store/database";
import { madePrivateSentence, makeDataPrivate } from "../store/makeFilesPrivate";
import { getUserByEmail } from "../store/users";
import { openCommandVault } from "./openCommandVault";

const usage = `Usage: signage reset-password --email EMAIL

Gives a console user a new one-time password, printed here, to be changed at the next sign-in;
their sessions end and the sign-in delay that failed attempts built up on the account is cleared
(a running server sees the new password at the next attempt). Works on the server machine with
the same environment as the server (SIGNAGE_DATA_DIR, DATABASE_URL, SIGNAGE_MASTER_KEY), so an
admin can always get back in. Audited as from the command line.

Options:
  --email EMAIL   the user's email address (required)
`;

/** `signage reset-password`: returns the exit code (0 reset, 1 refused, 2 usage error). */
export async function runResetPasswordCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { email: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    process.stderr.write(`signage reset-password: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (parsed.values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const email = EmailSchema.safeParse(parsed.values.email ?? "");
  if (!email.success) {
    process.stderr.write(
      `signage reset-password: --email: ${email.error.issues[0]?.message ?? "not an email address"}\n${usage}`,
    );
    return 2;
  }
  const config = loadConfig(process.env);
  const store = openStore(config.database);
  try {
    const { audit } = await openCommandVault(config, store);
    for (const f of makeDataPrivate(config))
      process.stderr.write(`signage: ${madePrivateSentence(f)}\n`);
    const user = await getUserByEmail(store.db, email.data.toLowerCase());
    if (!user) {
      process.stderr.write(`signage reset-password: no user has the email ${email.data}.\n`);
      return 1;
    }
    const accounts = new UserAccounts({
      db: store.db,
      audit,
      log: pino({ level: "silent" }),
    });
    const oneTime = await accounts.resetPassword(user.id, { type: "cli" });
    process.stdout.write(
      `signage: password of ${user.email} reset; their sessions ended. One-time password (change it at the next sign-in):\n${oneTime}\n`,
    );
    if (user.state !== "active")
      process.stderr.write(
        `signage reset-password: note that ${user.email} is disabled; another admin must enable the account.\n`,
      );
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`signage reset-password: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.db.destroy();
  }
}
