import { open, type FileHandle } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { AppError, StartupError } from "../errors";
import { AuditInstantSchema, type AuditLog } from "../services/AuditLog";
import { openStore } from "../store/database";
import { makeDataPrivate } from "../store/makeFilesPrivate";
import { openCommandVault } from "./openCommandVault";

/** Help text of `signage audit`. */
export const auditUsage = `Usage: signage audit verify
       signage audit export [--from DATE] [--to DATE] [--out FILE]

Works on the audit log of the database the server uses (same environment: SIGNAGE_DATA_DIR,
DATABASE_URL, SIGNAGE_MASTER_KEY; the chain is keyed, so the master key must be the server's).

  verify   recompute every record's hash and link; exit 0 if the chain is intact, 1 if not
  export   write the records as JSON Lines, oldest first, to stdout or FILE (created mode 0600)

Options of export:
  --from DATE   records at or after DATE (ISO 8601: 2024-05-01 or 2024-05-01T08:00:00Z)
  --to DATE     records before DATE
  --out FILE    write to FILE instead of stdout
`;

/** Where the command writes: a stream that may ask the writer to wait. */
interface Sink {
  write(chunk: string): Promise<void>;
  close(): Promise<void>;
}

/** `signage audit verify|export`: returns the exit code (0 fine, 1 broken or failed, 2 usage). */
export async function runAuditCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: "string" },
        to: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    process.stderr.write(`signage audit: ${(err as Error).message}\n\n${auditUsage}`);
    return 2;
  }
  const v = args.values;
  const [sub, ...extra] = args.positionals;
  if (v.help === true) {
    process.stdout.write(auditUsage);
    return 0;
  }
  const usageError = (problem: string): number => {
    process.stderr.write(`signage audit: ${problem}.\n\n${auditUsage}`);
    return 2;
  };
  if (sub === undefined) return usageError("name a subcommand, verify or export");
  if (sub !== "verify" && sub !== "export") return usageError(`unknown subcommand "${sub}"`);
  if (extra.length > 0) return usageError(`unexpected argument "${extra.join(" ")}"`);
  if (sub === "verify" && (v.from !== undefined || v.to !== undefined || v.out !== undefined)) {
    return usageError("--from, --to and --out belong to export");
  }
  const from = v.from === undefined ? undefined : AuditInstantSchema.safeParse(v.from);
  const to = v.to === undefined ? undefined : AuditInstantSchema.safeParse(v.to);
  if (from?.success === false || to?.success === false) {
    process.stderr.write(
      `signage audit: ${from?.success === false ? "--from" : "--to"} must be an ISO 8601 date (2024-05-01) or instant (2024-05-01T08:00:00Z).\n`,
    );
    return 2;
  }
  if (from?.data !== undefined && to?.data !== undefined && from.data >= to.data) {
    process.stderr.write("signage audit: --from must be earlier than --to.\n");
    return 2;
  }
  if (v.out === "") return usageError("--out needs a file name");

  const config = loadConfig(process.env);
  const store = openStore(config.database);
  try {
    const { audit } = await openCommandVault(config, store);
    // What the command created or found readable by others becomes private, as on a server
    // start; quietly, since stdout and stderr are the command's answer (the server logs it).
    makeDataPrivate(config);
    // Another master key than the chain's: one sentence saying so, before any record is read
    // out or blamed (the catch below says it).
    await audit.assertKeyHeld();
    if (sub === "verify") return await verify(audit);
    return await exportRecords(audit, {
      ...(from?.data !== undefined ? { from: from.data } : {}),
      ...(to?.data !== undefined ? { to: to.data } : {}),
      ...(v.out !== undefined ? { out: v.out } : {}),
    });
  } catch (err) {
    if (err instanceof AppError || err instanceof StartupError) {
      process.stderr.write(`signage audit: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.db.destroy();
  }
}

async function verify(audit: AuditLog): Promise<number> {
  const tty = process.stderr.isTTY;
  const result = await audit.verify({
    onProgress: (checked, total) => {
      if (tty) process.stderr.write(`\rverifying ${checked}/${total}`);
    },
  });
  if (tty) process.stderr.write("\n");
  if (result.ok) {
    process.stdout.write(
      `signage: audit chain intact: ${result.records} records, last hash ${result.lastHash.slice(0, 16)}…\n`,
    );
    return 0;
  }
  process.stderr.write(
    `signage: audit chain broken at record ${result.brokenAt}: ${result.message}\n`,
  );
  return 1;
}

async function exportRecords(
  audit: AuditLog,
  opts: { from?: string; to?: string; out?: string },
): Promise<number> {
  let sink: Sink;
  try {
    sink = opts.out === undefined ? stdoutSink() : await fileSink(opts.out);
  } catch (err) {
    process.stderr.write(
      `signage audit: cannot write ${opts.out ?? "stdout"} (${(err as NodeJS.ErrnoException).code ?? "error"}).\n`,
    );
    return 1;
  }
  let count = 0;
  let writing = false;
  try {
    let batch = "";
    const flush = async (): Promise<void> => {
      writing = true;
      await sink.write(batch);
      writing = false;
      batch = "";
    };
    for await (const line of audit.exportLines(opts)) {
      batch += `${line}\n`;
      count += 1;
      if (batch.length >= 64 * 1024) await flush();
    }
    if (batch !== "") await flush();
    writing = true;
    await sink.close();
  } catch (err) {
    if (!writing) {
      await sink.close().catch(() => undefined);
      throw err;
    }
    await sink.close().catch(() => undefined); // the write error is the one worth reporting
    process.stderr.write(
      `signage audit: writing ${opts.out ?? "stdout"} failed (${(err as NodeJS.ErrnoException).code ?? "error"}); the export is incomplete.\n`,
    );
    return 1;
  }
  process.stderr.write(`signage: exported ${count} audit records\n`);
  return 0;
}

function stdoutSink(): Sink {
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(chunk, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => Promise.resolve(),
  };
}

async function fileSink(path: string): Promise<Sink> {
  const handle: FileHandle = await open(path, "w", 0o600);
  try {
    // The mode of open() only applies to a new file, and the umask may narrow it: set it exactly.
    await handle.chmod(0o600);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return {
    write: async (chunk) => {
      await handle.write(chunk);
    },
    close: async () => {
      await handle.sync();
      await handle.close();
    },
  };
}
