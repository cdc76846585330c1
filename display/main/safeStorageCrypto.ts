// The token store's crypto pair on top of Electron safeStorage (passed in: no runtime electron
// import, so this loads under plain Node).
//
// Decision: when safeStorage cannot encrypt (Linux without a usable keyring), the token is still
// stored, unencrypted, in the 0600 file, and a warning is logged once. A kiosk that cannot keep
// its token would need an operator on the street after every reboot; the token is revocable and
// rotated by the server, and 0600 keeps other local users out. The file says which way it was
// written (a short header), so a token stored in plain text stays readable once a keyring
// appears, and the next pairing or rotation writes it encrypted.
import type { SafeStorage } from "electron";
import { TOKEN_FILE_MODE, TokenStoreError } from "./tokenStore";
import type { TokenCrypto, TokenStoreLogger } from "./tokenStore";

/** The safeStorage functions the token crypto uses. */
export type SafeStorageApi = Pick<
  SafeStorage,
  "isEncryptionAvailable" | "encryptString" | "decryptString" | "getSelectedStorageBackend"
>;

/** How well the device token is protected at rest on this machine. */
export type TokenProtection =
  /** Encrypted with a key held by the OS (Keychain, DPAPI, libsecret, KWallet). */
  | "os-keystore"
  /** Linux "basic_text": encrypted with Chromium's fixed key, no better than file permissions. */
  | "weak-keystore"
  /** safeStorage cannot encrypt: stored as plain text in the 0600 file. */
  | "plaintext";

// Header of the file, before safeStorage's bytes or the plain token.
const ENCRYPTED_HEADER = Buffer.from("kdt1:safe:", "latin1");
const PLAINTEXT_HEADER = Buffer.from("kdt1:plain:", "latin1");

const KEYRING_ADVICE =
  "install and unlock a keyring (gnome-keyring or KWallet), or start the kiosk with " +
  "--password-store=gnome-libsecret";

function startsWith(bytes: Buffer, header: Buffer): boolean {
  return bytes.length >= header.length && bytes.subarray(0, header.length).equals(header);
}

function linuxBackend(safeStorage: SafeStorageApi, platform: NodeJS.Platform): string | undefined {
  // getSelectedStorageBackend exists on Linux only.
  return platform === "linux" ? safeStorage.getSelectedStorageBackend() : undefined;
}

/** How the token would be protected right now; call after the app is ready. */
export function tokenProtection(
  safeStorage: SafeStorageApi,
  platform: NodeJS.Platform,
): TokenProtection {
  if (!safeStorage.isEncryptionAvailable()) return "plaintext";
  return linuxBackend(safeStorage, platform) === "basic_text" ? "weak-keystore" : "os-keystore";
}

/**
 * The token store's crypto pair: safeStorage when it can encrypt, else plain text (see the
 * decision above), logging weak or missing protection once each.
 */
export function safeStorageCrypto(
  safeStorage: SafeStorageApi,
  platform: NodeJS.Platform,
  logger: TokenStoreLogger = console,
): TokenCrypto {
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    logger.warn(`[token-store] ${message}`);
  };

  return {
    encrypt(plainText: string): Buffer {
      const protection = tokenProtection(safeStorage, platform);
      if (protection === "plaintext") {
        const backend = linuxBackend(safeStorage, platform);
        warnOnce(
          "plaintext",
          `safeStorage cannot encrypt here${backend === undefined ? "" : ` (backend ${backend})`}; ` +
            `the device token is stored unencrypted in a file only this user can read ` +
            `(mode ${TOKEN_FILE_MODE.toString(8)}). To encrypt it, ${KEYRING_ADVICE}.`,
        );
        return Buffer.concat([PLAINTEXT_HEADER, Buffer.from(plainText, "utf8")]);
      }
      if (protection === "weak-keystore") {
        warnOnce(
          "weak-keystore",
          `safeStorage uses the "basic_text" backend: the device token is encrypted with ` +
            `Chromium's fixed key, which protects it no better than the file's mode ` +
            `${TOKEN_FILE_MODE.toString(8)}. For real protection, ${KEYRING_ADVICE}.`,
        );
      }
      return Buffer.concat([ENCRYPTED_HEADER, safeStorage.encryptString(plainText)]);
    },

    decrypt(encrypted: Buffer): string {
      if (startsWith(encrypted, ENCRYPTED_HEADER)) {
        if (!safeStorage.isEncryptionAvailable()) {
          throw new TokenStoreError(
            "crypto-unavailable",
            "The device token is encrypted but safeStorage cannot decrypt right now; is the keyring unlocked?",
          );
        }
        return safeStorage.decryptString(encrypted.subarray(ENCRYPTED_HEADER.length));
      }
      if (startsWith(encrypted, PLAINTEXT_HEADER)) {
        if (safeStorage.isEncryptionAvailable()) {
          warnOnce(
            "stored-plaintext",
            "the device token on disk was stored unencrypted; it is encrypted at the next pairing or rotation.",
          );
        }
        return encrypted.subarray(PLAINTEXT_HEADER.length).toString("utf8");
      }
      throw new Error("The token file has an unknown format.");
    },
  };
}
