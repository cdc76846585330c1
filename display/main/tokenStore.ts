// The device token file, kept free of Electron so it runs under plain Node in unit tests:
// the encryption comes in as a crypto pair (safeStorageCrypto.ts in the shell, a fake in tests).
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { DeviceTokenSchema } from "./deviceToken";
import type { DeviceToken } from "./deviceToken";

/** The token file's name inside the kiosk's userData directory. */
export const TOKEN_FILE_NAME = "device-token.bin";

/** Permissions of the token file: read and write for the kiosk's own user only. */
export const TOKEN_FILE_MODE = 0o600;

// An encrypted 200-character token is well under 1 KiB; anything far larger is not ours.
const MAX_FILE_BYTES = 16 * 1024;
const TEMP_PREFIX = `${TOKEN_FILE_NAME}.`;
const TEMP_SUFFIX = ".tmp";

/** Why a token store operation failed. */
export type TokenStoreErrorCode =
  /** The token is not 32–200 base64url characters. */
  | "invalid-token"
  /** The file is encrypted but the OS key store cannot decrypt right now (e.g. a locked keyring). */
  | "crypto-unavailable";

/** A token store failure with a code and a sentence; never carries the token itself. */
export class TokenStoreError extends Error {
  /** What went wrong, for callers that branch on it. */
  readonly code: TokenStoreErrorCode;

  constructor(code: TokenStoreErrorCode, message: string) {
    super(message);
    this.name = "TokenStoreError";
    this.code = code;
  }
}

/** Turns the token into the file's bytes and back; decrypt throws on bytes it did not produce. */
export interface TokenCrypto {
  /** The bytes to store for a token. */
  encrypt(plainText: string): Buffer;
  /** The token stored in these bytes; throws when they cannot be decrypted. */
  decrypt(encrypted: Buffer): string;
}

/** Where the token store reports what an installer should know; never given the token. */
export interface TokenStoreLogger {
  /** A problem the kiosk recovered from, or weak protection. */
  warn(message: string): void;
}

/** What a token store is built from. */
export interface TokenStoreOptions {
  /** The directory holding the token file (the kiosk's userData directory). */
  readonly dir: string;
  /** Encrypts the token at rest. */
  readonly crypto: TokenCrypto;
  /** Defaults to the console. */
  readonly logger?: TokenStoreLogger;
}

/** The kiosk's device token at rest; operations run one at a time, in call order. */
export interface TokenStore {
  /** Absolute path of the token file. */
  readonly filePath: string;
  /** The stored token, or null when there is none or the file was unusable (it is then removed). */
  read(): Promise<DeviceToken | null>;
  /** Validates, encrypts and atomically replaces the stored token. */
  write(token: string): Promise<void>;
  /** Removes the token file and any temp file a crash left behind. */
  clear(): Promise<void>;
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}

function isTempFileName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
}

// Without this a power cut right after the rename can lose it; street kiosks lose power.
// Windows cannot open a directory for fsync, hence best effort.
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Best effort: the rename itself has already happened.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function writeTempFile(tempPath: string, data: Buffer): Promise<void> {
  // "wx": never follow or reuse an existing file; the mode applies from the moment it exists.
  const handle = await open(tempPath, "wx", TOKEN_FILE_MODE);
  try {
    // The umask can only remove bits, but be exact: the mode is part of the contract.
    await handle.chmod(TOKEN_FILE_MODE);
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates the store for `<dir>/device-token.bin`, encrypted with the given crypto pair. */
export function createTokenStore({ dir, crypto, logger = console }: TokenStoreOptions): TokenStore {
  const filePath = path.join(dir, TOKEN_FILE_NAME);
  let tail: Promise<unknown> = Promise.resolve();

  // A clear() must not overtake a write() still in flight, or the token would come back.
  const serially = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = tail.then(operation, operation);
    tail = result.catch(() => undefined);
    return result;
  };

  const discard = async (why: string): Promise<null> => {
    logger.warn(`[token-store] ${filePath} ${why}; removed it, the kiosk will pair again`);
    await rm(filePath, { force: true });
    return null;
  };

  const read = async (): Promise<DeviceToken | null> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(filePath);
    } catch (error) {
      if (hasCode(error, "ENOENT")) return null;
      throw error;
    }
    if (bytes.length === 0 || bytes.length > MAX_FILE_BYTES) {
      return discard(`has an implausible size (${bytes.length} bytes)`);
    }
    let plainText: string;
    try {
      plainText = crypto.decrypt(bytes);
    } catch (error) {
      // A locked keyring is not corruption: keep the file for when the keyring is back.
      if (error instanceof TokenStoreError && error.code === "crypto-unavailable") throw error;
      return discard("could not be decrypted");
    }
    const parsed = DeviceTokenSchema.safeParse(plainText);
    if (!parsed.success) return discard("does not hold a valid device token");
    return parsed.data;
  };

  const write = async (token: string): Promise<void> => {
    const parsed = DeviceTokenSchema.safeParse(token);
    if (!parsed.success) {
      throw new TokenStoreError(
        "invalid-token",
        "The device token must be 32 to 200 characters of A-Z, a-z, 0-9, '-' and '_'.",
      );
    }
    const data = crypto.encrypt(parsed.data);
    await mkdir(dir, { recursive: true });
    const tempPath = path.join(
      dir,
      `${TEMP_PREFIX}${randomBytes(8).toString("hex")}${TEMP_SUFFIX}`,
    );
    let renamed = false;
    try {
      await writeTempFile(tempPath, data);
      // rename() replaces the old file in one step: a crash leaves the old token or the new one.
      await rename(tempPath, filePath);
      renamed = true;
    } finally {
      if (!renamed) await rm(tempPath, { force: true });
    }
    await syncDirectory(dir);
  };

  const clear = async (): Promise<void> => {
    await rm(filePath, { force: true });
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (hasCode(error, "ENOENT")) return;
      throw error;
    }
    // A crash between writing and renaming leaves a temp file holding the encrypted token.
    await Promise.all(
      names.filter(isTempFileName).map((name) => rm(path.join(dir, name), { force: true })),
    );
  };

  return {
    filePath,
    read: () => serially(read),
    write: (token) => serially(() => write(token)),
    clear: () => serially(clear),
  };
}
