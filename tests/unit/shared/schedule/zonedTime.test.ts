import { describe, expect, it } from "vitest";
import {
  dayOf,
  dayOfDate,
  fromLocalMs,
  isoWeekday,
  minutesOf,
  offsetAt,
  toLocalMs,
} from "../../../../shared/schedule/zonedTime";

/** A wall time written as ISO without offset, as local ms. */
const wall = (local: string) => Date.parse(`${local}Z`);
const at = (iso: string) => Date.parse(iso);

describe("fromLocalMs", () => {
  it.each([
    // zone, wall time, instant, why
    ["Asia/Shanghai", "2026-06-01T08:00:00", "2026-06-01T00:00:00Z", "a plain UTC+8 time"],
    ["America/New_York", "2026-03-08T01:59:00", "2026-03-08T06:59:00Z", "just before the gap"],
    ["America/New_York", "2026-03-08T02:00:00", "2026-03-08T07:00:00Z", "the gap's first minute"],
    ["America/New_York", "2026-03-08T02:30:00", "2026-03-08T07:00:00Z", "inside the gap → 03:00"],
    ["America/New_York", "2026-03-08T03:00:00", "2026-03-08T07:00:00Z", "the gap's end"],
    ["America/New_York", "2026-11-01T01:30:00", "2026-11-01T05:30:00Z", "overlap → earlier (EDT)"],
    ["America/New_York", "2026-11-01T02:00:00", "2026-11-01T07:00:00Z", "after the overlap"],
    ["Europe/Berlin", "2026-03-29T02:30:00", "2026-03-29T01:00:00Z", "Berlin gap → 03:00"],
    ["Europe/Berlin", "2026-10-25T02:30:00", "2026-10-25T00:30:00Z", "Berlin overlap → CEST"],
    ["Australia/Lord_Howe", "2026-10-04T02:15:00", "2026-10-03T15:30:00Z", "a 30-minute gap"],
    ["Pacific/Apia", "2011-12-30T12:00:00", "2011-12-30T10:00:00Z", "a skipped calendar day"],
  ])("in %s maps %s to %s (%s)", (zone, local, instant) => {
    expect(new Date(fromLocalMs(wall(local), zone)).toISOString()).toBe(
      new Date(at(instant)).toISOString(),
    );
  });

  it("round-trips every half hour of 2026 in New York", () => {
    const zone = "America/New_York";
    const wrong: string[] = [];
    for (let t = at("2026-01-01T00:00:00Z"); t < at("2027-01-01T00:00:00Z"); t += 30 * 60_000) {
      const back = fromLocalMs(toLocalMs(t, zone), zone);
      // In the fall-back hour the later pass maps to the earlier instant, by design.
      const secondPass = back === t - 3_600_000 && offsetAt(back, zone) !== offsetAt(t, zone);
      if (back !== t && !secondPass) wrong.push(new Date(t).toISOString());
    }
    expect(wrong).toEqual([]);
  });
});

describe("offsetAt and calendar helpers", () => {
  it("reads offsets either side of a transition", () => {
    expect(offsetAt(at("2026-03-08T06:59:59Z"), "America/New_York")).toBe(-5 * 3_600_000);
    expect(offsetAt(at("2026-03-08T07:00:00Z"), "America/New_York")).toBe(-4 * 3_600_000);
    expect(offsetAt(at("2026-06-01T00:00:00Z"), "Asia/Kolkata")).toBe(5.5 * 3_600_000);
  });

  it("keeps the offset of an instant with milliseconds", () => {
    expect(offsetAt(at("2026-06-01T00:00:00.999Z"), "Asia/Shanghai")).toBe(8 * 3_600_000);
  });

  it("numbers days and weekdays", () => {
    expect(dayOfDate("1970-01-01")).toBe(0);
    expect(isoWeekday(dayOfDate("1970-01-01"))).toBe(4); // Thursday
    expect(isoWeekday(dayOfDate("2026-06-01"))).toBe(1); // Monday
    expect(isoWeekday(dayOfDate("2026-06-07"))).toBe(7); // Sunday
    expect(isoWeekday(dayOfDate("1969-12-29"))).toBe(1); // before the epoch too
    expect(dayOf(wall("2026-06-01T23:59:59"))).toBe(dayOfDate("2026-06-01"));
    expect(minutesOf("07:30")).toBe(450);
    expect(minutesOf("24:00")).toBe(1440);
  });

  it("throws a RangeError for an unknown zone", () => {
    expect(() => offsetAt(0, "Mars/Base")).toThrow(RangeError);
  });
});
