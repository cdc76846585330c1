// The pure part of the kiosk's screenshot: what main does with the window's webContents when the
// renderer asks (screen:capture). Electron's types stay out, so it is unit-tested with a fake.

/** The part of Electron's NativeImage a capture reads. */
export interface CapturedImage {
  isEmpty(): boolean;
  getSize(): { width: number; height: number };
  resize(options: {
    width?: number;
    height?: number;
    quality?: "good" | "better" | "best";
  }): CapturedImage;
  toPNG(): Buffer;
}

/** The part of Electron's WebContents a capture needs. */
export interface CapturableContents {
  isDestroyed(): boolean;
  capturePage(): Promise<CapturedImage>;
}

/** Pictures wider than this (a window on an 8K panel) are scaled down before they are sent. */
export const CAPTURE_MAX_WIDTH = 3840;

/**
 * A PNG of what the window shows now, at most {@link CAPTURE_MAX_WIDTH} wide. Throws a sentence
 * the kiosk forwards to the server as its reason when there is no window or nothing was drawn.
 */
export async function capturePng(contents: CapturableContents | undefined): Promise<Buffer> {
  if (!contents || contents.isDestroyed()) throw new Error("The kiosk window is not open.");
  let image = await contents.capturePage();
  if (image.isEmpty()) throw new Error("The kiosk window gave an empty picture.");
  if (image.getSize().width > CAPTURE_MAX_WIDTH)
    image = image.resize({ width: CAPTURE_MAX_WIDTH, quality: "good" });
  return image.toPNG();
}
