/**
 * The soak benchmark's code (tests/bench/soak*.ts) at a small size: a display rotating a few
 * hundred slides while entries come and go, and a hundred kiosks coming and going for a few
 * seconds. Only bounds a loaded machine cannot break are asserted (no times, no heap
 * percentages): the display's document does not grow, the server holds no descriptor for a
 * kiosk that has left, every kiosk got back in (a
 * kiosk refused once in a while on a loaded machine comes back later: refusals are not counted
 * against it). `npm run bench:soak` measures the rest.
 */
import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { soakDisplay } from "../bench/soakDisplay";
import { soakServer, startSoakServer, type SoakServer } from "../bench/soakServer";
import { requireDisplayBuild } from "../support/displayPage";

const children: ChildProcess[] = [];
let server: SoakServer | undefined;
const log = (s: string): void => {
  console.info(`soak: ${s}`);
};

afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

describe("soak, reduced", () => {
  it("a display rotating 300 slides while entries are published and revoked keeps its document the same size", async () => {
    requireDisplayBuild();
    server = await startSoakServer(children);
    const r = await soakDisplay({
      url: server.url,
      admin: server.admin,
      moderator: server.moderator,
      rotations: 300,
      entries: 12,
      warmup: 100,
      churnEvery: 20,
      log,
    });
    log(JSON.stringify(r));
    expect(r.rotations).toBeGreaterThanOrEqual(300);
    expect(r.published).toBeGreaterThanOrEqual(10);
    expect(r.revoked).toBe(r.published);
    expect(r.page_errors).toBe(0);
    expect(r.dom_start).toBeGreaterThan(0);
    // The same slide shape at the same point of a change: at most a few elements apart (a
    // long name's extra line), never growing with the slides shown.
    expect(r.dom_end).toBeLessThanOrEqual(r.dom_start + 10);
  }, 150_000);

  it("a hundred kiosks coming and going all get back in, and leave no descriptor behind", async () => {
    server = await startSoakServer(children);
    const r = await soakServer({
      url: server.url,
      dataDir: server.dataDir,
      pid: server.pid,
      kiosks: 100,
      procs: 2,
      durationMs: 15_000,
      holdMs: [1_000, 3_000],
      awayMs: [300, 1_000],
      children,
      log,
    });
    log(JSON.stringify(r));
    expect(r.kiosks).toBe(100);
    expect(r.connected).toBe(100);
    expect(r.reconnected).toBe(100);
    // Connections came and went (descriptors rose while they were there) ...
    expect(r.handles_peak).toBeGreaterThan(r.handles_start + 20);
    // ... and once every kiosk has left, the server holds about what it held before.
    expect(r.handles_end).toBeLessThanOrEqual(r.handles_start + 5);
  }, 120_000);
});
