import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrateToLatest, openStore, type Store } from "../../../../server/store/database";
import {
  closeConnection,
  connectedMs,
  connectedSpans,
  deleteConnectionsEndedBefore,
  latestStatusReports,
  openConnection,
  recordStatusReport,
  touchConnection,
  type ConnectedSpan,
} from "../../../../server/store/screenHistory";

const ONLINE_WITHIN_MS = 90_000;
const MIN = 60_000;
const T0 = Date.parse("2026-03-02T08:00:00.000Z");
const at = (minutes: number): string => new Date(T0 + minutes * MIN).toISOString();

function span(screenId: string, from: number, to: number, open = false): ConnectedSpan {
  return { screenId, from: at(from), to: at(to), open };
}

describe("connectedMs", () => {
  it("adds up a screen's spans and counts overlapping connections once", () => {
    const ms = connectedMs([
      span("a", 0, 10),
      // A reconnect to another process before the old connection's disconnect arrived.
      span("a", 5, 20),
      // Wholly inside the one before.
      span("a", 6, 8),
      span("a", 30, 40),
      span("b", 0, 1),
    ]);
    expect(ms.get("a")).toBe(30 * MIN);
    expect(ms.get("b")).toBe(MIN);
  });

  it("does not depend on the order the spans come in", () => {
    const ms = connectedMs([span("a", 30, 40), span("a", 5, 20), span("a", 0, 10)]);
    expect(ms.get("a")).toBe(30 * MIN);
  });

  it("has no entry for a screen without spans, and zero for empty spans", () => {
    const ms = connectedMs([span("a", 3, 3)]);
    expect(ms.get("a")).toBe(0);
    expect(ms.has("b")).toBe(false);
  });
});

describe("connectedSpans on a real database", () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "screen-history-"));
    store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
    await migrateToLatest(store);
  });

  afterAll(async () => {
    await store.db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await store.db.deleteFrom("screen_connections").execute();
    await store.db.deleteFrom("screen_status_reports").execute();
  });

  const period = { from: at(0), to: at(24 * 60) };

  it("cuts a connection that began before the period to its start, and one still open to now", async () => {
    await openConnection(store.db, "s1", "c-old", at(-120));
    await closeConnection(store.db, "c-old", at(30));
    await openConnection(store.db, "s1", "c-now", at(100));
    await touchConnection(store.db, "c-now", at(119.5));
    const now = new Date(T0 + 120 * MIN);
    const spans = await connectedSpans(store.db, ["s1"], period, now, ONLINE_WITHIN_MS);
    expect(spans).toEqual([
      { screenId: "s1", from: at(0), to: at(30), open: false },
      { screenId: "s1", from: at(100), to: at(120), open: true },
    ]);
    expect(connectedMs(spans).get("s1")).toBe(50 * MIN);
  });

  it("ends the connection of a killed process at its last report once that is older than the online window", async () => {
    // The process died: the row was never closed, its last report came at minute 40.
    await openConnection(store.db, "s1", "c-killed", at(10));
    await touchConnection(store.db, "c-killed", at(40));
    // Within the window it still counts as open, running to now.
    const soon = await connectedSpans(
      store.db,
      ["s1"],
      period,
      new Date(T0 + 41 * MIN),
      ONLINE_WITHIN_MS,
    );
    expect(soon).toEqual([{ screenId: "s1", from: at(10), to: at(41), open: true }]);
    // Past it, the connection ended at its last report.
    const later = await connectedSpans(
      store.db,
      ["s1"],
      period,
      new Date(T0 + 300 * MIN),
      ONLINE_WITHIN_MS,
    );
    expect(later).toEqual([{ screenId: "s1", from: at(10), to: at(40), open: false }]);
  });

  it("leaves out connections wholly outside the period and those of other screens", async () => {
    await openConnection(store.db, "s1", "c-before", at(-300));
    await closeConnection(store.db, "c-before", at(-200));
    await openConnection(store.db, "s2", "c-other", at(10));
    await closeConnection(store.db, "c-other", at(20));
    // A killed process's row whose last report came before the period.
    await openConnection(store.db, "s1", "c-gone", at(-100));
    const spans = await connectedSpans(
      store.db,
      ["s1"],
      period,
      new Date(T0 + 60 * MIN),
      ONLINE_WITHIN_MS,
    );
    expect(spans).toEqual([]);
  });

  it("deletes connections ended before the cut-off, including killed ones silent since", async () => {
    await openConnection(store.db, "s1", "c-ended", at(0));
    await closeConnection(store.db, "c-ended", at(10));
    await openConnection(store.db, "s1", "c-killed", at(0));
    await touchConnection(store.db, "c-killed", at(5));
    await openConnection(store.db, "s1", "c-open", at(0));
    await touchConnection(store.db, "c-open", at(30));
    expect(await deleteConnectionsEndedBefore(store.db, at(20))).toBe(2);
    const left = await store.db.selectFrom("screen_connections").select("connection_id").execute();
    expect(left.map((r) => r.connection_id)).toEqual(["c-open"]);
  });

  it("keeps a screen's last reports only, replacing the oldest, and touches the connection", async () => {
    await openConnection(store.db, "s1", "c1", at(0));
    for (let i = 1; i <= 7; i += 1)
      await recordStatusReport(store.db, {
        screenId: "s1",
        connectionId: "c1",
        at: at(i),
        reportJson: JSON.stringify({ n: i }),
        keep: 3,
      });
    await recordStatusReport(store.db, {
      screenId: "s2",
      connectionId: "c2",
      at: at(1),
      reportJson: JSON.stringify({ n: 100 }),
      keep: 3,
    });
    const rows = await latestStatusReports(store.db, "s1", 10);
    expect(rows.map((r) => JSON.parse(r.report_json) as unknown)).toEqual([
      { n: 7 },
      { n: 6 },
      { n: 5 },
    ]);
    expect((await latestStatusReports(store.db, "s2", 10)).length).toBe(1);
    const row = await store.db
      .selectFrom("screen_connections")
      .select("last_seen_at")
      .where("connection_id", "=", "c1")
      .executeTakeFirstOrThrow();
    expect(row.last_seen_at).toBe(at(7));
  });
});
