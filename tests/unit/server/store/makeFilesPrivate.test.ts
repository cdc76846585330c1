import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StartupError } from "../../../../server/errors";
import { makeFilesPrivate } from "../../../../server/store/makeFilesPrivate";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "signage-private-"));
  dirs.push(dir);
  return dir;
}

const modeOf = (path: string): number => statSync(path).mode & 0o777;
const uid = process.getuid?.() ?? 0;

describe("makeFilesPrivate", () => {
  it("makes folders 0700 and files 0600, nested ones too, and says what it fixed", () => {
    const dir = folder();
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "cache"), { mode: 0o755 });
    chmodSync(join(dir, "cache"), 0o755);
    writeFileSync(join(dir, "cache", "x.bin"), "x", { mode: 0o644 });
    writeFileSync(join(dir, "signage.db"), "", { mode: 0o600 });
    const fixed = makeFilesPrivate({ dataDir: dir, uid });
    expect(fixed).toEqual([
      { path: dir, was: 0o755 },
      { path: join(dir, "cache"), was: 0o755 },
      { path: join(dir, "cache", "x.bin"), was: 0o644 },
    ]);
    expect(
      [dir, join(dir, "cache"), join(dir, "cache", "x.bin"), join(dir, "signage.db")].map(modeOf),
    ).toEqual([0o700, 0o700, 0o600, 0o600]);
  });

  it("fixes a database kept outside the folder, and does not follow links into other folders", () => {
    const dir = folder();
    const elsewhere = folder();
    chmodSync(elsewhere, 0o755);
    const db = join(elsewhere, "signage.db");
    writeFileSync(db, "", { mode: 0o644 });
    chmodSync(db, 0o644);
    writeFileSync(join(elsewhere, "other.txt"), "", { mode: 0o644 });
    chmodSync(join(elsewhere, "other.txt"), 0o644);
    symlinkSync(elsewhere, join(dir, "link"));
    makeFilesPrivate({ dataDir: dir, uid, files: [db, `${db}-wal`] });
    expect(modeOf(db)).toBe(0o600);
    expect(modeOf(join(elsewhere, "other.txt"))).toBe(0o644);
    expect(modeOf(elsewhere)).toBe(0o755);
  });

  it("refuses, naming the path and changing nothing, what another user owns", () => {
    const dir = folder();
    chmodSync(dir, 0o755);
    const other = uid + 4242;
    let err: unknown;
    try {
      makeFilesPrivate({ dataDir: dir, uid: other });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toBe(
      `${dir} belongs to another user (uid ${uid}), not to the user running signage (uid ${other}), so it cannot be made private; run "chown ${other} ${dir}" or run signage as its owner, then start again.`,
    );
    expect(modeOf(dir)).toBe(0o755);
  });
});
