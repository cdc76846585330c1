import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  TOKEN_FILE_MODE,
  TOKEN_FILE_NAME,
  TokenStoreError,
  createTokenStore,
} from "../../../../display/main/tokenStore";
import type { TokenCrypto, TokenStore } from "../../../../display/main/tokenStore";

const FAKE_HEADER = "fake-encrypted:";

/** A reversible stand-in for safeStorage that refuses bytes it did not produce. */
function fakeCrypto(): TokenCrypto {
  return {
    encrypt: (plainText) =>
      Buffer.from(FAKE_HEADER + Buffer.from(plainText, "utf8").toString("hex"), "utf8"),
    decrypt: (encrypted) => {
      const text = encrypted.toString("utf8");
      if (!text.startsWith(FAKE_HEADER)) throw new Error("not produced by this crypto");
      return Buffer.from(text.slice(FAKE_HEADER.length), "hex").toString("utf8");
    },
  };
}

function token(seed = "a", length = 43): string {
  return seed.repeat(length).slice(0, length);
}

const isPosix = process.platform !== "win32";

describe("createTokenStore", () => {
  let dir = "";
  let warnings: string[] = [];
  let store: TokenStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "kiosk-token-"));
    warnings = [];
    store = createTokenStore({
      dir,
      crypto: fakeCrypto(),
      logger: { warn: (message) => warnings.push(message) },
    });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("has no token before pairing", async () => {
    await expect(store.read()).resolves.toBeNull();
    expect(store.filePath).toBe(path.join(dir, TOKEN_FILE_NAME));
  });

  it("gives back the token it stored, encrypted on disk", async () => {
    const stored = "Zx9_-" + token("k", 38);
    await store.write(stored);
    await expect(store.read()).resolves.toBe(stored);
    const onDisk = await readFile(path.join(dir, TOKEN_FILE_NAME), "utf8");
    expect(onDisk.startsWith(FAKE_HEADER)).toBe(true);
    expect(onDisk).not.toContain(stored);
  });

  it("replaces the token at rotation", async () => {
    await store.write(token("a"));
    await store.write(token("b"));
    await expect(store.read()).resolves.toBe(token("b"));
  });

  it("accepts tokens of 32 and 200 characters", async () => {
    await store.write(token("c", 32));
    await expect(store.read()).resolves.toBe(token("c", 32));
    await store.write(token("d", 200));
    await expect(store.read()).resolves.toBe(token("d", 200));
  });

  it("removes the file when the token is cleared", async () => {
    await store.write(token());
    await store.clear();
    await expect(readdir(dir)).resolves.toEqual([]);
    await expect(store.read()).resolves.toBeNull();
  });

  it("clears without complaint when there is no token", async () => {
    await expect(store.clear()).resolves.toBeUndefined();
    await rm(dir, { recursive: true });
    await expect(store.clear()).resolves.toBeUndefined();
  });

  it("clears temp files a crash left behind, and nothing else", async () => {
    await store.write(token());
    await writeFile(path.join(dir, `${TOKEN_FILE_NAME}.0123456789abcdef.tmp`), "stale");
    await writeFile(path.join(dir, "kiosk.json"), "{}");
    await store.clear();
    await expect(readdir(dir)).resolves.toEqual(["kiosk.json"]);
  });

  it.each([
    ["too short", token("a", 31)],
    ["too long", token("a", 201)],
    ["empty", ""],
    ["not base64url (padding)", `${token("a", 40)}==`],
    ["not base64url (plus and slash)", `${token("a", 40)}+/x`],
    ["not base64url (space)", `${token("a", 20)} ${token("a", 20)}`],
    ["not base64url (newline)", `${token("a", 40)}\n`],
    ["not ASCII", `${token("a", 40)}é`],
  ])("refuses a token that is %s and keeps the old one", async (_why, bad) => {
    await store.write(token("a"));
    const refusal = store.write(bad);
    await expect(refusal).rejects.toBeInstanceOf(TokenStoreError);
    await expect(refusal).rejects.toMatchObject({ code: "invalid-token" });
    await expect(store.read()).resolves.toBe(token("a"));
    await expect(readdir(dir)).resolves.toEqual([TOKEN_FILE_NAME]);
  });

  it("never puts the refused token in the error", async () => {
    const bad = `${token("s", 40)}!!`;
    await expect(store.write(bad)).rejects.toSatisfy(
      (error: unknown) => error instanceof Error && !error.message.includes(bad),
    );
  });

  it("forgets a file it cannot decrypt and says so without the content", async () => {
    await writeFile(path.join(dir, TOKEN_FILE_NAME), "garbage from a different machine");
    await expect(store.read()).resolves.toBeNull();
    await expect(readdir(dir)).resolves.toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("could not be decrypted");
    expect(warnings[0]).not.toContain("garbage");
  });

  it("forgets a file whose decrypted content is not a valid token", async () => {
    await writeFile(path.join(dir, TOKEN_FILE_NAME), fakeCrypto().encrypt("short"));
    await expect(store.read()).resolves.toBeNull();
    await expect(readdir(dir)).resolves.toEqual([]);
    expect(warnings[0]).toContain("does not hold a valid device token");
  });

  it("forgets an empty or oversized file without decrypting it", async () => {
    await writeFile(path.join(dir, TOKEN_FILE_NAME), "");
    await expect(store.read()).resolves.toBeNull();
    await writeFile(path.join(dir, TOKEN_FILE_NAME), Buffer.alloc(64 * 1024, 0x61));
    await expect(store.read()).resolves.toBeNull();
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it("keeps an encrypted file it cannot decrypt while the key store is unavailable", async () => {
    const locked = createTokenStore({
      dir,
      crypto: {
        encrypt: (plainText) => fakeCrypto().encrypt(plainText),
        decrypt: () => {
          throw new TokenStoreError("crypto-unavailable", "The keyring is locked.");
        },
      },
      logger: { warn: (message) => warnings.push(message) },
    });
    await locked.write(token());
    await expect(locked.read()).rejects.toMatchObject({ code: "crypto-unavailable" });
    await expect(readdir(dir)).resolves.toEqual([TOKEN_FILE_NAME]);
    await expect(store.read()).resolves.toBe(token());
  });

  it.runIf(isPosix)("writes the file readable by its owner only", async () => {
    await store.write(token());
    const { mode } = await stat(path.join(dir, TOKEN_FILE_NAME));
    expect(mode & 0o777).toBe(TOKEN_FILE_MODE);
    expect(TOKEN_FILE_MODE).toBe(0o600);
  });

  it.runIf(isPosix)("tightens the mode of a file that was world-readable", async () => {
    await writeFile(path.join(dir, TOKEN_FILE_NAME), "old", { mode: 0o644 });
    await store.write(token());
    const { mode } = await stat(path.join(dir, TOKEN_FILE_NAME));
    expect(mode & 0o777).toBe(0o600);
  });

  it("leaves no temp file behind after writing", async () => {
    await Promise.all([store.write(token("a")), store.write(token("b")), store.write(token("c"))]);
    await expect(readdir(dir)).resolves.toEqual([TOKEN_FILE_NAME]);
    await expect(store.read()).resolves.toBe(token("c"));
  });

  it("leaves no temp file behind, and the old state, when the replace fails", async () => {
    // A non-empty directory in the file's place makes the rename fail after the temp file exists.
    await mkdir(path.join(dir, TOKEN_FILE_NAME, "blocker"), { recursive: true });
    await expect(store.write(token())).rejects.toThrow();
    await expect(readdir(dir)).resolves.toEqual([TOKEN_FILE_NAME]);
    await expect(readdir(path.join(dir, TOKEN_FILE_NAME))).resolves.toEqual(["blocker"]);
  });

  it("writes nothing when encryption fails", async () => {
    const broken = createTokenStore({
      dir,
      crypto: {
        encrypt: () => {
          throw new Error("encryption failed");
        },
        decrypt: (encrypted) => fakeCrypto().decrypt(encrypted),
      },
    });
    await expect(broken.write(token())).rejects.toThrow("encryption failed");
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it("creates its directory when it is missing", async () => {
    const nested = createTokenStore({ dir: path.join(dir, "userData"), crypto: fakeCrypto() });
    await nested.write(token());
    await expect(nested.read()).resolves.toBe(token());
  });

  it("runs operations in call order, so a clear is never overtaken by an earlier write", async () => {
    const [, , afterClear] = await Promise.all([store.write(token()), store.clear(), store.read()]);
    expect(afterClear).toBeNull();
    const [, , afterWrite] = await Promise.all([store.clear(), store.write(token()), store.read()]);
    expect(afterWrite).toBe(token());
  });

  it("keeps working after an operation failed", async () => {
    await expect(store.write("bad")).rejects.toBeInstanceOf(TokenStoreError);
    await store.write(token());
    await expect(store.read()).resolves.toBe(token());
  });
});
