import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { SetupToken } from "../services/auth/SetupToken";
import { openStore } from "../store/database";
import { madePrivateSentence, makeDataPrivate } from "../store/makeFilesPrivate";
import { countUsers } from "../store/users";
import { openCommandVault } from "./openCommandVault";

const usage = `Usage: signage setup-token [--new]

Prints the one-time token that the console's first-run set-up page asks for, from the data folder
the server uses (same environment: SIGNAGE_DATA_DIR, DATABASE_URL). The server prints it in its log
as well. Once the first admin exists the token is deleted and this command says so.

Options:
  --new   replace the token with a new one (a running server accepts only the new one)
`;

/** `signage setup-token`: returns the exit code (0 printed, 1 set-up is done, 2 usage error). */
export async function runSetupTokenCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { new: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    process.stderr.write(`signage setup-token: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (parsed.values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const config = loadConfig(process.env);
  const store = openStore(config.database);
  try {
    await openCommandVault(config, store);
    const token = new SetupToken(config.dataDir);
    if ((await countUsers(store.db)) > 0) {
      token.remove();
      process.stderr.write(
        "signage setup-token: set-up is done (a user exists), so there is no set-up token; sign in, or use signage create-admin or signage reset-password.\n",
      );
      return 1;
    }
    const value = parsed.values.new === true ? token.regenerate() : token.ensure();
    // The token file, like every file in the data folder, is private to the server's user.
    for (const f of makeDataPrivate(config))
      process.stderr.write(`signage: ${madePrivateSentence(f)}\n`);
    process.stdout.write(
      `signage: first-run set-up token (enter it on the console's set-up page):\n${value}\n`,
    );
    return 0;
  } finally {
    await store.db.destroy();
  }
}
