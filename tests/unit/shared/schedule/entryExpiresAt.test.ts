import { describe, expect, it } from "vitest";
import { DEFAULT_TIME_ZONE } from "../../../../shared/schemas/schedule";
import { entryExpiresAt } from "../../../../shared/schedule/entryExpiresAt";

describe("entryExpiresAt", () => {
  it("ends a listing at the start of its expiry date in its district's zone", () => {
    expect(entryExpiresAt("2027-03-01", ["Asia/Shanghai"])).toBe("2027-02-28T16:00:00.000Z");
    expect(entryExpiresAt("2027-03-01", ["Asia/Kolkata"])).toBe("2027-02-28T18:30:00.000Z");
  });

  it("takes the earliest start of the date among its districts' zones, in any order", () => {
    const zones = ["Asia/Kolkata", "Asia/Tokyo", "Asia/Shanghai"];
    expect(entryExpiresAt("2027-07-01", zones)).toBe("2027-06-30T15:00:00.000Z");
    expect(entryExpiresAt("2027-07-01", [...zones].reverse())).toBe("2027-06-30T15:00:00.000Z");
  });

  it("reads the date in the default zone for an entry in no district", () => {
    expect(entryExpiresAt("2027-07-01", [])).toBe(
      entryExpiresAt("2027-07-01", [DEFAULT_TIME_ZONE]),
    );
    expect(entryExpiresAt("2027-07-01", [])).toBe("2027-06-30T16:00:00.000Z");
  });

  it("follows daylight saving time: New York's day begins an hour later in summer", () => {
    expect(entryExpiresAt("2027-01-15", ["America/New_York"])).toBe("2027-01-15T05:00:00.000Z");
    expect(entryExpiresAt("2027-07-15", ["America/New_York"])).toBe("2027-07-15T04:00:00.000Z");
  });

  it("begins a date whose midnight the clocks skip when they resume", () => {
    // São Paulo sprang from 00:00 to 01:00 on 2018-11-04 (UTC−3 to UTC−2).
    expect(entryExpiresAt("2018-11-04", ["America/Sao_Paulo"])).toBe("2018-11-04T03:00:00.000Z");
  });
});
