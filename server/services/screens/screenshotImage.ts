import sharp, { type Metadata } from "sharp";
import { said } from "../../../shared/messages/errorMessages";
import { SCREENSHOT_MAX_SIDE } from "../../../shared/schemas/screenshot";
import { AppError } from "../../errors";

/** The smallest side a real screen picture has. */
const MIN_SIDE = 16;
/** Pictures are stored at most this wide or tall (a 4K screen keeps its size). */
const STORED_SIDE = 3840;
/** Decoding stops before this many pixels: an 8K screen, never a crafted giant. */
const PIXEL_LIMIT = SCREENSHOT_MAX_SIDE * 4320;

/** A picture as the server keeps it: a JPEG it encoded itself, metadata stripped. */
export interface StoredPicture {
  jpeg: Buffer;
  width: number;
  height: number;
}

/**
 * Checks a kiosk's upload by its content (a PNG or JPEG sharp decodes strictly, of bounded
 * dimensions) and re-encodes it as a JPEG, so nothing of the upload but its pixels is kept.
 * Throws a 400 with a reason for anything else; decoding runs on libuv's pool.
 */
export async function reencodeScreenshot(bytes: Buffer): Promise<StoredPicture> {
  const open = () => sharp(bytes, { limitInputPixels: PIXEL_LIMIT, failOn: "error" });
  let meta: Metadata;
  try {
    meta = await open().metadata();
  } catch {
    throw new AppError(400, "bad_request", said("screenshot.notImage"));
  }
  if (meta.format !== "png" && meta.format !== "jpeg")
    throw new AppError(400, "bad_request", said("screenshot.notImage"));
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (
    width < MIN_SIDE ||
    height < MIN_SIDE ||
    width > SCREENSHOT_MAX_SIDE ||
    height > SCREENSHOT_MAX_SIDE
  )
    throw new AppError(
      400,
      "bad_request",
      said("screenshot.badSize", { width, height, max: SCREENSHOT_MAX_SIDE }),
    );
  try {
    const { data, info } = await open()
      .resize({ width: STORED_SIDE, height: STORED_SIDE, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#000000" })
      .jpeg({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    return { jpeg: data, width: info.width, height: info.height };
  } catch {
    // A header that reads but pixels that do not (truncated, corrupt).
    throw new AppError(400, "bad_request", said("screenshot.notImage"));
  }
}
