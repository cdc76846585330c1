import { normalizeImage } from "./redaction/imageIntake";

/**
 * Checks an uploaded photo at intake by decoding it the way the redaction pipeline will
 * (format by content, pixel limit, strict decode); throws ImageRejected (a 4xx) so a bad file
 * is refused before anything is stored. sharp decodes on libuv's pool, off the event loop.
 */
export async function checkPhoto(bytes: Buffer): Promise<void> {
  await normalizeImage(bytes);
}
