import { describe, expect, it } from "vitest";
import { toCropped, toWhole } from "../../../../../server/console/src/review/cropFrame";

const crop = { x: 0.2, y: 0.1, width: 0.5, height: 0.8 };

describe("regions drawn on the whole photo and kept relative to the crop", () => {
  it("maps a region into the crop and back unchanged", () => {
    const whole = { x: 0.3, y: 0.2, width: 0.1, height: 0.2 };
    const inCrop = toCropped(whole, crop);
    expect(inCrop?.x).toBeCloseTo(0.2);
    expect(inCrop?.y).toBeCloseTo(0.125);
    expect(inCrop?.width).toBeCloseTo(0.2);
    expect(inCrop?.height).toBeCloseTo(0.25);
    const back = inCrop ? toWhole(inCrop, crop) : null;
    expect(back?.x).toBeCloseTo(whole.x);
    expect(back?.width).toBeCloseTo(whole.width);
  });

  it("clips a region to the crop and drops one outside it", () => {
    const clipped = toCropped({ x: 0.1, y: 0.05, width: 0.2, height: 0.2 }, crop);
    expect(clipped?.x).toBe(0);
    expect(clipped?.y).toBe(0);
    expect(clipped?.width).toBeCloseTo(0.2);
    expect(toCropped({ x: 0.8, y: 0.1, width: 0.1, height: 0.1 }, crop)).toBeNull();
  });

  it("leaves regions alone when there is no crop", () => {
    const r = { x: 0.1, y: 0.2, width: 0.3, height: 0.4 };
    expect(toCropped(r, null)).toEqual(r);
    expect(toWhole(r, null)).toEqual(r);
  });
});
