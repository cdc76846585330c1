import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageRejected } from "../../../server/services/redaction/ImageRejected";
import { redactPhoto } from "../../../server/services/redaction/redactPhoto";
import {
  createRedactionPool,
  type RedactionPool,
} from "../../../server/services/redaction/redactionPool";
import { demoPhoto, noFacePhoto, portraitPhoto, svgWithScript } from "../../fixtures/images";

describe("the redaction pool", { timeout: 300_000 }, () => {
  let pool: RedactionPool;
  beforeAll(() => {
    pool = createRedactionPool({ threads: 2, eager: true });
  });
  afterAll(() => pool.close());

  // How free the event loop stays meanwhile is a speed target, not a test's: `npm run
  // bench:redact` measures it as loop_p99_ms against its 50 ms target (BENCHMARKS.md).
  it("redacts a dozen photos at once in worker threads, each one correctly", async () => {
    const inputs = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => portraitPhoto(n)));
    const results = await Promise.all([...inputs, ...inputs].map((b) => pool.redact(b)));
    expect(results).toHaveLength(12);
    for (const r of results) expect(r.verdict).toBe("publishable");
    // The same photo gives the same rendition whichever thread took it, and in any order.
    const hashes = results.map((r) => r.renditions?.display.sha256);
    expect(hashes.slice(6)).toEqual(hashes.slice(0, 6));
    expect(new Set(hashes).size).toBe(6);
  });

  it("gives the same result as redacting in process, with the renditions transferred intact", async () => {
    const input = await demoPhoto(5);
    const [inWorker, inProcess] = [await pool.redact(input), await redactPhoto(input)];
    expect(inWorker.verdict).toBe("publishable");
    const display = inWorker.renditions?.display;
    if (!display) throw new Error("no rendition");
    expect(Buffer.isBuffer(display.bytes)).toBe(true);
    expect(createHash("sha256").update(display.bytes).digest("hex")).toBe(display.sha256);
    expect(display.sha256).toBe(inProcess.renditions?.display.sha256);
    expect(inWorker.regions).toEqual(inProcess.regions);
    // The caller's buffer was copied, not detached by the transfer.
    expect(input.length).toBeGreaterThan(0);
  });

  it("rebuilds ImageRejected (code and sentence) on this side of the thread boundary", async () => {
    const err = await pool.redact(svgWithScript()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageRejected);
    expect(err).toMatchObject({ code: "unsupported_media_type", status: 415 });
  });

  it("rebuilds the RangeError for a manual region outside the photo", async () => {
    const bytes = await noFacePhoto();
    const outside = { x: 1.5, y: 0, width: 0.2, height: 0.2 };
    await expect(pool.redact(bytes, { manualRegions: [outside] })).rejects.toThrow(RangeError);
  });

  it("fails closed through the pool too", async () => {
    const result = await pool.redact(await noFacePhoto());
    expect(result.verdict).toBe("needs_review");
    expect(result.renditions).toBeUndefined();
  });
});
