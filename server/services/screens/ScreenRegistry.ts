import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Screen, UpdateScreenInput } from "../../../shared/schemas/screen";
import { said } from "../../../shared/messages/errorMessages";
import { AppError } from "../../errors";
import { lookUpNames, type NameBook } from "../../presenters/nameBook";
import { presentScreen, slideRef } from "../../presenters/presentScreen";
import {
  districtSetChanged,
  getScreen,
  getScreens,
  listScreens,
  screensByTokenHashes,
  screenTagsOf,
  setScreenTags,
  updateScreen,
} from "../../store/screens";
import type { Database, ScreenRow } from "../../store/schema";
import type { AuditInput, AuditLog } from "../AuditLog";
import { BatchedLookup } from "../BatchedLookup";
import type { DistrictCheck } from "../EntryIntake";
import type { ScreenNotifier } from "./ScreenNotifier";
import { hashToken, newToken } from "./screenTokens";

/** A screen counts as online while it holds a connection and reported within this long. */
export const ONLINE_WITHIN_MS = 90_000;

type Actor = AuditInput["actor"];

/**
 * The paired screens: who they are (device tokens), where they stand (district), and the
 * operator's changes to them — rename, move, tag, unpair, rotate the token — each audited in
 * the transaction that makes it.
 */
export class ScreenRegistry {
  // A storm's handshakes and hellos, thousands a second: one query at a time for all of them
  // asked meanwhile, not one per kiosk (BatchedLookup). Callers of one key share its row.
  private readonly byId = new BatchedLookup<string, ScreenRow>((ids) =>
    getScreens(this.deps.db, ids).then((rows) => new Map(rows.map((r) => [r.id, r]))),
  );
  private readonly byTokenHash = new BatchedLookup<string, ScreenRow>((hashes) =>
    screensByTokenHashes(this.deps.db, hashes).then(
      (rows) => new Map(rows.map((r) => [r.token_hash, r])),
    ),
  );

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      districts: DistrictCheck & {
        /** A district and its ancestors, itself first (the districts whose content it shows). */
        ancestry(id: string): Promise<readonly { id: string }[]>;
      };
      notifier: ScreenNotifier;
      audit: AuditLog;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The screen's row while it is paired, else undefined. */
  async activeScreen(id: string): Promise<ScreenRow | undefined> {
    const row = await this.byId.get(id);
    return row?.state === "active" ? row : undefined;
  }

  /** The active screen a device token belongs to. */
  async authenticate(token: string): Promise<ScreenRow | undefined> {
    if (token.length < 32 || token.length > 200) return undefined;
    return this.byTokenHash.get(hashToken(token));
  }

  /** All screens with their online state; with `tag`, only those carrying it. */
  async list(filter: { tag?: string | undefined } = {}): Promise<Screen[]> {
    const rows = await listScreens(this.deps.db, filter);
    // What each screen shows, named (masked names and titles) in one query per kind.
    const names = await lookUpNames(
      this.deps.db,
      rows.map((r) => slideRef(r.current_slide)).filter((r) => r !== null),
    );
    return rows.map((r) => this.present(r, names));
  }

  /** One screen, or a 404. */
  async get(id: string): Promise<ScreenRow> {
    const row = await getScreen(this.deps.db, id);
    if (!row) throw new AppError(404, "not_found", said("screen.notFound", { id }));
    return row;
  }

  /**
   * Presents one screen. Online: connected to this process, or (on another process sharing the
   * database) holding a connection it reported on recently; the 30 s status report keeps that
   * fresh, so a process that died without saying so stops counting after 90 s.
   */
  present(row: ScreenRow, names?: NameBook): Screen {
    const seen = row.last_seen_at === null ? 0 : Date.parse(row.last_seen_at);
    const elsewhere = row.connection_id !== null && this.now().getTime() - seen < ONLINE_WITHIN_MS;
    return presentScreen(row, this.deps.notifier.isOnline(row.id) || elsewhere, names);
  }

  /** Renames, relocates or moves a screen; a move switches its content at once. */
  async update(id: string, input: UpdateScreenInput, actor: Actor): Promise<Screen> {
    const before = await this.get(id);
    if (before.state !== "active")
      throw new AppError(409, "conflict", said("screen.revokedUnchangeable"));
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
      await this.deps.audit.record(trx, {
        actor,
        action: moved ? "screen.moved" : "screen.updated",
        target: { type: "screen", id },
        details: {
          before: { name: before.name, location: before.location, districtId: before.district_id },
          after: {
            name: input.name ?? before.name,
            location: input.location ?? before.location,
            districtId: input.districtId ?? before.district_id,
          },
        },
      });
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

  /**
   * Replaces a screen's tags (already normalised: unique, sorted). What it may receive changes
   * with them (windows and announcements targeting tags), so, as for a move, its next sync is a
   * full manifest — what it holds is dropped unless still its own, and takedowns count it as
   * missing until it applied that — and it is told to re-sync now. The same tags again change
   * nothing and are not audited.
   */
  async setTags(id: string, tags: readonly string[], actor: Actor): Promise<Screen> {
    const row = await this.get(id);
    if (row.state !== "active")
      throw new AppError(409, "conflict", said("screen.revokedUntaggable"));
    // Read before the transaction, as for a move (SQLite has one connection).
    const chain = (await this.deps.districts.ancestry(row.district_id)).map((d) => d.id);
    const before = await this.deps.db.transaction().execute(async (trx) => {
      const current = await getScreen(trx, id);
      if (current?.state !== "active" || current.district_id !== row.district_id)
        throw new AppError(409, "conflict", said("screen.changedMeanwhile"));
      const was = screenTagsOf(current);
      if (sameTags(was, tags)) return null;
      await setScreenTags(trx, id, tags);
      // Stale here means its own districts: it may hold what its old tags let it have there.
      await districtSetChanged(trx, current, chain);
      await this.deps.audit.record(trx, {
        actor,
        action: "screen.tagged",
        target: { type: "screen", id },
        details: { before: { tags: was }, after: { tags: [...tags] } },
      });
      return was;
    });
    if (before !== null) {
      this.deps.log.info({ screenId: id, before, after: tags }, "screen tagged");
      // The screen stays where it is: "moved" to its own district re-joins the same room and
      // makes its connections re-sync now (a full sync, as marked above).
      this.deps.notifier.moved(id, row.district_id, row.district_id);
    }
    return this.present(await this.get(id));
  }

  /** Unpairs a screen: its token stops working and a connected kiosk returns to pairing at once. */
  async revoke(id: string, actor: Actor, why?: string): Promise<Screen> {
    const row = await this.get(id);
    if (row.state === "revoked")
      throw new AppError(409, "conflict", said("screen.alreadyUnpaired"));
    await this.deps.db.transaction().execute(async (trx) => {
      // The hash is replaced too, so the old token cannot match any row again.
      await updateScreen(trx, id, { state: "revoked", token_hash: `revoked:${id}` });
      await this.deps.audit.record(trx, {
        actor,
        action: "screen.unpaired",
        target: { type: "screen", id },
        details: { name: row.name, ...(why === undefined ? {} : { why }) },
      });
    });
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
  async rotate(id: string, actor: Actor): Promise<Screen> {
    const row = await this.get(id);
    if (row.state !== "active") {
      throw new AppError(409, "conflict", said("screen.revokedNoToken"));
    }
    const live = await this.deps.notifier.connections(id);
    if (live === 0) {
      throw new AppError(409, "conflict", said("screen.offlineForRotation"));
    }
    if (live > 1) {
      await this.revoke(id, actor, `token in use by ${live} connections at a rotation`);
      throw new AppError(409, "conflict", said("screen.tokenShared", { connections: live }));
    }
    const token = newToken();
    await this.deps.db.transaction().execute(async (trx) => {
      await updateScreen(trx, id, { token_hash: hashToken(token) });
      await this.deps.audit.record(trx, {
        actor,
        action: "screen.token_rotated",
        target: { type: "screen", id },
      });
    });
    this.deps.log.info({ screenId: id }, "screen token rotated");
    this.deps.notifier.tokenRotated(id, token);
    return this.present(await this.get(id));
  }
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}
