import { join } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import type { z } from "zod";
import {
  ReleaseVersionSchema,
  StageReleaseInputSchema,
  ReleaseChannelSchema,
} from "../../shared/schemas/kioskRelease";
import { loadConfig } from "../config";
import { AppError } from "../errors";
import { KioskReleases } from "../services/releases/KioskReleases";
import { openStore } from "../store/database";
import { makeDataPrivate } from "../store/makeFilesPrivate";
import { openCommandVault } from "./openCommandVault";

/** Help text of `signage kiosk-release`. */
export const kioskReleaseUsage = `Usage: signage kiosk-release add FILE --channel CHANNEL [--version V] [--notes TEXT]
       signage kiosk-release stage VERSION --channel CHANNEL [--districts A,B] [--tags X,Y]
       signage kiosk-release promote VERSION --channel CHANNEL
       signage kiosk-release rollback --channel CHANNEL
       signage kiosk-release list

Manages the kiosk app's update feed (electron-updater's generic provider), which screens read
at SERVER/kiosk/updates/CHANNEL with their device token. Works on the data folder and database
the server uses (same environment: SIGNAGE_DATA_DIR, DATABASE_URL, SIGNAGE_MASTER_KEY); the
server may keep running. Every change is audited as from the command line.

  add       file an installer (AppImage, deb or exe, checked by extension and first bytes) under
            DATA_DIR/releases/CHANNEL/; the version is --version or read from the file name
            (civic-signage-kiosk-1.4.0-x86_64.AppImage). Adding offers it to no screen yet.
  stage     offer VERSION ahead of the channel's release to the screens of these districts (and
            the districts below them) and the screens carrying these tags
  promote   offer VERSION to every screen of the channel; the release it replaces is kept
  rollback  go back to the channel's previous release for every screen; stages are cleared
  list      print the releases, what each channel offers and the stages

Options:
  --channel CHANNEL   the release channel, e.g. stable (a lower-case word)
  --version V         the version of the added file (semantic: 1.4.0, 2.0.0-beta.1)
  --notes TEXT        release notes shown with the release
  --districts A,B     district ids to stage to
  --tags X,Y          screen tags to stage to
`;

const subcommands = ["add", "stage", "promote", "rollback", "list"] as const;
type Sub = (typeof subcommands)[number];

/** The first problem of a zod error, as a line. */
function firstIssue(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  return `${what}: ${issue?.message ?? "invalid"}`;
}

/** A comma-separated list, empty items left out. */
function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** `signage kiosk-release …`: returns the exit code (0 done, 1 refused, 2 usage error). */
export async function runKioskReleaseCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        channel: { type: "string" },
        version: { type: "string" },
        notes: { type: "string" },
        districts: { type: "string" },
        tags: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    process.stderr.write(
      `signage kiosk-release: ${(err as Error).message}\n\n${kioskReleaseUsage}`,
    );
    return 2;
  }
  const v = args.values;
  if (v.help === true) {
    process.stdout.write(kioskReleaseUsage);
    return 0;
  }
  const usageError = (problem: string): number => {
    process.stderr.write(`signage kiosk-release: ${problem}.\n\n${kioskReleaseUsage}`);
    return 2;
  };
  const [subName, operand, ...extra] = args.positionals;
  if (subName === undefined)
    return usageError("name a subcommand: add, stage, promote, rollback or list");
  if (!(subcommands as readonly string[]).includes(subName))
    return usageError(`unknown subcommand "${subName}"`);
  const sub = subName as Sub;
  if (extra.length > 0) return usageError(`unexpected argument "${extra.join(" ")}"`);
  const needsOperand = sub === "add" || sub === "stage" || sub === "promote";
  if (needsOperand && operand === undefined)
    return usageError(sub === "add" ? "name the installer FILE" : "name the VERSION");
  if (!needsOperand && operand !== undefined) return usageError(`unexpected argument "${operand}"`);
  if (sub !== "add" && (v.version !== undefined || v.notes !== undefined))
    return usageError("--version and --notes belong to add");
  if (sub !== "stage" && (v.districts !== undefined || v.tags !== undefined))
    return usageError("--districts and --tags belong to stage");
  if (sub === "list" && v.channel !== undefined) return usageError("list takes no --channel");
  let channel = "";
  if (sub !== "list") {
    if (v.channel === undefined) return usageError("--channel is required");
    const parsed = ReleaseChannelSchema.safeParse(v.channel);
    if (!parsed.success) return usageError(firstIssue(parsed.error, "--channel"));
    channel = parsed.data;
  }
  if (sub === "add" && v.version !== undefined) {
    const parsed = ReleaseVersionSchema.safeParse(v.version);
    if (!parsed.success) return usageError(firstIssue(parsed.error, "--version"));
  }
  let version = "";
  if (sub === "stage" || sub === "promote") {
    const parsed = ReleaseVersionSchema.safeParse(operand);
    if (!parsed.success) return usageError(firstIssue(parsed.error, "VERSION"));
    version = parsed.data;
  }
  let stageInput;
  if (sub === "stage") {
    const parsed = StageReleaseInputSchema.safeParse({
      channel,
      districtIds: list(v.districts),
      tags: list(v.tags),
    });
    if (!parsed.success)
      return usageError(
        parsed.error.issues[0]?.path[0] === "tags"
          ? firstIssue(parsed.error, "--tags")
          : firstIssue(parsed.error, "--districts"),
      );
    stageInput = parsed.data;
  }

  const config = loadConfig(process.env);
  const store = openStore(config.database);
  try {
    const { audit } = await openCommandVault(config, store);
    const releases = new KioskReleases({
      db: store.db,
      log: pino({ level: "silent" }),
      audit,
      dir: join(config.dataDir, "releases"),
    });
    const cli = { type: "cli" } as const;
    switch (sub) {
      case "add": {
        const r = await releases.add(
          { sourcePath: operand ?? "", channel, version: v.version, notes: v.notes },
          cli,
        );
        process.stdout.write(
          `signage: added ${r.channel} ${r.version} (${r.fileName}, ${r.size} bytes, sha512 ${r.sha512}). Stage it with "signage kiosk-release stage ${r.version} --channel ${r.channel} --districts …" or offer it to every screen with "signage kiosk-release promote ${r.version} --channel ${r.channel}".\n`,
        );
        break;
      }
      case "stage": {
        if (stageInput === undefined) return 2;
        const stages = await releases.stage(version, stageInput, cli);
        process.stdout.write(
          `signage: ${channel} ${version} staged to ${stages.map((s) => `${s.target.type} ${s.target.id}`).join(", ")}.\n`,
        );
        break;
      }
      case "promote":
        await releases.promote(channel, version, cli);
        process.stdout.write(`signage: ${channel} now offers ${version} to every screen.\n`);
        break;
      case "rollback": {
        const { from, to } = await releases.rollback(channel, cli);
        process.stdout.write(
          `signage: ${channel} rolled back from ${from} to ${to} for every screen; stages cleared.\n`,
        );
        break;
      }
      case "list":
        process.stdout.write(describe(await releases.view()));
        break;
    }
    // Files the command created (releases/) are private, as on a server start.
    makeDataPrivate(config);
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`signage kiosk-release: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.db.destroy();
  }
}

/** The releases, rollouts and stages as lines for a terminal. */
function describe(view: Awaited<ReturnType<KioskReleases["view"]>>): string {
  if (view.releases.length === 0) return "No kiosk releases yet.\n";
  const lines = ["Releases (channel version file size added):"];
  for (const r of view.releases)
    lines.push(`  ${r.channel} ${r.version} ${r.fileName} ${r.size} ${r.addedAt}`);
  lines.push("Channels (released, previous):");
  for (const r of view.rollouts)
    lines.push(`  ${r.channel} ${r.released ?? "-"} ${r.previous ?? "-"}`);
  if (view.stages.length > 0) {
    lines.push("Stages:");
    for (const s of view.stages)
      lines.push(`  ${s.channel} ${s.version} → ${s.target.type} ${s.target.id}`);
  }
  lines.push("Screens by app version:");
  for (const s of view.screensByVersion)
    lines.push(`  ${s.appVersion ?? "(not reported)"} ${s.screens}`);
  return `${lines.join("\n")}\n`;
}
