import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { safeStorageCrypto, tokenProtection } from "../../../../display/main/safeStorageCrypto";
import type { SafeStorageApi } from "../../../../display/main/safeStorageCrypto";
import { TOKEN_FILE_NAME, createTokenStore } from "../../../../display/main/tokenStore";

type Backend = ReturnType<SafeStorageApi["getSelectedStorageBackend"]>;

/** A safeStorage stand-in whose key store can be switched on and off. */
function fakeSafeStorage(available: boolean, backend: Backend = "gnome_libsecret") {
  const state = { available, backend, backendQueries: 0 };
  const api: SafeStorageApi = {
    isEncryptionAvailable: () => state.available,
    getSelectedStorageBackend: () => {
      state.backendQueries += 1;
      return state.backend;
    },
    encryptString: (plainText) => {
      if (!state.available) throw new Error("Encryption is not available.");
      return Buffer.from(`v11${Buffer.from(plainText, "utf8").toString("base64")}`, "latin1");
    },
    decryptString: (encrypted) => {
      if (!state.available) throw new Error("Decryption is not available.");
      const text = encrypted.toString("latin1");
      if (!text.startsWith("v11")) throw new Error("Error while decrypting the ciphertext.");
      return Buffer.from(text.slice(3), "base64").toString("utf8");
    },
  };
  return { api, state };
}

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (message: string) => void warnings.push(message) } };
}

const TOKEN = "Tq3_xYz-0123456789abcdefghijklmnopqrstuv";

describe("tokenProtection", () => {
  it("is the OS key store when safeStorage can encrypt", () => {
    expect(tokenProtection(fakeSafeStorage(true).api, "linux")).toBe("os-keystore");
    expect(tokenProtection(fakeSafeStorage(true).api, "win32")).toBe("os-keystore");
  });

  it("is weak on Linux with the basic_text backend", () => {
    expect(tokenProtection(fakeSafeStorage(true, "basic_text").api, "linux")).toBe("weak-keystore");
  });

  it("is plain text when safeStorage cannot encrypt", () => {
    expect(tokenProtection(fakeSafeStorage(false, "basic_text").api, "linux")).toBe("plaintext");
  });

  it("asks for the storage backend on Linux only", () => {
    const { api, state } = fakeSafeStorage(true, "basic_text");
    expect(tokenProtection(api, "darwin")).toBe("os-keystore");
    expect(state.backendQueries).toBe(0);
  });
});

describe("safeStorageCrypto", () => {
  it("encrypts with safeStorage and says nothing when the key store is good", () => {
    const { warnings, logger } = recordingLogger();
    const crypto = safeStorageCrypto(fakeSafeStorage(true).api, "linux", logger);
    const encrypted = crypto.encrypt(TOKEN);
    expect(encrypted.toString("latin1")).not.toContain(TOKEN);
    expect(crypto.decrypt(encrypted)).toBe(TOKEN);
    expect(warnings).toEqual([]);
  });

  it("logs the weak basic_text backend once, and still encrypts", () => {
    const { warnings, logger } = recordingLogger();
    const crypto = safeStorageCrypto(fakeSafeStorage(true, "basic_text").api, "linux", logger);
    const encrypted = crypto.encrypt(TOKEN);
    crypto.encrypt(TOKEN);
    expect(encrypted.toString("latin1")).not.toContain(TOKEN);
    expect(crypto.decrypt(encrypted)).toBe(TOKEN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("basic_text");
    expect(warnings[0]).not.toContain(TOKEN);
  });

  it("falls back to plain text without a key store, warning once", () => {
    const { warnings, logger } = recordingLogger();
    const crypto = safeStorageCrypto(fakeSafeStorage(false, "basic_text").api, "linux", logger);
    const stored = crypto.encrypt(TOKEN);
    crypto.encrypt(TOKEN);
    expect(crypto.decrypt(stored)).toBe(TOKEN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("unencrypted");
    expect(warnings[0]).toContain("600");
    expect(warnings[0]).toContain("basic_text");
    expect(warnings[0]).not.toContain(TOKEN);
  });

  it("still reads a plain-text token once a key store appears", () => {
    const { api, state } = fakeSafeStorage(false);
    const { warnings, logger } = recordingLogger();
    const crypto = safeStorageCrypto(api, "linux", logger);
    const stored = crypto.encrypt(TOKEN);
    state.available = true;
    expect(crypto.decrypt(stored)).toBe(TOKEN);
    expect(crypto.encrypt(TOKEN).toString("latin1")).not.toContain(TOKEN);
    expect(warnings).toHaveLength(2);
  });

  it("reports an encrypted token it cannot decrypt yet as unavailable, not corrupt", () => {
    const { api, state } = fakeSafeStorage(true);
    const crypto = safeStorageCrypto(api, "linux", recordingLogger().logger);
    const stored = crypto.encrypt(TOKEN);
    state.available = false;
    expect(() => crypto.decrypt(stored)).toThrow(
      expect.objectContaining({ code: "crypto-unavailable" }),
    );
  });

  it("rejects bytes it did not write", () => {
    const crypto = safeStorageCrypto(fakeSafeStorage(true).api, "linux", recordingLogger().logger);
    expect(() => crypto.decrypt(Buffer.from(TOKEN))).toThrow("unknown format");
    expect(() => crypto.decrypt(Buffer.from("kdt1:safe:not-ciphertext"))).toThrow();
  });
});

describe("the token file with safeStorage", () => {
  let dir = "";

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps the token file while the keyring is locked, and reads it once it is back", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "kiosk-token-"));
    const { api, state } = fakeSafeStorage(true);
    const store = createTokenStore({
      dir,
      crypto: safeStorageCrypto(api, "linux", recordingLogger().logger),
      logger: recordingLogger().logger,
    });
    await store.write(TOKEN);
    expect(await readFile(path.join(dir, TOKEN_FILE_NAME), "latin1")).not.toContain(TOKEN);
    state.available = false;
    await expect(store.read()).rejects.toMatchObject({ code: "crypto-unavailable" });
    await expect(readdir(dir)).resolves.toEqual([TOKEN_FILE_NAME]);
    state.available = true;
    await expect(store.read()).resolves.toBe(TOKEN);
  });
});
