import {
  ImportProgressEventSchema,
  type ImportProgressEvent,
} from "../../../../shared/schemas/importProgress";
import { consoleSocket } from "../lib/consoleSocket";

/**
 * Listens for the progress of one import on the console's socket and resolves once the socket
 * is connected or after `waitMs`, whichever comes first, so an upload started next misses no
 * step. Progress is a nicety: if the socket cannot connect, the import still runs and its
 * report still comes back. Call the returned function to stop listening.
 */
export async function watchImportProgress(
  progressId: string,
  onProgress: (e: ImportProgressEvent) => void,
  waitMs = 2_000,
): Promise<() => void> {
  const socket = consoleSocket();
  const listener = (raw: unknown): void => {
    const e = ImportProgressEventSchema.safeParse(raw);
    if (e.success && e.data.progressId === progressId) onProgress(e.data);
  };
  socket.on("import:progress", listener);
  if (!socket.connected)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      socket.once("connect", done);
      socket.once("connect_error", done);
    });
  return () => socket.off("import:progress", listener);
}
