import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { Logger } from "pino";
import { workerFile } from "../../workerFile";
import { ImageRejected } from "./ImageRejected";
import type { RedactionResult, RedactOptions } from "./redactPhoto";
import type { PosterRedactOptions, PosterResult } from "./redactPoster";
import type {
  RedactionTask,
  RedactionTaskOutcome,
  RedactionWorkerData,
  WireRendition,
} from "./redactionTask";
import type { Rendition } from "./renderRenditions";
import type { DetectorEngineChoice } from "./types";

/** How to size and run the pool. */
export interface RedactionPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  threads?: number;
  /**
   * Start every thread (and load the models) now, instead of on the first photo. The server
   * leaves it off so an idle server stays light; batch jobs and benchmarks turn it on.
   */
  eager?: boolean;
  /** An idle thread exits after this long and frees its models; default 5 minutes. */
  idleTimeoutMs?: number;
  /**
   * Lowers the workers' CPU priority (nice(2)) so the main thread's event loop — HTTP and
   * sockets — wins every contest for a core. Default 10; 0 leaves priority alone.
   */
  niceIncrement?: number;
  /**
   * Where the networks run (default `auto`: ONNX Runtime where it loads, else tfjs WASM).
   * A pool that asked for `auto` and got WASM warns once: redaction is then about three
   * times slower.
   */
  engine?: DetectorEngineChoice;
  logger?: Logger;
}

/** Redaction in worker threads, so the caller's event loop never waits on a detector. */
export interface RedactionPool {
  /**
   * Redacts one photo in a worker. Resolves with the result (publishable or needs_review);
   * rejects with ImageRejected for a refused file, RangeError for manual regions outside the
   * photo, or an Error if the worker failed.
   */
  redact(input: Buffer, options?: RedactOptions, signal?: AbortSignal): Promise<RedactionResult>;
  /**
   * Redacts an announcement's poster in a worker of the same pool (the same threads, models
   * and queue as photos, so neither starves the other). Rejects as `redact` does.
   */
  redactPoster(input: Buffer, options?: PosterRedactOptions): Promise<PosterResult>;
  /** Number of worker threads the pool runs at most. */
  readonly threads: number;
  /** Photos waiting for a free thread. */
  readonly queueSize: number;
  /** Finishes queued photos, then stops the threads. */
  close(): Promise<void>;
}

/** What a pool logs once when `auto` could not use ONNX Runtime (the reason goes with it). */
export const fallbackWarning =
  "ONNX Runtime could not be used, so photos are redacted with tfjs WASM (about three times slower)";

const redactionWorkerFile = workerFile("redactionWorker");

/** Starts a pool of redaction worker threads; each loads the models once and keeps them. */
export function createRedactionPool(options: RedactionPoolOptions = {}): RedactionPool {
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const log = options.logger;
  const engine = options.engine ?? "auto";
  const piscina = new Piscina<RedactionTask, RedactionTaskOutcome>({
    filename: redactionWorkerFile,
    name: "default",
    minThreads: options.eager === true ? threads : 0,
    maxThreads: threads,
    idleTimeout: options.idleTimeoutMs ?? 5 * 60_000,
    niceIncrement: options.niceIncrement ?? 10,
    workerData: { engine } satisfies RedactionWorkerData,
  });
  log?.debug({ threads, engine, eager: options.eager === true }, "redaction pool started");
  let fallbackReported = false;

  return {
    threads,
    get queueSize() {
      return piscina.queueSize;
    },
    async redact(input, redactOptions = {}, signal) {
      // A copy in an ArrayBuffer of its own: transferring a Buffer's memory could detach a
      // pooled slab other Buffers share, and the caller keeps its own bytes intact.
      const bytes = new ArrayBuffer(input.length);
      new Uint8Array(bytes).set(input);
      const outcome = await piscina.run(
        { input: bytes, options: redactOptions },
        { transferList: [bytes], ...(signal ? { signal } : {}) },
      );
      if (outcome.ok && "result" in outcome) {
        const { renditions, ...rest } = outcome.result;
        const reason = rest.detectorVersions.fallbackReason;
        if (reason !== null && !fallbackReported) {
          fallbackReported = true;
          log?.warn({ reason }, fallbackWarning);
        }
        return renditions
          ? {
              ...rest,
              renditions: {
                display: fromWire(renditions.display),
                thumb: fromWire(renditions.thumb),
              },
            }
          : rest;
      }
      if ("rejected" in outcome)
        throw new ImageRejected(outcome.rejected.code, outcome.rejected.message);
      if ("invalidOptions" in outcome) throw new RangeError(outcome.invalidOptions.message);
      if (outcome.ok) throw new Error("redaction failed: a poster result came back for a photo");
      log?.error({ err: outcome.failed.message }, "redaction failed in a worker");
      throw new Error(`redaction failed: ${outcome.failed.message}`);
    },
    async redactPoster(input, posterOptions = {}) {
      const bytes = new ArrayBuffer(input.length);
      new Uint8Array(bytes).set(input);
      const outcome = await piscina.run(
        { input: bytes, options: {}, poster: posterOptions },
        { transferList: [bytes] },
      );
      if (outcome.ok && "poster" in outcome) {
        const { rendition, ...rest } = outcome.poster;
        return rendition
          ? { ...rest, rendition: { ...rendition, bytes: Buffer.from(rendition.bytes) } }
          : rest;
      }
      if (outcome.ok) throw new Error("redaction failed: a photo result came back for a poster");
      if ("rejected" in outcome)
        throw new ImageRejected(outcome.rejected.code, outcome.rejected.message);
      if ("invalidOptions" in outcome) throw new RangeError(outcome.invalidOptions.message);
      log?.error({ err: outcome.failed.message }, "poster redaction failed in a worker");
      throw new Error(`redaction failed: ${outcome.failed.message}`);
    },
    async close() {
      await piscina.close();
      log?.debug("redaction pool closed");
    },
  };
}

function fromWire(r: WireRendition): Rendition {
  return { ...r, bytes: Buffer.from(r.bytes) };
}
