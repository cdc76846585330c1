/**
 * Privacy benchmark: `npx tsx tests/bench/privacy.ts` (npm run bench:privacy).
 *
 * Runs every case of the privacy hard set (tests/fixtures/privacyHardSet.ts: 364 photos
 * nobody tuned the redaction for, with hand-checked face boxes) through the real pipeline —
 * the worker pool, 2 threads, eager — and has the independent judge
 * (tests/support/privacyJudge.ts) check every published rendition. Prints one JSON line on
 * stdout (progress goes to stderr):
 *   cases, published          cases run, and how many came back publishable
 *   uncovered                 published with at least one known face not covered (regions
 *                             or pixels): leaks; 0 is the only good number
 *   review_rate               needs_review / cases (failed runs count as review: fail closed)
 *   per_detector_recall       per detector named in result.faces[].detections[].detector or
 *                             in the detector versions: share of known faces it hit (IoU ≥ 0.3,
 *                             or one box ≥ 90 % inside the other at most 4× its size), over
 *                             the cases it ran on
 *   per_pass_recall           the same per pass over the photo (main, zoom_out, rotate_±30,
 *                             tile_1…4), any detector
 *   only_pass                 known faces that one pass alone found (what each pass earns)
 *   concern_rate              published cases that carry a concern (several faces, face too
 *                             small…), so a moderator approves them one by one
 *   portrait_median_ms        median timingsMs.total of the 600 × 800 cases
 *   report, tune              the same per half of the hard set (split by photo)
 *   uncovered_cases           names of the leaking cases, report half first, at most 20
 *   per_shape                 per shape: cases, review, uncovered
 *   failed                    runs that threw (counted as review, not as published)
 * Options: `--split report|tune|all` (default all), `--limit N` (N of them, every shape in turn),
 * `--engine auto|onnxruntime|wasm`. About half a second a case on two shared cores.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { RedactionResult } from "../../server/services/redaction/redactPhoto";
import { createRedactionPool } from "../../server/services/redaction/redactionPool";
import { parseDetectorEngine, type RelativeBox } from "../../server/services/redaction/types";
import {
  buildHardCase,
  type HardCase,
  type HardCaseSpec,
  type HardShape,
  type HardSplit,
  hardSetSpecs,
  hardShapes,
} from "../fixtures/privacyHardSet";
import { type CaseVerdict, judgeCase } from "../support/privacyJudge";
import { percentile } from "./benchSupport";

const { values: args } = parseArgs({
  options: {
    split: { type: "string" },
    limit: { type: "string" },
    engine: { type: "string" },
  },
});
function usage(): never {
  process.stderr.write(
    "usage: bench:privacy [--split report|tune|all] [--limit N] [--engine auto|onnxruntime|wasm]\n",
  );
  process.exit(2);
}
const splitArg = args.split ?? "all";
const split =
  splitArg === "report" || splitArg === "tune" || splitArg === "all" ? splitArg : usage();
const limit = args.limit === undefined ? Infinity : Number(args.limit);
if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0))) usage();
const engine = parseDetectorEngine(args.engine ?? "auto") ?? usage();

/** How many cases wait in the pool's queue at once: enough to keep both threads busy. */
const inFlight = 6;

interface Outcome {
  c: HardCase;
  result: RedactionResult | null;
  verdict: CaseVerdict | null;
}

function progress(line: string): void {
  process.stderr.write(`bench:privacy ${line}\n`);
}

function area(b: RelativeBox): number {
  return b.width * b.height;
}

function intersection(a: RelativeBox, b: RelativeBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** A detection hits a known face: IoU ≥ 0.3, or one box mostly inside the other, similar size. */
function hits(detection: RelativeBox, known: RelativeBox): boolean {
  const inter = intersection(detection, known);
  const small = Math.min(area(detection), area(known));
  const large = Math.max(area(detection), area(known));
  const iou = inter / (area(detection) + area(known) - inter);
  return iou >= 0.3 || (small > 0 && inter / small >= 0.9 && large / small <= 4);
}

function summarize(outcomes: readonly Outcome[]): Record<string, unknown> {
  const cases = outcomes.length;
  const published = outcomes.filter((o) => o.verdict?.published === true).length;
  const uncovered = outcomes.filter((o) => o.verdict?.leaked === true).length;
  const review = outcomes.filter((o) => o.result?.verdict !== "publishable").length;
  const seen = new Map<string, { hit: number; known: number }>();
  for (const { c, result } of outcomes) {
    if (!result || result.reason === "detector_error") continue;
    const ran = new Set<string>(Object.keys(result.detectorVersions.models));
    for (const f of result.faces) for (const d of f.detections) ran.add(d.detector);
    for (const detector of ran) {
      const tally = seen.get(detector) ?? { hit: 0, known: 0 };
      for (const k of c.known) {
        tally.known += 1;
        const found = result.faces.some((f) =>
          f.detections.some((d) => d.detector === detector && hits(d.box, k.box)),
        );
        if (found) tally.hit += 1;
      }
      seen.set(detector, tally);
    }
  }
  const recall = Object.fromEntries(
    [...seen].map(([d, t]) => [d, t.known > 0 ? round3(t.hit / t.known) : null]),
  );
  // The same per pass; and the faces that one pass alone found.
  const byPass = new Map<string, number>();
  const onlyPass = new Map<string, number>();
  let knownFaces = 0;
  for (const { c, result } of outcomes) {
    if (!result || result.reason === "detector_error") continue;
    for (const k of c.known) {
      knownFaces += 1;
      const passes = new Set<string>();
      for (const f of result.faces)
        for (const d of f.detections) if (hits(d.box, k.box)) passes.add(d.pass ?? "main");
      for (const pass of passes) byPass.set(pass, (byPass.get(pass) ?? 0) + 1);
      const [only] = passes;
      if (passes.size === 1 && only) onlyPass.set(only, (onlyPass.get(only) ?? 0) + 1);
    }
  }
  const perPass = Object.fromEntries(
    [...byPass].sort().map(([p, n]) => [p, knownFaces > 0 ? round3(n / knownFaces) : null]),
  );
  const concerned = outcomes.filter(
    (o) => o.result?.verdict === "publishable" && o.result.concerns.length > 0,
  ).length;
  const portraitMs = outcomes
    .filter((o) => o.result && o.c.width === 600 && o.c.height === 800)
    .map((o) => o.result?.timingsMs.total ?? 0);
  return {
    cases,
    published,
    uncovered,
    review_rate: cases > 0 ? round3(review / cases) : null,
    per_detector_recall: recall,
    per_pass_recall: perPass,
    only_pass: Object.fromEntries([...onlyPass].sort()),
    concern_rate: published > 0 ? round3(concerned / published) : null,
    portrait_median_ms: portraitMs.length > 0 ? round1(percentile(portraitMs, 50)) : null,
  };
}

/**
 * The cases in an order in which any prefix is a fair sample for `--limit N`: the two halves
 * alternate (report first), and within a half every shape comes in turn, each walking its
 * photos and faces with a stride of 7 (coprime with every shape's count) from its own offset,
 * so the first round already spreads over the photos.
 */
function spread(specs: readonly HardCaseSpec[]): HardCaseSpec[] {
  const halves = (["report", "tune"] as const).map((half) => {
    const byShape = hardShapes.map((shape) =>
      specs.filter((s) => s.split === half && s.shape === shape),
    );
    const out: HardCaseSpec[] = [];
    const longest = Math.max(...byShape.map((l) => l.length));
    for (let round = 0; round < longest; round++) {
      byShape.forEach((list, offset) => {
        const stride = list.length % 7 === 0 ? 1 : 7;
        const spec =
          round < list.length ? list[(round * stride + offset) % list.length] : undefined;
        if (spec) out.push(spec);
      });
    }
    return out;
  });
  const [report = [], tune = []] = halves;
  const out: HardCaseSpec[] = [];
  for (let i = 0; i < Math.max(report.length, tune.length); i++) {
    const r = report[i];
    const t = tune[i];
    if (r) out.push(r);
    if (t) out.push(t);
  }
  return out;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

async function main(): Promise<void> {
  const all = hardSetSpecs(split);
  const specs = spread(all).slice(0, Math.min(all.length, limit));
  progress(
    `${specs.length} of ${all.length} cases (${split}); ${availableParallelism()} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const pool = createRedactionPool({ threads: 2, eager: true, engine });
  const outcomes: Outcome[] = [];
  const started = performance.now();
  try {
    let next = 0;
    const runOne = async (): Promise<void> => {
      for (let i = next++; i < specs.length; i = next++) {
        const spec = specs[i];
        if (!spec) continue;
        const c = await buildHardCase(spec);
        let result: RedactionResult | null = null;
        try {
          result = await pool.redact(c.bytes);
        } catch (err) {
          progress(`${c.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        const verdict = result ? await judgeCase(c, result) : null;
        outcomes.push({ c, result, verdict });
        if (verdict?.leaked) progress(`LEAK ${c.name}`);
        if (outcomes.length % 20 === 0) {
          progress(
            `${outcomes.length}/${specs.length} in ${Math.round((performance.now() - started) / 1000)} s`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, runOne));
  } finally {
    await pool.close();
  }
  progress(`done in ${Math.round((performance.now() - started) / 1000)} s`);

  const order = new Map(specs.map((s, i) => [s.name, i]));
  outcomes.sort((a, b) => (order.get(a.c.name) ?? 0) - (order.get(b.c.name) ?? 0));
  const half = (s: HardSplit): Outcome[] => outcomes.filter((o) => o.c.split === s);
  const perShape: Partial<Record<HardShape, { cases: number; review: number; uncovered: number }>> =
    {};
  for (const shape of hardShapes) {
    const of = outcomes.filter((o) => o.c.shape === shape);
    if (of.length === 0) continue;
    perShape[shape] = {
      cases: of.length,
      review: of.filter((o) => o.result?.verdict !== "publishable").length,
      uncovered: of.filter((o) => o.verdict?.leaked === true).length,
    };
  }
  const leaks = [...half("report"), ...half("tune")]
    .filter((o) => o.verdict?.leaked === true)
    .map((o) => o.c.name);
  process.stdout.write(
    `${JSON.stringify({
      ...summarize(outcomes),
      report: summarize(half("report")),
      tune: summarize(half("tune")),
      uncovered_cases: leaks.slice(0, 20),
      per_shape: perShape,
      failed: outcomes.filter((o) => o.result === null).length,
    })}\n`,
  );
}

await main();
