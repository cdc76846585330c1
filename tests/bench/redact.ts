/**
 * Redaction benchmark: `npx tsx tests/bench/redact.ts` (npm run bench:redact).
 *
 * Prints one JSON line on stdout (progress goes to stderr):
 *   portrait_median_ms / portrait_p95_ms  end to end per ≈600×800 portrait, one at a time in
 *                                         this thread: decode → detect → redact → encode →
 *                                         verify → thumbnail
 *   hd_median_ms                          the same for 1920 px photos
 *   floor_median_ms                       sharp alone on the same portraits (decode, resize
 *                                         to 600×800, encode WebP): the cost of touching the
 *                                         image at all, for the ratio
 *   import_per_s                          portraits per second through the worker pool on all
 *                                         cores, as a bulk import would run them
 *   loop_p99_ms                           p99 event-loop delay of this (main) thread while the
 *                                         pool runs
 *   images, cores                         photos processed in total, cores used
 * Bounded: a fixed number of photos, well under two minutes on two cores.
 */
import { availableParallelism, loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import sharp from "sharp";
import { type RedactionResult, redactPhoto } from "../../server/services/redaction/redactPhoto";
import { createRedactionPool } from "../../server/services/redaction/redactionPool";
import { demoPhotoNumbers, hdPhoto, portraitPhoto } from "../fixtures/images";

const portraitRounds = 3;
const poolPortraits = 48;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at] ?? Number.NaN;
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function progress(line: string): void {
  process.stderr.write(`bench:redact ${line}\n`);
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  progress(
    `${cores} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const portraits = await Promise.all(demoPhotoNumbers.map((n) => portraitPhoto(n)));
  const hd = await Promise.all(demoPhotoNumbers.map((n) => hdPhoto(n)));
  let images = 0;

  // In this thread, one photo at a time; the first runs load the models and build kernels.
  for (const input of portraits.slice(0, 2)) await redactPhoto(input);
  images += 2;
  const portraitMs: number[] = [];
  const verdicts = { publishable: 0, needs_review: 0 };
  const phases: Record<string, number[]> = {};
  for (let round = 0; round < portraitRounds; round++) {
    for (const input of portraits) {
      let result: RedactionResult | undefined;
      portraitMs.push(await timed(async () => void (result = await redactPhoto(input))));
      if (!result) continue;
      verdicts[result.verdict] += 1;
      for (const [phase, ms] of Object.entries(result.timingsMs)) (phases[phase] ??= []).push(ms);
    }
  }
  images += portraitMs.length;
  progress(`portraits: ${portraitMs.map(Math.round).join(" ")} ms (${JSON.stringify(verdicts)})`);
  progress(
    `portrait phases (median ms): ${Object.entries(phases)
      .map(([phase, ms]) => `${phase} ${round1(percentile(ms, 50))}`)
      .join(", ")}`,
  );

  const hdMs: number[] = [];
  for (const input of hd) hdMs.push(await timed(() => redactPhoto(input)));
  images += hdMs.length;
  progress(`hd: ${hdMs.map(Math.round).join(" ")} ms`);

  const floorMs: number[] = [];
  for (let round = 0; round < portraitRounds; round++) {
    for (const input of portraits) {
      floorMs.push(
        await timed(() =>
          sharp(input)
            .autoOrient()
            .resize(600, 800, { fit: "contain", background: "#ffffff" })
            .webp({ quality: 82, effort: 2 })
            .toBuffer(),
        ),
      );
    }
  }
  progress(`floor: median ${round1(percentile(floorMs, 50))} ms`);

  // The pool on every core, as a bulk import runs it, watching this thread's event loop.
  const pool = createRedactionPool({ threads: cores, eager: true });
  try {
    await Promise.all(portraits.slice(0, pool.threads).map((p) => pool.redact(p)));
    images += pool.threads;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: poolPortraits }, (_, i) => portraits[i % portraits.length]).map((p) =>
        p ? pool.redact(p) : Promise.resolve(undefined),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    loop.disable();
    images += poolPortraits;
    const importPerS = poolPortraits / seconds;
    const loopP99 = loop.percentile(99) / 1e6;
    progress(
      `pool: ${poolPortraits} portraits in ${seconds.toFixed(1)} s on ${pool.threads} threads`,
    );
    progress(
      `load average after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    process.stdout.write(
      `${JSON.stringify({
        images,
        cores,
        portrait_median_ms: round1(percentile(portraitMs, 50)),
        portrait_p95_ms: round1(percentile(portraitMs, 95)),
        hd_median_ms: round1(percentile(hdMs, 50)),
        floor_median_ms: round1(percentile(floorMs, 50)),
        import_per_s: Math.round(importPerS * 100) / 100,
        loop_p99_ms: round1(loopP99),
      })}\n`,
    );
  } finally {
    await pool.close();
  }
}

await main();
