import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type { Kysely } from "kysely";
import pino from "pino";
import {
  describeLines,
  groupImportProblems,
  wordProblem,
} from "../../shared/import/groupImportProblems";
import { CalendarDateSchema, EntryKindSchema } from "../../shared/schemas/entry";
import { loadConfig } from "../config";
import { AppError, StartupError } from "../errors";
import { DistrictRegistry } from "../services/DistrictRegistry";
import { AccessPolicy } from "../services/auth/AccessPolicy";
import type { UserPrincipal } from "../services/auth/principal";
import { ChangeFeed } from "../services/ChangeFeed";
import { EntryImporter, type ImportProgress } from "../services/EntryImporter";
import { checkPhoto } from "../services/photoCheck";
import { folderPhotoSource, noPhotos, zipPhotoSource } from "../services/photoSource";
import { openStore } from "../store/database";
import { makeDataPrivate } from "../store/makeFilesPrivate";
import type { Database } from "../store/schema";
import { getUserByEmail, rolesOf } from "../store/users";
import { openCommandVault } from "./openCommandVault";

/** Help text of `signage import`. */
export const importUsage = `Usage: signage import FILE --district ID[,ID...] --as EMAIL [options]

Imports a court export (CSV in UTF-8 or GB18030, or JSON) into the database the server uses
(same environment: SIGNAGE_DATA_DIR, DATABASE_URL, SIGNAGE_MASTER_KEY). Every row is checked;
accepted rows are written in one transaction; re-importing the same export changes nothing.
A running server picks up the queued photo redactions within seconds.

Options:
  --district ID[,ID]   districts the entries are shown in (required)
  --kind KIND          discredited (default) or redlist
  --photos PATH        folder or .zip of photos named as in the export's 照片 column
  --without-photos     import rows whose photo is not supplied without it: they wait in
                       review for a photo, or a moderator approves them without one
                       (without this, such rows are refused)
  --expiry DATE        expiry date (YYYY-MM-DD) for every row, instead of the listing period
  --years N            listing period in years from the publication date (default 2)
  --as EMAIL           (required) the console user who runs this import: an enabled user
                       with the operator role over every --district. The entries are theirs
                       (so they cannot approve them: four eyes) and the audit log records
                       the import as theirs, made from the command line
  --json               print the full per-row report as JSON on stdout

Exit codes: 0 every row accepted or unchanged, 4 some rows refused, 2 bad arguments or an
--as user who may not import there (nothing imported), 1 nothing could be imported.
`;

function progressBar(p: ImportProgress): string {
  const width = 30;
  const ratio = p.total === 0 ? 0 : Math.min(1, p.done / p.total);
  const filled = Math.round(ratio * width);
  return `\r${p.phase.padEnd(8)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total}`;
}

/**
 * `signage import`: returns the exit code (0 all rows fine, 4 some refused, 2 bad arguments or a
 * refused --as user, 1 nothing imported).
 */
export async function runImportCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        district: { type: "string" },
        kind: { type: "string", default: "discredited" },
        photos: { type: "string" },
        "without-photos": { type: "boolean", default: false },
        expiry: { type: "string" },
        years: { type: "string" },
        json: { type: "boolean", default: false },
        as: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    process.stderr.write(`signage import: ${(err as Error).message}\n\n${importUsage}`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(importUsage);
    return 0;
  }
  const [file, ...extra] = args.positionals;
  const kind = EntryKindSchema.safeParse(v.kind);
  const expiry = v.expiry === undefined ? undefined : CalendarDateSchema.safeParse(v.expiry);
  const years = v.years === undefined ? undefined : Number(v.years);
  const problem =
    file === undefined
      ? "name the export file to import"
      : extra.length > 0
        ? `unexpected argument "${extra.join(" ")}"`
        : !v.district
          ? "--district is required"
          : v.as === undefined || v.as.trim() === ""
            ? "--as EMAIL is required: the console user (an operator of the districts) who runs this import"
            : !kind.success
              ? "--kind must be discredited or redlist"
              : expiry && !expiry.success
                ? "--expiry must be a real date in the form YYYY-MM-DD"
                : years !== undefined && !(Number.isInteger(years) && years >= 1 && years <= 10)
                  ? "--years must be a whole number from 1 to 10"
                  : undefined;
  if (problem || file === undefined || !kind.success || !v.district || v.as === undefined) {
    process.stderr.write(`signage import: ${problem ?? "bad arguments"}.\n\n${importUsage}`);
    return 2;
  }

  const config = loadConfig(process.env);
  const store = openStore(config.database);
  try {
    const { keyring, audit } = await openCommandVault(config, store);
    // What the command created or found readable by others becomes private, as on a server
    // start; quietly, since stdout and stderr are the command's answer (the server logs it).
    makeDataPrivate(config);
    const districtIds = v.district
      .split(",")
      .map((d) => d.trim())
      .filter(Boolean);
    const changes = new ChangeFeed();
    const districts = new DistrictRegistry({
      db: store.db,
      log: pino({ level: "silent" }),
      audit,
      changes,
    });
    await districts.requireExisting(districtIds);
    const runner = await importingOperator(store.db, districts, v.as.trim(), districtIds);
    if (!runner.ok) {
      process.stderr.write(`signage import: ${runner.refusal} Nothing was imported.\n`);
      return 2;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      process.stderr.write(
        `signage import: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"}).\n`,
      );
      return 1;
    }
    let photos = noPhotos;
    if (v.photos) {
      const s = await stat(v.photos).catch(() => undefined);
      if (!s) {
        process.stderr.write(`signage import: the photos path ${v.photos} does not exist.\n`);
        return 1;
      }
      photos = s.isDirectory()
        ? await folderPhotoSource(v.photos)
        : await zipPhotoSource(await readFile(v.photos));
    }
    const importer = new EntryImporter({
      db: store.db,
      districts,
      sealer: keyring,
      checkPhoto,
      log: pino({ level: "silent" }),
      // The running server's redaction queue finds the jobs; no screen push from here.
      changes,
      audit,
    });
    const tty = process.stderr.isTTY;
    let lastLine = "";
    const report = await importer.run(bytes, {
      fileName: basename(file),
      kind: kind.data,
      districtIds,
      photos,
      ...(v["without-photos"] ? { withoutPhotos: true } : {}),
      actor: { type: "user", id: runner.userId },
      via: "cli",
      ...(expiry?.success ? { expiryDate: expiry.data } : {}),
      ...(years !== undefined ? { defaultListingYears: years } : {}),
      onProgress: (p) => {
        const line = progressBar(p);
        if (tty) process.stderr.write(line);
        else if (p.phase !== lastLine) process.stderr.write(`${p.phase}…\n`);
        lastLine = tty ? line : p.phase;
      },
    });
    if (tty) process.stderr.write("\n");
    if (v.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      for (const r of report.rows) {
        if (r.status === "refused")
          process.stdout.write(`line ${r.line}: refused — ${r.reasons.join(" ")}\n`);
      }
      // The same reasons counted, so that 164 rows with one problem read as one line.
      for (const g of groupImportProblems(report.rows)) {
        const example = wordProblem(g.example, "en");
        process.stdout.write(
          `${g.lines.length} row(s) ${g.refused ? "refused" : "imported with a note"} (lines ${describeLines(g.lines)}), e.g. line ${g.exampleLine}: ${example}\n`,
        );
      }
      process.stdout.write(
        `${report.fileName}: ${report.total} rows — ${report.accepted} accepted, ${report.unchanged} unchanged, ${report.refused} refused (batch ${report.batchId}).\n`,
      );
    }
    return report.refused > 0 ? 4 : 0;
  } catch (err) {
    if (err instanceof AppError || err instanceof StartupError) {
      process.stderr.write(`signage import: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.db.destroy();
  }
}

/**
 * The user named by --as, if they may run this import: an enabled console user who is an operator
 * (or admin) of every district named; otherwise one sentence saying what is missing.
 */
async function importingOperator(
  db: Kysely<Database>,
  districts: DistrictRegistry,
  email: string,
  districtIds: readonly string[],
): Promise<{ ok: true; userId: string } | { ok: false; refusal: string }> {
  const user = await getUserByEmail(db, email);
  if (!user) return { ok: false, refusal: `No console user has the email ${email}.` };
  if (user.state !== "active")
    return { ok: false, refusal: `The console user ${user.email} is disabled.` };
  const principal: UserPrincipal = {
    kind: "user",
    id: user.id,
    email: user.email,
    displayName: user.display_name,
    roles: (await rolesOf(db, [user.id])).get(user.id) ?? [],
    mustChangePassword: user.must_change_password === 1,
    sessionHash: "",
  };
  const access = new AccessPolicy(districts);
  for (const id of districtIds) {
    if (!(await access.holds(principal, "entry.import", id))) {
      return {
        ok: false,
        refusal: `The console user ${user.email} is not an operator of district "${id}"; an admin can grant the role in the console's Users page.`,
      };
    }
  }
  return { ok: true, userId: user.id };
}
