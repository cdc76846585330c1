import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, extname, join } from "node:path";
import { parseArgs } from "node:util";
import { ImageRejected } from "../services/redaction/ImageRejected";
import type { RedactionResult } from "../services/redaction/redactPhoto";
import {
  createRedactionPool,
  fallbackWarning,
  type RedactionPool,
} from "../services/redaction/redactionPool";
import { parseDetectorEngine, type RedactionStyle } from "../services/redaction/types";

const usage = `Usage:
  signage redact IN OUT [--style mosaic|solid] [--engine auto|onnxruntime|wasm] [--json]
  signage redact --out DIR IN... [--style mosaic|solid] [--engine ...] [--json]

Covers the faces in each photo exactly as the server does and writes the verified
600×800 display rendition as WebP (OUT must end in .webp; with --out, DIR/<name>.webp).
A photo that needs a moderator (no face found, or the detectors still see a face after
redaction) gets no output file. The models load once per worker for all the files.

  --style mosaic|solid  how faces are covered (default mosaic)
  --engine E            where the detectors run: onnxruntime (native), wasm (tfjs), or
                        auto (default, or SIGNAGE_DETECTOR_ENGINE): onnxruntime where it loads
  --json                one JSON object per input on stdout:
                        {"input","output","faces","verified","needsReview","reason"}

Exit status: 0 every output passed verification, 3 some photo needs manual review,
1 some input could not be read or was refused, 2 usage error.
`;

/** Where the command writes; the process streams unless a test passes its own. */
export interface RedactCommandOutput {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** One input's line in --json mode. */
export interface RedactReport {
  input: string;
  output: string | null;
  faces: number;
  verified: boolean;
  needsReview: boolean;
  /** Why it needs review (a review reason) or was refused (an error code); null when fine. */
  reason: string | null;
  /** What a moderator must look at before approving it one by one (e.g. several faces). */
  concerns: string[];
}

type Outcome =
  { kind: "result"; result: RedactionResult } | { kind: "refused"; code: string; message: string };

/**
 * `signage redact`: redacts one photo (IN OUT) or many (--out DIR IN...) through the
 * worker-thread pool, writing only verified renditions. `argv` is what follows "redact".
 * Resolves with the exit status: 0 all verified, 3 any needs review, 1 any input unreadable
 * or refused (that takes precedence), 2 usage error.
 */
export async function runRedactCommand(
  argv: string[],
  out: RedactCommandOutput = process,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        style: { type: "string" },
        engine: { type: "string" },
        json: { type: "boolean" },
        out: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    out.stderr.write(`signage redact: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    out.stdout.write(usage);
    return 0;
  }
  const usageError = (sentence: string): number => {
    out.stderr.write(`signage redact: ${sentence}\n${usage}`);
    return 2;
  };
  const style = values.style ?? "mosaic";
  if (style !== "mosaic" && style !== "solid") {
    return usageError(`--style must be mosaic or solid, not "${style}".`);
  }
  const engineName = values.engine ?? process.env.SIGNAGE_DETECTOR_ENGINE ?? "auto";
  const engine = parseDetectorEngine(engineName);
  if (!engine) {
    return usageError(
      `--engine (or SIGNAGE_DETECTOR_ENGINE) must be auto, onnxruntime or wasm, not "${engineName}".`,
    );
  }
  let jobs: { input: string; output: string }[];
  if (values.out !== undefined) {
    if (positionals.length === 0) return usageError("give at least one photo after --out DIR.");
    jobs = outputsInDir(values.out, positionals);
    try {
      await mkdir(values.out, { recursive: true });
    } catch (err) {
      out.stderr.write(`signage redact: cannot create ${values.out}: ${describe(err)}\n`);
      return 1;
    }
  } else {
    const [input, output, ...extra] = positionals;
    if (input === undefined || output === undefined || extra.length > 0) {
      return usageError("give one photo and one output file, or --out DIR and the photos.");
    }
    if (extname(output).toLowerCase() !== ".webp") {
      return usageError(`the output must be a .webp file (renditions are WebP): ${output}`);
    }
    jobs = [{ input, output }];
  }

  const json = values.json === true;
  const threads = Math.min(jobs.length, availableParallelism());
  // Started with the first readable photo, so a run of unreadable paths loads no model.
  let pool: RedactionPool | undefined;
  const redact: RedactionPool["redact"] = (bytes, options) =>
    (pool ??= createRedactionPool({ threads, engine, eager: true })).redact(bytes, options);
  const statuses: number[] = [];
  try {
    // Keep a few photos in flight per thread, never the whole list in memory; report in order.
    const window = threads * 2;
    let fallbackTold = false;
    const pending: Promise<Outcome>[] = [];
    const start = (i: number): void => {
      const job = jobs[i];
      if (job) pending[i] = redactOne(job.input, job.output, style, redact);
    };
    for (let i = 0; i < Math.min(window, jobs.length); i++) start(i);
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      const outcome = await pending[i];
      start(i + window);
      if (!job || !outcome) continue;
      const fallbackReason =
        outcome.kind === "result" ? outcome.result.detectorVersions.fallbackReason : null;
      if (fallbackReason !== null && !fallbackTold) {
        fallbackTold = true;
        out.stderr.write(`signage redact: ${fallbackWarning}: ${fallbackReason}\n`);
      }
      const { report, status } = toReport(job.input, job.output, outcome);
      statuses.push(status);
      if (!json) {
        out.stderr.write(`${progressLine(i + 1, jobs.length, report, outcome)}\n`);
        continue;
      }
      out.stdout.write(`${JSON.stringify(report)}\n`);
      // The refusal's sentence still goes to stderr, for a person watching a --json run.
      if (outcome.kind === "refused") {
        out.stderr.write(`signage redact: ${job.input}: ${outcome.message}\n`);
      }
    }
  } finally {
    await pool?.close();
  }
  if (statuses.includes(1)) return 1;
  if (statuses.includes(3)) return 3;
  return 0;
}

async function redactOne(
  input: string,
  output: string,
  style: RedactionStyle,
  redact: RedactionPool["redact"],
): Promise<Outcome> {
  let bytes: Buffer;
  try {
    bytes = await readFile(input);
  } catch (err) {
    return {
      kind: "refused",
      code: "unreadable",
      message: `cannot read the file: ${describe(err)}`,
    };
  }
  try {
    const result = await redact(bytes, { style });
    if (result.verdict === "publishable" && result.renditions) {
      await writeAtomically(output, result.renditions.display.bytes);
    }
    return { kind: "result", result };
  } catch (err) {
    if (err instanceof ImageRejected)
      return { kind: "refused", code: err.code, message: err.message };
    return { kind: "refused", code: "failed", message: describe(err) };
  }
}

function toReport(
  input: string,
  output: string,
  outcome: Outcome,
): { report: RedactReport; status: number } {
  if (outcome.kind === "refused") {
    return {
      report: {
        input,
        output: null,
        faces: 0,
        verified: false,
        needsReview: false,
        reason: outcome.code,
        concerns: [],
      },
      status: 1,
    };
  }
  const r = outcome.result;
  const publishable = r.verdict === "publishable";
  return {
    report: {
      input,
      output: publishable ? output : null,
      faces: r.faces.length,
      verified: r.verification.status === "passed",
      needsReview: !publishable,
      reason: r.reason ?? null,
      concerns: r.concerns.map((c) => c.code),
    },
    status: publishable ? 0 : 3,
  };
}

function progressLine(n: number, total: number, report: RedactReport, outcome: Outcome): string {
  const prefix = `[${n}/${total}] ${report.input}`;
  if (outcome.kind === "refused") return `${prefix}: refused — ${outcome.message}`;
  const faces = `${report.faces} face${report.faces === 1 ? "" : "s"}`;
  const ms = `${Math.round(outcome.result.timingsMs.total)} ms`;
  const concerns = outcome.result.concerns.map((c) => ` ${c.message}`).join("");
  return report.output !== null
    ? `${prefix} → ${report.output} (${faces}, verified, ${ms})${concerns ? `; look at it:${concerns}` : ""}`
    : `${prefix}: needs review — ${outcome.result.message} (${faces}, ${ms}; no output written)`;
}

/** DIR/<name>.webp for each input, with -2, -3… when two inputs share a name. */
function outputsInDir(dir: string, inputs: readonly string[]): { input: string; output: string }[] {
  const used = new Set<string>();
  return inputs.map((input) => {
    const stem = basename(input, extname(input)) || "photo";
    let name = `${stem}.webp`;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${stem}-${k}.webp`;
    used.add(name.toLowerCase());
    return { input, output: join(dir, name) };
  });
}

/** Writes via a temporary file and a rename, so a crash never leaves half a rendition. */
async function writeAtomically(path: string, bytes: Buffer): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "ENOENT") return "no such file";
  if (e.code === "EACCES" || e.code === "EPERM") return "permission denied";
  if (e.code === "EISDIR") return "it is a directory";
  return err instanceof Error ? err.message : String(err);
}
