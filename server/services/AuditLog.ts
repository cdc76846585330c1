import { createHmac } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import { AppError, StartupError } from "../errors";
import {
  auditRecordsInOrder,
  countAuditRecords,
  insertAuditRecord,
  lastAuditRecord,
  retiredChainKeyFor,
  retiredChainKeys,
  searchAuditRecords,
  takeSqliteWriteLock,
  type AuditSearch,
} from "../store/auditRecords";
import { retireChainKey } from "../store/keyRotation";
import type { AuditRow, Database } from "../store/schema";
import { takeLock } from "../store/transactionLocks";
import { sanitiseAuditDetails, type AuditJson } from "./audit/sanitiseAuditDetails";
import { auditActions, type AuditAction } from "../../shared/schemas/auditAction";
import type { AuditProblem, AuditVerification } from "../../shared/schemas/auditRecord";
import { presentAuditRecord } from "../presenters/presentAuditRecord";
import { said, wordError } from "../../shared/messages/errorMessages";

export { auditActions, type AuditAction };

/**
 * The append-only, tamper-evident audit log.
 *
 * Every record carries `hash` = HMAC-SHA256(audit chain key, canonical JSON of
 * [seq, at, actor_type, actor_id, action, target_type, target_id, details_json, prev_hash]) and
 * `prev_hash` = the hash of the record before it (64 zeros for record 1). Seqs run 1, 2, 3… with
 * no gaps. So editing a record breaks its hash, removing one leaves a gap, renumbering breaks
 * the hashes of the renumbered records, and a record forged without the key fails its HMAC.
 * Removing records from the end cannot be seen from the chain alone: compare `lastSeq`/`lastHash`
 * of {@link AuditLog.verify} with a copy kept elsewhere (an export, a printed receipt).
 */

/** Who did it: a console user, the server itself, the command line, or someone not signed in. */
export type AuditActorType = AuditRow["actor_type"];

/** What a caller asks to record; the log adds seq, time and hashes. */
export interface AuditInput {
  actor: { type: AuditActorType; id?: string | null };
  action: AuditAction;
  target?: { type: string; id: string };
  /** Free-form context; secrets and raw data are withheld (see sanitiseAuditDetails). */
  details?: Record<string, unknown>;
}

/**
 * Which records {@link AuditLog.list} returns: every given condition must hold; `from`/`to` may
 * be ISO dates or instants, `beforeSeq` pages on, and `limit` is capped at 1,000.
 */
export type AuditListFilter = AuditSearch & { limit: number };

/** An ISO 8601 calendar date (UTC midnight) or instant with an offset, as audit filters take. */
export const AuditInstantSchema = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: "Use an ISO 8601 date (2024-05-01) or instant (2024-05-01T08:00:00Z).",
  })
  .transform((v) => new Date(v).toISOString());

/** prev_hash of record 1. */
export const AUDIT_GENESIS_HASH = "0".repeat(64);

const PAGE_SIZE = 1000;
const MAX_LIST = 1000;
const actionSet: ReadonlySet<string> = new Set(auditActions);
const actorTypes: ReadonlySet<string> = new Set<AuditActorType>([
  "user",
  "system",
  "cli",
  "anonymous",
]);

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The chain keys of a process that follows online key rotation (MasterKeyring): the current
 * key first, then a retiring one; `refresh` looks at the key files again.
 */
export interface ChainKeySource {
  chainKeys(): Buffer[];
  refresh(): boolean;
}

/**
 * The last audit record does not verify under this process's key (a retired master key, or
 * another data folder's). A StartupError, since it is the configuration that is wrong: a command
 * says it as one sentence and exits 1, as for any other wrong setting.
 */
export class AuditKeyMismatchError extends StartupError {
  /** `reading`: said by a command that only reads the log (verify, export). */
  constructor(reading = false) {
    super(wordError(reading ? "audit.keyMismatchRead" : "audit.keyMismatch", {}, "en"));
    this.name = "AuditKeyMismatchError";
  }
}

/** Appends to, verifies, lists and exports the hash-chained audit log. */
export class AuditLog {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      kind: "sqlite" | "postgres";
      /**
       * The chain's HMAC key (RawVault.auditChainKey()), or the keys of a process that follows
       * an online rotation: records are appended under whichever of them the last record
       * verifies under, so the chain moves to a new key only at its "key.rotated" record.
       */
      key: Buffer | ChainKeySource;
      now?: () => Date;
    },
  ) {
    for (const key of this.keys())
      if (key.length < 32) throw new RangeError("The audit chain key must be 32 bytes or more.");
  }

  private keys(): Buffer[] {
    const { key } = this.deps;
    return Buffer.isBuffer(key) ? [key] : key.chainKeys();
  }

  /**
   * The key held that the last record verifies under (the first held for an empty log), or
   * undefined. Only keys held count: a rotation ends with its `key.rotated` record chained under
   * the new key, so a retired key written into `audit_chain_keys` by hand vouches for nothing.
   * A process following an online rotation looks at its key files again before giving up.
   */
  private keyOfLast(last: AuditRow | undefined): Buffer | undefined {
    const find = (): Buffer | undefined =>
      last === undefined
        ? this.keys()[0]
        : this.keys().find((k) => chainHash(k, last) === last.hash);
    const found = find();
    if (found !== undefined || Buffer.isBuffer(this.deps.key)) return found;
    return this.deps.key.refresh() ? find() : undefined;
  }

  /** Whether the log's last record verifies under a key held (true for an empty log). */
  async lastRecordVerifies(): Promise<boolean> {
    return this.keyOfLast(await lastAuditRecord(this.deps.db)) !== undefined;
  }

  /**
   * Throws AuditKeyMismatchError when the records after the retired stretches (see chainKeys)
   * were chained under none of the keys held: a command holding another master key says so
   * before it reads the log. Only when no record there verifies: a record altered under the
   * right key, the last one included, is left for verify() to name.
   */
  async assertKeyHeld(): Promise<void> {
    const { db } = this.deps;
    if (await this.lastRecordVerifies()) return;
    let retired: { last_seq: number }[] = [];
    try {
      retired = await retiredChainKeys(db);
    } catch {
      // A database from before migration 0013 (a backup being checked): no key was retired.
    }
    const keys = this.keys();
    let seen = false;
    const afterRetired = Math.max(0, ...retired.map((r) => Number(r.last_seq)));
    for await (const page of this.pages({}, afterRetired))
      for (const row of page) {
        if (keys.some((k) => chainHash(k, row) === row.hash)) return;
        seen = true;
      }
    // No record past the retired stretches: the chain's links, not the key, are in question.
    if (seen) throw new AuditKeyMismatchError(true);
  }

  /** The key a record was chained under: a retired one (see chainKeys) or the given one. */
  private async keyFor(db: Db, seq: number, current: Buffer): Promise<Buffer> {
    return (await retiredChainKeyFor(db, seq)) ?? current;
  }

  /**
   * Appends one record. Given a transaction it runs inside it, so the record commits or rolls
   * back with the change it describes; otherwise it opens its own. On PostgreSQL the append
   * takes a transaction-level advisory lock, held until that transaction ends, so keep the
   * caller's transaction short after recording. The caller's transaction must be READ COMMITTED
   * (the default), or a stale snapshot makes the insert fail on the seq key instead of chaining.
   */
  async record(db: Db, rec: AuditInput): Promise<AuditRow> {
    if (!actionSet.has(rec.action)) throw new TypeError(`Unknown audit action "${rec.action}".`);
    if (!actorTypes.has(rec.actor.type)) {
      throw new TypeError(`Unknown audit actor type "${rec.actor.type}".`);
    }
    if (db.isTransaction) return this.append(db, rec);
    return db.transaction().execute((trx) => this.append(trx, rec));
  }

  /**
   * Moves the chain onto the current key, once (online key rotation): under the chain lock, when
   * the last record verifies under `previous`, that key is retired at it (audit_chain_keys) and a
   * "key.rotated" record chained under the current key follows; when the last record verifies
   * under the current key already, the chain was moved before and nothing is written (undefined).
   * Servers appending meanwhile follow: they chain under whichever key the last record verifies.
   */
  async rotateChain(opts: {
    previous: Buffer;
    previousKeyId: string;
    at: string;
    details: Record<string, unknown>;
  }): Promise<AuditRow | undefined> {
    return this.deps.db.transaction().execute(async (trx) => {
      await takeLock(trx, "auditChain", this.deps.kind);
      if (this.deps.kind === "sqlite") await takeSqliteWriteLock(trx);
      const last = await lastAuditRecord(trx);
      const current = this.keys()[0];
      if (current === undefined) throw new RangeError("The audit log has no chain key.");
      if (last !== undefined && chainHash(current, last) === last.hash) return undefined;
      if (last !== undefined && chainHash(opts.previous, last) !== last.hash)
        throw new AuditKeyMismatchError();
      const lastSeq = last === undefined ? 0 : Number(last.seq);
      if (lastSeq > 0)
        await retireChainKey(trx, {
          lastSeq,
          chainKey: opts.previous,
          keyId: opts.previousKeyId,
          at: opts.at,
        });
      return this.append(trx, {
        actor: { type: "cli" },
        action: "key.rotated",
        details: { ...opts.details, previousLastSeq: lastSeq },
      });
    });
  }

  private async append(trx: Db, rec: AuditInput): Promise<AuditRow> {
    // Serialises appenders across every server process; released at commit or rollback.
    await takeLock(trx, "auditChain", this.deps.kind);
    // SQLite: take the write lock before the read below (see takeSqliteWriteLock).
    if (this.deps.kind === "sqlite") await takeSqliteWriteLock(trx);
    const last = await lastAuditRecord(trx);
    // Never chain onto a record no key held can verify: a process still holding a master key
    // that "signage rotate-key" retired would otherwise fork the chain under the old key. Only
    // the rotation's own record chains onto the retired stretch (checked with its retired key),
    // under the current (new) key.
    let key: Buffer | undefined;
    if (rec.action === "key.rotated") {
      key = this.keys()[0];
      const lastKey =
        last === undefined || key === undefined ? key : await this.keyFor(trx, last.seq, key);
      if (last !== undefined && (lastKey === undefined || chainHash(lastKey, last) !== last.hash))
        throw new AuditKeyMismatchError();
    } else key = this.keyOfLast(last);
    if (key === undefined) throw new AuditKeyMismatchError();
    const row: AuditRow = {
      seq: last === undefined ? 1 : Number(last.seq) + 1,
      // Read under the lock, so times follow the seq order as far as the clock allows.
      at: (this.deps.now?.() ?? new Date()).toISOString(),
      actor_type: rec.actor.type,
      actor_id: rec.actor.id ?? null,
      action: rec.action,
      target_type: rec.target?.type ?? null,
      target_id: rec.target?.id ?? null,
      details_json: canonicalJson(sanitiseAuditDetails(rec.details ?? {})),
      prev_hash: last?.hash ?? AUDIT_GENESIS_HASH,
      hash: "",
    };
    row.hash = chainHash(key, row);
    // An explicit seq: if another writer got there first the primary key refuses the insert,
    // so the chain can never fork.
    await insertAuditRecord(trx, row);
    return row;
  }

  /**
   * Walks the whole chain in seq order, a page at a time, recomputing every hash and checking
   * every link; stops at the first problem.
   */
  async verify(
    opts: { onProgress?: (checked: number, total: number) => void } = {},
  ): Promise<AuditVerification> {
    const { db } = this.deps;
    const total = await countAuditRecords(db);
    const current = this.keyOfLast(await lastAuditRecord(db)) ?? this.keys()[0];
    if (current === undefined) throw new RangeError("The audit log has no chain key.");
    const { keyOf, stretchEnds } = await this.chainKeys(current);
    opts.onProgress?.(0, total);
    let checked = 0;
    let prevHash = AUDIT_GENESIS_HASH;
    let lastSeq = 0;
    for await (const page of this.pages({})) {
      for (const stored of page) {
        const row = { ...stored, seq: Number(stored.seq) };
        const expected = lastSeq + 1;
        const broken = (problem: AuditProblem, brokenAt: number, message: string) =>
          ({ ok: false, records: checked, brokenAt, problem, message }) as const;
        if (row.seq !== expected) {
          return broken("sequence_gap", Math.min(row.seq, expected), gapMessage(lastSeq, row.seq));
        }
        if (chainHash(keyOf(row.seq), row) !== row.hash) {
          return broken(
            "hash_mismatch",
            row.seq,
            `Record ${row.seq} was altered: its hash does not match its contents.`,
          );
        }
        if (row.prev_hash !== prevHash) {
          return broken(
            "link_broken",
            row.seq,
            row.seq === 1
              ? "Record 1 does not start the chain: its previous hash is not the genesis value."
              : `Record ${row.seq} does not follow record ${lastSeq}: its previous hash is not record ${lastSeq}'s hash.`,
          );
        }
        // A retired stretch ends where a rotation record, chained under the next key, follows it.
        if (stretchEnds.has(row.seq - 1) && row.action !== "key.rotated") {
          return broken(
            "link_broken",
            row.seq,
            `Record ${row.seq} follows a retired key's last record but is not the rotation's record.`,
          );
        }
        checked += 1;
        prevHash = row.hash;
        lastSeq = row.seq;
      }
      opts.onProgress?.(checked, Math.max(total, checked));
    }
    // A retired stretch must be closed by its rotation record: one ending at the log's end (or
    // past it) would let a key written in by hand vouch for rewritten records.
    const open = [...stretchEnds].find((end) => end >= lastSeq);
    if (open !== undefined && checked > 0) {
      return {
        ok: false,
        records: checked,
        brokenAt: Math.min(open, lastSeq),
        problem: "link_broken",
        message: `A retired key is said to end at record ${open}, but no rotation record follows it.`,
      };
    }
    return { ok: true, records: checked, lastSeq, lastHash: prevHash };
  }

  /**
   * The HMAC key of each record: records up to an entry of `audit_chain_keys` were chained under
   * a master key since retired by `signage rotate-key`; the rest under the current one. The first
   * record after each retired stretch (the rotation record) is chained under the new key and
   * links to the stretch's last hash, so a retired key cannot rewrite its stretch unnoticed.
   */
  private async chainKeys(current: Buffer): Promise<{
    keyOf: (seq: number) => Buffer;
    stretchEnds: Set<number>;
  }> {
    let retired: { last_seq: number; chain_key: Buffer }[] = [];
    try {
      retired = await retiredChainKeys(this.deps.db);
    } catch {
      // A database from before migration 0013 (a backup being checked): no key was retired.
    }
    const stretches = retired.map((r) => ({ lastSeq: Number(r.last_seq), key: r.chain_key }));
    return {
      keyOf: (seq) => stretches.find((s) => seq <= s.lastSeq)?.key ?? current,
      stretchEnds: new Set(stretches.map((s) => s.lastSeq)),
    };
  }

  /** Records matching `filter`, newest first; page on with `beforeSeq` = the last seq returned. */
  async list(filter: AuditListFilter): Promise<AuditRow[]> {
    const { from, to, limit: asked, ...rest } = filter;
    const search: AuditSearch = { ...rest };
    if (from !== undefined) search.from = instant(from, "from");
    if (to !== undefined) search.to = instant(to, "to");
    const limit = Math.max(1, Math.min(MAX_LIST, Math.floor(asked)));
    const rows = await searchAuditRecords(this.deps.db, search, limit);
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /**
   * The records at or after `from` and before `to`, oldest first, one JSON object per string
   * (without a newline), read a page at a time.
   */
  async *exportLines(opts: { from?: string; to?: string }): AsyncGenerator<string> {
    const from = opts.from === undefined ? undefined : instant(opts.from, "from");
    const to = opts.to === undefined ? undefined : instant(opts.to, "to");
    const filter = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
    for await (const page of this.pages(filter))
      for (const row of page) yield JSON.stringify(presentAuditRecord(row));
  }

  /**
   * The records matching `filter` after `afterSeq` (from the first when not given), oldest
   * first, a page at a time: every page read, the last one short (or empty).
   */
  private async *pages(
    filter: { from?: string; to?: string },
    afterSeq?: number,
  ): AsyncGenerator<AuditRow[]> {
    let cursor = afterSeq;
    for (;;) {
      const page = await auditRecordsInOrder(
        this.deps.db,
        cursor === undefined ? filter : { ...filter, afterSeq: cursor },
        PAGE_SIZE,
      );
      yield page;
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE_SIZE) return;
      cursor = Number(last.seq);
    }
  }
}

/** The HMAC of one record; seq is a number whatever the driver returned. */
function chainHash(key: Buffer, r: AuditRow): string {
  const fields = [
    Number(r.seq),
    r.at,
    r.actor_type,
    r.actor_id,
    r.action,
    r.target_type,
    r.target_id,
    r.details_json,
    r.prev_hash,
  ];
  return createHmac("sha256", key).update(JSON.stringify(fields), "utf8").digest("hex");
}

/** JSON with object keys sorted, so equal details always store as the same text. */
function canonicalJson(value: AuditJson): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

function gapMessage(lastSeq: number, found: number): string {
  const first = lastSeq + 1;
  if (found < first) {
    return `Record ${found} is out of sequence: the log must start at record 1.`;
  }
  const missing = found - first === 1 ? `Record ${first} is` : `Records ${first}–${found - 1} are`;
  return lastSeq === 0
    ? `${missing} missing: the sequence starts at ${found}.`
    : `${missing} missing: the sequence jumps from ${lastSeq} to ${found}.`;
}

function instant(value: string, name: "from" | "to"): string {
  const parsed = AuditInstantSchema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(400, "validation_failed", said("request.invalidDate", { name }));
  }
  return parsed.data;
}
