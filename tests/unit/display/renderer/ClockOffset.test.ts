import { describe, expect, it } from "vitest";
import { ClockOffset } from "../../../../display/renderer/src/ClockOffset";

const t0 = Date.parse("2026-11-27T00:00:00.000Z");

/** The server's answer, as ISO text, when its clock is `offsetMs` ahead of the kiosk's at `at`. */
function serverSays(at: number, offsetMs: number): string {
  return new Date(at + offsetMs).toISOString();
}

describe("ClockOffset", () => {
  it("knows nothing before its first sample", () => {
    const c = new ClockOffset();
    expect(c.offsetMs()).toBeNull();
    expect(c.best()).toBeNull();
  });

  it("believes the sample with the shortest round trip, not the latest", () => {
    const c = new ClockOffset();
    // The server is 2 s ahead. A quick answer (40 ms) is read at its midpoint: close to 2 s.
    c.add(serverSays(t0 + 20, 2_000), t0, t0 + 40);
    // A slow answer: the server read its clock early in a 3 s round trip (queued on the way
    // back), so the midpoint guess is 1.5 s off. It must not replace the quick one.
    c.add(serverSays(t0 + 10_000, 2_000), t0 + 10_000, t0 + 13_000);
    expect(c.offsetMs()).toBe(2_000);
    expect(c.best()?.roundTripMs).toBe(40);
    // A quicker one still takes over, whatever it says.
    c.add(serverSays(t0 + 20_005, 2_100), t0 + 20_000, t0 + 20_010);
    expect(c.offsetMs()).toBe(2_100);
  });

  it("keeps only the last few samples, so an old quick one does not rule for ever", () => {
    const c = new ClockOffset({ keep: 3 });
    c.add(serverSays(t0 + 5, 900), t0, t0 + 10);
    for (let i = 1; i <= 3; i++) {
      const sent = t0 + i * 60_000;
      c.add(serverSays(sent + 100, 1_200), sent, sent + 200);
    }
    expect(c.offsetMs()).toBe(1_200);
  });

  it("drops samples older than its window, measured from the newest (a stepped clock)", () => {
    const c = new ClockOffset({ maxAgeMs: 60_000 });
    c.add(serverSays(t0 + 5, 5_000), t0, t0 + 10);
    // Ninety seconds later, a slower sample: the quick one is too old to count.
    c.add(serverSays(t0 + 90_150, 300), t0 + 90_000, t0 + 90_300);
    expect(c.offsetMs()).toBe(300);
  });

  it("follows a clock stepped between two answers at once, though the answer after is slower", () => {
    const c = new ClockOffset();
    // A quick answer: the server is a day ahead.
    c.add(serverSays(t0 + 5, 86_400_000), t0, t0 + 10);
    // The kiosk's clock jumps 658 s forward (set by hand, a resumed machine); ten seconds
    // later a slow answer (800 ms, a loaded network) cannot be true together with the quick one.
    const sent = t0 + 10_000 + 658_000;
    c.add(serverSays(sent + 400, 86_400_000 - 658_000), sent, sent + 800);
    expect(c.offsetMs()).toBe(86_400_000 - 658_000);
    // A slow answer that can be true together with a quick one does not unseat it.
    c.add(serverSays(sent + 10_005, 86_400_000 - 658_000), sent + 10_000, sent + 10_010);
    c.add(serverSays(sent + 20_000, 86_400_000 - 658_000), sent + 20_000, sent + 21_000);
    expect(c.best()?.roundTripMs).toBe(10);
    expect(c.offsetMs()).toBe(86_400_000 - 658_000);
  });

  it("ignores an unreadable time, a round trip ending before it starts, and one over 5 s", () => {
    const c = new ClockOffset();
    expect(c.add(serverSays(t0 + 50, 700), t0, t0 + 100)).toBe(true);
    expect(c.add("not a time", t0, t0 + 1)).toBe(false);
    expect(c.add(serverSays(t0, -9_000), t0, t0 - 1)).toBe(false);
    expect(c.add(serverSays(t0, -9_000), t0, t0 + 5_001)).toBe(false);
    expect(c.offsetMs()).toBe(700);
  });
});
