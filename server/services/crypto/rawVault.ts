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
 * Encryption at rest of the raw data that must never leave the server (DESIGN non-negotiable 1):
 * raw photos and full ID numbers.
 *
 * Envelope (version 1):  [0x01] [12-byte random IV] [16-byte GCM tag] [ciphertext]
 * The GCM additional data is the version byte + the caller's AAD, so a ciphertext only opens for
 * the purpose and record it was sealed for (use {@link rawDataAad}) and a version byte cannot be
 * swapped either.
 *
 * Keys: one 32-byte master key (SIGNAGE_MASTER_KEY, or `<dataDir>/master.key` generated on first
 * start). HKDF-SHA256 derives independent subkeys for AES-256-GCM and for the HMAC that
 * fingerprints ID numbers, so neither use weakens the other.
 */

/** Version byte of the envelope format written by {@link RawVault.seal}. */
export const ENVELOPE_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const KEY_BYTES = 32;
const KEY_FILE_NAME = "master.key";
const HKDF_SALT = Buffer.from("civic-signage raw vault", "utf8");

/** What raw data a sealed blob holds; part of the AAD. */
export type RawPurpose = "photo" | "id_number";

/** Why a sealed blob could not be opened. */
export type VaultErrorCode = "vault_tampered" | "vault_unsupported_version" | "vault_malformed";

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

/** Seals and opens raw photos and ID numbers; fingerprints ID numbers for duplicate search. */
export class RawVault {
  readonly #encryptionKey: Buffer;
  readonly #fingerprintKey: Buffer;
  readonly #auditChainKey: Buffer;

  private constructor(masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) throw new RangeError("The master key must be 32 bytes.");
    this.#encryptionKey = deriveKey(masterKey, "aes-256-gcm raw data v1");
    this.#fingerprintKey = deriveKey(masterKey, "hmac-sha256 id fingerprint v1");
    this.#auditChainKey = deriveKey(masterKey, "hmac-sha256 audit chain v1");
  }

  /** Opens the vault with the configured key, or the data directory's key file (made if absent). */
  static open(opts: { dataDir: string; keyBase64?: string | undefined }): RawVault {
    return new RawVault(loadMasterKey(opts));
  }

  /** A vault on a key already in hand (tests, key rotation tools). */
  static fromMasterKey(masterKey: Buffer): RawVault {
    return new RawVault(masterKey);
  }

  /** Encrypts `plain` for the record and purpose named by `aad` (see {@link rawDataAad}). */
  seal(plain: Buffer, aad: string): Buffer {
    assertAad(aad);
    const iv = randomBytes(IV_BYTES);
    const version = Buffer.from([ENVELOPE_VERSION]);
    const cipher = createCipheriv("aes-256-gcm", this.#encryptionKey, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(Buffer.concat([version, Buffer.from(aad, "utf8")]));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([version, iv, cipher.getAuthTag(), body]);
  }

  /** Decrypts a sealed blob; throws VaultError unless it is intact and was sealed with this AAD. */
  open(sealed: Buffer, aad: string): Buffer {
    assertAad(aad);
    if (sealed.length < HEADER_BYTES) {
      throw new VaultError(
        "vault_malformed",
        "The sealed data is too short to be a vault envelope.",
      );
    }
    const version = sealed[0];
    if (version !== ENVELOPE_VERSION) {
      throw new VaultError(
        "vault_unsupported_version",
        `The sealed data has envelope version ${String(version)}, which this server does not know.`,
      );
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.#encryptionKey, iv, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.concat([sealed.subarray(0, 1), Buffer.from(aad, "utf8")]));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      // GCM cannot tell these apart, and saying which would only help an attacker.
      throw new VaultError(
        "vault_tampered",
        "The sealed data was altered, belongs to another record, or was sealed with another key.",
      );
    }
  }

  /** A keyed fingerprint (HMAC-SHA256, hex) of an ID number, to find duplicates without the number. */
  idFingerprint(idNumber: string): string {
    return createHmac("sha256", this.#fingerprintKey)
      .update(`id:${normaliseIdNumber(idNumber)}`, "utf8")
      .digest("hex");
  }

  /** The 32-byte HMAC key that chains the audit log (a copy: the caller may not alter the vault's). */
  auditChainKey(): Buffer {
    return Buffer.from(this.#auditChainKey);
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

function readKeyFile(file: string): Buffer | undefined {
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
