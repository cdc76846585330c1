import { randomInt, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  PAIRING_ALPHABET,
  PAIRING_CODE_LENGTH,
  type DisplayInfo,
  type PairingOffer,
  type PairScreenInput,
  type Screen,
} from "../../../shared/schemas/screen";
import { said, type Worded } from "../../../shared/messages/errorMessages";
import { AppError, RateLimitedError } from "../../errors";
import { presentScreen } from "../../presenters/presentScreen";
import {
  claimPairingCode,
  deleteExpiredPairingCodes,
  findPairingCode,
  insertPairingCode,
  pairingCodeTaken,
  withdrawPairingCode,
} from "../../store/pairingCodes";
import type { Database, ScreenRow } from "../../store/schema";
import { insertScreen } from "../../store/screens";
import type { AuditInput, AuditLog } from "../AuditLog";
import type { DistrictCheck } from "../EntryIntake";
import { RateLimiter } from "../RateLimiter";
import { PairingCodeQuota, type PairingCodeLimits } from "./PairingCodeQuota";
import type { ScreenNotifier } from "./ScreenNotifier";
import { hashToken, newToken } from "./screenTokens";

/** Pairing codes live this long. */
export const PAIRING_CODE_TTL_MS = 10 * 60 * 1000;
/**
 * Pairing codes an address, an address range and all together may request per minute, and the
 * codes a range is given even when all together are over (see PairingCodeQuota). `perRange` and
 * `overall` are defaults a city may change (SIGNAGE_PAIRING_CODES_PER_RANGE, _PER_MINUTE).
 */
export const PAIRING_CODE_REQUESTS: PairingCodeLimits = {
  perAddress: 30,
  perRange: 60,
  overall: 600,
  reservePerRange: 5,
};
/** Wrong codes allowed per address per minute, and across all addresses per minute. */
export const PAIRING_FAILURE_LIMITS = { perAddress: 10, overall: 100 };

function newCode(): string {
  let code = "";
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++)
    code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return code;
}

/**
 * Pairs kiosks: hands an unpaired kiosk a code to show, and turns the code an operator types
 * into a paired screen with a device token (delivered over the kiosk's socket, never to the
 * console). Wrong codes are rate limited per address and overall.
 */
export class ScreenPairing {
  private readonly perAddress: RateLimiter;
  private readonly overall: RateLimiter;
  private readonly codes: PairingCodeQuota;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      districts: DistrictCheck;
      notifier: ScreenNotifier;
      /** Records each pairing in the same transaction. */
      audit: AuditLog;
      /** Codes a minute per address range and overall, when the city set them. */
      codeLimits?: Partial<Pick<PairingCodeLimits, "perRange" | "overall">>;
      now?: () => Date;
    },
  ) {
    const now = () => this.now().getTime();
    this.perAddress = new RateLimiter(PAIRING_FAILURE_LIMITS.perAddress, 60_000, now);
    this.overall = new RateLimiter(PAIRING_FAILURE_LIMITS.overall, 60_000, now);
    this.codes = new PairingCodeQuota({ ...PAIRING_CODE_REQUESTS, ...deps.codeLimits }, now);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Gives an unpaired kiosk a fresh code to show, within the quotas of its client address, its
   * address range and everyone (a 429 with when to come back beyond them).
   */
  async offerCode(info: DisplayInfo, address: string): Promise<PairingOffer> {
    this.codes.take(address);
    const now = this.now();
    const expiresAt = new Date(now.getTime() + PAIRING_CODE_TTL_MS).toISOString();
    await deleteExpiredPairingCodes(this.deps.db, now.toISOString());
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = newCode();
      if (await pairingCodeTaken(this.deps.db, code)) continue;
      await insertPairingCode(this.deps.db, {
        code,
        created_at: now.toISOString(),
        expires_at: expiresAt,
        used_at: null,
        screen_id: null,
        width: info.width,
        height: info.height,
        app_version: info.appVersion,
      });
      return { code, expiresAt };
    }
    throw new AppError(503, "overloaded", said("pairing.noFreeCode"));
  }

  private refuse(
    address: string,
    status: number,
    code: "not_found" | "conflict",
    message: Worded,
  ): never {
    this.perAddress.hit(address);
    this.overall.hit("all");
    this.deps.log.warn({ address, status }, "pairing attempt refused");
    throw new AppError(status, code, message);
  }

  /** Pairs the kiosk showing `input.code`; wrong codes are rate limited per address and overall. */
  async pair(
    input: PairScreenInput,
    address: string,
    actor: AuditInput["actor"],
  ): Promise<{ screen: Screen; token: string }> {
    const wait = Math.max(
      this.perAddress.retryAfterSeconds(address),
      this.overall.retryAfterSeconds("all"),
    );
    if (wait > 0)
      throw new RateLimitedError(wait, said("pairing.tooManyWrongCodes", { seconds: wait }));
    await this.deps.districts.requireExisting([input.districtId]);
    const now = this.now().toISOString();
    const token = newToken();
    const id = randomUUID();
    const row = await this.deps.db.transaction().execute(async (trx) => {
      const code = await findPairingCode(trx, input.code);
      if (!code) {
        this.refuse(address, 404, "not_found", said("pairing.unknownCode", { code: input.code }));
      }
      if (code.used_at !== null) {
        this.refuse(address, 409, "conflict", said("pairing.codeUsed", { code: input.code }));
      }
      if (code.expires_at <= now) {
        this.refuse(address, 404, "not_found", said("pairing.codeExpired", { code: input.code }));
      }
      if (!(await claimPairingCode(trx, input.code, id, now))) {
        this.refuse(address, 409, "conflict", said("pairing.codeUsed", { code: input.code }));
      }
      const screen: ScreenRow = {
        id,
        name: input.name,
        district_id: input.districtId,
        location: input.location,
        state: "active",
        token_hash: hashToken(token),
        paired_at: now,
        tags_json: "[]",
        last_seen_at: null,
        width: code.width,
        height: code.height,
        app_version: code.app_version,
        applied_version: 0,
        current_slide: null,
        uptime_seconds: null,
        memory_mb: null,
        clock_skew_ms: null,
        storage_used_mb: null,
        storage_quota_mb: null,
        connection_id: null,
        district_epoch: 0,
        stale_districts_json: null,
        stale_cleared_version: null,
      };
      await insertScreen(trx, screen);
      await this.deps.audit.record(trx, {
        actor,
        action: "screen.paired",
        target: { type: "screen", id },
        details: { name: input.name, districtId: input.districtId },
      });
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
    await withdrawPairingCode(this.deps.db, code);
  }
}
