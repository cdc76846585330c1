import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { StartupError } from "../../errors";

/**
 * Encryption at rest of the raw data that must never leave the server (DESIGN non-negotiables 1
 * and 8): raw photos, full ID numbers and full names.
 *
 * Keys: one 32-byte master key (SIGNAGE_MASTER_KEY, or `<dataDir>/master.key` generated on first
 * start). HKDF-SHA256 derives independent subkeys from it: one wraps per-entry data keys, one
 * fingerprints ID numbers, one chains the audit log, and one (legacy) opens what was sealed
 * before data keys existed. Each entry's raw data is sealed under its own random data key
 * ({@link DataKey}); the data key is stored only wrapped by the master key. Deleting the wrapped
 * key erases the entry (crypto-erasure): the master key alone opens nothing of it afterwards.
 *
 * Envelope:  [version] [12-byte random IV] [16-byte GCM tag] [ciphertext]
 * - version 2: raw data under an entry's data key;
 * - version 1: raw data under the master key's legacy subkey (written before migration 0010,
 *   which re-sealed every such value; opened only by that migration).
 * A wrapped data key is the same layout under the wrapping subkey: version 1 (written before
 * online key rotation; it belongs to the key that was current then), or version 3, which carries
 * the wrapping master key's 8-byte id after the version byte ({@link wrappedKeyId}), so a keyring
 * holding an old and a new master key during a rotation knows which one opens it:
 *   [3] [8-byte key id] [12-byte IV] [16-byte GCM tag] [ciphertext]   (AAD: the first 9 bytes)
 * The GCM additional data is the version byte + the caller's AAD, so a ciphertext only opens for
 * the purpose and record it was sealed for (use {@link rawDataAad}) and a version byte cannot be
 * swapped either.
 */

/** Version byte of the envelope written by {@link DataKey.seal}. */
export const ENVELOPE_VERSION = 2;
/** Version byte of the envelope sealed under the master key before per-entry data keys. */
export const LEGACY_ENVELOPE_VERSION = 1;
/** Version byte of a wrapped data key written before key ids (opened by trying each key). */
const WRAP_VERSION = 1;
/** Version byte of a wrapped data key that names its master key (see {@link wrappedKeyId}). */
const KEYED_WRAP_VERSION = 3;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const KEY_BYTES = 32;
const KEY_FILE_NAME = "master.key";
/** The previous master key, kept beside the new one while an online rotation re-wraps. */
export const RETIRING_KEY_FILE_NAME = "master.key.retiring";
const HKDF_SALT = Buffer.from("civic-signage raw vault", "utf8");

/** What raw data a sealed blob holds; part of the AAD. */
export type RawPurpose = "photo" | "id_number" | "full_name";

/** Why a sealed blob could not be opened. */
export type VaultErrorCode =
  "vault_tampered" | "vault_unsupported_version" | "vault_malformed" | "vault_other_key";

/** A sealed blob that cannot be opened: tampered, truncated, for another record, or another key. */
export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "VaultError";
  }
}

/** The canonical AAD for one piece of raw data: binds a ciphertext to its purpose and record id. */
export function rawDataAad(purpose: RawPurpose, recordId: string): string {
  // JSON keeps the two parts unambiguous whatever characters the record id holds.
  return JSON.stringify(["signage-raw", purpose, recordId]);
}

/** Decodes the SIGNAGE_MASTER_KEY value (32 bytes, base64); throws StartupError with one sentence. */
export function parseMasterKey(value: string, source = "SIGNAGE_MASTER_KEY"): Buffer {
  const key = decodeKey(value);
  if (key === undefined) {
    throw new StartupError(
      `${source} must be exactly 32 bytes encoded as base64 (make one with "openssl rand -base64 32").`,
    );
  }
  return key;
}

/**
 * The master key: from `keyBase64` when configured, else from `<dataDir>/master.key`, which is
 * created (0600) on first start. Refuses an unreadable, malformed or group/world-readable file.
 */
export function loadMasterKey(opts: { dataDir: string; keyBase64?: string | undefined }): Buffer {
  if (opts.keyBase64 !== undefined && opts.keyBase64.trim() !== "") {
    return parseMasterKey(opts.keyBase64);
  }
  const file = join(opts.dataDir, KEY_FILE_NAME);
  const existing = readKeyFile(file);
  if (existing !== undefined) return existing;
  return createKeyFile(opts.dataDir, file);
}

/** An entry's random data key: seals and opens that entry's raw photo, ID number and full name. */
export class DataKey {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new RangeError("A data key must be 32 bytes.");
    this.#key = Buffer.from(key);
  }

  /** Encrypts `plain` for the record and purpose named by `aad` (see {@link rawDataAad}). */
  seal(plain: Buffer, aad: string): Buffer {
    return sealEnvelope(this.#key, ENVELOPE_VERSION, plain, aad);
  }

  /** Decrypts a sealed blob; throws VaultError unless it is intact and was sealed with this AAD. */
  open(sealed: Buffer, aad: string): Buffer {
    return openEnvelope(this.#key, ENVELOPE_VERSION, sealed, aad);
  }
}

/** A new data key and its wrapped form (the only form that is stored). */
export interface NewDataKey {
  key: DataKey;
  wrapped: Buffer;
}

/** Makes, wraps and unwraps per-entry data keys; implemented by RawVault. */
export interface EntryKeyring {
  /** A fresh random data key for `entryId`, with its wrapped form to store. */
  createDataKey(entryId: string): NewDataKey;
  /** Unwraps the stored key of `entryId`; throws VaultError when it was not wrapped for it. */
  unwrapDataKey(wrapped: Buffer, entryId: string): DataKey;
}

/** Unwraps stored data keys: what a reader of raw data needs (redaction, the raw-photo view). */
export type KeyUnwrapper = Pick<EntryKeyring, "unwrapDataKey">;

/**
 * Holds the master key's subkeys: wraps per-entry data keys, fingerprints ID numbers, keys the
 * audit chain, and opens legacy (version 1) envelopes for migration 0010.
 */
export class RawVault implements EntryKeyring {
  readonly #legacyKey: Buffer;
  readonly #wrapKey: Buffer;
  readonly #fingerprintKey: Buffer;
  readonly #auditChainKey: Buffer;
  readonly #keyId: string;

  private constructor(masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) throw new RangeError("The master key must be 32 bytes.");
    this.#legacyKey = deriveKey(masterKey, "aes-256-gcm raw data v1");
    this.#wrapKey = deriveKey(masterKey, "aes-256-gcm entry key wrap v1");
    this.#fingerprintKey = deriveKey(masterKey, "hmac-sha256 id fingerprint v1");
    this.#auditChainKey = deriveKey(masterKey, "hmac-sha256 audit chain v1");
    this.#keyId = deriveKey(masterKey, "key id v1").subarray(0, 8).toString("hex");
  }

  /** Opens the vault with the configured key, or the data directory's key file (made if absent). */
  static open(opts: { dataDir: string; keyBase64?: string | undefined }): RawVault {
    return new RawVault(loadMasterKey(opts));
  }

  /** A vault on a key already in hand (tests, key rotation tools). */
  static fromMasterKey(masterKey: Buffer): RawVault {
    return new RawVault(masterKey);
  }

  /** A fresh random data key for `entryId`, with its wrapped form to store. */
  createDataKey(entryId: string): NewDataKey {
    const raw = randomBytes(KEY_BYTES);
    try {
      return {
        key: new DataKey(raw),
        wrapped: this.#wrap(raw, entryId),
      };
    } finally {
      raw.fill(0);
    }
  }

  /** Unwraps the stored key of `entryId`; throws VaultError when it was not wrapped for it. */
  unwrapDataKey(wrapped: Buffer, entryId: string): DataKey {
    const raw = this.#unwrap(wrapped, entryId);
    try {
      if (raw.length !== KEY_BYTES)
        throw new VaultError("vault_malformed", "The wrapped data key is not 32 bytes long.");
      return new DataKey(raw);
    } finally {
      raw.fill(0);
    }
  }

  /**
   * Moves one entry written before per-entry data keys onto a fresh one (migration 0010): the
   * version 1 values are opened and sealed again, and the plain full name is sealed.
   */
  resealLegacyEntry(
    entryId: string,
    legacy: { fullName: string; idNumberSealed: Buffer | null; photoSealed: Buffer | null },
  ): {
    wrappedKey: Buffer;
    fullNameSealed: Buffer;
    idNumberSealed: Buffer | null;
    photoSealed: Buffer | null;
  } {
    const { key, wrapped } = this.createDataKey(entryId);
    const again = (sealed: Buffer | null, purpose: RawPurpose): Buffer | null => {
      if (sealed === null) return null;
      const aad = rawDataAad(purpose, entryId);
      const plain = this.openLegacy(sealed, aad);
      try {
        return key.seal(plain, aad);
      } finally {
        plain.fill(0);
      }
    };
    return {
      wrappedKey: wrapped,
      fullNameSealed: key.seal(
        Buffer.from(legacy.fullName, "utf8"),
        rawDataAad("full_name", entryId),
      ),
      idNumberSealed: again(legacy.idNumberSealed, "id_number"),
      photoSealed: again(legacy.photoSealed, "photo"),
    };
  }

  /** Seals under the legacy master subkey (version 1); only to test migration 0010. */
  sealLegacy(plain: Buffer, aad: string): Buffer {
    return sealEnvelope(this.#legacyKey, LEGACY_ENVELOPE_VERSION, plain, aad);
  }

  /** Opens a version 1 envelope sealed before per-entry data keys (migration 0010 re-seals them). */
  openLegacy(sealed: Buffer, aad: string): Buffer {
    return openEnvelope(this.#legacyKey, LEGACY_ENVELOPE_VERSION, sealed, aad);
  }

  /**
   * A keyed fingerprint (HMAC-SHA256, hex) of an ID number, to find the same person in another
   * live case without the number. Deleted when the listing ends, with the sealed number.
   */
  idFingerprint(idNumber: string): string {
    return createHmac("sha256", this.#fingerprintKey)
      .update(`id:${normaliseIdNumber(idNumber)}`, "utf8")
      .digest("hex");
  }

  /** The 32-byte HMAC key that chains the audit log (a copy: the caller may not alter the vault's). */
  auditChainKey(): Buffer {
    return Buffer.from(this.#auditChainKey);
  }

  /**
   * A short public name of the master key (16 hex digits of an HKDF subkey; reveals nothing of
   * the key), so a backup, a rotation record or an error can say which key is meant.
   */
  keyId(): string {
    return this.#keyId;
  }

  /**
   * Key rotation: the data key wrapped here for `entryId`, wrapped again by `to`'s master key.
   * Throws VaultError when `wrapped` was not wrapped by this vault for that entry.
   */
  rewrapDataKey(wrapped: Buffer, entryId: string, to: RawVault): Buffer {
    const raw = this.#unwrap(wrapped, entryId);
    try {
      return to.#wrap(raw, entryId);
    } finally {
      raw.fill(0);
    }
  }

  /** Whether `wrapped` is a key-id-carrying wrap made by this master key (no decryption). */
  wrappedHere(wrapped: Buffer): boolean {
    return wrappedKeyId(wrapped) === this.#keyId;
  }

  #wrap(raw: Buffer, entryId: string): Buffer {
    const header = Buffer.concat([
      Buffer.from([KEYED_WRAP_VERSION]),
      Buffer.from(this.#keyId, "hex"),
    ]);
    return sealEnvelope(this.#wrapKey, KEYED_WRAP_VERSION, raw, dataKeyAad(entryId), header);
  }

  #unwrap(wrapped: Buffer, entryId: string): Buffer {
    if (wrapped[0] === WRAP_VERSION)
      return openEnvelope(this.#wrapKey, WRAP_VERSION, wrapped, dataKeyAad(entryId));
    const keyId = wrappedKeyId(wrapped);
    if (keyId !== undefined && keyId !== this.#keyId)
      throw new VaultError(
        "vault_other_key",
        `The data key was wrapped by master key ${keyId}, not by this one (${this.#keyId}).`,
      );
    return openEnvelope(
      this.#wrapKey,
      KEYED_WRAP_VERSION,
      wrapped,
      dataKeyAad(entryId),
      KEY_ID_BYTES,
    );
  }
}

/**
 * The id of the master key that wrapped a stored data key (version 3 wraps); undefined for a
 * version 1 wrap (written before key ids: it belongs to the key that was current then) or a blob
 * that is no wrap at all.
 */
export function wrappedKeyId(wrapped: Buffer): string | undefined {
  if (wrapped[0] !== KEYED_WRAP_VERSION || wrapped.length < 1 + KEY_ID_BYTES + HEADER_BYTES - 1)
    return undefined;
  return wrapped.subarray(1, 1 + KEY_ID_BYTES).toString("hex");
}

/** The AAD that binds a wrapped data key to its entry. */
function dataKeyAad(entryId: string): string {
  return JSON.stringify(["signage-entry-key", entryId]);
}

/** `header` is the version byte and what follows it before the IV (a key id); all of it is AAD. */
function sealEnvelope(
  key: Buffer,
  version: number,
  plain: Buffer,
  aad: string,
  header: Buffer = Buffer.from([version]),
): Buffer {
  assertAad(aad);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([header, Buffer.from(aad, "utf8")]));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** `extra`: bytes between the version byte and the IV (a key id), authenticated as AAD. */
function openEnvelope(
  key: Buffer,
  expected: number,
  sealed: Buffer,
  aad: string,
  extra = 0,
): Buffer {
  assertAad(aad);
  if (sealed.length < HEADER_BYTES + extra) {
    throw new VaultError("vault_malformed", "The sealed data is too short to be a vault envelope.");
  }
  const version = sealed[0];
  if (version !== expected) {
    throw new VaultError(
      "vault_unsupported_version",
      `The sealed data has envelope version ${String(version)}, where version ${String(expected)} was expected.`,
    );
  }
  const iv = sealed.subarray(1 + extra, 1 + extra + IV_BYTES);
  const tag = sealed.subarray(1 + extra + IV_BYTES, HEADER_BYTES + extra);
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.concat([sealed.subarray(0, 1 + extra), Buffer.from(aad, "utf8")]));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(HEADER_BYTES + extra)),
      decipher.final(),
    ]);
  } catch {
    // GCM cannot tell these apart, and saying which would only help an attacker.
    throw new VaultError(
      "vault_tampered",
      "The sealed data was altered, belongs to another record, or was sealed with another key.",
    );
  }
}

/**
 * The form an ID number is fingerprinted in: NFKC (full-width digits become ASCII), upper case
 * (a trailing x is the check digit X), without spaces or hyphens.
 */
export function normaliseIdNumber(idNumber: string): string {
  return idNumber.normalize("NFKC").toUpperCase().replace(/[\s-]/g, "");
}

function deriveKey(masterKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", masterKey, HKDF_SALT, info, KEY_BYTES));
}

function assertAad(aad: string): void {
  // An empty AAD would let a blob open for any record: the binding is the point.
  if (aad === "") throw new TypeError("The vault needs a non-empty AAD naming purpose and record.");
}

function decodeKey(value: string): Buffer | undefined {
  const trimmed = value.trim();
  // Buffer.from(…, "base64") skips junk silently; check the alphabet first.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, "base64");
  return key.length === KEY_BYTES ? key : undefined;
}

/** Reads a master key file (undefined when absent); refuses a malformed or shared one. */
export function readKeyFile(file: string): Buffer | undefined {
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StartupError(`The master key file ${file} cannot be read (${errnoOf(err)}).`);
  }
  if (!stat.isFile()) {
    throw new StartupError(`The master key file ${file} is not a regular file.`);
  }
  // Windows has no POSIX modes; elsewhere a key others can read is a key others may have copied.
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
    throw new StartupError(
      `The master key file ${file} is readable by group or others; run "chmod 600 ${file}" and start again.`,
    );
  }
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new StartupError(`The master key file ${file} cannot be read (${errnoOf(err)}).`);
  }
  const key = decodeKey(text);
  if (key === undefined) {
    throw new StartupError(
      `The master key file ${file} does not hold a 32-byte base64 key; restore it from backup (without it the raw data cannot be decrypted).`,
    );
  }
  return key;
}

function createKeyFile(dataDir: string, file: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  const temp = join(dataDir, `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString("hex")}`);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const fd = openSync(temp, "wx", 0o600);
    try {
      fchmodSync(fd, 0o600); // exactly 0600, whatever the umask
      writeSync(fd, `${key.toString("base64")}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // link() fails if the name exists, so two servers starting at once cannot both win, and
    // a reader never sees a half-written key.
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      const other = readKeyFile(file);
      if (other !== undefined) return other;
    }
    throw new StartupError(
      `The master key file ${file} could not be created (${errnoOf(err)}); check that the data directory is writable.`,
    );
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing to clean up when the temporary file was never made.
    }
  }
  return key;
}

function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (err instanceof Error ? err.message : "unknown error");
}
