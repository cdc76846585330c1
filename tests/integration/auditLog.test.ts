import type { AuditRecord } from "../../shared/schemas/auditRecord";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../server/errors";
import {
  AUDIT_GENESIS_HASH,
  AuditLog,
  type AuditAction,
  type AuditInput,
} from "../../server/services/AuditLog";
import { migrateToLatest, openStore, type Store } from "../../server/store/database";
import type { AuditRow } from "../../server/store/schema";
import { createTempDatabase } from "../support/postgres";
import { makeDataDir, removeDataDir } from "../support/testServer";

/** An open, migrated database and a way to open a second connection to it (another "process"). */
interface Backend {
  store: Store;
  openAnother(): Store;
  close(): Promise<void>;
}

const backends: { name: string; open: () => Promise<Backend> }[] = [
  {
    name: "SQLite",
    open: async () => {
      const dir = makeDataDir();
      const file = join(dir, "audit.db");
      const store = openStore({ kind: "sqlite", file });
      await migrateToLatest(store);
      return {
        store,
        openAnother: () => openStore({ kind: "sqlite", file }),
        close: async () => {
          await store.db.destroy();
          removeDataDir(dir);
        },
      };
    },
  },
  {
    name: "PostgreSQL",
    open: async () => {
      const temp = await createTempDatabase();
      const store = openStore({ kind: "postgres", url: temp.url });
      await migrateToLatest(store);
      return {
        store,
        openAnother: () => openStore({ kind: "postgres", url: temp.url }),
        close: async () => {
          await store.db.destroy();
          await temp.drop();
        },
      };
    },
  },
];

/** The chain's formula, written out independently of the service. */
function expectedHash(key: Buffer, r: AuditRow): string {
  const fields = [
    r.seq,
    r.at,
    r.actor_type,
    r.actor_id,
    r.action,
    r.target_type,
    r.target_id,
    r.details_json,
    r.prev_hash,
  ];
  return createHmac("sha256", key).update(JSON.stringify(fields), "utf8").digest("hex");
}

const START = Date.parse("2024-05-01T00:00:00.000Z");

/** A clock that moves one minute per reading, so every record has its own time. */
function steppingClock(): () => Date {
  let tick = 0;
  return () => new Date(START + 60_000 * tick++);
}

/** The n-th record of a varied, reproducible history. */
function sampleRecord(i: number): AuditInput {
  const actions: AuditAction[] = ["entry.created", "entry.approved", "screen.paired"];
  const action = actions[i % actions.length] ?? "entry.created";
  return {
    actor: i % 5 === 0 ? { type: "system" } : { type: "user", id: `user-${i % 2}` },
    action,
    target: { type: action.split(".")[0] ?? "entry", id: `t-${i % 4}` },
    details: { n: i, note: `record ${i}` },
  };
}

describe.each(backends)("the audit log on $name", ({ open }) => {
  let backend: Backend;
  let key: Buffer;
  let audit: AuditLog;
  let db: Store["db"];

  beforeAll(async () => {
    backend = await open();
    db = backend.store.db;
  });
  afterAll(async () => {
    await backend.close();
  });
  beforeEach(async () => {
    await db.deleteFrom("audit_log").execute();
    key = randomBytes(32);
    audit = new AuditLog({ db, kind: backend.store.kind, key, now: steppingClock() });
  });

  async function seed(n: number): Promise<AuditRow[]> {
    const rows: AuditRow[] = [];
    for (let i = 1; i <= n; i++) rows.push(await audit.record(db, sampleRecord(i)));
    return rows;
  }

  async function row(seq: number): Promise<AuditRow> {
    return db.selectFrom("audit_log").selectAll().where("seq", "=", seq).executeTakeFirstOrThrow();
  }

  /** Moves every record from `seq` on one place up, leaving a hole at `seq`. */
  async function openHoleAt(seq: number): Promise<void> {
    // Two steps, because the primary key is checked row by row during one UPDATE.
    await db
      .updateTable("audit_log")
      .set((eb) => ({ seq: eb(eb.neg(eb.ref("seq")), "-", 1) }))
      .where("seq", ">=", seq)
      .execute();
    await db
      .updateTable("audit_log")
      .set((eb) => ({ seq: eb.neg(eb.ref("seq")) }))
      .where("seq", "<", 0)
      .execute();
  }

  it("chains 50 records from the genesis hash and verifies them", async () => {
    const rows = await seed(50);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(rows[0]?.prev_hash).toBe(AUDIT_GENESIS_HASH);
    for (const [i, r] of rows.entries()) {
      expect(r.hash).toBe(expectedHash(key, r));
      if (i > 0) expect(r.prev_hash).toBe(rows[i - 1]?.hash);
      expect(await row(r.seq)).toEqual(r);
    }
    const progress: [number, number][] = [];
    const result = await audit.verify({ onProgress: (c, t) => progress.push([c, t]) });
    expect(result).toEqual({ ok: true, records: 50, lastSeq: 50, lastHash: rows[49]?.hash });
    expect(progress.at(-1)).toEqual([50, 50]);
  });

  it("verifies an empty log as intact", async () => {
    expect(await audit.verify()).toEqual({
      ok: true,
      records: 0,
      lastSeq: 0,
      lastHash: AUDIT_GENESIS_HASH,
    });
  });

  it("names the record whose details were edited in the database", async () => {
    await seed(50);
    await db
      .updateTable("audit_log")
      .set({ details_json: '{"n":17,"note":"nothing to see"}' })
      .where("seq", "=", 17)
      .execute();
    expect(await audit.verify()).toEqual({
      ok: false,
      records: 16,
      brokenAt: 17,
      problem: "hash_mismatch",
      message: "Record 17 was altered: its hash does not match its contents.",
    });
  });

  it("reports a record deleted from the middle as a gap", async () => {
    await seed(50);
    await db.deleteFrom("audit_log").where("seq", "=", 20).execute();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      brokenAt: 20,
      problem: "sequence_gap",
      message: "Record 20 is missing: the sequence jumps from 19 to 21.",
    });
    await db.deleteFrom("audit_log").where("seq", "=", 21).execute();
    expect(await audit.verify()).toMatchObject({
      brokenAt: 20,
      message: "Records 20–21 are missing: the sequence jumps from 19 to 22.",
    });
  });

  it("reports missing first records", async () => {
    await seed(5);
    await db.deleteFrom("audit_log").where("seq", "<=", 2).execute();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      records: 0,
      brokenAt: 1,
      problem: "sequence_gap",
      message: "Records 1–2 are missing: the sequence starts at 3.",
    });
  });

  it("catches a deletion hidden by renumbering the records after it", async () => {
    await seed(50);
    await db.deleteFrom("audit_log").where("seq", "=", 30).execute();
    await db
      .updateTable("audit_log")
      .set((eb) => ({ seq: eb(eb.ref("seq"), "-", 1) }))
      .where("seq", "=", 31)
      .execute();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      brokenAt: 30,
      problem: "hash_mismatch",
    });
  });

  it("catches a record forged into the middle with a plain SHA-256", async () => {
    await seed(50);
    const before = await row(24);
    await openHoleAt(25);
    const forged: AuditRow = {
      seq: 25,
      at: "2024-05-01T00:24:30.000Z",
      actor_type: "user",
      actor_id: "user-0",
      action: "entry.approved",
      target_type: "entry",
      target_id: "t-forged",
      details_json: "{}",
      prev_hash: before.hash,
      hash: "",
    };
    forged.hash = createHash("sha256")
      .update(JSON.stringify([25, forged.at, "user", "user-0", "entry.approved"]))
      .digest("hex");
    await db.insertInto("audit_log").values(forged).execute();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      records: 24,
      brokenAt: 25,
      problem: "hash_mismatch",
    });
  });

  it("catches a record forged with an HMAC under another key", async () => {
    await seed(50);
    const before = await row(24);
    await openHoleAt(25);
    const forged: AuditRow = {
      ...before,
      seq: 25,
      action: "entry.approved",
      prev_hash: before.hash,
    };
    forged.hash = expectedHash(randomBytes(32), forged);
    await db.insertInto("audit_log").values(forged).execute();
    expect(await audit.verify()).toMatchObject({ brokenAt: 25, problem: "hash_mismatch" });
  });

  it("reports a broken link when a record's own hash is valid but it follows another", async () => {
    await seed(20);
    // Only a holder of the key can make this; it stands for a record spliced in from elsewhere.
    const spliced = { ...(await row(10)), prev_hash: "f".repeat(64) };
    spliced.hash = expectedHash(key, spliced);
    await db
      .updateTable("audit_log")
      .set({ prev_hash: spliced.prev_hash, hash: spliced.hash })
      .where("seq", "=", 10)
      .execute();
    expect(await audit.verify()).toEqual({
      ok: false,
      records: 9,
      brokenAt: 10,
      problem: "link_broken",
      message: "Record 10 does not follow record 9: its previous hash is not record 9's hash.",
    });
  });

  it("refuses the whole chain under another key", async () => {
    await seed(3);
    const other = new AuditLog({ db, kind: backend.store.kind, key: randomBytes(32) });
    expect(await other.verify()).toMatchObject({ ok: false, brokenAt: 1, records: 0 });
  });

  it("verifies page by page and finds a change past the first page", async () => {
    await db.transaction().execute(async (trx) => {
      for (let i = 1; i <= 2100; i++) await audit.record(trx, sampleRecord(i));
    });
    const progress: [number, number][] = [];
    const intact = await audit.verify({ onProgress: (c, t) => progress.push([c, t]) });
    expect(intact).toMatchObject({ ok: true, records: 2100, lastSeq: 2100 });
    expect(progress).toEqual([
      [0, 2100],
      [1000, 2100],
      [2000, 2100],
      [2100, 2100],
    ]);
    let exported = 0;
    for await (const _ of audit.exportLines({})) exported += 1;
    expect(exported).toBe(2100);

    await db
      .updateTable("audit_log")
      .set({ actor_id: "someone-else" })
      .where("seq", "=", 1500)
      .execute();
    expect(await audit.verify()).toMatchObject({ brokenAt: 1500, problem: "hash_mismatch" });
  });

  it("keeps the chain whole under 20 concurrent appends", async () => {
    const rows = await Promise.all(
      Array.from({ length: 20 }, (_, i) => audit.record(db, sampleRecord(i + 1))),
    );
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(await audit.verify()).toMatchObject({ ok: true, records: 20, lastSeq: 20 });
  });

  it("commits a record with the caller's transaction and drops it on rollback", async () => {
    await seed(2);
    await expect(
      db.transaction().execute(async (trx) => {
        await audit.record(trx, sampleRecord(3));
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await audit.verify()).toMatchObject({ ok: true, records: 2 });
    const kept = await db.transaction().execute((trx) => audit.record(trx, sampleRecord(3)));
    expect(kept.seq).toBe(3);
    expect(await audit.verify()).toMatchObject({ ok: true, records: 3 });
  });

  it("keeps ID numbers, passwords and raw bytes out of the stored details", async () => {
    const recorded = await audit.record(db, {
      actor: { type: "user", id: "u1" },
      action: "entry.edited",
      target: { type: "entry", id: "e1" },
      details: {
        changed: ["full_name", "id_number"],
        before: { fullName: "张三", idNumber: "110101199003071234" },
        photo: Buffer.from("jpeg bytes"),
        attachment: new Uint8Array([1, 2, 3]),
        password: "hunter2",
      },
    });
    const stored = await row(recorded.seq);
    expect(stored.details_json).not.toContain("110101199003071234");
    expect(stored.details_json).not.toContain("hunter2");
    expect(JSON.parse(stored.details_json)).toEqual({
      attachment: "[withheld]",
      before: { fullName: "张三", idNumber: "[withheld]" },
      changed: ["full_name", "id_number"],
      password: "[withheld]",
      photo: "[withheld]",
    });
    expect(await audit.verify()).toMatchObject({ ok: true, records: 1 });
  });

  it("stores details as canonical JSON, keys sorted", async () => {
    const a = await audit.record(db, {
      actor: { type: "cli" },
      action: "entry.imported",
      details: { b: 1, a: { d: 2, c: 3 } },
    });
    expect(a.details_json).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(a.actor_id).toBeNull();
    expect(a.target_type).toBeNull();
    expect(a.target_id).toBeNull();
  });

  it("refuses an action outside the list", async () => {
    await expect(
      audit.record(db, { actor: { type: "system" }, action: "entry.deleted" as AuditAction }),
    ).rejects.toThrow(TypeError);
    expect(await audit.verify()).toMatchObject({ records: 0 });
  });

  it("lists newest first, filtered, a page at a time", async () => {
    await seed(30);
    const newest = await audit.list({ limit: 5 });
    expect(newest.map((r) => r.seq)).toEqual([30, 29, 28, 27, 26]);
    const next = await audit.list({ limit: 5, beforeSeq: 26 });
    expect(next.map((r) => r.seq)).toEqual([25, 24, 23, 22, 21]);

    const approved = await audit.list({ action: "entry.approved", limit: 100 });
    expect(approved.map((r) => r.seq)).toEqual([28, 25, 22, 19, 16, 13, 10, 7, 4, 1]);
    const byUser = await audit.list({ actorId: "user-1", action: "entry.approved", limit: 100 });
    expect(byUser.map((r) => r.seq)).toEqual([19, 13, 7, 1]);
    const onTarget = await audit.list({ targetType: "screen", targetId: "t-3", limit: 100 });
    expect(onTarget.map((r) => r.seq)).toEqual([23, 11]);
    expect(onTarget.every((r) => r.action === "screen.paired")).toBe(true);

    // Record n was made at minute n-1 of the stepping clock.
    const window = await audit.list({
      from: "2024-05-01T00:04:00Z",
      to: "2024-05-01T00:07:00+00:00",
      limit: 100,
    });
    expect(window.map((r) => r.seq)).toEqual([7, 6, 5]);
    const sameDay = await audit.list({ from: "2024-05-01", to: "2024-05-02", limit: 2 });
    expect(sameDay.map((r) => r.seq)).toEqual([30, 29]);
    expect(await audit.list({ from: "2024-05-02", limit: 10 })).toEqual([]);
    await expect(audit.list({ from: "last tuesday", limit: 10 })).rejects.toBeInstanceOf(AppError);
  });

  it("exports every record oldest first as JSON lines that chain", async () => {
    await seed(12);
    const lines: AuditRecord[] = [];
    for await (const line of audit.exportLines({})) {
      expect(line).not.toContain("\n");
      lines.push(JSON.parse(line) as AuditRecord);
    }
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(lines[0]).toEqual({
      seq: 1,
      at: "2024-05-01T00:00:00.000Z",
      actor: { type: "user", id: "user-1" },
      action: "entry.approved",
      target: { type: "entry", id: "t-1" },
      details: { n: 1, note: "record 1" },
      prevHash: AUDIT_GENESIS_HASH,
      hash: (await row(1)).hash,
    });
    expect(lines[4]?.actor).toEqual({ type: "system", id: null });
    for (let i = 1; i < lines.length; i++) expect(lines[i]?.prevHash).toBe(lines[i - 1]?.hash);

    const slice: number[] = [];
    for await (const line of audit.exportLines({
      from: "2024-05-01T00:03:00Z",
      to: "2024-05-01T00:06:00Z",
    })) {
      slice.push((JSON.parse(line) as AuditRecord).seq);
    }
    expect(slice).toEqual([4, 5, 6]);
  });

  it("serialises appends from two separate connections", async () => {
    const other = backend.openAnother();
    try {
      const otherAudit = new AuditLog({ db: other.db, kind: other.kind, key });
      if (backend.store.kind === "postgres") {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 === 0 ? audit : otherAudit).record(
              i % 2 === 0 ? db : other.db,
              sampleRecord(i + 1),
            ),
          ),
        );
      } else {
        // better-sqlite3 blocks its thread while it waits for a lock, so two connections in one
        // process take turns here; the lock order is what another process would see.
        for (let i = 0; i < 20; i++) {
          await (i % 2 === 0 ? audit : otherAudit).record(
            i % 2 === 0 ? db : other.db,
            sampleRecord(i + 1),
          );
        }
      }
      expect(await audit.verify()).toMatchObject({ ok: true, records: 20, lastSeq: 20 });
    } finally {
      await other.db.destroy();
    }
  });
});
