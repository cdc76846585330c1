import { move, transferableSymbol, valueSymbol, workerData } from "piscina";
import { loadFaceDetector } from "./faceDetector";
import { ImageRejected, type ImageRejectionCode } from "./ImageRejected";
import { type RedactionResult, type RedactOptions, redactPhoto } from "./redactPhoto";
import { type PosterRedactOptions, type PosterResult, redactPoster } from "./redactPoster";
import type { Rendition } from "./renderRenditions";
import { type DetectorEngineChoice, parseDetectorEngine } from "./types";

/** One photo sent to a worker; the bytes arrive as a transferred ArrayBuffer, not a copy. */
export interface RedactionTask {
  input: ArrayBuffer;
  options: RedactOptions;
  /** Present: the bytes are an announcement's poster, run through redactPoster instead. */
  poster?: PosterRedactOptions;
}

/** A poster result as it crosses the thread boundary: its rendition's bytes transferred. */
export type WirePosterResult = Omit<PosterResult, "rendition"> & {
  rendition?: Omit<NonNullable<PosterResult["rendition"]>, "bytes"> & { bytes: ArrayBuffer };
};

/** A rendition as it crosses the thread boundary: its bytes in an ArrayBuffer of its own. */
export type WireRendition = Omit<Rendition, "bytes"> & { bytes: ArrayBuffer };

/** A result as it crosses the thread boundary. */
export type WireResult = Omit<RedactionResult, "renditions"> & {
  renditions?: { display: WireRendition; thumb: WireRendition };
};

/**
 * What a worker answers. Errors are values, not throws: a thrown error loses its class and
 * code when cloned to the main thread, and a refused image must stay a 4xx there.
 */
export type RedactionTaskOutcome =
  | { ok: true; result: WireResult }
  | { ok: true; poster: WirePosterResult }
  | { ok: false; rejected: { code: ImageRejectionCode; message: string } }
  | { ok: false; invalidOptions: { message: string } }
  | { ok: false; failed: { message: string } };

/** What the pool tells every worker thread (piscina's workerData). */
export interface RedactionWorkerData {
  engine: DetectorEngineChoice;
}

const asked = (workerData as Partial<RedactionWorkerData> | undefined)?.engine;
const engine = parseDetectorEngine(asked ?? "auto");
// A pool that names an unknown engine is a programming error: every photo then fails closed.
if (!engine) throw new Error(`unknown detector engine ${JSON.stringify(asked)}`);
const loadDetector = () => loadFaceDetector(engine);

// Load tfjs, the models and the engine, and run both networks once on a blank square (their
// input sizes are fixed, so this builds every kernel they need), before the first photo
// arrives. A load that fails here is retried by that photo, which then fails closed.
await loadDetector()
  .then((detector) =>
    detector.detect({ data: Buffer.alloc(64 * 64 * 3), width: 64, height: 64 }, 0.99),
  )
  .catch(() => undefined);

/** The worker's handler: redacts one photo and transfers the renditions back. */
export default async function redactionTask(task: RedactionTask): Promise<unknown> {
  let outcome: RedactionTaskOutcome;
  try {
    if (task.poster)
      return posterOutcome(
        await redactPoster(Buffer.from(task.input), task.poster, { loadDetector }),
      );
    const result = await redactPhoto(Buffer.from(task.input), task.options, { loadDetector });
    const { renditions, ...rest } = result;
    const wire: WireResult = renditions
      ? {
          ...rest,
          renditions: { display: toWire(renditions.display), thumb: toWire(renditions.thumb) },
        }
      : rest;
    outcome = { ok: true, result: wire };
  } catch (err) {
    if (err instanceof ImageRejected) {
      outcome = { ok: false, rejected: { code: err.code, message: err.message } };
    } else if (err instanceof RangeError) {
      outcome = { ok: false, invalidOptions: { message: err.message } };
    } else {
      outcome = {
        ok: false,
        failed: { message: err instanceof Error ? err.message : String(err) },
      };
    }
  }
  const transfers =
    outcome.ok && "result" in outcome && outcome.result.renditions
      ? [outcome.result.renditions.display.bytes, outcome.result.renditions.thumb.bytes]
      : [];
  const value = outcome;
  return move({
    get [transferableSymbol]() {
      return transfers;
    },
    get [valueSymbol]() {
      return value;
    },
  });
}

/** A poster's result, its rendition's bytes moved (not copied) to the main thread. */
function posterOutcome(result: PosterResult): unknown {
  const { rendition, ...rest } = result;
  const bytes = rendition ? copyOf(rendition.bytes) : undefined;
  const value: RedactionTaskOutcome = {
    ok: true,
    poster: rendition && bytes ? { ...rest, rendition: { ...rendition, bytes } } : rest,
  };
  return move({
    get [transferableSymbol]() {
      return bytes ? [bytes] : [];
    },
    get [valueSymbol]() {
      return value;
    },
  });
}

function copyOf(bytes: Buffer): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

function toWire(r: Rendition): WireRendition {
  // A fresh ArrayBuffer: sharp's output may share memory that cannot be detached.
  const bytes = new ArrayBuffer(r.bytes.length);
  new Uint8Array(bytes).set(r.bytes);
  return { ...r, bytes };
}
