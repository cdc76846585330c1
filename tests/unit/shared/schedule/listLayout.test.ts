import { describe, expect, it } from "vitest";
import {
  evaluateSchedule,
  LIST_PAGE_SIZE,
  timeline,
  type ScheduleResult,
} from "../../../../shared/schedule/evaluateSchedule";
import {
  type ManifestItem,
  ManifestItemSchema,
  PlaylistSourceSchema,
  type Schedule,
  ScheduleSchema,
  TimeWindowSchema,
} from "../../../../shared/schemas/schedule";

// ---- factories ------------------------------------------------------------------------------

/** An every-day 08:00–20:00 window showing the discredited list as a list, 10 s a page. */
function listWindow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "day",
    days: [1, 2, 3, 4, 5, 6, 7],
    start: "08:00",
    end: "20:00",
    playlist: [{ type: "discredited", layout: "list" }],
    dwellSeconds: 10,
    ...overrides,
  };
}

function schedule(...windows: Record<string, unknown>[]): Schedule {
  return ScheduleSchema.parse({ windows });
}

/** A manifest item; publishedVersion is the number in its id, so the order is obvious. */
function item(id: string, overrides: Partial<ManifestItem> = {}): ManifestItem {
  const kind = id.startsWith("R") ? "redlist" : id.startsWith("A") ? "announcement" : "discredited";
  return ManifestItemSchema.parse({
    id,
    kind,
    publishedVersion: Number(id.replace(/\D/g, "")) || 0,
    ...overrides,
  });
}

/** Discredited items D1…Dn. */
const discredited = (n: number): ManifestItem[] =>
  Array.from({ length: n }, (_, i) => item(`D${i + 1}`));

/** An instant given as Shanghai wall time, "2026-06-01 08:00:30". */
const sh = (local: string) => Date.parse(`${local.replace(" ", "T")}+08:00`);
const opening = sh("2026-06-01 08:00:00");
const DWELL_MS = 10_000;

/** What a screen shows at `t`: the page's items, or the single item. */
function onScreen(s: Schedule, manifest: readonly ManifestItem[], t: number): string[] {
  const r = evaluateSchedule(s, manifest, t);
  if (r.kind !== "slide") return [];
  return r.list ? r.list.itemIds : [r.itemId];
}

// ---- schema ---------------------------------------------------------------------------------

describe("the discredited source's layout", () => {
  it("is optional: a source without it parses unchanged, and reads as one entry a slide", () => {
    expect(PlaylistSourceSchema.parse({ type: "discredited" })).toEqual({ type: "discredited" });
    const s = schedule(listWindow({ playlist: [{ type: "discredited" }] }));
    const r = evaluateSchedule(s, discredited(12), opening);
    expect(r).toEqual({
      kind: "slide",
      windowId: "day",
      itemId: "D1",
      index: 0,
      count: 12,
      nextChangeAt: opening + DWELL_MS,
    });
  });

  it.each(["single", "list"] as const)('accepts "%s"', (layout) => {
    expect(PlaylistSourceSchema.parse({ type: "discredited", layout })).toEqual({
      type: "discredited",
      layout,
    });
  });

  it("refuses any other layout with a sentence naming both", () => {
    const r = PlaylistSourceSchema.safeParse({ type: "discredited", layout: "grid" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe(
      'Layout is "single" (one entry a slide) or "list" (several entries a slide).',
    );
  });

  it("stays strict: no layout on other sources, no unknown keys", () => {
    expect(PlaylistSourceSchema.safeParse({ type: "redlist", layout: "list" }).success).toBe(false);
    expect(
      PlaylistSourceSchema.safeParse({ type: "announcement", id: "a", layout: "list" }).success,
    ).toBe(false);
    expect(
      PlaylistSourceSchema.safeParse({ type: "discredited", layout: "list", rows: 8 }).success,
    ).toBe(false);
  });

  it("round-trips a window through JSON as the server stores it", () => {
    const w = TimeWindowSchema.parse(listWindow());
    expect(TimeWindowSchema.parse(JSON.parse(JSON.stringify(w)))).toEqual(w);
  });
});

// ---- paging ---------------------------------------------------------------------------------

describe("evaluateSchedule with the discredited list as a list", () => {
  it("pages through 20 entries 8 at a time, one page a dwell, then starts over", () => {
    expect(LIST_PAGE_SIZE).toBe(8);
    const s = schedule(listWindow());
    const manifest = discredited(20);
    const pages = [0, 1, 2, 3].map((n) => evaluateSchedule(s, manifest, opening + n * DWELL_MS));
    expect(pages[0]).toEqual({
      kind: "slide",
      windowId: "day",
      itemId: "D1",
      index: 0,
      count: 3,
      list: { itemIds: ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"], page: 0, pages: 3 },
      nextChangeAt: opening + DWELL_MS,
    } satisfies ScheduleResult);
    expect(pages[1]).toMatchObject({
      itemId: "D9",
      index: 1,
      list: {
        itemIds: discredited(16)
          .slice(8)
          .map((i) => i.id),
        page: 1,
        pages: 3,
      },
      nextChangeAt: opening + 2 * DWELL_MS,
    });
    expect(pages[2]).toMatchObject({
      itemId: "D17",
      list: { itemIds: ["D17", "D18", "D19", "D20"], page: 2, pages: 3 },
    });
    expect(pages[3]).toMatchObject({ itemId: "D1", list: { page: 0 } });
  });

  it("shows every screen of a district the same page at the same moment, whatever order the manifest came in", () => {
    const s = schedule(listWindow());
    const manifest = discredited(27);
    const shuffled = [...manifest].reverse();
    for (let t = opening; t < opening + 10 * DWELL_MS; t += 3_700)
      expect(evaluateSchedule(s, shuffled, t)).toEqual(evaluateSchedule(s, manifest, t));
  });

  it("holds one page without a change at each dwell when the list fits on it", () => {
    const s = schedule(listWindow());
    const r = evaluateSchedule(s, discredited(LIST_PAGE_SIZE), opening + 5_000);
    expect(r).toMatchObject({ count: 1, list: { page: 0, pages: 1 } });
    // The next change is the window's end, not the dwell boundary.
    expect(r.nextChangeAt).toBe(sh("2026-06-01 20:00:00"));
  });

  it("takes an expiring entry off its page at its expiry, mid-dwell, and re-cuts the pages", () => {
    const s = schedule(listWindow());
    const expiresAt = opening + 4_000;
    const manifest = discredited(9).map((i) =>
      i.id === "D3" ? { ...i, expiresAt: new Date(expiresAt).toISOString() } : i,
    );
    const before = evaluateSchedule(s, manifest, expiresAt - 1);
    expect(before).toMatchObject({ list: { itemIds: discredited(8).map((i) => i.id) } });
    expect(before.nextChangeAt).toBe(expiresAt);
    const after = evaluateSchedule(s, manifest, expiresAt);
    expect(after).toMatchObject({
      list: { itemIds: ["D1", "D2", "D4", "D5", "D6", "D7", "D8", "D9"], page: 0, pages: 1 },
    });
  });

  it("places each page where its first entry falls in the rotation, between other slides", () => {
    const s = schedule(
      listWindow({
        playlist: [
          { type: "discredited", layout: "list" },
          { type: "redlist" },
          { type: "announcementsTagged", tag: "t" },
        ],
      }),
    );
    const manifest = [
      item("A1", { tags: ["t"] }),
      ...discredited(10).map((i, n) => ({ ...i, publishedVersion: 2 + n })),
      item("R30"),
    ];
    const shown = [0, 1, 2, 3, 4].map((n) => onScreen(s, manifest, opening + n * DWELL_MS));
    expect(shown).toEqual([
      ["A1"],
      ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"],
      ["D9", "D10"],
      ["R30"],
      ["A1"],
    ]);
  });

  it("cuts a shuffled window's pages from its shuffled order, the same on every screen", () => {
    const s = schedule(listWindow({ order: "shuffle", seed: "district-7" }));
    const manifest = discredited(16);
    const first = onScreen(s, manifest, opening);
    const second = onScreen(s, manifest, opening + DWELL_MS);
    expect(first).toHaveLength(8);
    expect(second).toHaveLength(8);
    expect([...first, ...second].sort()).toEqual(manifest.map((i) => i.id).sort());
    expect(first).not.toEqual(manifest.slice(0, 8).map((i) => i.id));
  });

  it("lets the list win when the playlist names the discredited list twice", () => {
    const s = schedule(
      listWindow({ playlist: [{ type: "discredited" }, { type: "discredited", layout: "list" }] }),
    );
    expect(evaluateSchedule(s, discredited(3), opening)).toMatchObject({
      list: { itemIds: ["D1", "D2", "D3"] },
    });
  });

  it("leaves the red list one entry a slide", () => {
    const s = schedule(
      listWindow({ playlist: [{ type: "discredited", layout: "list" }, { type: "redlist" }] }),
    );
    const manifest = [...discredited(2), item("R3"), item("R4")];
    const shown = [0, 1, 2].map((n) => onScreen(s, manifest, opening + n * DWELL_MS));
    expect(shown).toEqual([["D1", "D2"], ["R3"], ["R4"]]);
  });

  it("gives a timeline a segment per page", () => {
    const s = schedule(listWindow());
    const segments = timeline(s, discredited(17), opening, opening + 6 * DWELL_MS);
    expect(
      segments.map((seg) => (seg.result.kind === "slide" ? seg.result.list?.page : -1)),
    ).toEqual([0, 1, 2, 0, 1, 2]);
    expect(segments.every((seg) => seg.end - seg.start === DWELL_MS)).toBe(true);
  });
});
