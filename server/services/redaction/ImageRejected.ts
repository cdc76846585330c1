import { AppError } from "../../errors";

/** Why an uploaded image was refused; each maps to one HTTP status. */
export type ImageRejectionCode = "unsupported_media_type" | "payload_too_large" | "bad_request";

const statusOf: Record<ImageRejectionCode, number> = {
  unsupported_media_type: 415,
  payload_too_large: 413,
  bad_request: 400,
};

/**
 * A photo the pipeline refuses to process: a 4xx with one human sentence. It is an AppError
 * so the HTTP error handler answers it as is; nothing is stored when it is thrown.
 */
export class ImageRejected extends AppError {
  declare readonly code: ImageRejectionCode;

  constructor(code: ImageRejectionCode, message: string) {
    super(statusOf[code], code, message);
    this.name = "ImageRejected";
  }
}
