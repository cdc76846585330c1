import { describe, expect, it } from "vitest";
import {
  FIRST_CHECK_SPREAD_MS,
  INSTALL_SPREAD_MS,
  loadUpdateChannel,
  startKioskUpdates,
  UPDATE_CHECK_INTERVAL_MS,
  updateFeedUrl,
  type UpdaterPort,
  type UpdaterSettings,
} from "../../../../display/main/kioskUpdates";

/** electron-updater as the kiosk drives it, recording every call. */
function fakeUpdater() {
  const calls: string[] = [];
  const state = {
    settings: undefined as UpdaterSettings | undefined,
    headers: [] as Record<string, string>[],
    downloaded: undefined as ((version: string) => void) | undefined,
    fail: false,
  };
  const port: UpdaterPort = {
    configure: (s) => {
      state.settings = s;
      calls.push("configure");
    },
    setRequestHeaders: (h) => {
      state.headers.push(h);
    },
    checkForUpdates: () => {
      calls.push("check");
      return state.fail ? Promise.reject(new Error("feed unreachable")) : Promise.resolve(null);
    },
    onDownloaded: (listener) => {
      state.downloaded = listener;
    },
    quitAndInstall: () => {
      calls.push("install");
    },
  };
  return { port, calls, state };
}

/** Timers that run only when the test says, on a clock the test moves. */
function fakeTimers(start: Date) {
  let now = start.getTime();
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void; every?: number }>();
  return {
    timers: {
      setTimeout: (fn: () => void, ms: number) => {
        pending.set(next, { at: now + ms, fn });
        return next++;
      },
      setInterval: (fn: () => void, ms: number) => {
        pending.set(next, { at: now + ms, fn, every: ms });
        return next++;
      },
      clearTimeout: (h: unknown) => pending.delete(h as number),
      clearInterval: (h: unknown) => pending.delete(h as number),
      now: () => new Date(now),
      random: () => 0.5,
    },
    /** Moves the clock, running what falls due in order. */
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...pending.entries()]
          .filter(([, t]) => t.at <= until)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        const [id, t] = due;
        now = t.at;
        if (t.every === undefined) pending.delete(id);
        else t.at += t.every;
        t.fn();
        await new Promise((r) => setImmediate(r));
      }
      now = until;
    },
    pendingCount: () => pending.size,
  };
}

const silent = { info: () => undefined, warn: () => undefined };

describe("loadUpdateChannel", () => {
  it("follows stable unless the switch or the environment says otherwise, and turns off with off", () => {
    expect(loadUpdateChannel([], {})).toEqual({ ok: true, channel: "stable" });
    expect(loadUpdateChannel(["--update-channel=beta"], { SIGNAGE_UPDATE_CHANNEL: "off" })).toEqual(
      { ok: true, channel: "beta" },
    );
    expect(loadUpdateChannel([], { SIGNAGE_UPDATE_CHANNEL: "off" })).toEqual({
      ok: true,
      channel: null,
    });
  });

  it.each(["Stable", "beta-1", "../x", ""])("refuses --update-channel=%s in one sentence", (v) => {
    const r = loadUpdateChannel([`--update-channel=${v}`], {});
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/--update-channel.*lower-case word/);
  });
});

describe("updateFeedUrl", () => {
  it("is the server's /kiosk/updates/<channel>, whatever slashes the server URL ends with", () => {
    expect(updateFeedUrl("https://signage.example.gov/", "stable")).toBe(
      "https://signage.example.gov/kiosk/updates/stable",
    );
    expect(updateFeedUrl("http://10.0.0.5:8080", "beta")).toBe(
      "http://10.0.0.5:8080/kiosk/updates/beta",
    );
  });
});

describe("startKioskUpdates", () => {
  const start = new Date(2026, 5, 1, 14, 0); // 14:00 local time

  function run(token: string | null = "t".repeat(43)) {
    const updater = fakeUpdater();
    const clock = fakeTimers(start);
    const stop = startKioskUpdates({
      updater: updater.port,
      serverUrl: "https://signage.example.gov",
      channel: "stable",
      deviceToken: () => Promise.resolve(token),
      quietTime: { hour: 3, minute: 30 },
      timers: clock.timers,
      log: silent,
    });
    return { ...updater, clock, stop };
  }

  it("sets up the generic provider: the feed URL, downgrades allowed (rollback), whole downloads, install on quit", () => {
    const { state } = run();
    expect(state.settings).toEqual({
      feed: {
        provider: "generic",
        url: "https://signage.example.gov/kiosk/updates/stable",
        channel: "stable",
      },
      allowDowngrade: true,
      autoDownload: true,
      autoInstallOnAppQuit: true,
      disableDifferentialDownload: true,
    });
  });

  it("checks with the device token soon after start, then every four hours", async () => {
    const { calls, state, clock } = run();
    expect(calls).toEqual(["configure"]);
    await clock.advance(FIRST_CHECK_SPREAD_MS);
    expect(calls).toEqual(["configure", "check"]);
    expect(state.headers).toEqual([{ Authorization: `Bearer ${"t".repeat(43)}` }]);
    await clock.advance(UPDATE_CHECK_INTERVAL_MS);
    expect(calls.filter((c) => c === "check")).toHaveLength(2);
    await clock.advance(2 * UPDATE_CHECK_INTERVAL_MS);
    expect(calls.filter((c) => c === "check")).toHaveLength(4);
  });

  it("does not ask the feed before the kiosk is paired, and survives a failed check", async () => {
    const unpaired = run(null);
    await unpaired.clock.advance(UPDATE_CHECK_INTERVAL_MS);
    expect(unpaired.calls).toEqual(["configure"]);
    const failing = run();
    failing.state.fail = true;
    await failing.clock.advance(UPDATE_CHECK_INTERVAL_MS);
    failing.state.fail = false;
    await failing.clock.advance(UPDATE_CHECK_INTERVAL_MS);
    expect(failing.calls.filter((c) => c === "check")).toHaveLength(3);
  });

  it("installs a downloaded update at the next quiet time, not while people read the screen", async () => {
    const { calls, state, clock } = run();
    state.downloaded?.("1.4.0");
    // 14:00 → 03:30 the next day is 13.5 hours, plus half the spread (random 0.5).
    const untilQuiet = 13.5 * 3_600_000 + INSTALL_SPREAD_MS / 2;
    await clock.advance(untilQuiet - 1);
    expect(calls).not.toContain("install");
    await clock.advance(1);
    expect(calls.filter((c) => c === "install")).toHaveLength(1);
  });

  it("keeps the install time when a later check reports the same download again, and moves it for a newer one", async () => {
    const { calls, state, clock } = run();
    state.downloaded?.("1.4.0");
    const untilQuiet = 13.5 * 3_600_000 + INSTALL_SPREAD_MS / 2;
    // A check at 03:35 (past the quiet time, before the spread ends) reports 1.4.0 again.
    await clock.advance(untilQuiet - 10 * 60_000);
    state.downloaded?.("1.4.0");
    await clock.advance(10 * 60_000);
    expect(calls.filter((c) => c === "install")).toHaveLength(1);

    // A newer download replaces the pending one: one install, at the next quiet time.
    const again = run();
    again.state.downloaded?.("1.4.0");
    await again.clock.advance(3_600_000);
    again.state.downloaded?.("1.5.0");
    await again.clock.advance(untilQuiet - 3_600_000 - 1);
    expect(again.calls).not.toContain("install");
    await again.clock.advance(1);
    expect(again.calls.filter((c) => c === "install")).toHaveLength(1);
    await again.clock.advance(24 * 3_600_000);
    expect(again.calls.filter((c) => c === "install")).toHaveLength(1);
  });

  it("stops every timer when stopped", async () => {
    const { calls, clock, stop, state } = run();
    state.downloaded?.("1.4.0");
    stop();
    expect(clock.pendingCount()).toBe(0);
    await clock.advance(2 * 24 * 3_600_000);
    expect(calls).toEqual(["configure"]);
  });
});
