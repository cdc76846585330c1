import type { Request } from "express";
import busboy from "busboy";
import { AppError } from "../errors";
import { said } from "../../shared/messages/errorMessages";

/** One uploaded file, held in memory (sizes are capped). */
export interface UploadedFile {
  fileName: string;
  bytes: Buffer;
}

/** What a multipart form may carry. */
export interface MultipartSpec {
  files: Record<string, { maxBytes: number }>;
  fields: readonly string[];
  maxFieldBytes?: number;
}

/** A parsed multipart form. */
export interface MultipartForm {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
}

/**
 * Reads a multipart/form-data request with hard limits: unknown parts, a second file for a
 * field, or a file over its limit refuse the whole request (413/400), before anything is stored.
 */
export function readMultipart(req: Request, spec: MultipartSpec): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    const maxFile = Math.max(...Object.values(spec.files).map((f) => f.maxBytes), 1);
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        // Browsers and fetch send a file's name as raw UTF-8 (导出.csv); busboy reads it as
        // Latin-1 unless told, and a Chinese name came out as mojibake in reports.
        defParamCharset: "utf8",
        limits: {
          fileSize: maxFile + 1,
          // busboy reports a limit as soon as the count reaches it, so allow one more and let
          // the per-name checks below refuse extras with a precise sentence.
          files: Object.keys(spec.files).length + 1,
          fields: spec.fields.length + 1,
          fieldSize: spec.maxFieldBytes ?? 256 * 1024,
          parts: Object.keys(spec.files).length + spec.fields.length + 1,
        },
      });
    } catch {
      reject(new AppError(400, "bad_request", said("upload.notMultipart")));
      return;
    }
    const form: MultipartForm = { fields: {}, files: {} };
    let failed: AppError | undefined;
    const fail = (err: AppError): void => {
      failed ??= err;
    };
    bb.on("field", (name, value, info) => {
      if (!spec.fields.includes(name))
        fail(new AppError(400, "bad_request", said("upload.unexpectedField", { name })));
      else if (info.valueTruncated)
        fail(new AppError(413, "payload_too_large", said("upload.fieldTooLong", { name })));
      else form.fields[name] = value;
    });
    bb.on("file", (name, stream, info) => {
      const limit = spec.files[name];
      if (!limit) {
        fail(new AppError(400, "bad_request", said("upload.unexpectedFile", { name })));
        stream.resume();
        return;
      }
      if (form.files[name]) {
        fail(new AppError(400, "bad_request", said("upload.oneFileOnly", { name })));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= limit.maxBytes) chunks.push(c);
      });
      stream.on("end", () => {
        if (size > limit.maxBytes) {
          fail(
            new AppError(
              413,
              "payload_too_large",
              said("upload.fileTooLarge", {
                file: info.filename ?? name,
                megabytes: Math.round(limit.maxBytes / 1024 / 1024),
              }),
            ),
          );
        } else form.files[name] = { fileName: info.filename ?? name, bytes: Buffer.concat(chunks) };
      });
    });
    bb.on("partsLimit", () => fail(new AppError(400, "bad_request", said("upload.tooManyParts"))));
    bb.on("filesLimit", () => fail(new AppError(400, "bad_request", said("upload.tooManyFiles"))));
    bb.on("fieldsLimit", () =>
      fail(new AppError(400, "bad_request", said("upload.tooManyFields"))),
    );
    bb.on("error", () =>
      reject(failed ?? new AppError(400, "bad_request", said("upload.malformed"))),
    );
    bb.on("close", () => (failed ? reject(failed) : resolve(form)));
    // A client that drops the connection mid-upload (or is cut off by the server's request
    // timeout) ends the read at once: what it sent is let go, and the caller's finally runs.
    req.on("close", () => {
      if (req.complete) return;
      req.unpipe(bb);
      bb.destroy();
      reject(new AppError(400, "bad_request", said("upload.cutOff")));
    });
    req.pipe(bb);
  });
}
