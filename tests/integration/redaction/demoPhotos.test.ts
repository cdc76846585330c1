import { beforeAll, describe, expect, it } from "vitest";
import { loadFaceDetector } from "../../../server/services/redaction/faceDetector";
import { type RedactionResult, redactPhoto } from "../../../server/services/redaction/redactPhoto";
import type { RedactionStyle } from "../../../server/services/redaction/types";
import { demoFaces } from "../../fixtures/demoFaces";
import { demoPhoto, demoPhotoNumbers } from "../../fixtures/images";
import type { HardCase } from "../../fixtures/privacyHardSet";
import { testedEngines } from "../../support/onnxPlatform";
import { judgeCase } from "../../support/privacyJudge";

/** A whole demo photo as a judged case: every labelled face must be covered. */
async function wholePhotoCase(n: number): Promise<HardCase> {
  const labels = demoFaces.find((d) => d.photo === n);
  if (!labels) throw new Error(`sample ${n} has no labels`);
  return {
    name: `whole/p${n}`,
    shape: "blur",
    photo: n,
    face: null,
    split: n % 2 === 1 ? "tune" : "report",
    bytes: await demoPhoto(n),
    width: labels.width,
    height: labels.height,
    known: labels.faces.map((f, i) => ({
      face: `p${n}f${i}`,
      box: {
        x: f.x / labels.width,
        y: f.y / labels.height,
        width: f.width / labels.width,
        height: f.height / labels.height,
      },
      visible: 1,
      partial: false,
    })),
    fringe: [],
  };
}

/**
 * The privacy guarantee on real photos: face-api's six demo photos, 22 faces between them,
 * through the real models, on both engines. The judge is not the pipeline's detectors: each
 * face's box was labelled by hand (tests/fixtures/demoFaces.ts), and a published rendition
 * must cover every labelled box both in the recorded regions and in its pixels
 * (tests/support/privacyJudge.ts).
 */
describe.each(testedEngines)(
  "redacting the face-api demo photos on %s",
  { timeout: 300_000 },
  (engine) => {
    const deps = { loadDetector: () => loadFaceDetector(engine) };
    const cases = new Map<number, HardCase>();
    const results = new Map<string, RedactionResult>();

    beforeAll(async () => {
      for (const n of demoPhotoNumbers) {
        const c = await wholePhotoCase(n);
        cases.set(n, c);
        for (const style of ["mosaic", "solid"] as const) {
          results.set(`${n}-${style}`, await redactPhoto(c.bytes, { style }, deps));
        }
      }
    }, 300_000);

    const get = (n: number, style: RedactionStyle): { c: HardCase; result: RedactionResult } => {
      const c = cases.get(n);
      const result = results.get(`${n}-${style}`);
      if (!c || !result) throw new Error(`sample ${n} (${style}) was not redacted`);
      return { c, result };
    };

    it("has the 22 labelled faces", () => {
      expect(demoPhotoNumbers.reduce((sum, n) => sum + get(n, "mosaic").c.known.length, 0)).toBe(
        22,
      );
    });

    it.each(
      demoPhotoNumbers.flatMap((n) =>
        (["mosaic", "solid"] as const).map((style): [number, RedactionStyle] => [n, style]),
      ),
    )(
      "covers every labelled face of sample %i (%s), in the regions and the pixels",
      async (n, style) => {
        const { c, result } = get(n, style);
        const verdict = await judgeCase(c, result);
        // Every labelled face was judged (none skipped, so the check below cannot pass empty).
        expect(c.known.length).toBeGreaterThan(0);
        expect(verdict.faces.map((f) => f.face)).toEqual(c.known.map((f) => f.face));
        expect(verdict.faces.filter((f) => !f.covered)).toEqual([]);
        if (result.verdict === "needs_review") {
          // Held back: only for a reason, and with nothing a screen could show.
          expect(result.renditions).toBeUndefined();
          expect(result.verification.hits.some((h) => h.blocking)).toBe(true);
        } else {
          // Published: each face was judged in the rendition's pixels too, not by regions alone.
          expect(verdict.published).toBe(true);
          expect(verdict.faces.filter((f) => f.detailRatio === null)).toEqual([]);
          expect(result.verification.status).toBe("passed");
          expect(result.verification.hits.filter((h) => h.blocking)).toEqual([]);
        }
      },
    );

    it("publishes nearly every demo photo with the mosaic, most with a solid fill, each flagged as a group photo", () => {
      const published = (style: RedactionStyle): number =>
        demoPhotoNumbers.filter((n) => get(n, style).result.verdict === "publishable").length;
      // A cover over a head is itself head-shaped: TinyFaceDetector scores some solid boxes at
      // 0.3–0.35, and BlazeFace a hit 60 % on sample 1's mosaic at 0.51 (it counts as on a
      // cover only from 90 %); the gate holds those back (fail closed). The queue renders mosaics.
      expect(published("mosaic")).toBeGreaterThanOrEqual(5);
      expect(published("solid")).toBeGreaterThanOrEqual(3);
      for (const n of demoPhotoNumbers) {
        expect(get(n, "mosaic").result.concerns.map((c) => c.code)).toContain("several_faces");
      }
    });

    it("records each detector's score, the regions and the detector versions", () => {
      const { result } = get(5, "mosaic");
      const detectors = new Set(result.faces.flatMap((f) => f.detections.map((d) => d.detector)));
      expect(detectors).toEqual(new Set(["ssd_mobilenetv1", "tiny_face_detector", "blazeface"]));
      expect(result.faces.length).toBeGreaterThan(0);
      const passes = new Set(result.faces.flatMap((f) => f.detections.map((d) => d.pass)));
      expect(passes.has("main")).toBe(true);
      for (const f of result.faces) {
        for (const d of f.detections) expect(d.score).toBeGreaterThanOrEqual(0.2);
      }
      expect(result.regions.length).toBeGreaterThan(0);
      expect(result.detectorVersions.faceApi).toMatch(/^\d+\.\d+\.\d+$/);
      expect(result.detectorVersions.tfjsBackendWasm).toMatch(/^\d+\.\d+\.\d+$/);
      expect(result.detectorVersions.backend).toBe(
        engine === "onnxruntime" ? "onnxruntime-cpu" : "tfjs-wasm",
      );
      expect(result.detectorVersions.models.ssd_mobilenetv1).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(result.detectorVersions.models.tiny_face_detector).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(result.detectorVersions.models.blazeface).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(result.detectorVersions.blazeFacePackage).toMatch(/^\d+\.\d+\.\d+$/);
    });
  },
);
