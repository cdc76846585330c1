import { describe, expect, it } from "vitest";
import {
  EmergencySchema,
  ManifestSchema,
  PlaylistSourceSchema,
  ScheduleSchema,
  TimeWindowSchema,
} from "../../../../shared/schemas/schedule";

/** A valid raw window; each test breaks one thing. */
function rawWindow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "day",
    days: [1, 2, 3, 4, 5],
    start: "08:00",
    end: "20:00",
    playlist: [{ type: "discredited" }],
    dwellSeconds: 10,
    ...overrides,
  };
}

/** The messages of a failed parse, so a test can say which sentence the operator sees. */
function messages(result: { success: boolean; error?: { issues: { message: string }[] } }) {
  return result.error?.issues.map((i) => i.message).join(" | ") ?? "";
}

describe("TimeWindowSchema", () => {
  it("fills defaults: in sequence, priority 0", () => {
    expect(TimeWindowSchema.parse(rawWindow())).toEqual({
      ...rawWindow(),
      order: "sequence",
      priority: 0,
    });
  });

  it.each([
    ["a window crossing midnight (end before start)", { start: "22:00", end: "06:00" }],
    ["a whole day, 00:00–24:00", { start: "00:00", end: "24:00" }],
    ["a window ending at midnight written 00:00", { start: "18:00", end: "00:00" }],
    ["a date range of one day", { from: "2026-06-01", until: "2026-06-01" }],
    ["a shuffled window with a seed", { order: "shuffle", seed: "district-7" }],
    ["an empty playlist (shows idle or blank)", { playlist: [] }],
  ])("accepts %s", (_name, overrides) => {
    expect(TimeWindowSchema.safeParse(rawWindow(overrides)).success).toBe(true);
  });

  it.each([
    ["end equal to start", { start: "08:00", end: "08:00" }, /End equals start/],
    ["00:00–00:00", { start: "00:00", end: "00:00" }, /"00:00"–"24:00"/],
    ["a dwell of 0", { dwellSeconds: 0 }, /positive/],
    ["a negative dwell", { dwellSeconds: -5 }, /positive/],
    ["a dwell under 3 s", { dwellSeconds: 2 }, /at least 3 seconds/],
    ["a dwell over an hour", { dwellSeconds: 3601 }, /at most 3600/],
    ["a fractional dwell", { dwellSeconds: 7.5 }, /whole number/],
    ["a start of 24:00", { start: "24:00", end: "06:00" }, /HH:MM/],
    ["hours without a leading zero", { start: "8:00" }, /HH:MM/],
    ["minute 60", { start: "08:60" }, /HH:MM/],
    ["an end of 25:00", { end: "25:00" }, /HH:MM/],
    ["seconds", { start: "08:00:00" }, /HH:MM/],
    ["no days", { days: [] }, /at least one day/],
    ["weekday 0", { days: [0] }, /1 \(Monday\) to 7 \(Sunday\)/],
    ["weekday 8", { days: [8] }, /1 \(Monday\) to 7 \(Sunday\)/],
    ["a repeated weekday", { days: [1, 1] }, /only once/],
    ["until before from", { from: "2026-06-02", until: "2026-06-01" }, /before its first date/],
    ["a date that does not exist", { from: "2026-02-30" }, /does not exist/],
    ["a date in another format", { until: "01/06/2026" }, /YYYY-MM-DD/],
    ["an unknown order", { order: "random" }, /.+/],
    ["an unknown field", { colour: "red" }, /.+/],
  ])("refuses %s", (_name, overrides, message) => {
    const result = TimeWindowSchema.safeParse(rawWindow(overrides));
    expect(result.success).toBe(false);
    expect(messages(result)).toMatch(message);
  });
});

describe("PlaylistSourceSchema", () => {
  it.each([
    { type: "discredited" },
    { type: "redlist" },
    { type: "announcement", id: "a-1" },
    { type: "announcementsTagged", tag: "water" },
  ])("accepts $type", (source) => {
    expect(PlaylistSourceSchema.parse(source)).toEqual(source);
  });

  it.each([
    ["an unknown type", { type: "weather" }],
    ["an announcement without an id", { type: "announcement" }],
    ["a blank tag", { type: "announcementsTagged", tag: "  " }],
  ])("refuses %s", (_name, source) => {
    expect(PlaylistSourceSchema.safeParse(source).success).toBe(false);
  });
});

describe("ScheduleSchema", () => {
  it("defaults the zone to Asia/Shanghai", () => {
    expect(ScheduleSchema.parse({ windows: [] }).timeZone).toBe("Asia/Shanghai");
  });

  it.each(["America/New_York", "Europe/Berlin", "UTC", "Asia/Kolkata"])("accepts %s", (zone) => {
    expect(ScheduleSchema.safeParse({ timeZone: zone, windows: [] }).success).toBe(true);
  });

  it.each(["Mars/Base", "Asia/Atlantis", "+08:00", "", "local"])(
    "refuses the zone %j with a sentence naming it",
    (zone) => {
      const result = ScheduleSchema.safeParse({ timeZone: zone, windows: [] });
      expect(result.success).toBe(false);
      expect(messages(result)).toMatch(/time zone/i);
    },
  );

  it("names the unknown zone in the message", () => {
    const result = ScheduleSchema.safeParse({ timeZone: "Mars/Base", windows: [] });
    expect(messages(result)).toBe(
      'Unknown time zone "Mars/Base": use an IANA name such as "Asia/Shanghai".',
    );
  });

  it("refuses two windows with one id", () => {
    const result = ScheduleSchema.safeParse({ windows: [rawWindow(), rawWindow()] });
    expect(messages(result)).toMatch(/share the id "day"/);
  });

  it("reports a bad window at its path", () => {
    const result = ScheduleSchema.safeParse({ windows: [rawWindow({ dwellSeconds: 0 })] });
    expect(result.error?.issues[0]?.path).toEqual(["windows", 0, "dwellSeconds"]);
  });

  it("accepts an idle slide and refuses one without a title", () => {
    expect(
      ScheduleSchema.parse({ windows: [], idleSlide: { title: "夜间节能" } }).idleSlide,
    ).toEqual({ title: "夜间节能", body: "" });
    expect(ScheduleSchema.safeParse({ windows: [], idleSlide: { title: "" } }).success).toBe(false);
  });
});

describe("ManifestSchema and EmergencySchema", () => {
  const item = { id: "e-1", kind: "discredited", publishedVersion: 3 };

  it("accepts items with optional timing and defaults tags", () => {
    expect(
      ManifestSchema.parse([{ ...item, expiresAt: "2026-06-01T00:00:00+08:00" }])[0]?.tags,
    ).toEqual([]);
  });

  it.each([
    ["a repeated id", [item, item]],
    ["a bad instant", [{ ...item, expiresAt: "tomorrow" }]],
    ["an unknown kind", [{ ...item, kind: "weather" }]],
    ["content it must not carry", [{ ...item, fullName: "张三" }]],
  ])("refuses %s", (_name, manifest) => {
    expect(ManifestSchema.safeParse(manifest).success).toBe(false);
  });

  it("refuses an emergency that ends before it starts", () => {
    const result = EmergencySchema.safeParse({
      id: "x",
      title: "台风预警",
      startsAt: "2026-06-01T10:00:00Z",
      endsAt: "2026-06-01T10:00:00Z",
    });
    expect(messages(result)).toMatch(/end after it starts/);
  });
});
