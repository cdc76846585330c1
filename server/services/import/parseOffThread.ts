import { Piscina } from "piscina";
import { said } from "../../../shared/messages/errorMessages";
import { AppError } from "../../errors";
import { workerFile } from "../../workerFile";
import type { ParseCourtExportOptions, ParsedExport } from "./parseCourtExport";
import type { ParseOutcome, ParseTask } from "./parseTask";

const parseWorkerFile = workerFile("parseWorker");

/** Parses court exports in a worker thread, so a 100,000-row file never stalls the sockets. */
export class ExportParser {
  private pool: Piscina<ParseTask, ParseOutcome> | undefined;

  /** Parses off the event loop; the same result (or AppError) as parseCourtExport. */
  async parse(bytes: Buffer, opts: ParseCourtExportOptions): Promise<ParsedExport> {
    // One thread, started on first use and stopped when idle: imports are rare and serial.
    this.pool ??= new Piscina<ParseTask, ParseOutcome>({
      filename: parseWorkerFile,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: 60_000,
    });
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    const outcome = await this.pool.run({ bytes: copy, opts }, { transferList: [copy] });
    if (!outcome.ok) {
      // The reason crosses the thread as data, so the console still words the refusal.
      throw new AppError(
        outcome.status,
        outcome.code,
        outcome.reason ? said(outcome.reason, outcome.params) : outcome.message,
      );
    }
    return outcome.parsed;
  }

  /** Stops the worker thread. */
  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}
