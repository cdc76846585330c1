import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Logger } from "pino";
import {
  PAIRING_ALPHABET,
  PAIRING_CODE_LENGTH,
  type DisplayInfo,
  type PairingOffer,
  type PairScreenInput,
  type Screen,
  type ScreenStatus,
  type UpdateScreenInput,
} from "../../shared/schemas/screen";
import { AppError } from "../errors";
import { RateLimiter } from "../http/rateLimiter";
import {
  districtSetChanged,
  getScreen,
  listScreens,
  screenByTokenHash,
  updateScreen,
} from "../store/screens";
import type { Database, ScreenRow } from "../store/schema";
import type { DistrictCheck } from "./entryIntake";

/** Pairing codes live this long. */
export const PAIRING_CODE_TTL_MS = 10 * 60 * 1000;
/** Pairing codes an address, and all addresses together, may request per minute. */
export const PAIRING_CODE_REQUESTS = { perAddress: 30, overall: 600 };
/** Wrong codes allowed per address per minute, and across all addresses per minute. */
export const PAIRING_FAILURE_LIMITS = { perAddress: 10, overall: 100 };

/** Tells connected kiosks about pairing events; implemented over socket.io rooms. */
export interface ScreenNotifier {
  paired(
    code: string,
    p: { screenId: string; name: string; districtId: string; token: string },
  ): void;
  /** Connections the screen has right now (a rotation needs exactly one). */
  connections(screenId: string): Promise<number>;
  /** Hands a rotated token to the screen's one connection, then makes it reconnect with it. */
  tokenRotated(screenId: string, token: string): void;
  revoked(screenId: string, reason: string): void;
  moved(screenId: string, fromDistrictId: string, toDistrictId: string): void;
  isOnline(screenId: string): boolean;
  /** Sends a console command to the screen's connections; resolves with how many got it. */
  command(
    screenId: string,
    command:
      { kind: "identify"; name: string; seconds: number } | { kind: "reload"; reason: string },
  ): Promise<number>;
}

/** SHA-256 of a device token, the only form in which tokens are stored. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function newToken(): string {
  return randomBytes(32).toString("base64url");
}

function newCode(): string {
  let code = "";
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++)
    code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return code;
}

/** The one place that decides which screen fields leave the server (never the token). */
export function presentScreen(row: ScreenRow, online: boolean): Screen {
  const w = row.width;
  const h = row.height;
  return {
    id: row.id,
    name: row.name,
    districtId: row.district_id,
    location: row.location,
    state: row.state,
    online: online && row.state === "active",
    lastSeenAt: row.last_seen_at,
    width: w,
    height: h,
    orientation: w === null || h === null ? null : w >= h ? "landscape" : "portrait",
    appVersion: row.app_version,
    appliedVersion: Number(row.applied_version),
    currentSlide: row.current_slide,
    uptimeSeconds: row.uptime_seconds,
    memoryMb: row.memory_mb,
    clockSkewMs: row.clock_skew_ms === null ? null : Number(row.clock_skew_ms),
    pairedAt: row.paired_at,
  };
}

/** A screen counts as online while it holds a connection and reported within this long. */
export const ONLINE_WITHIN_MS = 90_000;

/** Pairs kiosks, issues and revokes device tokens, and keeps each screen's reported state. */
export class ScreenPairing {
  private readonly perAddress: RateLimiter;
  private readonly overall: RateLimiter;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      districts: DistrictCheck & {
        /** A district and its ancestors, itself first (the districts whose content it shows). */
        ancestry(id: string): Promise<readonly { id: string }[]>;
      };
      notifier: ScreenNotifier;
      now?: () => Date;
    },
  ) {
    const now = () => this.now().getTime();
    this.perAddress = new RateLimiter(PAIRING_FAILURE_LIMITS.perAddress, 60_000, now);
    this.overall = new RateLimiter(PAIRING_FAILURE_LIMITS.overall, 60_000, now);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Gives an unpaired kiosk a fresh code to show. */
  async offerCode(info: DisplayInfo): Promise<PairingOffer> {
    const now = this.now();
    const expiresAt = new Date(now.getTime() + PAIRING_CODE_TTL_MS).toISOString();
    await this.deps.db
      .deleteFrom("pairing_codes")
      .where("expires_at", "<", now.toISOString())
      .execute();
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = newCode();
      const taken = await this.deps.db
        .selectFrom("pairing_codes")
        .select("code")
        .where("code", "=", code)
        .executeTakeFirst();
      if (taken) continue;
      await this.deps.db
        .insertInto("pairing_codes")
        .values({
          code,
          created_at: now.toISOString(),
          expires_at: expiresAt,
          used_at: null,
          screen_id: null,
          width: info.width,
          height: info.height,
          app_version: info.appVersion,
        })
        .execute();
      return { code, expiresAt };
    }
    throw new AppError(503, "overloaded", "No free pairing code could be found; try again.");
  }

  private refuse(
    address: string,
    status: number,
    code: "not_found" | "conflict",
    message: string,
  ): never {
    this.perAddress.hit(address);
    this.overall.hit("all");
    this.deps.log.warn({ address, status }, "pairing attempt refused");
    throw new AppError(status, code, message);
  }

  /** Pairs the kiosk showing `input.code`; wrong codes are rate limited per address and overall. */
  async pair(input: PairScreenInput, address: string): Promise<{ screen: Screen; token: string }> {
    const wait = Math.max(
      this.perAddress.retryAfterSeconds(address),
      this.overall.retryAfterSeconds("all"),
    );
    if (wait > 0) {
      throw new AppError(
        429,
        "overloaded",
        `Too many wrong pairing codes; try again in ${wait} s.`,
      );
    }
    await this.deps.districts.requireExisting([input.districtId]);
    const now = this.now().toISOString();
    const token = newToken();
    const id = randomUUID();
    const row = await this.deps.db.transaction().execute(async (trx) => {
      const code = await trx
        .selectFrom("pairing_codes")
        .selectAll()
        .where("code", "=", input.code)
        .executeTakeFirst();
      if (!code) {
        this.refuse(
          address,
          404,
          "not_found",
          `No kiosk is showing the pairing code ${input.code}; check the screen.`,
        );
      }
      if (code.used_at !== null) {
        this.refuse(
          address,
          409,
          "conflict",
          `The pairing code ${input.code} was already used; each code works once.`,
        );
      }
      if (code.expires_at <= now) {
        this.refuse(
          address,
          404,
          "not_found",
          `The pairing code ${input.code} has expired; the kiosk shows a new one.`,
        );
      }
      const claimed = await trx
        .updateTable("pairing_codes")
        .set({ used_at: now, screen_id: id })
        .where("code", "=", input.code)
        .where("used_at", "is", null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) {
        this.refuse(
          address,
          409,
          "conflict",
          `The pairing code ${input.code} was already used; each code works once.`,
        );
      }
      const screen: ScreenRow = {
        id,
        name: input.name,
        district_id: input.districtId,
        location: input.location,
        state: "active",
        token_hash: hashToken(token),
        paired_at: now,
        last_seen_at: null,
        width: code.width,
        height: code.height,
        app_version: code.app_version,
        applied_version: 0,
        current_slide: null,
        uptime_seconds: null,
        memory_mb: null,
        clock_skew_ms: null,
        connection_id: null,
        district_epoch: 0,
        stale_districts_json: null,
        stale_cleared_version: null,
      };
      await trx.insertInto("screens").values(screen).execute();
      return screen;
    });
    this.deps.log.info({ screenId: id, districtId: input.districtId }, "screen paired");
    this.deps.notifier.paired(input.code, {
      screenId: id,
      name: input.name,
      districtId: input.districtId,
      token,
    });
    return { screen: presentScreen(row, false), token };
  }

  /** Withdraws an unused code (its kiosk got a newer one or went away). */
  async withdrawCode(code: string): Promise<void> {
    await this.deps.db
      .deleteFrom("pairing_codes")
      .where("code", "=", code)
      .where("used_at", "is", null)
      .execute();
  }

  /** The screen's row while it is paired, else undefined. */
  async activeScreen(id: string): Promise<ScreenRow | undefined> {
    const row = await getScreen(this.deps.db, id);
    return row?.state === "active" ? row : undefined;
  }

  /** The active screen a device token belongs to. */
  async authenticate(token: string): Promise<ScreenRow | undefined> {
    if (token.length < 32 || token.length > 200) return undefined;
    return screenByTokenHash(this.deps.db, hashToken(token));
  }

  /** All screens with their online state. */
  async list(): Promise<Screen[]> {
    return (await listScreens(this.deps.db)).map((r) => this.present(r));
  }

  /** One screen, or a 404. */
  async get(id: string): Promise<ScreenRow> {
    const row = await getScreen(this.deps.db, id);
    if (!row) throw new AppError(404, "not_found", `No screen has the id ${id}.`);
    return row;
  }

  /**
   * Presents one screen. Online: connected to this process, or (on another process sharing the
   * database) holding a connection it reported on recently; the 30 s status report keeps that
   * fresh, so a process that died without saying so stops counting after 90 s.
   */
  present(row: ScreenRow): Screen {
    const seen = row.last_seen_at === null ? 0 : Date.parse(row.last_seen_at);
    const elsewhere = row.connection_id !== null && this.now().getTime() - seen < ONLINE_WITHIN_MS;
    return presentScreen(row, this.deps.notifier.isOnline(row.id) || elsewhere);
  }

  /** Renames, relocates or moves a screen; a move switches its content at once. */
  async update(id: string, input: UpdateScreenInput): Promise<Screen> {
    const before = await this.get(id);
    if (before.state !== "active")
      throw new AppError(409, "conflict", "A revoked screen cannot be changed; pair it again.");
    if (input.districtId) await this.deps.districts.requireExisting([input.districtId]);
    const moved = input.districtId !== undefined && input.districtId !== before.district_id;
    // Whatever it was sent for its old district may still be on it: the next sync is full.
    const heldChain = moved
      ? (await this.deps.districts.ancestry(before.district_id)).map((d) => d.id)
      : [];
    await this.deps.db.transaction().execute(async (trx) => {
      const set = {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.location !== undefined ? { location: input.location } : {}),
      };
      if (Object.keys(set).length > 0) await updateScreen(trx, id, set);
      if (moved && input.districtId !== undefined) {
        const current = await getScreen(trx, id);
        if (current) await districtSetChanged(trx, current, heldChain, input.districtId);
      }
    });
    if (moved && input.districtId) {
      this.deps.log.info(
        { screenId: id, from: before.district_id, to: input.districtId },
        "screen moved",
      );
      this.deps.notifier.moved(id, before.district_id, input.districtId);
    }
    return this.present(await this.get(id));
  }

  /** Unpairs a screen: its token stops working and a connected kiosk returns to pairing at once. */
  async revoke(id: string): Promise<Screen> {
    const row = await this.get(id);
    if (row.state === "revoked")
      throw new AppError(409, "conflict", "This screen is already unpaired.");
    // The hash is replaced too, so the old token cannot match any row again.
    await updateScreen(this.deps.db, id, { state: "revoked", token_hash: `revoked:${id}` });
    this.deps.log.info({ screenId: id }, "screen unpaired");
    this.deps.notifier.revoked(id, "This screen was unpaired by an operator.");
    return this.present(await this.get(id));
  }

  /**
   * Issues a new token, delivered over the screen's live connection; the old one stops working
   * at once. Rotation answers a leaked token, so the new one must reach exactly one connection:
   * an offline screen is refused (nothing changes), and a token in use twice is treated as
   * stolen: the screen is unpaired and must be paired again on site.
   */
  /**
   * Sends a console command (identify, reload) to a paired screen; refused while the screen
   * is unpaired or not connected, so the operator knows nothing happened.
   */
  async command(
    id: string,
    command: { kind: "identify"; seconds: number } | { kind: "reload"; reason: string },
  ): Promise<{ screen: Screen; reached: number }> {
    const row = await this.get(id);
    if (row.state !== "active")
      throw new AppError(409, "conflict", "This screen is unpaired; pair it again first.");
    const reached = await this.deps.notifier.command(
      id,
      command.kind === "identify" ? { ...command, name: row.name } : command,
    );
    if (reached === 0)
      throw new AppError(
        409,
        "conflict",
        "The screen is not connected now; try again once it shows as online.",
      );
    return { screen: presentScreen(row, true), reached };
  }

  async rotate(id: string): Promise<Screen> {
    const row = await this.get(id);
    if (row.state !== "active") {
      throw new AppError(409, "conflict", "A revoked screen has no token to rotate.");
    }
    const live = await this.deps.notifier.connections(id);
    if (live === 0) {
      throw new AppError(
        409,
        "conflict",
        "The screen is offline; rotate its token while it is connected, or unpair it.",
      );
    }
    if (live > 1) {
      await this.revoke(id);
      throw new AppError(
        409,
        "conflict",
        `The screen's token is in use by ${live} connections, so it may have leaked; the screen was unpaired and must be paired again.`,
      );
    }
    const token = newToken();
    await updateScreen(this.deps.db, id, { token_hash: hashToken(token) });
    this.deps.log.info({ screenId: id }, "screen token rotated");
    this.deps.notifier.tokenRotated(id, token);
    return this.present(await this.get(id));
  }

  /** Records a kiosk's health report. */
  async recordStatus(id: string, s: ScreenStatus): Promise<void> {
    await updateScreen(this.deps.db, id, {
      last_seen_at: this.now().toISOString(),
      width: s.width,
      height: s.height,
      app_version: s.appVersion,
      // applied_version moves only through kiosk:applied (upwards, checked); a status report
      // repeating the kiosk's last full sync must not take acknowledgements back.
      current_slide: s.currentSlide,
      uptime_seconds: Math.round(s.uptimeSeconds),
      memory_mb: s.memoryMb === null ? null : Math.round(s.memoryMb),
      // A report without it (an older kiosk) leaves the last known skew alone.
      ...(s.clockSkewMs === undefined
        ? {}
        : { clock_skew_ms: s.clockSkewMs === null ? null : clampSkew(s.clockSkewMs) }),
    });
  }

  /** A screen connected (`connectionId`: its socket's id): seen now, and online everywhere. */
  async connected(id: string, connectionId: string): Promise<void> {
    await updateScreen(this.deps.db, id, {
      last_seen_at: this.now().toISOString(),
      connection_id: connectionId,
    });
  }

  /**
   * That connection ended: seen now, and offline unless a newer connection already took over
   * (a reconnect to another process can arrive before the old one's disconnect).
   */
  async disconnected(id: string, connectionId: string): Promise<void> {
    await this.deps.db
      .updateTable("screens")
      .set({
        last_seen_at: this.now().toISOString(),
        connection_id: sql<
          string | null
        >`case when connection_id = ${connectionId} then null else connection_id end`,
      })
      .where("id", "=", id)
      .execute();
  }
}

/** The column holds 32-bit milliseconds (±24 days); a clock further off is stored as that far. */
function clampSkew(ms: number): number {
  return Math.max(-2_000_000_000, Math.min(2_000_000_000, Math.round(ms)));
}
