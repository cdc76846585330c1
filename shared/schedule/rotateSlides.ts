/** Which slide of a rotation is shown at an instant, and when it changes. */
export interface RotationSlot {
  /** Index into the slide list. */
  index: number;
  /** Epoch milliseconds at which the next slide starts. */
  nextChangeAt: number;
}

/**
 * Picks the slide shown at `now` in a rotation of `count` slides, each shown for
 * `dwellMs`, counted from the Unix epoch so every screen agrees without talking.
 * Returns null when there is nothing to show.
 */
export function rotateSlides(count: number, dwellMs: number, now: number): RotationSlot | null {
  if (!Number.isInteger(count) || count <= 0) return null;
  if (!Number.isFinite(dwellMs) || dwellMs <= 0) {
    throw new RangeError(`dwellMs must be a positive number, got ${dwellMs}`);
  }
  const slot = Math.floor(now / dwellMs);
  return { index: ((slot % count) + count) % count, nextChangeAt: (slot + 1) * dwellMs };
}
