import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import yauzl from "yauzl";
import { AppError } from "../errors";
import { said } from "../../shared/messages/errorMessages";

/** Photos supplied beside an import, found by file name. */
export interface PhotoSource {
  /** The photo's bytes, or undefined when there is none by that name. */
  get(name: string): Promise<Buffer | undefined>;
}

/** Limits that keep a hostile archive from exhausting memory. */
export const PHOTO_LIMITS = {
  maxFiles: 200_000,
  maxFileBytes: 15 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 ** 3,
};

/** No photos at all. */
export const noPhotos: PhotoSource = { get: () => Promise.resolve(undefined) };

/** Photos in a folder (flat; file names as the export names them). */
export async function folderPhotoSource(dir: string): Promise<PhotoSource> {
  const names = new Set((await readdir(dir)).map((n) => n.normalize("NFC")));
  return {
    async get(name) {
      const n = basename(name).normalize("NFC");
      if (n !== name || !names.has(n)) return undefined;
      const path = join(dir, n);
      const s = await stat(path);
      if (!s.isFile()) return undefined;
      if (s.size > PHOTO_LIMITS.maxFileBytes) {
        throw new AppError(413, "payload_too_large", said("photo.tooLarge", { name: n }));
      }
      return readFile(path);
    },
  };
}

/**
 * Photos in a zip archive, read into memory once with limits on count and sizes (checked on
 * the bytes actually inflated, not only on what the archive claims).
 */
export function zipPhotoSource(
  zip: Buffer,
  limits: { maxTotalBytes: number } = { maxTotalBytes: PHOTO_LIMITS.maxTotalBytes },
): Promise<PhotoSource> {
  return new Promise((resolve, reject) => {
    const bad = (why: string): AppError =>
      new AppError(400, "bad_request", said("photo.archiveUnusable", { why }));
    yauzl.fromBuffer(
      zip,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: false },
      (err, archive) => {
        if (err) {
          reject(bad(err.message));
          return;
        }
        const files = new Map<string, Buffer>();
        let total = 0;
        let count = 0;
        archive.on("error", (e: Error) => reject(bad(e.message)));
        archive.on("end", () =>
          resolve({ get: (name) => Promise.resolve(files.get(name.normalize("NFC"))) }),
        );
        archive.on("entry", (entry: yauzl.Entry) => {
          count += 1;
          if (count > PHOTO_LIMITS.maxFiles) {
            reject(bad("it holds too many files"));
            archive.close();
            return;
          }
          if (entry.fileName.endsWith("/")) {
            archive.readEntry();
            return;
          }
          if (entry.uncompressedSize > PHOTO_LIMITS.maxFileBytes) {
            reject(
              new AppError(
                413,
                "payload_too_large",
                said("photo.archivePhotoTooLarge", { name: entry.fileName }),
              ),
            );
            archive.close();
            return;
          }
          archive.openReadStream(entry, (e, stream) => {
            if (e) {
              reject(bad(e.message));
              return;
            }
            const chunks: Buffer[] = [];
            let size = 0;
            stream.on("data", (c: Buffer) => {
              size += c.length;
              total += c.length;
              if (size > PHOTO_LIMITS.maxFileBytes || total > limits.maxTotalBytes) {
                stream.destroy();
                reject(new AppError(413, "payload_too_large", said("photo.archiveTooLarge")));
                archive.close();
                return;
              }
              chunks.push(c);
            });
            stream.on("error", (se: Error) => reject(bad(se.message)));
            stream.on("end", () => {
              // Folders inside the archive are ignored: photos are matched by their bare file name.
              files.set(basename(entry.fileName).normalize("NFC"), Buffer.concat(chunks));
              archive.readEntry();
            });
          });
        });
        archive.readEntry();
      },
    );
  });
}
