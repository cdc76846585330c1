import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../server/services/AuditLog";
import { ChangeFeed, type EntryChange } from "../../server/services/ChangeFeed";
import { currentVersion } from "../../server/store/changeLog";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import { runInTransaction } from "../../server/store/runInTransaction";
import { LockOrderError, takeLock } from "../../server/store/transactionLocks";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

const log = pino({ level: "silent" });
const key = Buffer.alloc(32, 7);

/** A change feed whose pushes are written down instead of sent. */
function recordingFeed(): { feed: ChangeFeed; entries: EntryChange[]; districts: string[][] } {
  const entries: EntryChange[] = [];
  const districts: string[][] = [];
  const feed = new ChangeFeed({
    push: {
      entryChanged: (c) => void entries.push(c),
      announcementChanged: () => undefined,
      districtsChanged: (ids) => void districts.push([...ids]),
    },
  });
  return { feed, entries, districts };
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`the change feed and its transactions (${kind})`, () => {
    let store: Store;
    let dir: string;
    let temp: TempDatabase | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "signage-feed-"));
      if (kind === "postgres") {
        temp = await createTempDatabase();
        store = openStore({ kind: "postgres", url: temp.url });
      } else store = openStore({ kind: "sqlite", file: join(dir, "feed.db") });
      await migrateToLatest(store);
    });
    afterAll(async () => {
      await store.db.destroy();
      await temp?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("pushes a recorded change only after the commit, with the districts the entry left", async () => {
      const { feed, entries } = recordingFeed();
      const before = await currentVersion(store.db);
      let pushedInside = -1;
      const version = await runInTransaction(store.db, log, async (uow) => {
        const v = await feed.entry(uow, "entry.withdrawn", "entry-1", new Date().toISOString(), {
          alsoDistricts: ["old-district"],
        });
        pushedInside = entries.length;
        return v;
      });
      expect(pushedInside).toBe(0);
      expect(version).toBe(before + 1);
      expect(entries).toEqual([
        { entryId: "entry-1", version, districtIds: ["old-district"], takedown: true },
      ]);
    });

    it("announces a committed publication even when the entry cannot be read for the push", async () => {
      const entries: EntryChange[] = [];
      const feed = new ChangeFeed({
        push: {
          entryChanged: (c) => void entries.push(c),
          announcementChanged: () => undefined,
          districtsChanged: () => undefined,
        },
        screenEntryOf: () => Promise.reject(new Error("pool timeout")),
      });
      const version = await runInTransaction(store.db, log, (uow) =>
        feed.entry(uow, "entry.published", "entry-4", new Date().toISOString()),
      );
      // Without the entry: the screens fetch it with a sync.
      expect(entries).toEqual([{ entryId: "entry-4", version, districtIds: [], takedown: false }]);
    });

    it("wakes the redaction queue once after a commit that queued many jobs", async () => {
      let kicks = 0;
      const feed = new ChangeFeed({ redaction: { kick: () => void (kicks += 1) } });
      await runInTransaction(store.db, log, (uow) => {
        for (let i = 0; i < 300; i += 1) feed.redactionQueued(uow);
        expect(kicks).toBe(0);
        return Promise.resolve();
      });
      expect(kicks).toBe(1);
    });

    it("pushes nothing and stores nothing when the transaction rolls back", async () => {
      const { feed, entries, districts } = recordingFeed();
      const before = await currentVersion(store.db);
      await expect(
        runInTransaction(store.db, log, async (uow) => {
          await feed.entry(uow, "entry.revoked", "entry-2", new Date().toISOString());
          await feed.districts(uow, ["d1"]);
          throw new Error("refused after recording");
        }),
      ).rejects.toThrow("refused after recording");
      expect(entries).toEqual([]);
      expect(districts).toEqual([]);
      expect(await currentVersion(store.db)).toBe(before);
    });

    it("refuses a change-log append after an audit record in one transaction (lock order)", async () => {
      const { feed, entries } = recordingFeed();
      const audit = new AuditLog({ db: store.db, kind, key });
      const before = await currentVersion(store.db);
      await expect(
        runInTransaction(store.db, log, async (uow) => {
          await audit.record(uow.trx, { actor: { type: "system" }, action: "entry.expired" });
          await feed.entry(uow, "entry.expired", "entry-3", new Date().toISOString());
        }),
      ).rejects.toBeInstanceOf(LockOrderError);
      expect(entries).toEqual([]);
      expect(await currentVersion(store.db)).toBe(before);
      // The other order is the one every service uses.
      await runInTransaction(store.db, log, async (uow) => {
        await feed.entry(uow, "entry.expired", "entry-3", new Date().toISOString());
        await audit.record(uow.trx, { actor: { type: "system" }, action: "entry.expired" });
      });
      expect(entries.map((e) => e.entryId)).toEqual(["entry-3"]);
    });

    it("lets a transaction take the same lock twice", async () => {
      await store.db.transaction().execute(async (trx) => {
        await takeLock(trx, "changeLog", kind);
        await takeLock(trx, "changeLog", kind);
        await takeLock(trx, "auditChain", kind);
      });
    });

    it("runs the other effects and returns when one effect fails", async () => {
      const ran: string[] = [];
      const result = await runInTransaction(store.db, log, (uow) => {
        uow.afterCommit(() => {
          throw new Error("a socket went away");
        });
        uow.afterCommit(() => void ran.push("second"));
        return Promise.resolve("committed");
      });
      expect(result).toBe("committed");
      expect(ran).toEqual(["second"]);
    });
  });
}
