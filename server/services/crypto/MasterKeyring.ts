import { statSync } from "node:fs";
import { join } from "node:path";
import {
  loadMasterKey,
  readKeyFile,
  RETIRING_KEY_FILE_NAME,
  RawVault,
  VaultError,
  wrappedKeyId,
  type DataKey,
  type EntryKeyring,
  type NewDataKey,
} from "./RawVault";

/** How stale this process's view of the key files may get before it looks at them again. */
const RECHECK_MS = 1000;

/**
 * The master keys a server process holds: the current one (`<dataDir>/master.key`, or
 * SIGNAGE_MASTER_KEY) and, while an online `signage rotate-key --online` re-wraps, the previous
 * one (`<dataDir>/master.key.retiring`). New data keys and fingerprints are made under the current
 * key; stored data keys open under whichever key wrapped them (version 3 wraps name it).
 *
 * The files are looked at again at most every second when the keyring is used (a stat, no
 * timer), and at once when a wrapped key names a key not held or the audit chain moved to a key
 * not held ({@link refresh}); so every process of a data folder follows a rotation by itself.
 * With SIGNAGE_MASTER_KEY the keyring is fixed: the new key cannot reach the process.
 */
export class MasterKeyring implements EntryKeyring {
  #vaults: RawVault[];
  #stamp: string;
  #checkedAt: number;

  private constructor(
    private readonly opts: {
      dataDir: string;
      /** SIGNAGE_MASTER_KEY: fixed, never reloaded. */
      fixed: boolean;
      now: () => number;
    },
    vaults: RawVault[],
  ) {
    this.#vaults = vaults;
    this.#stamp = this.#fileStamp();
    this.#checkedAt = opts.now();
  }

  /** The configured key, or the data folder's key files (master.key made if absent). */
  static open(opts: {
    dataDir: string;
    keyBase64?: string | undefined;
    now?: () => number;
  }): MasterKeyring {
    const fixed = opts.keyBase64 !== undefined && opts.keyBase64.trim() !== "";
    const current = RawVault.fromMasterKey(loadMasterKey(opts));
    const ring = new MasterKeyring({ dataDir: opts.dataDir, fixed, now: opts.now ?? Date.now }, [
      current,
    ]);
    if (!fixed) ring.#vaults = ring.#load() ?? [current];
    return ring;
  }

  /** The key new data is sealed under. */
  current(): RawVault {
    this.#maybeReload();
    const [first] = this.#vaults;
    if (first === undefined) throw new Error("The keyring holds no key.");
    return first;
  }

  /** Every key held, the current one first. */
  vaults(): readonly RawVault[] {
    this.#maybeReload();
    return this.#vaults;
  }

  /** The current key's id. */
  keyId(): string {
    return this.current().keyId();
  }

  /** A fresh data key for `recordId`, wrapped by the current key. */
  createDataKey(recordId: string): NewDataKey {
    return this.current().createDataKey(recordId);
  }

  /**
   * Unwraps with the key that wrapped it: the one named in a version 3 wrap (looking at the key
   * files again when it is not held), or for a version 1 wrap each key held in turn.
   */
  unwrapDataKey(wrapped: Buffer, recordId: string): DataKey {
    const keyId = wrappedKeyId(wrapped);
    if (keyId === undefined) return this.#tryEach(wrapped, recordId);
    let vault = this.vaults().find((v) => v.keyId() === keyId);
    if (vault === undefined && this.refresh())
      vault = this.#vaults.find((v) => v.keyId() === keyId);
    if (vault === undefined)
      throw new VaultError(
        "vault_other_key",
        `The data key was wrapped by master key ${keyId}, which this process does not hold.`,
      );
    return vault.unwrapDataKey(wrapped, recordId);
  }

  /** The ID fingerprint under the current key. */
  idFingerprint(idNumber: string): string {
    return this.current().idFingerprint(idNumber);
  }

  /** The current key's audit chain key. */
  auditChainKey(): Buffer {
    return this.current().auditChainKey();
  }

  /** The audit chain keys of every key held, the current one first (for AuditLog). */
  chainKeys(): Buffer[] {
    return this.vaults().map((v) => v.auditChainKey());
  }

  /** Reads the key files now; true when the keys held changed. */
  refresh(): boolean {
    if (this.opts.fixed) return false;
    this.#checkedAt = this.opts.now();
    const stamp = this.#fileStamp();
    if (stamp === this.#stamp) return false;
    const loaded = this.#load();
    if (loaded === undefined) return false;
    this.#stamp = stamp;
    const before = this.#vaults.map((v) => v.keyId()).join();
    this.#vaults = loaded;
    return loaded.map((v) => v.keyId()).join() !== before;
  }

  #maybeReload(): void {
    if (!this.opts.fixed && this.opts.now() - this.#checkedAt >= RECHECK_MS) this.refresh();
  }

  /** The current key, then the retiring one when there is one; undefined if unreadable now. */
  #load(): RawVault[] | undefined {
    try {
      const current = readKeyFile(join(this.opts.dataDir, "master.key"));
      if (current === undefined) return undefined;
      const vaults = [RawVault.fromMasterKey(current)];
      const retiring = readKeyFile(join(this.opts.dataDir, RETIRING_KEY_FILE_NAME));
      if (retiring !== undefined && !retiring.equals(current))
        vaults.push(RawVault.fromMasterKey(retiring));
      current.fill(0);
      retiring?.fill(0);
      return vaults;
    } catch {
      // A file being replaced or a mode being fixed: keep the keys held, look again later.
      return undefined;
    }
  }

  /** Changes whenever either key file is replaced, created or removed. */
  #fileStamp(): string {
    if (this.opts.fixed) return "";
    return ["master.key", RETIRING_KEY_FILE_NAME]
      .map((name) => {
        try {
          const s = statSync(join(this.opts.dataDir, name));
          return `${s.ino}:${s.size}:${s.mtimeMs}`;
        } catch {
          return "-";
        }
      })
      .join("|");
  }

  #tryEach(wrapped: Buffer, recordId: string): DataKey {
    let first: unknown;
    for (const vault of this.vaults()) {
      try {
        return vault.unwrapDataKey(wrapped, recordId);
      } catch (err) {
        first ??= err;
      }
    }
    throw first;
  }
}
