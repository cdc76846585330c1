import type { Kysely } from "kysely";
import { loadEntryKey } from "../store/entries";
import type { Database } from "../store/schema";
import {
  lastAuditSeq,
  listFingerprintedIds,
  listFingerprintPage,
  listWrappedKeys,
  replaceFingerprint,
  replaceFingerprintIf,
  replaceWrappedKey,
  replaceWrappedKeyIf,
  retireChainKey,
} from "../store/keyRotation";
import { AuditLog } from "./AuditLog";
import { sealedContext } from "./crypto/entrySecrets";
import type { RawVault } from "./crypto/RawVault";

/** The audit chain does not verify, so rotating would seal a broken log under a new key. */
export class AuditChainBrokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditChainBrokenError";
  }
}

/** What a rotation changed. */
export interface RotationOutcome {
  previousKeyId: string;
  keyId: string;
  entryKeysRewrapped: number;
  idMatchesRecomputed: number;
  /** The seq of the "key.rotated" audit record, the first chained under the new key. */
  rotationSeq: number;
}

const PAGE = 500;

/**
 * Moves everything the master key protects from `from` to `to`, in one transaction:
 * - every entry's wrapped data key is unwrapped and wrapped again (the sealed photos, ID numbers
 *   and names stay as they are: they are sealed under the data keys, which do not change);
 * - every ID fingerprint (an HMAC under a subkey of the master key) is computed again from the
 *   sealed ID number;
 * - the audit chain: records so far stay as they are, chained under the old key's chain subkey,
 *   which is stored with the last of them (audit_chain_keys); a "key.rotated" record, chained
 *   under the new key, links to their last hash and so freezes them. No record is rewritten, so
 *   copies of hashes kept elsewhere still match.
 * The audit chain must verify first. The caller makes sure nothing else uses the database
 * meanwhile (openStoreExclusively), then puts the new key in place.
 */
export async function rotateMasterKey(opts: {
  db: Kysely<Database>;
  kind: "sqlite" | "postgres";
  from: RawVault;
  to: RawVault;
  now?: () => Date;
}): Promise<RotationOutcome> {
  const { db, kind, from, to } = opts;
  if (from.keyId() === to.keyId()) throw new RangeError("The new master key is the old one.");
  const before = await new AuditLog({ db, kind, key: from.auditChainKey() }).verify();
  if (!before.ok)
    throw new AuditChainBrokenError(
      `The audit chain is broken at record ${before.brokenAt} (${before.message}); the key was not rotated.`,
    );
  const at = (opts.now?.() ?? new Date()).toISOString();
  return db.transaction().execute(async (trx) => {
    let entryKeysRewrapped = 0;
    let after: string | undefined;
    for (;;) {
      const page = await listWrappedKeys(trx, after, PAGE);
      for (const row of page) {
        await replaceWrappedKey(
          trx,
          row.entry_id,
          from.rewrapDataKey(row.wrapped, row.entry_id, to),
        );
        entryKeysRewrapped += 1;
      }
      after = page.at(-1)?.entry_id;
      if (page.length < PAGE) break;
    }
    let idMatchesRecomputed = 0;
    for (const row of await listFingerprintedIds(trx)) {
      const wrapped = await loadEntryKey(trx, row.id);
      let fingerprint: string | null = null;
      if (wrapped !== undefined && row.id_number_sealed !== null) {
        // Already wrapped by the new key: open it with that one.
        const plain = to
          .unwrapDataKey(wrapped, row.id)
          .open(row.id_number_sealed, sealedContext.idNumber(row.id));
        fingerprint = to.idFingerprint(plain.toString("utf8"));
        plain.fill(0);
      }
      await replaceFingerprint(trx, row.id, fingerprint);
      idMatchesRecomputed += 1;
    }
    const lastSeq = await lastAuditSeq(trx);
    if (lastSeq > 0)
      await retireChainKey(trx, {
        lastSeq,
        chainKey: from.auditChainKey(),
        keyId: from.keyId(),
        at,
      });
    const record = await new AuditLog({
      db,
      kind,
      key: to.auditChainKey(),
      now: () => new Date(at),
    }).record(trx, {
      actor: { type: "cli" },
      action: "key.rotated",
      details: {
        previousKeyId: from.keyId(),
        keyId: to.keyId(),
        previousLastSeq: lastSeq,
        entryKeysRewrapped,
        idMatchesRecomputed,
      },
    });
    return {
      previousKeyId: from.keyId(),
      keyId: to.keyId(),
      entryKeysRewrapped,
      idMatchesRecomputed,
      rotationSeq: Number(record.seq),
    };
  });
}

/** What an online rotation changed (this run: a resumed one counts only its own work). */
export interface OnlineRotationOutcome {
  previousKeyId: string;
  keyId: string;
  entryKeysRewrapped: number;
  idMatchesRecomputed: number;
  /** The seq of the "key.rotated" record this run wrote; undefined when an earlier run did. */
  rotationSeq: number | undefined;
  /** Full passes over the data keys and fingerprints, the last of which changed nothing. */
  passes: number;
}

/** A pass kept finding data keys or fingerprints under the old key: a process still uses it. */
export class RotationNotSettlingError extends Error {
  constructor(passes: number) {
    super(
      `After ${passes} passes data keys or ID fingerprints were still being written under the old master key: a server process of another data folder (or with SIGNAGE_MASTER_KEY) still uses it.`,
    );
    this.name = "RotationNotSettlingError";
  }
}

const MAX_PASSES = 5;

/**
 * The database side of an online rotation (`signage rotate-key --online`), while servers serve.
 * The caller has put the new key in master.key and the old one in master.key.retiring, so every
 * server process of the data folder holds both (MasterKeyring) within a second. Then:
 * 1. after `graceMs`, so every process seals new data under `to`, the audit chain moves to `to`
 *    at one "key.rotated" record (AuditLog.rotateChain: once, however often this is resumed);
 * 2. every data key still wrapped by `from` is wrapped again by `to`, and every ID fingerprint
 *    recomputed under `to`, `batch` rows per short transaction (compare-and-set, so an erasure
 *    or an edit by a server meanwhile wins), `pauseMs` between batches;
 * 3. full passes repeat until one changes nothing. Then nothing in the database needs `from`,
 *    and the caller removes master.key.retiring.
 * Safe to run again after an interruption at any point: each step sees what is done.
 */
export async function rotateMasterKeyOnline(opts: {
  db: Kysely<Database>;
  kind: "sqlite" | "postgres";
  from: RawVault;
  to: RawVault;
  batch: number;
  pauseMs: number;
  graceMs: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (line: string) => void;
}): Promise<OnlineRotationOutcome> {
  const { db, kind, from, to } = opts;
  if (from.keyId() === to.keyId()) throw new RangeError("The new master key is the old one.");
  const sleep =
    opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const both = {
    chainKeys: () => [to.auditChainKey(), from.auditChainKey()],
    refresh: () => false,
  };
  const before = await new AuditLog({ db, kind, key: both }).verify();
  if (!before.ok)
    throw new AuditChainBrokenError(
      `The audit chain is broken at record ${before.brokenAt} (${before.message}); the rotation stopped before moving it.`,
    );
  await sleep(opts.graceMs);
  const at = (opts.now?.() ?? new Date()).toISOString();
  const audit = new AuditLog({ db, kind, key: to.auditChainKey(), now: () => new Date(at) });
  const record = await audit.rotateChain({
    previous: from.auditChainKey(),
    previousKeyId: from.keyId(),
    at,
    details: { previousKeyId: from.keyId(), keyId: to.keyId(), online: true },
  });
  opts.onProgress?.(
    record === undefined
      ? "the audit chain had already moved to the new key"
      : `audit record ${record.seq} moves the chain to the new key`,
  );
  const outcome: OnlineRotationOutcome = {
    previousKeyId: from.keyId(),
    keyId: to.keyId(),
    entryKeysRewrapped: 0,
    idMatchesRecomputed: 0,
    rotationSeq: record === undefined ? undefined : Number(record.seq),
    passes: 0,
  };
  const unwrap = (wrapped: Buffer, id: string) =>
    (to.wrappedHere(wrapped) ? to : from).unwrapDataKey(wrapped, id);
  for (;;) {
    if (outcome.passes === MAX_PASSES) throw new RotationNotSettlingError(outcome.passes);
    outcome.passes += 1;
    let changed = 0;
    let after: string | undefined;
    for (;;) {
      const page = await listWrappedKeys(db, after, opts.batch);
      const stale = page.filter((r) => !to.wrappedHere(r.wrapped));
      if (stale.length > 0) {
        const done = await db.transaction().execute(async (trx) => {
          let n = 0;
          for (const r of stale)
            if (
              await replaceWrappedKeyIf(
                trx,
                r.entry_id,
                r.wrapped,
                from.rewrapDataKey(r.wrapped, r.entry_id, to),
              )
            )
              n += 1;
          return n;
        });
        outcome.entryKeysRewrapped += done;
        changed += stale.length;
        opts.onProgress?.(`${outcome.entryKeysRewrapped} data keys re-wrapped`);
        await sleep(opts.pauseMs);
      }
      after = page.at(-1)?.entry_id;
      if (page.length < opts.batch) break;
    }
    after = undefined;
    for (;;) {
      const page = await listFingerprintPage(db, after, opts.batch);
      const stale: {
        id: string;
        was: string;
        sealed: Buffer | null;
        fingerprint: string | null;
      }[] = [];
      for (const r of page) {
        if (r.id_fingerprint === null) continue;
        let fingerprint: string | null = null;
        if (r.wrapped !== null && r.id_number_sealed !== null) {
          const plain = unwrap(r.wrapped, r.id).open(
            r.id_number_sealed,
            sealedContext.idNumber(r.id),
          );
          fingerprint = to.idFingerprint(plain.toString("utf8"));
          plain.fill(0);
        }
        if (fingerprint !== r.id_fingerprint)
          stale.push({ id: r.id, was: r.id_fingerprint, sealed: r.id_number_sealed, fingerprint });
      }
      if (stale.length > 0) {
        const done = await db.transaction().execute(async (trx) => {
          let n = 0;
          for (const r of stale)
            if (
              await replaceFingerprintIf(
                trx,
                r.id,
                { fingerprint: r.was, sealed: r.sealed },
                r.fingerprint,
              )
            )
              n += 1;
          return n;
        });
        outcome.idMatchesRecomputed += done;
        changed += stale.length;
        opts.onProgress?.(`${outcome.idMatchesRecomputed} ID fingerprints recomputed`);
        await sleep(opts.pauseMs);
      }
      after = page.at(-1)?.id;
      if (page.length < opts.batch) break;
    }
    if (changed === 0) return outcome;
  }
}
