import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AppliedVersions } from "../../../../server/sockets/AppliedVersions";
import { migrateToLatest, openStore, type Store } from "../../../../server/store/database";
import { insertDistrictWithScreens } from "../../../support/storeRows";

let dir: string | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.db.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
  store = undefined;
  dir = undefined;
});

/** A migrated SQLite store with one screen and one change (version 1). */
async function storeWithScreen(): Promise<Store> {
  dir = mkdtempSync(join(tmpdir(), "signage-applied-"));
  const s = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
  await migrateToLatest(s);
  await insertDistrictWithScreens(s.db, "d1", ["s1"]);
  const at = new Date().toISOString();
  await s.db
    .insertInto("change_log")
    .values({ kind: "entry.revoked", entity_id: "e1", at } as never)
    .execute();
  return s;
}

describe("AppliedVersions", () => {
  it("keeps a batch the database refused and writes it on the next flush", async () => {
    store = await storeWithScreen();
    const { db } = store;
    // The first transaction fails, as a deadlock or a dropped connection would make it.
    let refusals = 1;
    const transaction = db.transaction.bind(db);
    db.transaction = () => {
      if (refusals > 0) {
        refusals -= 1;
        throw new Error("deadlock detected");
      }
      return transaction();
    };
    const acks = new AppliedVersions({ db, log: pino({ level: "silent" }), everyMs: 10_000 });
    acks.note("s1", 1);
    await acks.flush();
    const applied = async () =>
      (await db.selectFrom("screens").select("applied_version").where("id", "=", "s1").execute())[0]
        ?.applied_version;
    expect(Number(await applied())).toBe(0);
    // Kept: written by the retry, without another acknowledgement arriving.
    await expect.poll(async () => Number(await applied()), { timeout: 5_000 }).toBe(1);
  });

  it("does not keep retrying after the last flush at shutdown", async () => {
    store = await storeWithScreen();
    const { db } = store;
    let attempts = 0;
    db.transaction = () => {
      attempts += 1;
      throw new Error("the database is closed");
    };
    const acks = new AppliedVersions({ db, log: pino({ level: "silent" }), everyMs: 10_000 });
    acks.note("s1", 1);
    await acks.flush({ last: true });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(attempts).toBe(1);
  });
});
