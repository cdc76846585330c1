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
 *   pool_per_s                            portraits per second straight through the worker
 *                                         pool on all cores (no server, no database)
 *   import_per_s                          a bulk import through the real server: N people
 *                                         with N distinct portraits uploaded to POST
 *                                         /api/imports, until every redaction has settled
 *                                         (parse, seal, queue, detect, verify, store), per s
 *   import_s                              the import's wall time
 *   loop_p99_ms                           p99 event-loop delay of the server's thread during
 *                                         the import
 *   api_p99_ms                            p99 latency of a console list request made every
 *                                         100 ms during the import
 *   worker_mib                            resident memory one warm worker thread adds (its
 *                                         module graph, tfjs, the three models, the engine)
 *   detector_ms                           median ms of one call of each detector on a
 *                                         portrait (its square prepared, network, decoding)
 *   pass_ms                               median ms each pass adds to the first detection
 *                                         (main: all three detectors; zoom_out, rotations,
 *                                         tiles: BlazeFace), see detectionPasses.ts
 *   engine                                where the detectors ran (onnxruntime or wasm)
 *   images, cores                         photos processed in total, cores used
 * Bounded: a fixed number of photos. `--import N` sets the import's size (default 1000, 0
 * skips it); `--engine wasm` measures the tfjs WASM engine. About 4 minutes on two cores.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { detectInPasses } from "../../server/services/redaction/detectionPasses";
import { loadFaceDetector } from "../../server/services/redaction/faceDetector";
import { normalizeImage } from "../../server/services/redaction/imageIntake";
import { displaySize, layoutDisplay } from "../../server/services/redaction/renderRenditions";
import { detectorNames } from "../../server/services/redaction/types";
import { type RedactionResult, redactPhoto } from "../../server/services/redaction/redactPhoto";
import { createRedactionPool } from "../../server/services/redaction/redactionPool";
import { parseDetectorEngine } from "../../server/services/redaction/types";
import { demoPhotoNumbers, hdPhoto, portraitPhoto } from "../fixtures/images";
import { percentile } from "./benchSupport";
import { measureImport } from "./redactImport";

const portraitRounds = 3;
const poolPortraits = 48;

const { values: args } = parseArgs({
  options: { import: { type: "string" }, engine: { type: "string" } },
});
function usage(): never {
  process.stderr.write("usage: bench:redact [--import N] [--engine auto|onnxruntime|wasm]\n");
  process.exit(2);
}
const importCount = Number(args.import ?? 1000);
if (!Number.isInteger(importCount) || importCount < 0) usage();
const engine = parseDetectorEngine(args.engine ?? "auto") ?? usage();

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
  const detector = await loadFaceDetector(engine);
  const deps = { loadDetector: () => Promise.resolve(detector) };
  progress(`engine ${detector.engine} (${detector.versions.backend})`);

  // In this thread, one photo at a time; the first runs load the models and build kernels.
  for (const input of portraits.slice(0, 2)) await redactPhoto(input, {}, deps);
  images += 2;
  const portraitMs: number[] = [];
  const verdicts = { publishable: 0, needs_review: 0 };
  const phases: Record<string, number[]> = {};
  for (let round = 0; round < portraitRounds; round++) {
    for (const input of portraits) {
      let result: RedactionResult | undefined;
      portraitMs.push(await timed(async () => void (result = await redactPhoto(input, {}, deps))));
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

  // What each detector and each pass costs, on the same portraits' display layouts.
  const detectorMs: Record<string, number[]> = {};
  const passMs: Record<string, number[]> = {};
  const none = { zoomOut: false, rotations: [] as number[], tiles: false };
  const passes = {
    main: none,
    zoom_out: { ...none, zoomOut: true },
    rotations: { ...none, rotations: [-30, 30] },
    tiles: { ...none, tiles: true },
  };
  for (const input of portraits) {
    const { image } = await normalizeImage(input, { fit: displaySize });
    const layout = await layoutDisplay(image);
    const p = layout.placement;
    const photo = { x: p.left, y: p.top, width: p.width, height: p.height };
    for (const name of detectorNames) {
      (detectorMs[name] ??= []).push(
        await timed(() => detector.detect(layout.pixels, 0.2, new Set([name]))),
      );
    }
    const main = await timed(() => detectInPasses(detector, layout.pixels, photo, 0.2, none));
    (passMs["main"] ??= []).push(main);
    for (const [name, options] of Object.entries(passes)) {
      if (name === "main") continue;
      const ms = await timed(() => detectInPasses(detector, layout.pixels, photo, 0.2, options));
      (passMs[name] ??= []).push(Math.max(0, ms - main));
    }
  }
  const medians = (m: Record<string, number[]>): Record<string, number> =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round1(percentile(v, 50))]));
  progress(`detectors (median ms): ${JSON.stringify(medians(detectorMs))}`);
  progress(`passes (median ms added): ${JSON.stringify(medians(passMs))}`);

  const hdMs: number[] = [];
  for (const input of hd) hdMs.push(await timed(() => redactPhoto(input, {}, deps)));
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

  // The pool on every core, straight: what the workers alone can do.
  const rssBefore = process.memoryUsage.rss();
  const pool = createRedactionPool({ threads: cores, engine, eager: true });
  let poolPerS: number;
  let workerMiB: number;
  try {
    await Promise.all(portraits.slice(0, pool.threads).map((p) => pool.redact(p)));
    workerMiB = (process.memoryUsage.rss() - rssBefore) / pool.threads / 1024 / 1024;
    images += pool.threads;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: poolPortraits }, (_, i) => portraits[i % portraits.length]).map((p) =>
        p ? pool.redact(p) : Promise.resolve(undefined),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    images += poolPortraits;
    poolPerS = poolPortraits / seconds;
    progress(
      `pool: ${poolPortraits} portraits in ${seconds.toFixed(1)} s on ${pool.threads} threads`,
    );
  } finally {
    await pool.close();
  }

  // A bulk import through the real server, as an operator runs it.
  const imported =
    importCount > 0 ? await measureImport(importCount, cores, engine, progress) : undefined;
  images += imported?.photos ?? 0;
  progress(
    `load average after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  process.stdout.write(
    `${JSON.stringify({
      images,
      cores,
      engine: detector.engine,
      portrait_median_ms: round1(percentile(portraitMs, 50)),
      portrait_p95_ms: round1(percentile(portraitMs, 95)),
      hd_median_ms: round1(percentile(hdMs, 50)),
      floor_median_ms: round1(percentile(floorMs, 50)),
      pool_per_s: Math.round(poolPerS * 100) / 100,
      worker_mib: Math.round(workerMiB),
      detector_ms: medians(detectorMs),
      pass_ms: medians(passMs),
      ...(imported
        ? {
            import_photos: imported.photos,
            import_s: round1(imported.seconds),
            import_per_s: Math.round(imported.perSecond * 100) / 100,
            loop_p99_ms: round1(imported.loopP99Ms),
            api_p99_ms: round1(imported.apiP99Ms),
          }
        : {}),
    })}\n`,
  );
}

await main();
