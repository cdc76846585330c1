import type { Kysely } from "kysely";
import { loadEntryKey } from "../store/entries";
import type { Database } from "../store/schema";
import {
  lastAuditSeq,
  listFingerprintedIds,
  listWrappedKeys,
  replaceFingerprint,
  replaceWrappedKey,
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
