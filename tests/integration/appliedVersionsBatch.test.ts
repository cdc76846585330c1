import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import pino from "pino";
import { AppliedVersions } from "../../server/sockets/AppliedVersions";
import { recordAppliedVersions, type AppliedAck } from "../../server/store/delivery";
import { databaseBackends } from "../support/databases";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { insertDistrictWithScreens } from "../support/storeRows";
import { removeDataDir } from "../support/testServer";

const idOf = (i: number): string => `s${String(i).padStart(4, "0")}`;

/** Issues versions 1…`count` (a revocation each) in a fresh store. */
async function issueVersions(db: Store["db"], count: number): Promise<void> {
  for (let v = 1; v <= count; v += 1)
    await db
      .insertInto("change_log")
      .values({ kind: "entry.revoked", entity_id: `e${v}`, at: new Date().toISOString() } as never)
      .execute();
}

describe.each(databaseBackends)("acknowledged versions written in batches on $name", (backend) => {
  let store: Store | undefined;
  let temp: TempDatabase | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await store?.db.destroy();
    await temp?.drop();
    if (dir) removeDataDir(dir);
    store = temp = dir = undefined;
  });

  /** A fresh, migrated store on this backend, closed and removed after the test. */
  async function migratedStore(): Promise<Store> {
    if (backend.name === "SQLite") {
      dir = mkdtempSync(join(tmpdir(), "applied-"));
      store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
    } else {
      temp = await createTempDatabase();
      store = openStore({ kind: "postgres", url: temp.url });
    }
    await migrateToLatest(store);
    return store;
  }

  it("keeps one kiosk flooding push acknowledgements from holding up anyone's", async () => {
    const { db } = await migratedStore();
    await insertDistrictWithScreens(db, "d1", ["flood", "good"]);
    await issueVersions(db, 3);
    const applied = new AppliedVersions({ db, log: pino({ level: "silent" }), everyMs: 10_000 });
    // 200 acknowledgements of 1,000 made-up versions each (the most one message may carry).
    for (let m = 0; m < 200; m += 1)
      applied.notePushed(
        "flood",
        Array.from({ length: 1_000 }, (_, i) => 1_000_000 + m * 1_000 + i),
      );
    applied.note("good", 3);
    await applied.flush({ last: true });
    const rows = await db.selectFrom("screens").select(["id", "applied_version"]).execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, Number(r.applied_version)]))).toEqual({
      flood: 0,
      good: 3,
    });
  });

  it("moves each screen to what it acknowledged, never back, never past what was issued", async () => {
    const { db } = await migratedStore();
    // 1,300 screens: a version's acknowledgements span more than one statement of 500.
    const ids = Array.from({ length: 1_300 }, (_, i) => idOf(i));
    await insertDistrictWithScreens(db, "d1", ids);
    // Versions 1…9 issued.
    await issueVersions(db, 9);
    // The last screen had already acknowledged 9 (another process got there first).
    await db
      .updateTable("screens")
      .set({ applied_version: 9 })
      .where("id", "=", idOf(1_299))
      .execute();

    const acks: [string, AppliedAck][] = ids.map((id, i) => [
      id,
      // Most acknowledge 5; every tenth 7; one claims 42, never issued; the last 6 (behind).
      { version: i === 3 ? 42 : i === 1_299 ? 6 : i % 10 === 0 ? 7 : 5 },
    ]);
    // Handed over out of order, as a batch gathers them.
    const advanced = await recordAppliedVersions(db, [...acks].reverse());

    const rows = await db.selectFrom("screens").select(["id", "applied_version"]).execute();
    const applied = new Map(rows.map((r) => [r.id, Number(r.applied_version)]));
    for (const [i, id] of ids.entries()) {
      const expected = i === 3 ? 0 : i === 1_299 ? 9 : i % 10 === 0 ? 7 : 5;
      expect({ id, applied: applied.get(id) }).toEqual({ id, applied: expected });
    }
    // Told which screens moved forward, from where to where: all but the two that did not.
    expect(advanced).toHaveLength(1_298);
    expect(advanced.find((a) => a.screenId === idOf(10))).toEqual({
      screenId: idOf(10),
      districtId: "d1",
      from: 0,
      version: 7,
    });
    expect(advanced.some((a) => a.screenId === idOf(3) || a.screenId === idOf(1_299))).toBe(false);
  }, 120_000);
});
