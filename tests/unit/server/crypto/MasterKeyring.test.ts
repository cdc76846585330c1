import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MasterKeyring } from "../../../../server/services/crypto/MasterKeyring";
import { RawVault, VaultError, wrappedKeyId } from "../../../../server/services/crypto/RawVault";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folderWith(files: Record<string, Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "signage-keyring-"));
  dirs.push(dir);
  for (const [name, key] of Object.entries(files))
    writeFileSync(join(dir, name), `${key.toString("base64")}\n`, { mode: 0o600 });
  return dir;
}

describe("a wrapped data key names its master key", () => {
  it("carries the wrapping key's id, authenticated: another key cannot open it, even renamed", () => {
    const a = RawVault.fromMasterKey(randomBytes(32));
    const b = RawVault.fromMasterKey(randomBytes(32));
    const { wrapped } = a.createDataKey("e1");
    expect(wrappedKeyId(wrapped)).toBe(a.keyId());
    expect(a.wrappedHere(wrapped)).toBe(true);
    expect(() => b.unwrapDataKey(wrapped, "e1")).toThrow(VaultError);
    const renamed = Buffer.from(wrapped);
    Buffer.from(b.keyId(), "hex").copy(renamed, 1);
    expect(() => b.unwrapDataKey(renamed, "e1")).toThrow(VaultError);
    expect(() => a.unwrapDataKey(renamed, "e1")).toThrow(VaultError);
    const moved = a.rewrapDataKey(wrapped, "e1", b);
    expect(wrappedKeyId(moved)).toBe(b.keyId());
    const plain = Buffer.from("x");
    const sealed = a.unwrapDataKey(wrapped, "e1").seal(plain, "aad");
    expect(b.unwrapDataKey(moved, "e1").open(sealed, "aad").equals(plain)).toBe(true);
  });
});

describe("MasterKeyring", () => {
  it("holds the retiring key beside the new one, seals under the new one and opens both", () => {
    const oldKey = randomBytes(32);
    const old = RawVault.fromMasterKey(oldKey);
    const dir = folderWith({ "master.key": oldKey });
    let now = 0;
    const ring = MasterKeyring.open({ dataDir: dir, now: () => now });
    const before = ring.createDataKey("e1");
    expect(wrappedKeyId(before.wrapped)).toBe(old.keyId());

    const newKey = randomBytes(32);
    const fresh = RawVault.fromMasterKey(newKey);
    writeFileSync(join(dir, "master.key.retiring"), `${oldKey.toString("base64")}\n`, {
      mode: 0o600,
    });
    writeFileSync(join(dir, "master.key"), `${newKey.toString("base64")}\n`, { mode: 0o600 });
    // A key it does not hold makes it look at the files at once, without waiting a second.
    expect(() => ring.unwrapDataKey(fresh.createDataKey("e2").wrapped, "e2")).not.toThrow();
    expect(ring.vaults().map((v) => v.keyId())).toEqual([fresh.keyId(), old.keyId()]);
    expect(wrappedKeyId(ring.createDataKey("e3").wrapped)).toBe(fresh.keyId());
    expect(() => ring.unwrapDataKey(before.wrapped, "e1")).not.toThrow();
    expect(ring.chainKeys()).toHaveLength(2);

    // The rotation done, the retiring file goes; within a second the old key is gone too.
    rmSync(join(dir, "master.key.retiring"));
    now += 1000;
    expect(ring.vaults().map((v) => v.keyId())).toEqual([fresh.keyId()]);
    expect(() => ring.unwrapDataKey(before.wrapped, "e1")).toThrow(VaultError);
  });

  it("stays on SIGNAGE_MASTER_KEY whatever the folder holds", () => {
    const envKey = randomBytes(32);
    const dir = folderWith({ "master.key": randomBytes(32) });
    let now = 0;
    const ring = MasterKeyring.open({
      dataDir: dir,
      keyBase64: envKey.toString("base64"),
      now: () => now,
    });
    now += 5000;
    expect(ring.keyId()).toBe(RawVault.fromMasterKey(envKey).keyId());
    expect(ring.refresh()).toBe(false);
  });
});
