/**
 * The bulk-import half of `bench:redact`: a real server in this process (SQLite, a fresh data
 * directory, one redaction worker per core), a court export of N people with N distinct
 * portraits uploaded through `POST /api/imports`, timed until every entry's redaction has
 * settled — parsing, sealing, the job queue, detection, verification and storing renditions,
 * as an operator's import runs them. This thread's event loop is the server's, so its delay
 * and the latency of a console request made every 100 ms are what an operator would feel.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import Database from "better-sqlite3";
import pino from "pino";
import sharp from "sharp";
import { loadConfig } from "../../server/config";
import { startServer } from "../../server/index";
import type { DetectorEngineChoice } from "../../server/services/redaction/types";
import { buildCourtExportRows, FixtureRandom, toCsv } from "../fixtures/courtExport";
import { demoPhoto, demoPhotoNumbers } from "../fixtures/images";
import { buildZip } from "../fixtures/zip";
import { percentile, setUpBench } from "./benchSupport";

/** What one import run measured. */
export interface ImportFigures {
  photos: number;
  seconds: number;
  perSecond: number;
  loopP99Ms: number;
  apiP99Ms: number;
  verdicts: Record<string, number>;
}

/**
 * N portraits cut from the demo photos at different places, sizes, brightness and JPEG
 * quality, so every file (and every job) is distinct, as a real export's photos are.
 */
async function portraitVariants(count: number): Promise<Buffer[]> {
  const sources = await Promise.all(demoPhotoNumbers.map((n) => demoPhoto(n)));
  const rnd = new FixtureRandom(2026);
  const positions = ["centre", "north", "south", "east", "west"] as const;
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length];
    if (!source) continue;
    const width = rnd.int(540, 660);
    out.push(
      await sharp(source)
        .resize(width, Math.round((width * 4) / 3), {
          fit: "cover",
          position: positions[rnd.int(0, positions.length - 1)],
        })
        .modulate({ brightness: 0.9 + rnd.next() * 0.2 })
        .jpeg({ quality: rnd.int(82, 92) })
        .toBuffer(),
    );
  }
  return out;
}

/** Runs one import of `count` people with photos; see the file's comment. */
export async function measureImport(
  count: number,
  workers: number,
  engine: DetectorEngineChoice,
  progress: (line: string) => void,
): Promise<ImportFigures> {
  const photos = await portraitVariants(count);
  const rows = buildCourtExportRows(count + 1, { seed: 1000, organisationEvery: count + 1 })
    .slice(1) // row 0 is a company (no photo)
    .map((row, i) => ({ ...row, 照片: `p${String(i).padStart(5, "0")}.jpg` }));
  const zip = buildZip(rows.map((r, i) => ({ name: r.照片, bytes: photos[i] ?? Buffer.alloc(0) })));
  progress(`import: ${count} rows, photos zip ${(zip.length / 1024 / 1024).toFixed(1)} MiB`);

  const dataDir = mkdtempSync(join(tmpdir(), "signage-bench-import-"));
  const server = await startServer(
    loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      SIGNAGE_DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      SIGNAGE_REDACTION_WORKERS: String(workers),
      SIGNAGE_DETECTOR_ENGINE: engine,
    }),
    pino({ level: "silent" }),
    "bench",
  );
  const url = `http://127.0.0.1:${server.port}`;
  const db = new Database(join(dataDir, "signage.db"), { readonly: true, fileMustExist: true });
  try {
    const { admin } = await setUpBench(url, dataDir);
    const headers = { Origin: url, Cookie: admin };

    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", "bench");
    form.set("expiryDate", "2029-12-31");
    form.set("file", new Blob([new Uint8Array(toCsv(rows))]), "export.csv");
    form.set("photos", new Blob([new Uint8Array(zip)]), "photos.zip");

    const loop = monitorEventLoopDelay({ resolution: 10 });
    const apiMs: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const started = performance.now();
        await (await fetch(`${url}/api/entries?limit=20`, { headers })).arrayBuffer();
        apiMs.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    loop.enable();
    const started = performance.now();
    const res = await fetch(`${url}/api/imports`, { method: "POST", headers, body: form });
    const report = (await res.json()) as { report?: { accepted: number; refused: number } };
    if (res.status !== 201 || report.report?.accepted !== count) {
      throw new Error(`import refused: ${res.status} ${JSON.stringify(report).slice(0, 300)}`);
    }
    progress(`import: accepted in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const pending = db.prepare(
      "SELECT count(*) AS n FROM entries WHERE redaction_status IN ('queued', 'processing')",
    );
    let lastReport = performance.now();
    for (;;) {
      const { n } = pending.get() as { n: number };
      if (n === 0) break;
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        progress(`import: ${count - n} of ${count} redacted`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    loop.disable();
    sampling = false;
    await sampler;
    const verdicts = Object.fromEntries(
      (
        db.prepare("SELECT redaction_status AS s, count(*) AS n FROM entries GROUP BY 1").all() as {
          s: string;
          n: number;
        }[]
      ).map((r) => [r.s, r.n]),
    );
    progress(`import: ${count} photos in ${seconds.toFixed(1)} s, ${JSON.stringify(verdicts)}`);
    return {
      photos: count,
      seconds,
      perSecond: count / seconds,
      loopP99Ms: loop.percentile(99) / 1e6,
      apiP99Ms: percentile(apiMs, 99),
      verdicts,
    };
  } finally {
    db.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
