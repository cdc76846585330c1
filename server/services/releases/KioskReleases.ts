import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Kysely } from "kysely";
import { said } from "../../../shared/messages/errorMessages";
import {
  ReleaseChannelSchema,
  ReleaseVersionSchema,
  type KioskRelease,
  type KioskReleasesView,
  type ReleaseStage,
  type StageReleaseInput,
} from "../../../shared/schemas/kioskRelease";
import { AppError } from "../../errors";
import { getDistrict, existingDistrictIds } from "../../store/districts";
import {
  allKioskReleases,
  allKioskRollouts,
  clearKioskStages,
  insertKioskRelease,
  kioskRelease,
  kioskRollout,
  kioskStages,
  saveKioskRollout,
  saveKioskStage,
  screensByAppVersion,
  type KioskReleaseRow,
} from "../../store/kioskReleases";
import { runInTransaction } from "../../store/runInTransaction";
import type { Database, ScreenRow } from "../../store/schema";
import { screenTagsOf } from "../../store/screens";
import { isUniqueViolation } from "../../store/uniqueViolation";
import type { AuditInput, AuditLog } from "../AuditLog";
import type { Logger } from "pino";
import {
  compareVersions,
  feedFileNames,
  feedYaml,
  installerKindOf,
  offeredVersion,
  versionInFileName,
} from "./releaseFeed";

/** Who changes a rollout, for the audit record. */
type Actor = AuditInput["actor"];

/** An installer larger than this is not a kiosk app (electron AppImages are ~100–200 MB). */
export const MAX_RELEASE_BYTES = 1024 * 1024 * 1024;

/** What `add` takes: the installer on this machine and how to file it. */
export interface AddReleaseInput {
  sourcePath: string;
  channel: string;
  version?: string | undefined;
  notes?: string | undefined;
}

/**
 * What a kiosk's feed request gets: the channel file, or a release file to stream (its stored
 * name under its channel's folder, `root`, so only that name is checked for dot segments).
 */
export type FeedAnswer =
  { kind: "yaml"; text: string } | { kind: "file"; root: string; name: string; size: number };

const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$/;

/** A 400 naming the refused field, as the HTTP edge words it. */
function invalidField(what: string, error: { issues: { message: string }[] }): AppError {
  const problem = error.issues[0]?.message ?? "invalid";
  return new AppError(
    400,
    "validation_failed",
    said("request.invalidField", { what, field: what, problem }),
  );
}

/** The audit target of a release: "stable@1.4.0". */
function releaseTarget(channel: string, version: string): { type: string; id: string } {
  return { type: "kioskRelease", id: `${channel}@${version}` };
}

/**
 * The name a release's installer is stored under in its channel's folder: unique to the row, so
 * two adds of the same file (at once, or of different versions with one name) never write,
 * serve or delete each other's bytes.
 */
export function storedFileName(r: Pick<KioskReleaseRow, "id" | "file_name">): string {
  return `${r.id}-${r.file_name}`;
}

function presentRelease(r: KioskReleaseRow): KioskRelease {
  return {
    version: r.version,
    channel: r.channel,
    fileName: r.file_name,
    sha512: r.sha512,
    size: Number(r.size),
    releaseDate: r.release_date,
    notes: r.notes,
    addedAt: r.added_at,
  };
}

/**
 * The kiosk app's releases and their rollout (issue 21 item 3): files under <dataDir>/releases/
 * by channel, each channel's released version and the one before it, and versions staged ahead
 * to districts or screen tags. Each change is one transaction with its audit record.
 */
export class KioskReleases {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      audit: AuditLog;
      /** <dataDir>/releases; without it no release file can be added or served. */
      dir: string | undefined;
      now?: () => Date;
    },
  ) {}

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  private dir(): string {
    if (this.deps.dir === undefined)
      throw new AppError(404, "not_found", said("release.noStorage"));
    return this.deps.dir;
  }

  /** Files an installer: checks its kind, hashes it as electron-updater does, stores it. */
  async add(input: AddReleaseInput, actor: Actor): Promise<KioskRelease> {
    const channel = ReleaseChannelSchema.safeParse(input.channel);
    if (!channel.success) throw invalidField("channel", channel.error);
    const fileName = basename(input.sourcePath);
    if (!SAFE_FILE_NAME.test(fileName))
      throw new AppError(400, "validation_failed", said("release.badFileName", { fileName }));
    const named = input.version ?? versionInFileName(fileName);
    if (named === undefined)
      throw new AppError(400, "validation_failed", said("release.noVersion", { fileName }));
    const version = ReleaseVersionSchema.safeParse(named);
    if (!version.success) throw invalidField("version", version.error);
    const notes = input.notes?.trim() ?? "";
    if (notes.length > 4000)
      throw new AppError(400, "validation_failed", said("release.notesTooLong"));

    let size: number;
    try {
      const s = await stat(input.sourcePath);
      if (!s.isFile()) throw new Error("not a file");
      size = s.size;
    } catch {
      throw new AppError(400, "validation_failed", said("release.fileUnreadable", { fileName }));
    }
    if (size > MAX_RELEASE_BYTES)
      throw new AppError(413, "payload_too_large", said("release.fileTooLarge", { fileName }));
    const head = new Uint8Array(64);
    const fh = await open(input.sourcePath, "r");
    try {
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
    if (installerKindOf(fileName, head) === undefined)
      throw new AppError(415, "unsupported_media_type", said("release.notInstaller", { fileName }));

    const db = this.deps.db;
    if (await kioskRelease(db, channel.data, version.data))
      throw new AppError(
        409,
        "conflict",
        said("release.exists", { channel: channel.data, version: version.data }),
      );
    const sameName = (await allKioskReleases(db)).find(
      (r) => r.channel === channel.data && r.file_name === fileName,
    );
    if (sameName)
      throw new AppError(
        409,
        "conflict",
        said("release.fileNameTaken", { fileName, version: sameName.version }),
      );

    // Copied and hashed in one pass into a private temporary file, then renamed to a name that
    // is this row's alone, inside the transaction that stores the row.
    const channelDir = join(this.dir(), channel.data);
    await mkdir(channelDir, { recursive: true, mode: 0o700 });
    const tempPath = join(channelDir, `.${randomUUID()}.part`);
    const hash = createHash("sha512");
    const out = await open(tempPath, "wx", 0o600);
    let copied = 0;
    try {
      for await (const chunk of createReadStream(input.sourcePath)) {
        const buf = chunk as Buffer;
        hash.update(buf);
        copied += buf.length;
        await out.write(buf);
      }
      await out.sync();
    } catch (err) {
      await out.close();
      await rm(tempPath, { force: true });
      throw err;
    }
    await out.close();
    const at = this.now();
    const row: KioskReleaseRow = {
      id: randomUUID(),
      channel: channel.data,
      version: version.data,
      file_name: fileName,
      sha512: hash.digest("base64"),
      size: copied,
      release_date: at,
      notes: notes === "" ? null : notes,
      added_at: at,
      added_by: actor.type === "user" ? (actor.id ?? "user") : actor.type,
    };
    const finalPath = join(channelDir, storedFileName(row));
    let placed = false;
    try {
      await runInTransaction(db, this.deps.log, async ({ trx }) => {
        await insertKioskRelease(trx, row);
        await this.deps.audit.record(trx, {
          actor,
          action: "release.added",
          target: releaseTarget(row.channel, row.version),
          details: { fileName, size: copied, sha512: row.sha512 },
        });
        // Last, so a refused insert (the same version added at once elsewhere) places nothing.
        await rename(tempPath, finalPath);
        placed = true;
      });
    } catch (err) {
      await rm(tempPath, { force: true });
      // Only the file this call placed (its name is this row's): never another add's.
      if (placed) await rm(finalPath, { force: true });
      if (isUniqueViolation(err))
        throw new AppError(
          409,
          "conflict",
          said("release.exists", { channel: row.channel, version: row.version }),
        );
      throw err;
    }
    this.deps.log.info({ channel: row.channel, version: row.version }, "kiosk release added");
    return presentRelease(row);
  }

  private async requireRelease(channel: string, version: string): Promise<KioskReleaseRow> {
    const row = await kioskRelease(this.deps.db, channel, version);
    if (!row) throw new AppError(404, "not_found", said("release.unknown", { channel, version }));
    return row;
  }

  /** Offers a version ahead of the channel's release to the screens of districts and tags. */
  async stage(version: string, input: StageReleaseInput, actor: Actor): Promise<ReleaseStage[]> {
    const { channel } = input;
    await this.requireRelease(channel, version);
    const found = await existingDistrictIds(this.deps.db, input.districtIds);
    const missing = [...new Set(input.districtIds)].filter((d) => !found.has(d));
    if (missing.length > 0)
      throw new AppError(
        400,
        "validation_failed",
        said("district.unknown", { ids: missing.join(", ") }),
      );
    const at = this.now();
    const targets = [
      ...[...new Set(input.districtIds)].map((id) => ({ type: "district" as const, id })),
      ...[...new Set(input.tags)].map((id) => ({ type: "tag" as const, id })),
    ];
    await runInTransaction(this.deps.db, this.deps.log, async ({ trx }) => {
      const released = (await kioskRollout(trx, channel))?.released_version ?? null;
      if (released !== null && compareVersions(version, released) <= 0)
        throw new AppError(
          409,
          "conflict",
          said("release.stageNotNewer", { channel, version, released }),
        );
      for (const t of targets)
        await saveKioskStage(trx, {
          channel,
          target_type: t.type,
          target_id: t.id,
          version,
          staged_at: at,
        });
      await this.deps.audit.record(trx, {
        actor,
        action: "release.staged",
        target: releaseTarget(channel, version),
        details: { districtIds: input.districtIds, tags: input.tags },
      });
    });
    return targets.map((t) => ({ channel, version, target: t, stagedAt: at }));
  }

  /** Offers a version to every screen of the channel; the one it replaces is kept for rollback. */
  async promote(channel: string, version: string, actor: Actor): Promise<void> {
    await this.requireRelease(channel, version);
    await runInTransaction(this.deps.db, this.deps.log, async ({ trx }) => {
      const rollout = await kioskRollout(trx, channel);
      const released = rollout?.released_version ?? null;
      if (released === version)
        throw new AppError(409, "conflict", said("release.alreadyReleased", { channel, version }));
      await saveKioskRollout(trx, {
        channel,
        released_version: version,
        previous_version: released,
        updated_at: this.now(),
      });
      // Stages of this version (or older) have nothing left to offer ahead of the release.
      for (const s of await kioskStages(trx, channel))
        if (compareVersions(s.version, version) <= 0)
          await clearKioskStages(trx, channel, s.version);
      await this.deps.audit.record(trx, {
        actor,
        action: "release.promoted",
        target: releaseTarget(channel, version),
        details: { previous: released },
      });
    });
  }

  /** Goes back to the channel's previous release for every screen; every stage is cleared. */
  async rollback(channel: string, actor: Actor): Promise<{ from: string; to: string }> {
    return runInTransaction(this.deps.db, this.deps.log, async ({ trx }) => {
      const rollout = await kioskRollout(trx, channel);
      const from = rollout?.released_version ?? null;
      const to = rollout?.previous_version ?? null;
      if (from === null || to === null)
        throw new AppError(409, "conflict", said("release.nothingToRollBack", { channel }));
      await saveKioskRollout(trx, {
        channel,
        released_version: to,
        previous_version: null,
        updated_at: this.now(),
      });
      const cleared = await clearKioskStages(trx, channel);
      await this.deps.audit.record(trx, {
        actor,
        action: "release.rolled_back",
        target: releaseTarget(channel, to),
        details: { from, stagesCleared: cleared },
      });
      return { from, to };
    });
  }

  /** Releases, rollouts, stages, and how many screens report each app version. */
  async view(): Promise<KioskReleasesView> {
    const db = this.deps.db;
    const [releases, rollouts, stages, versions] = await Promise.all([
      allKioskReleases(db),
      allKioskRollouts(db),
      kioskStages(db),
      screensByAppVersion(db),
    ]);
    return {
      releases: releases.map(presentRelease),
      rollouts: rollouts.map((r) => ({
        channel: r.channel,
        released: r.released_version,
        previous: r.previous_version,
        updatedAt: r.updated_at,
      })),
      stages: stages.map((s) => ({
        channel: s.channel,
        version: s.version,
        target: { type: s.target_type, id: s.target_id },
        stagedAt: s.staged_at,
      })),
      screensByVersion: versions.map((v) => ({ appVersion: v.app_version, screens: v.screens })),
    };
  }

  /** The release a screen is offered on a channel, or undefined when there is none. */
  async offeredTo(screen: ScreenRow, channel: string): Promise<KioskReleaseRow | undefined> {
    const db = this.deps.db;
    const chain: string[] = [];
    for (let id: string | null = screen.district_id; id !== null && chain.length < 16;) {
      chain.push(id);
      id = (await getDistrict(db, id))?.parent_id ?? null;
    }
    const version = offeredVersion(
      { districtChain: chain, tags: screenTagsOf(screen) },
      (await kioskRollout(db, channel))?.released_version ?? null,
      (await kioskStages(db, channel)).map((s) => ({
        targetType: s.target_type,
        targetId: s.target_id,
        version: s.version,
      })),
    );
    return version === null ? undefined : kioskRelease(db, channel, version);
  }

  /** What a screen's updater gets for a feed request: its channel file, or its offered file. */
  async feed(
    screen: ScreenRow,
    channel: string,
    request: { kind: "channelFile" | "file"; name: string },
  ): Promise<FeedAnswer> {
    if (request.kind === "channelFile" && !feedFileNames(channel).includes(request.name))
      throw new AppError(404, "not_found", said("release.unknownFeedFile", { name: request.name }));
    const release = await this.offeredTo(screen, channel);
    if (!release) throw new AppError(404, "not_found", said("release.noneOffered", { channel }));
    if (request.kind === "channelFile")
      return {
        kind: "yaml",
        text: feedYaml({
          version: release.version,
          fileName: release.file_name,
          sha512: release.sha512,
          size: Number(release.size),
          releaseDate: release.release_date,
          notes: release.notes,
        }),
      };
    // Only the file this screen is offered: a staged build stays with the screens it was staged to.
    if (request.name !== release.file_name)
      throw new AppError(404, "not_found", said("release.fileNotOffered", { name: request.name }));
    return {
      kind: "file",
      root: join(this.dir(), release.channel),
      name: storedFileName(release),
      size: Number(release.size),
    };
  }
}
