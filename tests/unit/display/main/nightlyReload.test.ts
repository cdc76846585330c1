import { describe, expect, it } from "vitest";
import {
  loadNightlyReload,
  msUntilNext,
  NIGHTLY_SPREAD_MS,
  scheduleNightlyReload,
} from "../../../../display/main/nightlyReload";

describe("loadNightlyReload", () => {
  it("reloads at 03:30 unless told otherwise", () => {
    expect(loadNightlyReload([], {})).toEqual({ ok: true, at: { hour: 3, minute: 30 } });
  });

  it("prefers the switch over the environment, and accepts off", () => {
    expect(
      loadNightlyReload(["--nightly-reload=23:05"], { SIGNAGE_NIGHTLY_RELOAD: "off" }),
    ).toEqual({ ok: true, at: { hour: 23, minute: 5 } });
    expect(loadNightlyReload([], { SIGNAGE_NIGHTLY_RELOAD: "OFF" })).toEqual({
      ok: true,
      at: null,
    });
    expect(loadNightlyReload([], { SIGNAGE_NIGHTLY_RELOAD: " 4:00 " })).toEqual({
      ok: true,
      at: { hour: 4, minute: 0 },
    });
  });

  it.each(["24:00", "3:5", "noon", "", "03:60"])(
    "refuses --nightly-reload=%s with one sentence naming the switch",
    (value) => {
      const r = loadNightlyReload([`--nightly-reload=${value}`], {});
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.error).toMatch(/^The nightly reload time .* --nightly-reload switch .*\.$/);
    },
  );
});

describe("msUntilNext", () => {
  it("is later today when the time is still ahead, else tomorrow", () => {
    const now = new Date(2026, 10, 27, 1, 0, 0);
    expect(msUntilNext({ hour: 3, minute: 30 }, now)).toBe(2.5 * 3600_000);
    expect(msUntilNext({ hour: 0, minute: 30 }, now)).toBe(23.5 * 3600_000);
  });

  it("at the time itself, waits a whole day (never reloads twice in a row)", () => {
    const now = new Date(2026, 10, 27, 3, 30, 0);
    expect(msUntilNext({ hour: 3, minute: 30 }, now)).toBe(24 * 3600_000);
  });
});

describe("scheduleNightlyReload", () => {
  it("reloads at the time plus a spread, then arms for the next night, until stopped", () => {
    let clock = new Date(2026, 10, 27, 3, 0, 0).getTime();
    const pending: { fn: () => void; at: number; id: number }[] = [];
    let ids = 0;
    const timers = {
      setTimeout: (fn: () => void, ms: number) => {
        pending.push({ fn, at: clock + ms, id: ++ids });
        return ids;
      },
      clearTimeout: (h: unknown) => {
        const i = pending.findIndex((p) => p.id === h);
        if (i >= 0) pending.splice(i, 1);
      },
      now: () => new Date(clock),
      random: () => 0.5,
    };
    let reloads = 0;
    const stop = scheduleNightlyReload({ hour: 3, minute: 30 }, () => (reloads += 1), timers);
    expect(pending).toHaveLength(1);
    expect((pending[0]?.at ?? 0) - clock).toBe(30 * 60_000 + NIGHTLY_SPREAD_MS / 2);
    const first = pending.shift();
    clock = first?.at ?? clock;
    first?.fn();
    expect(reloads).toBe(1);
    expect(pending).toHaveLength(1);
    stop();
    expect(pending).toHaveLength(0);
  });
});
