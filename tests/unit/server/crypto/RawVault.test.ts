import { randomBytes } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StartupError } from "../../../../server/errors";
import {
  loadMasterKey,
  normaliseIdNumber,
  parseMasterKey,
  rawDataAad,
  RawVault,
  VaultError,
} from "../../../../server/services/crypto/RawVault";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "signage-vault-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const key = (): Buffer => randomBytes(32);
const photoOf = (id: string): string => rawDataAad("photo", id);
/** A fresh data key under a fresh master key. */
const dataKey = () => RawVault.fromMasterKey(key()).createDataKey("entry-1").key;

describe("DataKey sealing", () => {
  it("opens what it sealed", () => {
    const vault = dataKey();
    const plain = Buffer.from("2102021980****123X");
    const sealed = vault.seal(plain, rawDataAad("id_number", "entry-1"));
    expect(vault.open(sealed, rawDataAad("id_number", "entry-1"))).toEqual(plain);
  });

  it("round-trips empty and large data", () => {
    const vault = dataKey();
    for (const plain of [Buffer.alloc(0), randomBytes(3 * 1024 * 1024)]) {
      // Buffer#equals: a deep toEqual over megabytes is needlessly slow.
      expect(vault.open(vault.seal(plain, photoOf("e")), photoOf("e")).equals(plain)).toBe(true);
    }
  });

  it("writes a version byte, a fresh IV each time, and never the plaintext", () => {
    const vault = dataKey();
    const plain = Buffer.from("身份证号码 210202198001011234 ".repeat(20));
    const a = vault.seal(plain, photoOf("e"));
    const b = vault.seal(plain, photoOf("e"));
    expect(a[0]).toBe(2);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(a.length).toBe(1 + 12 + 16 + plain.length);
    expect(a.includes(Buffer.from("210202198001011234"))).toBe(false);
    expect(a.toString("latin1")).not.toContain("210202198001011234");
  });

  it.each([
    ["the version byte", 0],
    ["the IV", 5],
    ["the tag", 20],
    ["the ciphertext", 40],
  ])("detects a flipped bit in %s", (_what, offset) => {
    const vault = dataKey();
    const sealed = vault.seal(randomBytes(64), photoOf("e"));
    const bad = Buffer.from(sealed);
    bad[offset] = (bad[offset] ?? 0) ^ 0x01;
    expect(() => vault.open(bad, photoOf("e"))).toThrow(VaultError);
  });

  it("refuses a truncated or appended envelope", () => {
    const vault = dataKey();
    const sealed = vault.seal(randomBytes(64), photoOf("e"));
    expect(() => vault.open(sealed.subarray(0, sealed.length - 1), photoOf("e"))).toThrow(
      VaultError,
    );
    expect(() => vault.open(Buffer.concat([sealed, Buffer.from([0])]), photoOf("e"))).toThrow(
      VaultError,
    );
    expect(() => vault.open(sealed.subarray(0, 10), photoOf("e"))).toThrow(/too short/);
  });

  it("says in one sentence that the data was tampered with", () => {
    const vault = dataKey();
    const sealed = vault.seal(Buffer.from("x"), photoOf("e"));
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 0xff;
    try {
      vault.open(sealed, photoOf("e"));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(VaultError);
      expect((err as VaultError).code).toBe("vault_tampered");
      expect((err as VaultError).message).toMatch(/^The sealed data was altered[^.]*\.$/);
    }
  });

  it("will not open a ciphertext swapped to another entry or purpose", () => {
    const vault = dataKey();
    const sealed = vault.seal(Buffer.from("photo bytes"), photoOf("entry-1"));
    expect(() => vault.open(sealed, photoOf("entry-2"))).toThrow(VaultError);
    expect(() => vault.open(sealed, rawDataAad("id_number", "entry-1"))).toThrow(VaultError);
  });

  it("will not open with another key", () => {
    const sealed = dataKey().seal(Buffer.from("x"), photoOf("e"));
    expect(() => dataKey().open(sealed, photoOf("e"))).toThrow(VaultError);
  });

  it("refuses an unknown envelope version", () => {
    const vault = dataKey();
    const sealed = vault.seal(Buffer.from("x"), photoOf("e"));
    sealed[0] = 3;
    expect(() => vault.open(sealed, photoOf("e"))).toThrow(/envelope version 3/);
  });

  it("refuses an empty AAD", () => {
    const vault = dataKey();
    expect(() => vault.seal(Buffer.from("x"), "")).toThrow(TypeError);
  });

  it("keeps record ids unambiguous in the AAD", () => {
    expect(rawDataAad("photo", "a")).not.toBe(rawDataAad("id_number", "a"));
    expect(rawDataAad("photo", 'a","b')).not.toBe(rawDataAad("photo", "a"));
  });
});

describe("per-entry data keys", () => {
  it("unwraps a data key only with the master key and for the entry it was made for", () => {
    const master = key();
    const vault = RawVault.fromMasterKey(master);
    const { key: dk, wrapped } = vault.createDataKey("entry-1");
    const sealed = dk.seal(Buffer.from("张三"), rawDataAad("full_name", "entry-1"));
    const again = RawVault.fromMasterKey(master).unwrapDataKey(wrapped, "entry-1");
    expect(again.open(sealed, rawDataAad("full_name", "entry-1")).toString()).toBe("张三");
    expect(() => vault.unwrapDataKey(wrapped, "entry-2")).toThrow(VaultError);
    expect(() => RawVault.fromMasterKey(key()).unwrapDataKey(wrapped, "entry-1")).toThrow(
      VaultError,
    );
    const bad = Buffer.from(wrapped);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0x01;
    expect(() => vault.unwrapDataKey(bad, "entry-1")).toThrow(VaultError);
  });

  it("gives every entry its own random key", () => {
    const vault = RawVault.fromMasterKey(key());
    const a = vault.createDataKey("entry-1");
    const b = vault.createDataKey("entry-1");
    expect(a.wrapped.equals(b.wrapped)).toBe(false);
    const sealed = a.key.seal(Buffer.from("x"), photoOf("entry-1"));
    expect(() => b.key.open(sealed, photoOf("entry-1"))).toThrow(VaultError);
  });

  it("leaves the master key nothing to open once the wrapped key is gone", () => {
    const vault = RawVault.fromMasterKey(key());
    const { key: dk } = vault.createDataKey("entry-1");
    const aad = rawDataAad("id_number", "entry-1");
    const sealed = dk.seal(Buffer.from("110101199003071234"), aad);
    // Neither as a legacy envelope nor with its version byte changed does the master key open it.
    expect(() => vault.openLegacy(sealed, aad)).toThrow(VaultError);
    const relabelled = Buffer.from(sealed);
    relabelled[0] = 1;
    expect(() => vault.openLegacy(relabelled, aad)).toThrow(VaultError);
  });

  it("re-seals a legacy entry under a new data key, full name included", () => {
    const vault = RawVault.fromMasterKey(key());
    const idAad = rawDataAad("id_number", "entry-1");
    const moved = vault.resealLegacyEntry("entry-1", {
      fullName: "欧阳娜娜",
      idNumberSealed: vault.sealLegacy(Buffer.from("110101199003071234"), idAad),
      photoSealed: vault.sealLegacy(Buffer.from("jpeg"), photoOf("entry-1")),
    });
    const dk = vault.unwrapDataKey(moved.wrappedKey, "entry-1");
    expect(dk.open(moved.fullNameSealed, rawDataAad("full_name", "entry-1")).toString()).toBe(
      "欧阳娜娜",
    );
    expect(moved.idNumberSealed?.[0]).toBe(2);
    expect(moved.idNumberSealed && dk.open(moved.idNumberSealed, idAad).toString()).toBe(
      "110101199003071234",
    );
    expect(moved.photoSealed && dk.open(moved.photoSealed, photoOf("entry-1")).toString()).toBe(
      "jpeg",
    );
    expect(
      vault.resealLegacyEntry("entry-2", { fullName: "x", idNumberSealed: null, photoSealed: null })
        .idNumberSealed,
    ).toBeNull();
  });
});

describe("RawVault ID fingerprints", () => {
  it("is stable for one key and ignores case, spaces and hyphens", () => {
    const k = key();
    const a = RawVault.fromMasterKey(k).idFingerprint("21020219800101123x");
    const b = RawVault.fromMasterKey(k).idFingerprint(" 210202-19800101-123X ");
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(normaliseIdNumber("２１０２ 02-x")).toBe("210202X");
  });

  it("depends on the key, so the fingerprint reveals nothing without it", () => {
    const id = "210202198001011234";
    const a = RawVault.fromMasterKey(key()).idFingerprint(id);
    const b = RawVault.fromMasterKey(key()).idFingerprint(id);
    expect(a).not.toBe(b);
    expect(a).not.toContain(id);
  });

  it("differs for different numbers", () => {
    const vault = RawVault.fromMasterKey(key());
    expect(vault.idFingerprint("210202198001011234")).not.toBe(
      vault.idFingerprint("210202198001011235"),
    );
  });

  it("uses a subkey: the fingerprint is not a plain HMAC with the master key", async () => {
    const { createHmac } = await import("node:crypto");
    const k = key();
    const id = "210202198001011234";
    const plainHmac = createHmac("sha256", k).update(id).digest("hex");
    const plainHmac2 = createHmac("sha256", k).update(`id:${id}`).digest("hex");
    const fp = RawVault.fromMasterKey(k).idFingerprint(id);
    expect(fp).not.toBe(plainHmac);
    expect(fp).not.toBe(plainHmac2);
  });
});

describe("master key", () => {
  it("takes a configured base64 key", () => {
    const k = key();
    expect(loadMasterKey({ dataDir: tempDir(), keyBase64: k.toString("base64") })).toEqual(k);
  });

  it.each(["", "not base64!", Buffer.alloc(16).toString("base64"), "QUJD\nREVG"])(
    "refuses the configured key %j with one sentence",
    (value) => {
      expect(() => parseMasterKey(value)).toThrow(StartupError);
      expect(() => parseMasterKey(value)).toThrow(/^SIGNAGE_MASTER_KEY must be exactly 32 bytes/);
    },
  );

  it("generates a 0600 key file on first start and reuses it", () => {
    const dataDir = join(tempDir(), "nested", "data");
    const vault = RawVault.open({ dataDir });
    const file = join(dataDir, "master.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64")).toHaveLength(32);
    const { key: dk, wrapped } = vault.createDataKey("e");
    const sealed = dk.seal(Buffer.from("x"), photoOf("e"));
    const again = RawVault.open({ dataDir }).unwrapDataKey(wrapped, "e");
    expect(again.open(sealed, photoOf("e")).toString()).toBe("x");
  });

  it("leaves no temporary files behind", async () => {
    const dataDir = tempDir();
    RawVault.open({ dataDir });
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(dataDir)).toEqual(["master.key"]);
  });

  it("refuses a key file others can read", () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "master.key"), key().toString("base64"), { mode: 0o644 });
    chmodSync(join(dataDir, "master.key"), 0o644);
    expect(() => RawVault.open({ dataDir })).toThrow(StartupError);
    expect(() => RawVault.open({ dataDir })).toThrow(/readable by group or others; run "chmod 600/);
  });

  it("refuses a key file of the wrong length", () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "master.key"), randomBytes(31).toString("base64"), { mode: 0o600 });
    expect(() => RawVault.open({ dataDir })).toThrow(/does not hold a 32-byte base64 key/);
  });

  it("refuses a key file that is not base64 at all", () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "master.key"), randomBytes(32), { mode: 0o600 });
    expect(() => RawVault.open({ dataDir })).toThrow(StartupError);
  });

  it("refuses a key file it cannot read", () => {
    const dataDir = tempDir();
    // A directory in its place cannot be read as a file even by root, unlike chmod 000.
    mkdirSync(join(dataDir, "master.key"), { mode: 0o700 });
    expect(() => RawVault.open({ dataDir })).toThrow(/is not a regular file/);
  });

  it("prefers the configured key over the key file", () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "master.key"), "garbage", { mode: 0o600 });
    const k = key();
    expect(loadMasterKey({ dataDir, keyBase64: k.toString("base64") })).toEqual(k);
  });
});
