/**
 * The display half of the soak (soak.ts, and the reduced run in tests/e2e/soak.test.ts): the
 * built display in Chromium, paired to a real server, rotating its district's entries at the
 * shortest dwell while entries are published and revoked through the API.
 *
 * Time passes faster in the page: Playwright's clock is installed and moved one dwell per step
 * (in 1 s slices, so timers a kiosk runs as separate tasks are not run as one), so each step is
 * one slide change (and its fade's settle timer). The page's socket.io
 * heartbeat runs on that clock too, so the kiosk's connection times out now and then (the
 * server's pings come in real time) and the kiosk reconnects on its own backoff; those
 * reconnects are counted (`reconnects`), not avoided.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import { launchChromium } from "../support/browser";
import { buildEntryInput } from "../support/entryFactory";
import { call, must, percentile } from "./benchSupport";

/** The shortest dwell a schedule allows, in seconds. */
export const DWELL_S = 3;

export interface DisplaySoakOptions {
  url: string;
  admin: string;
  moderator: string;
  /** Slide changes to make after the display first shows an entry. */
  rotations: number;
  /** Approved entries in rotation at the start. */
  entries: number;
  /** Slide changes before the first measurement. */
  warmup: number;
  /** Publish one entry and revoke one every this many slide changes. */
  churnEvery: number;
  log: (s: string) => void;
}

export interface DisplaySoakResult {
  rotations: number;
  entries: number;
  published: number;
  revoked: number;
  /**
   * JS heap in use after forced garbage collections (the page's console buffer dropped, see
   * measurePage), bytes: after warm-up and at the end.
   */
  heap_start: number;
  heap_end: number;
  heap_growth_pct: number;
  /**
   * The heap snapshots' bytes at the same two moments split in two (splitHeap): V8's code
   * (compiled code, bytecode, function records) and the rest (the display's own objects,
   * strings, DOM wrappers), and the rest's growth.
   */
  heap_code_start: number;
  heap_code_end: number;
  heap_data_start: number;
  heap_data_end: number;
  heap_data_growth_pct: number;
  /** JS heap after GC in KB: after warm-up, at every tenth of the changes after it, at the end. */
  heap_curve_kb: number[];
  /** Elements in the document (getElementsByTagName("*")): after warm-up and at the end. */
  dom_start: number;
  dom_end: number;
  dom_growth_pct: number;
  /** DOM nodes Chromium counts (Performance.getMetrics "Nodes", after GCs), same two moments. */
  nodes_start: number;
  nodes_end: number;
  /** The longest task (PerformanceObserver "longtask", over 50 ms) after warm-up; 0: none. */
  longest_task_ms: number;
  /**
   * The longest of those in which a slide changed (a layer shown: the start of a fade, or a
   * cut); 0: none. A slide drawn ahead is laid out in a task of its own, before its change.
   */
  longest_change_task_ms: number;
  long_tasks: number;
  /** Of the slide changes after warm-up, the share whose slide was drawn ahead, in %. */
  drawn_ahead_pct: number;
  /**
   * Long tasks after warm-up by what happened inside them: "slide change" (a layer shown),
   * "slide drawn" (a layer filled: ahead of its change, or at it), "message:<event>"
   * (a socket.io event the server sent; "message:answer" an acknowledgement, such as a sync's
   * reply), several joined by "+", or "none seen"; how many and the longest of each.
   */
  long_task_causes: Record<string, { n: number; longest: number }>;
  /** Real time one slide change took to drive (CDP round trip included), p50 and p99. */
  step_p50_ms: number;
  step_p99_ms: number;
  /** WebSocket connections the page opened after its first (heartbeat lost on the fake clock). */
  reconnects: number;
  page_errors: number;
}

/** A page-side record the soak reads: slide changes drawn, long tasks seen. */
interface SoakProbe {
  changes: number;
  /** Slide changes whose slide was drawn in the change, not ahead of it. */
  drawnAtChange: number;
  longest: number;
  longTasks: number;
  /** Long tasks by what happened inside them (slide change, socket message by event name). */
  causes: Record<string, { n: number; longest: number }>;
}

declare global {
  interface Window {
    __soak?: SoakProbe;
  }
}

/**
 * Installed before the display's own code: counts slide changes and long tasks. Plain text, not
 * a function: the bundler that runs this file would wrap a function's inner names in helpers
 * the page does not have.
 */
const probeScript = `(() => {
  const probe = { changes: 0, drawnAtChange: 0, longest: 0, longTasks: 0, causes: {} };
  window.__soak = probe;
  // Real time, as long tasks are stamped: this script is added before the fake clock is
  // installed, so the performance.now kept here is the browser's own (the page's, and its
  // marks' and events' stamps, run on the fake clock).
  const stamp = performance.now.bind(performance);
  // The last events seen (slide changes, socket messages by name), a small ring: a long task
  // is put down to what happened inside it.
  const recent = [];
  const note = (what) => {
    recent.push([stamp(), what]);
    if (recent.length > 64) recent.shift();
  };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (ev) => {
        const text = typeof ev.data === "string" ? ev.data : "";
        const named = /^42[^\\[]*\\["([^"]+)"/.exec(text);
        note(named ? "message:" + named[1] : text.startsWith("43") ? "message:answer" : "message:other");
      });
    }
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        probe.longTasks += 1;
        probe.longest = Math.max(probe.longest, e.duration);
        const inside = recent
          .filter(([t]) => t >= e.startTime && t <= e.startTime + e.duration)
          .map(([, what]) => what);
        const cause = [...new Set(inside)].sort().join("+") || "none seen";
        const c = (probe.causes[cause] ??= { n: 0, longest: 0 });
        c.n += 1;
        c.longest = Math.max(c.longest, Math.round(e.duration));
      }
    }).observe({ type: "longtask", buffered: false });
  } catch {
    // No long-task timing in this browser: longest stays 0.
  }
  // A slide is drawn when a layer of #stage is filled with its elements (ahead of its change,
  // or at it), and changes when a layer takes the class "shown" (its fade, or a cut).
  const watch = () => {
    const stage = document.getElementById("stage");
    if (!stage) {
      requestAnimationFrame(watch);
      return;
    }
    new MutationObserver((records) => {
      const onLayer = records.filter((r) => r.target.parentElement === stage);
      const drawn = onLayer.some(
        (r) => r.type === "childList" && [...r.addedNodes].some((n) => n.nodeType === 1),
      );
      if (drawn) note("slide drawn");
      const shown = onLayer.some(
        (r) =>
          r.type === "attributes" &&
          r.target.classList.contains("shown") &&
          !(r.oldValue ?? "").split(" ").includes("shown"),
      );
      if (shown) {
        probe.changes += 1;
        // Drawn in the change itself, rather than ahead of it.
        if (drawn) probe.drawnAtChange += 1;
        note("slide change");
      }
    }).observe(stage, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["class"],
      attributeOldValue: true,
    });
  };
  document.addEventListener("DOMContentLoaded", watch);
})();`;

async function createApproved(url: string, admin: string, moderator: string): Promise<string> {
  const created = must(
    await call(url, "/api/entries", {
      method: "POST",
      cookie: admin,
      body: buildEntryInput({ districtIds: ["bench"] }),
    }),
    201,
    "entry",
  );
  const id = (created.body as { entry: { id: string } }).entry.id;
  must(
    await call(url, `/api/entries/${id}/approve`, {
      method: "POST",
      cookie: moderator,
      body: { revision: 1 }, // no photo: nothing changes it after creation
    }),
    200,
    "approve",
  );
  return id;
}

/**
 * The fake clock is moved this much at a time. Each move runs every timer due in it in one
 * task of the page, which a kiosk on a real clock runs as separate tasks: moved a whole dwell
 * at once, the slide change, its fade's settle, the socket's heartbeat and a reconnect's timers
 * land in one task, and the long tasks counted would be the bench's, not the display's.
 */
const SLICE_MS = 1_000;

/** One dwell of the fake clock, in slices. */
async function oneDwell(page: Page): Promise<void> {
  for (let moved = 0; moved < DWELL_S * 1000; moved += SLICE_MS) await page.clock.runFor(SLICE_MS);
}

/** Forced collections per measurement; the lowest reading of each is kept. */
const COLLECTIONS = 5;

/**
 * Real time left after each forced collection before the counts are read. Blink frees a
 * collected node when its sweep reaches it, which can finish after the collection returns: on a
 * loaded machine (a clean-clone CI run) three readings taken back to back all still counted the
 * slide just replaced.
 */
const SETTLE_MS = 50;

/**
 * The page's JS heap and Chromium's node count after forced collections, and the document's
 * elements. The page's console buffer is emptied first: with a DevTools session attached (as
 * Playwright's always is) V8 keeps the arguments of the last 1000 console messages alive (its
 * console message storage, `maxConsoleMessageCount` in v8-console-message.cc), errors and their
 * stacks included; a kiosk has no such session, so none of that is the display's heap. One
 * collection often leaves the last slides replaced counted (a whole slide's nodes each, freed
 * by the next one): garbage only ever adds, so the lowest of a few readings is what stays.
 */
export async function measurePage(
  page: Page,
  cdp: CDPSession,
): Promise<{ heap: number; nodes: number; dom: number }> {
  await cdp.send("Runtime.discardConsoleEntries");
  let heap = Infinity;
  let nodes = Infinity;
  for (let i = 0; i < COLLECTIONS; i += 1) {
    await cdp.send("HeapProfiler.collectGarbage");
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const { metrics } = await cdp.send("Performance.getMetrics");
    const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? 0;
    heap = Math.min(heap, metric("JSHeapUsedSize"));
    nodes = Math.min(nodes, metric("Nodes"));
  }
  const dom = await page.evaluate(() => document.getElementsByTagName("*").length);
  return { heap, nodes, dom };
}

/** The page's heap snapshot (taken after the collections of a measurement), as text. */
export async function heapSnapshot(cdp: CDPSession): Promise<string> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }): void => {
    chunks.push(e.chunk);
  };
  cdp.on("HeapProfiler.addHeapSnapshotChunk", onChunk);
  try {
    await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  } finally {
    cdp.off("HeapProfiler.addHeapSnapshotChunk", onChunk);
  }
  return chunks.join("");
}

/** The part of a heap snapshot's fields the split below reads. */
interface SnapshotText {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
}

/**
 * A heap snapshot's bytes split in two: V8's code (its "code" nodes: compiled code, bytecode,
 * function and script records; what grows as V8 compiles and optimises what runs) and all the
 * rest (the display's objects, strings, DOM wrappers: what would grow if content were kept).
 */
export function splitHeap(text: string): { code: number; data: number } {
  const snap = JSON.parse(text) as SnapshotText;
  const fields = snap.snapshot.meta.node_fields;
  const typeNames = snap.snapshot.meta.node_types[0];
  const typeAt = fields.indexOf("type");
  const sizeAt = fields.indexOf("self_size");
  const codeType = Array.isArray(typeNames) ? typeNames.indexOf("code") : -1;
  if (typeAt < 0 || sizeAt < 0 || codeType < 0) throw new Error("heap snapshot: unknown layout");
  let code = 0;
  let data = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const size = snap.nodes[i + sizeAt] ?? 0;
    if (snap.nodes[i + typeAt] === codeType) code += size;
    else data += size;
  }
  return { code, data };
}

const growth = (start: number, end: number): number =>
  start > 0 ? Math.round((1000 * (end - start)) / start) / 10 : 0;

/** Runs the display soak; the browser is closed at the end whatever happens. */
export async function soakDisplay(o: DisplaySoakOptions): Promise<DisplaySoakResult> {
  const { url, admin, moderator, log } = o;
  // A CPU profile of the page after warm-up, for finding where its long tasks go.
  const profilePath = process.env.BENCH_DISPLAY_PROFILE;
  // Heap snapshots at the two measurements (start.heapsnapshot, end.heapsnapshot), for finding
  // what grows.
  const heapDir = process.env.BENCH_DISPLAY_HEAP_DIR;
  must(
    await call(url, "/api/districts/bench/schedule", {
      method: "PUT",
      cookie: admin,
      body: {
        windows: [
          {
            id: "all-day",
            days: [1, 2, 3, 4, 5, 6, 7],
            start: "00:00",
            end: "24:00",
            playlist: [{ type: "discredited" }],
            dwellSeconds: DWELL_S,
          },
        ],
      },
    }),
    200,
    "schedule",
  );
  const live: string[] = [];
  for (let i = 0; i < o.entries; i += 1) live.push(await createApproved(url, admin, moderator));
  log(`${live.length} entries approved`);

  const browser = await launchChromium();
  try {
    const context: BrowserContext = await browser.newContext({
      viewport: { width: 1920, height: 1080 },
    });
    // The probe first: it keeps the real performance.now before the clock replaces it.
    await context.addInitScript({ content: probeScript });
    await context.clock.install({ time: Date.now() });
    const page = await context.newPage();
    let pageErrors = 0;
    let sockets = 0;
    page.on("pageerror", (err) => {
      pageErrors += 1;
      log(`display page error: ${err.message}`);
    });
    page.on("websocket", () => {
      sockets += 1;
    });
    await page.goto(`${url}/display`);
    const code = page.getByTestId("pairing-code");
    await code.waitFor({ state: "visible", timeout: 30_000 });
    must(
      await call(url, "/api/screens/pair", {
        method: "POST",
        cookie: admin,
        body: {
          code: ((await code.textContent()) ?? "").replace(/\s/g, ""),
          name: "soak",
          districtId: "bench",
        },
      }),
      201,
      "pair",
    );
    // The first entry on screen (the fake clock moved on so the display's timers run).
    for (let i = 0; i < 300; i += 1) {
      if ((await page.getByTestId("entry-name").count()) > 0) break;
      await page.clock.runFor(100);
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.getByTestId("entry-name").first().waitFor({ state: "attached", timeout: 1_000 });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    log("display paired and playing");

    const changes = (): Promise<number> => page.evaluate(() => window.__soak?.changes ?? 0);
    const base = await changes();
    let published = 0;
    let revoked = 0;
    let start: Awaited<ReturnType<typeof measurePage>> | undefined;
    let warmedAt = 0;
    // The heap after warm-up, at every tenth of the changes measured and at the end; and the
    // snapshots' split (code, the rest) at the two ends.
    const curve: number[] = [];
    const sampleEvery = Math.max(1, Math.ceil((o.rotations - o.warmup) / 10));
    let nextSample = Infinity;
    let splitStart: { code: number; data: number } | undefined;
    const stepTimes: number[] = [];
    const churn: Promise<void>[] = [];
    let done = 0;
    // Bounded: twice the steps asked for at most (a step that changes nothing still counts).
    for (let step = 0; done < o.rotations && step < 2 * o.rotations + 10; step += 1) {
      const t = performance.now();
      await oneDwell(page);
      stepTimes.push(performance.now() - t);
      done = (await changes()) - base;
      if (start === undefined && done >= o.warmup) {
        warmedAt = done;
        start = await measurePage(page, cdp);
        const text = await heapSnapshot(cdp);
        if (heapDir) writeFileSync(join(heapDir, "start.heapsnapshot"), text);
        splitStart = splitHeap(text);
        curve.push(start.heap);
        nextSample = done + sampleEvery;
        await page.evaluate(() => {
          if (window.__soak)
            Object.assign(window.__soak, {
              longest: 0,
              longTasks: 0,
              causes: {},
              drawnAtChange: 0,
            });
        });
        log(`warm-up done after ${done} slide changes`);
        if (profilePath) {
          await cdp.send("Profiler.enable");
          await cdp.send("Profiler.start");
        }
      }
      if (o.churnEvery > 0 && step % o.churnEvery === o.churnEvery - 1) {
        // Publish one, revoke the oldest: the rotation keeps its size while its content moves.
        const oldest = live.shift();
        churn.push(
          (async () => {
            live.push(await createApproved(url, admin, moderator));
            published += 1;
            if (oldest) {
              must(
                await call(url, `/api/entries/${oldest}/revoke`, {
                  method: "POST",
                  cookie: admin,
                  body: { reason: "court_order" },
                }),
                200,
                "revoke",
              );
              revoked += 1;
            }
          })(),
        );
      }
      if (done >= nextSample && done < o.rotations) {
        nextSample += sampleEvery;
        const { heap } = await measurePage(page, cdp);
        curve.push(heap);
        log(`${done} slide changes: heap ${Math.round(heap / 1024)} KB`);
      }
      if (step % 500 === 499) log(`${done} slide changes`);
    }
    await Promise.all(churn);
    // Let the last publications arrive, then one more dwell so the end is measured at the same
    // point of a slide change as the start.
    await new Promise((r) => setTimeout(r, 500));
    await oneDwell(page);
    done = (await changes()) - base;
    if (profilePath && start !== undefined) {
      const { profile } = await cdp.send("Profiler.stop");
      writeFileSync(profilePath, JSON.stringify(profile));
      log(`display CPU profile after warm-up written to ${profilePath}`);
    }
    const end = await measurePage(page, cdp);
    curve.push(end.heap);
    const endText = await heapSnapshot(cdp);
    const splitEnd = splitHeap(endText);
    if (heapDir) {
      writeFileSync(join(heapDir, "end.heapsnapshot"), endText);
      log(`heap snapshots written to ${heapDir}`);
    }
    splitStart ??= splitEnd;
    const probe = await page.evaluate(() => window.__soak);
    start ??= end;
    log(`${done} slide changes, ${sockets - 1} reconnects`);
    return {
      rotations: done,
      entries: o.entries,
      published,
      revoked,
      heap_start: start.heap,
      heap_end: end.heap,
      heap_growth_pct: growth(start.heap, end.heap),
      heap_code_start: splitStart.code,
      heap_code_end: splitEnd.code,
      heap_data_start: splitStart.data,
      heap_data_end: splitEnd.data,
      heap_data_growth_pct: growth(splitStart.data, splitEnd.data),
      heap_curve_kb: curve.map((b) => Math.round(b / 1024)),
      dom_start: start.dom,
      dom_end: end.dom,
      dom_growth_pct: growth(start.dom, end.dom),
      nodes_start: start.nodes,
      nodes_end: end.nodes,
      longest_task_ms: Math.round(probe?.longest ?? 0),
      longest_change_task_ms: Math.max(
        0,
        ...Object.entries(probe?.causes ?? {})
          .filter(([cause]) => cause.split("+").includes("slide change"))
          .map(([, c]) => c.longest),
      ),
      long_tasks: probe?.longTasks ?? 0,
      drawn_ahead_pct:
        done > warmedAt
          ? Math.round(1000 * (1 - (probe?.drawnAtChange ?? 0) / (done - warmedAt))) / 10
          : 0,
      long_task_causes: probe?.causes ?? {},
      step_p50_ms: Math.round(percentile(stepTimes, 50)),
      step_p99_ms: Math.round(percentile(stepTimes, 99)),
      reconnects: Math.max(0, sockets - 1),
      page_errors: pageErrors,
    };
  } finally {
    await browser.close();
  }
}
