import { AppError } from "../../errors";
import {
  parseCourtExport,
  type ParseCourtExportOptions,
  type ParsedExport,
} from "./parseCourtExport";

/** One parse job sent to the worker thread. */
export interface ParseTask {
  bytes: ArrayBuffer;
  opts: ParseCourtExportOptions;
}

/** What comes back: the parsed export, or the AppError's parts (classes do not cross threads). */
export type ParseOutcome =
  | { ok: true; parsed: ParsedExport }
  | {
      ok: false;
      status: number;
      code: AppError["code"];
      message: string;
      reason?: AppError["reason"];
      params?: AppError["params"];
    };

/** Parses a court export inside a worker thread. */
export default function parseTask(task: ParseTask): ParseOutcome {
  try {
    return { ok: true, parsed: parseCourtExport(Buffer.from(task.bytes), task.opts) };
  } catch (err) {
    if (err instanceof AppError)
      return {
        ok: false,
        status: err.status,
        code: err.code,
        message: err.message,
        ...(err.reason ? { reason: err.reason, params: err.params ?? {} } : {}),
      };
    throw err;
  }
}
