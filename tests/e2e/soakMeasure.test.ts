/**
 * What the display soak (tests/bench/soakDisplay.ts) calls the page's heap: the page's own
 * objects, not what the DevTools session Playwright attaches keeps of the page's console.
 */
import type { Browser } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { heapSnapshot, measurePage, splitHeap } from "../bench/soakDisplay";
import { launchChromium } from "../support/browser";

let browser: Browser | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

describe("the soak's heap measurement", () => {
  it("counts what the page keeps, not the warnings the DevTools console keeps for it", async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.setContent("<p>soak</p>");
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");

    const start = await measurePage(page, cdp);
    // A kiosk that keeps losing its server warns with the error each time (about 1 MB here).
    await page.evaluate(() => {
      for (let i = 0; i < 500; i += 1)
        console.warn("sync failed", new Error("operation has timed out"), {
          samples: Array.from({ length: 500 }, (_, k) => k + i),
        });
    });
    const afterWarnings = await measurePage(page, cdp);
    expect(afterWarnings.heap - start.heap).toBeLessThan(200_000);

    // What the page itself holds on to is counted (the same megabyte, kept by the page).
    await page.evaluate(() => {
      const kept: { samples: number[] }[] = [];
      for (let i = 0; i < 500; i += 1)
        kept.push({ samples: Array.from({ length: 500 }, (_, k) => k + i) });
      Object.assign(window, { kept });
    });
    const afterKept = await measurePage(page, cdp);
    expect(afterKept.heap - afterWarnings.heap).toBeGreaterThan(800_000);
  });
});

describe("the soak's node count", () => {
  it("counts the slides on the page, not the ones just replaced", async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.setContent('<div id="stage"></div>');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    // A slide change: about a hundred new nodes replace those on the stage.
    const change = (): Promise<void> =>
      page.evaluate(() => {
        const stage = document.getElementById("stage");
        const slide = document.createElement("section");
        for (let i = 0; i < 50; i += 1) {
          const p = document.createElement("p");
          p.textContent = String(i);
          slide.append(p);
        }
        stage?.replaceChildren(slide);
      });
    await change();
    const start = await measurePage(page, cdp);
    const readings: number[] = [];
    for (let round = 0; round < 12; round += 1) {
      for (let i = 0; i < 5; i += 1) await change();
      readings.push((await measurePage(page, cdp)).nodes);
    }
    expect(readings).toEqual(readings.map(() => start.nodes));
  });
});

describe("the soak's heap split", () => {
  it("counts functions compiled as code and objects kept as the rest", async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.setContent("<p>soak</p>");
    const cdp = await page.context().newCDPSession(page);
    const split = async (): Promise<{ code: number; data: number }> => {
      await cdp.send("HeapProfiler.collectGarbage");
      return splitHeap(await heapSnapshot(cdp));
    };
    const start = await split();

    // Four hundred functions compiled and run: code, and little else.
    await page.addScriptTag({
      content: Array.from(
        { length: 400 },
        (_, i) =>
          `window.f${i} = function (n) { let s = ${i}; for (let k = 0; k < n; k += 1) s += k * ${i}; return s; }; window.f${i}(10);`,
      ).join("\n"),
    });
    const compiled = await split();
    expect(compiled.code - start.code).toBeGreaterThan(40_000);

    // A megabyte of objects kept: the rest, not code.
    await page.evaluate(() => {
      const kept: { samples: number[] }[] = [];
      for (let i = 0; i < 500; i += 1)
        kept.push({ samples: Array.from({ length: 500 }, (_, k) => k + i) });
      Object.assign(window, { kept });
    });
    const keptData = await split();
    expect(keptData.data - compiled.data).toBeGreaterThan(800_000);
    expect(Math.abs(keptData.code - compiled.code)).toBeLessThan(40_000);
  });
});
