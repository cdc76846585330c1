import type { Logger } from "pino";
import type { RedactionConcern } from "../../shared/schemas/moderation";
import type { DetectorEngineChoice } from "./redaction/types";
import { createRedactionPool } from "./redaction/redactionPool";
import type { PhotoRedactor, RedactionOutcome } from "./RedactionQueue";
import type { PosterRedactor } from "./PosterRedaction";

/** The redaction worker pool behind the queue's PhotoRedactor interface. */
export function createPhotoRedactor(opts: {
  workers: number;
  engine: DetectorEngineChoice;
  log: Logger;
}): PhotoRedactor &
  PosterRedactor & {
    close(): Promise<void>;
  } {
  const pool = createRedactionPool({
    threads: opts.workers,
    engine: opts.engine,
    logger: opts.log,
  });
  return {
    async redact(raw, options): Promise<RedactionOutcome> {
      const r = await pool.redact(raw, {
        style: options.style,
        ...(options.manualRegions ? { manualRegions: options.manualRegions } : {}),
        ...(options.crop ? { crop: options.crop } : {}),
        ...(options.coverAll ? { coverAll: true } : {}),
        ...(options.expectOneFace === undefined ? {} : { expectOneFace: options.expectOneFace }),
      });
      const { renditions, ...detail } = r;
      return {
        verdict: r.verdict,
        ...(r.verdict === "needs_review" ? { reason: r.message } : {}),
        style: r.style,
        renditions: renditions
          ? [
              { variant: "display", ...renditions.display },
              { variant: "thumb", ...renditions.thumb },
            ].map((x) => ({
              variant: x.variant as "display" | "thumb",
              mime: x.mediaType,
              width: x.width,
              height: x.height,
              hash: x.sha256,
              bytes: x.bytes,
            }))
          : [],
        // The pipeline's concerns are ones the review queue knows: a new code fails to compile.
        concerns: r.concerns satisfies readonly RedactionConcern[],
        // Detections, regions, verification, versions and timings, for the moderator.
        detail,
      };
    },
    // Announcement posters run in the same threads, through the same queue of the pool.
    redactPoster: (raw, options) => pool.redactPoster(raw, options),
    close: () => pool.close(),
  };
}
